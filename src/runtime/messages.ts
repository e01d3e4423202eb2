import type { LoadedConfig } from '../config/loaded.ts';
import type { Settings } from '../settings/schema.ts';
import type { StateReplyMessage, StateRequestMessage } from '../state/ipc-protocol.ts';
import type { MetricsReply } from '../telemetry/metrics/cluster-metrics.ts';

/**
 * The IPC between the primary process (owner of settings, configuration,
 * signals and the admin listener) and its workers (the data plane). Shared
 * state — rate-limit counters exact across workers — travels here too
 * (src/state/ipc-protocol.ts): the primary is the one place a host-wide
 * counter can live. So do metrics: the primary serves /metrics and asks each
 * worker for its counts (src/telemetry/metrics/cluster-metrics.ts).
 */

export type PrimaryMessage =
  | { type: 'start'; settings: Settings; config: LoadedConfig }
  | { type: 'apply'; config: LoadedConfig }
  | { type: 'drain' }
  /** /metrics was scraped: the worker answers with a `metrics-reply` carrying the same id. */
  | { type: 'metrics-request'; id: number }
  | StateReplyMessage;

export type WorkerMessage =
  | { type: 'listening'; address: string; port: number; httpsPort?: number }
  | { type: 'listen-failed'; listener: 'http' | 'https'; code: string; message: string }
  | { type: 'applied'; hash: string }
  | MetricsReply
  | StateRequestMessage;

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}
