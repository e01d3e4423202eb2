import type { CustomMetrics } from '../custom-metrics.ts';
import { counter, gauge, METRIC_PREFIX, type MetricFamily, type MetricValue } from './families.ts';

/**
 * The emit-metric policy's series as Prometheus families: one summary
 * (`apimgw_emit_metric_sum` / `_count`) plus min and max gauges, labelled with
 * the metric's namespace and name and one label per dimension. The recorder
 * caps the number of series (custom-metrics.ts MAX_SERIES); samples refused
 * by the cap are counted in apimgw_emit_metric_dropped_total.
 */

const FIXED_LABELS = new Set(['metric_namespace', 'metric_name', 'le', 'quantile']);

/** "API ID" → "api_id": Prometheus label names are [a-zA-Z_][a-zA-Z0-9_]* and may not start with "__". */
export function dimensionLabel(dimension: string): string {
  let label = dimension.trim().toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+/, '');
  if (label === '' || /^[0-9]/.test(label)) label = `dimension_${label}`;
  return FIXED_LABELS.has(label) ? `dimension_${label}` : label;
}

export function customMetricFamilies(recorder: CustomMetrics): MetricFamily[] {
  const name = `${METRIC_PREFIX}emit_metric`;
  const summary: MetricValue[] = [];
  const min: MetricValue[] = [];
  const max: MetricValue[] = [];
  for (const series of recorder.snapshot()) {
    const labels: Record<string, string> = { metric_namespace: series.namespace, metric_name: series.name };
    for (const [dimension, value] of Object.entries(series.dimensions)) {
      const label = dimensionLabel(dimension);
      // Two dimensions that spell the same label ("API ID", "api-id") keep the first.
      if (!Object.hasOwn(labels, label)) labels[label] = value;
    }
    summary.push({ metricName: `${name}_sum`, labels, value: series.sum }, { metricName: `${name}_count`, labels, value: series.count });
    min.push({ labels, value: series.min });
    max.push({ labels, value: series.max });
  }
  return [
    { name, help: 'Values recorded by the emit-metric policy: their sum and count per metric and dimension values.', type: 'summary', aggregator: 'sum', values: summary },
    gauge('emit_metric_min', 'Smallest value recorded by the emit-metric policy per metric and dimension values (since the worker started).', min, 'min'),
    gauge('emit_metric_max', 'Largest value recorded by the emit-metric policy per metric and dimension values (since the worker started).', max, 'max'),
    counter('emit_metric_dropped_total', 'emit-metric samples refused because the number of distinct series reached its cap.', [{ labels: {}, value: recorder.dropped }]),
  ];
}
