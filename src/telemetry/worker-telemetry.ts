import type { Settings } from '../settings/schema.ts';
import type { Logger } from './logger.ts';
import { startRequestLog } from './request-log.ts';

/**
 * The telemetry a worker runs besides its stdout log: the request log and,
 * when enabled, tracing. Modules for sinks that are off are never loaded.
 * Never rejects: telemetry that cannot start is reported, and the worker
 * serves without it.
 */

export interface WorkerTelemetry {
  /** Flushes and stops every sink (at shutdown, after the data plane drained). */
  close(): Promise<void>;
}

type TelemetrySettings = Parameters<typeof startRequestLog>[0];

export async function startWorkerTelemetry(settings: TelemetrySettings & Pick<Settings, never>, logger: Logger): Promise<WorkerTelemetry> {
  const sinks: Array<{ close(): Promise<void> }> = [];
  try {
    const requestLog = await startRequestLog(settings, logger);
    if (requestLog) sinks.push(requestLog);
  } catch (error) {
    logger.error({ err: error }, 'request log could not be started; serving without it');
  }
  return {
    close: async () => {
      await Promise.all(sinks.map((sink) => sink.close().catch((error: unknown) => logger.warn({ err: error }, 'telemetry sink did not close cleanly'))));
    },
  };
}
