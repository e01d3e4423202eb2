/**
 * Metric families in the JSON shape prom-client's Registry.getMetricsAsJSON()
 * produces and AggregatorRegistry.aggregate() sums across processes. Workers
 * build them from their own accumulators (cheaper per request than
 * prom-client's metric objects, which hash their labels on every
 * observation), send them to the primary over the cluster IPC channel, and the
 * primary aggregates and renders them with prom-client.
 */

export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'summary';

/** How the values of one series from several workers combine (prom-client's aggregator names). */
export type Aggregation = 'sum' | 'min' | 'max' | 'first';

export interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  /** For histograms and summaries: `<name>_bucket`, `<name>_sum`, `<name>_count`. */
  metricName?: string;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricKind;
  aggregator: Aggregation;
  values: MetricValue[];
}

/** Every name this gateway exports starts with this, so its series never collide with a node exporter's on the same Prometheus. */
export const METRIC_PREFIX = 'apimgw_';

export function gauge(name: string, help: string, values: MetricValue[], aggregator: Aggregation = 'sum'): MetricFamily {
  return { name: METRIC_PREFIX + name, help, type: 'gauge', aggregator, values };
}

export function counter(name: string, help: string, values: MetricValue[]): MetricFamily {
  return { name: METRIC_PREFIX + name, help, type: 'counter', aggregator: 'sum', values };
}

/** Counters, histograms and summaries only grow: a stopped worker's last values still belong in the totals. */
export function isMonotonic(family: MetricFamily): boolean {
  return family.type !== 'gauge';
}
