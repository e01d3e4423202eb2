import type { Settings } from '../../settings/schema.ts';
import type { Logger } from '../logger.ts';
import { otlpResource } from '../otlp.ts';
import { onRequestRecord, tracePropagation } from '../request-record.ts';
import { OtlpTraceExporter } from './otlp-exporter.ts';
import { requestSpans } from './spans.ts';
import { beginTrace } from './trace-context.ts';

/**
 * Tracing (observability.opentelemetry.enabled): loaded by dynamic import
 * only when enabled. Installs the traceparent propagation the data plane
 * calls per request, and turns each finished request's record into spans
 * for the OTLP exporter.
 */
export function startTracing(settings: Pick<Settings, 'observability.opentelemetry.collector.uri' | 'gateway.name'>, logger: Logger): { close(): Promise<void> } {
  const exporter = new OtlpTraceExporter({
    collectorUri: settings['observability.opentelemetry.collector.uri']!,
    resource: otlpResource(settings),
    logger,
  });
  tracePropagation.begin = beginTrace;
  const unsubscribe = onRequestRecord((record) => {
    const spans = requestSpans(record);
    if (spans.length > 0) exporter.add(spans);
  });
  return {
    close: async () => {
      tracePropagation.begin = undefined;
      unsubscribe();
      await exporter.close();
    },
  };
}
