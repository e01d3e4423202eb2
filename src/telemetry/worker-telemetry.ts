import { ApimgwError } from '../errors.ts';
import type { Settings } from '../settings/schema.ts';
import { eventSinks, startEventSink } from './event-sink.ts';
import type { Logger } from './logger.ts';
import { startRequestLog } from './request-log.ts';

/**
 * The telemetry a worker runs besides its stdout log and metrics: the
 * request log, the log-to-eventhub sink and, when enabled, tracing. Modules
 * of sinks that are off are never loaded. Never rejects: a sink that cannot
 * start is reported, and the worker serves without it.
 */

export interface WorkerTelemetry {
  /** Flushes and stops every sink (at shutdown, after the data plane drained). */
  close(): Promise<void>;
}

type TelemetrySettings = Parameters<typeof startRequestLog>[0] & Parameters<typeof startEventSink>[0]
  & Pick<Settings, 'observability.opentelemetry.enabled' | 'observability.opentelemetry.collector.uri'>;

/** Combinations the schema cannot see; checked by `apimgw run` before any worker starts. */
export function checkTelemetrySettings(settings: TelemetrySettings): void {
  if (settings['observability.opentelemetry.enabled'] && settings['observability.opentelemetry.collector.uri'] === undefined) {
    throw new ApimgwError('APIMGW_E_SETTINGS_INVALID', 'observability.opentelemetry.enabled=true but observability.opentelemetry.collector.uri is not set', {
      hint: 'Set observability.opentelemetry.collector.uri to the collector\'s OTLP/HTTP base URL (e.g. http://127.0.0.1:4318), or turn tracing off.',
    });
  }
}

export async function startWorkerTelemetry(settings: TelemetrySettings, logger: Logger): Promise<WorkerTelemetry> {
  const sinks: Array<{ close(): Promise<void> }> = [];
  const start = async (what: string, starting: () => Promise<{ close(): Promise<void> } | undefined>) => {
    try {
      const sink = await starting();
      if (sink) sinks.push(sink);
    } catch (error) {
      logger.error({ err: error }, `${what} could not be started; serving without it`);
    }
  };
  await start('request log', () => startRequestLog(settings, logger));
  await start('log-to-eventhub sink', async () => {
    const sink = await startEventSink(settings, logger);
    eventSinks.current = sink;
    return sink;
  });
  if (settings['observability.opentelemetry.enabled']) {
    await start('tracing', async () => (await import('./tracing/index.ts')).startTracing(settings, logger));
  }
  return {
    close: async () => {
      eventSinks.current = undefined;
      await Promise.all(sinks.map((sink) => sink.close().catch((error: unknown) => logger.warn({ err: error }, 'telemetry sink did not close cleanly'))));
    },
  };
}
