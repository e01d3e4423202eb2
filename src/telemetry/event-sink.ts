import type { Settings } from '../settings/schema.ts';
import type { Logger } from './logger.ts';
import { RotatingFile } from './rotating-file.ts';

/**
 * Where log-to-eventhub events go (telemetry.eventhub.endpoint): a file
 * (one JSON object a line, appended by every worker, fsynced each batch,
 * rotated by size) or an HTTP(S) URL (JSON arrays POSTed in batches,
 * retried with backoff while it is down, held in a bounded buffer). Unset:
 * the policy writes each event to the stdout log, as before.
 */

export interface HubEvent {
  time: string;
  loggerId: string;
  partitionId?: string;
  partitionKey?: string;
  requestId: string;
  message: string;
}

export interface EventSink {
  send(event: HubEvent): void;
  /** Events lost so far: buffer full, or the file could not be written. */
  readonly dropped: number;
  close(): Promise<void>;
}

/** The process's sink, installed by the worker's telemetry at start; read by log-to-eventhub per event. */
export const eventSinks: { current: EventSink | undefined } = { current: undefined };

type EventSinkSettings = Pick<Settings, 'telemetry.eventhub.endpoint' | 'telemetry.eventhub.buffer' | 'telemetry.eventhub.rotate.size' | 'telemetry.eventhub.rotate.keep'>;

const FILE_BUFFER_BYTES = 16 * 1024 * 1024;

export async function startEventSink(settings: EventSinkSettings, logger: Logger): Promise<EventSink | undefined> {
  const endpoint = settings['telemetry.eventhub.endpoint'];
  if (endpoint === undefined) return undefined;
  if (/^https?:\/\//i.test(endpoint)) {
    const { HttpEventSink } = await import('./http-event-sink.ts');
    return new HttpEventSink(endpoint, settings['telemetry.eventhub.buffer'], logger);
  }
  const file = new RotatingFile(endpoint, {
    maxBytes: settings['telemetry.eventhub.rotate.size'],
    keep: settings['telemetry.eventhub.rotate.keep'],
    fsync: true,
    bufferBytes: FILE_BUFFER_BYTES,
    onError: (error) => logger.error({ path: endpoint, code: error.code }, 'log-to-eventhub file cannot be written; events are dropped until it can'),
  });
  return {
    send: (event) => file.write(`${JSON.stringify(event)}\n`),
    get dropped() {
      return file.dropped;
    },
    close: async () => {
      await file.close();
      if (file.dropped > 0) logger.warn({ path: endpoint, dropped: file.dropped }, 'log-to-eventhub events dropped');
    },
  };
}
