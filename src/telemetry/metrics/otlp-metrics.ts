import type { Logger } from '../logger.ts';
import { OTLP_SCOPE, otlpAttributes, otlpFailureHint, otlpUrl, postOtlp, unixNanos, type OtlpAttribute, type OtlpResource } from '../otlp.ts';
import type { MetricFamily, MetricValue } from './families.ts';

/**
 * The gateway's metrics pushed over OTLP/HTTP (`POST {uri}/v1/metrics`,
 * JSON) every `intervalMs` and once more on shutdown: the same families,
 * names and labels /metrics serves, aggregated across workers by the
 * primary. Counters and histograms are cumulative from the exporter's
 * start, so an export the collector misses loses resolution, not counts.
 */

const TEMPORALITY_CUMULATIVE = 2;

interface NumberPoint {
  attributes: OtlpAttribute[];
  startTimeUnixNano?: string;
  timeUnixNano: string;
  asDouble: number;
}

interface HistogramPoint {
  attributes: OtlpAttribute[];
  startTimeUnixNano: string;
  timeUnixNano: string;
  count: string;
  sum: number;
  bucketCounts: string[];
  explicitBounds: number[];
}

interface SummaryPoint {
  attributes: OtlpAttribute[];
  startTimeUnixNano: string;
  timeUnixNano: string;
  count: string;
  sum: number;
  quantileValues: never[];
}

export type OtlpMetric = { name: string; description: string } & (
  | { sum: { dataPoints: NumberPoint[]; aggregationTemporality: number; isMonotonic: true } }
  | { gauge: { dataPoints: NumberPoint[] } }
  | { histogram: { dataPoints: HistogramPoint[]; aggregationTemporality: number } }
  | { summary: { dataPoints: SummaryPoint[] } }
);

function attributesOf(labels: MetricValue['labels'], without?: string): OtlpAttribute[] {
  const fields: Record<string, string> = {};
  for (const key in labels) if (key !== without) fields[key] = String(labels[key]);
  return otlpAttributes(fields);
}

/** One series per label set (`le` aside): the values of a histogram or summary family grouped back together. */
function seriesOf(values: readonly MetricValue[]): Map<string, { labels: MetricValue['labels']; values: MetricValue[] }> {
  const series = new Map<string, { labels: MetricValue['labels']; values: MetricValue[] }>();
  for (const value of values) {
    const { le: _le, ...labels } = value.labels;
    const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    let entry = series.get(key);
    if (!entry) series.set(key, (entry = { labels, values: [] }));
    entry.values.push(value);
  }
  return series;
}

function histogramPoint(family: MetricFamily, labels: MetricValue['labels'], values: readonly MetricValue[], start: string, time: string): HistogramPoint {
  const buckets: Array<{ bound: number; cumulative: number }> = [];
  let sum = 0;
  let count = 0;
  for (const value of values) {
    if (value.metricName === `${family.name}_sum`) sum = value.value;
    else if (value.metricName === `${family.name}_count`) count = value.value;
    else if (value.metricName === `${family.name}_bucket` && value.labels.le !== '+Inf') buckets.push({ bound: Number(value.labels.le), cumulative: value.value });
  }
  buckets.sort((a, b) => a.bound - b.bound);
  // Prometheus buckets count everything at or below their bound; OTLP's count each interval, the last one open-ended.
  const bucketCounts: string[] = [];
  let below = 0;
  for (const bucket of buckets) {
    bucketCounts.push(String(bucket.cumulative - below));
    below = bucket.cumulative;
  }
  bucketCounts.push(String(count - below));
  return { attributes: attributesOf(labels), startTimeUnixNano: start, timeUnixNano: time, count: String(count), sum, bucketCounts, explicitBounds: buckets.map((bucket) => bucket.bound) };
}

function summaryPoint(family: MetricFamily, labels: MetricValue['labels'], values: readonly MetricValue[], start: string, time: string): SummaryPoint {
  const sum = values.find((value) => value.metricName === `${family.name}_sum`)?.value ?? 0;
  const count = values.find((value) => value.metricName === `${family.name}_count`)?.value ?? 0;
  return { attributes: attributesOf(labels), startTimeUnixNano: start, timeUnixNano: time, count: String(count), sum, quantileValues: [] };
}

/** Families in prom-client's JSON shape as OTLP metrics; `startMs` is when the cumulative series began. */
export function toOtlpMetrics(families: readonly MetricFamily[], startMs: number, nowMs: number): OtlpMetric[] {
  const start = unixNanos(startMs);
  const time = unixNanos(nowMs);
  return families.filter((family) => family.values.length > 0).map((family): OtlpMetric => {
    const head = { name: family.name, description: family.help };
    switch (family.type) {
      case 'counter':
        return { ...head, sum: { dataPoints: family.values.map((value) => ({ attributes: attributesOf(value.labels), startTimeUnixNano: start, timeUnixNano: time, asDouble: value.value })), aggregationTemporality: TEMPORALITY_CUMULATIVE, isMonotonic: true } };
      case 'gauge':
        return { ...head, gauge: { dataPoints: family.values.map((value) => ({ attributes: attributesOf(value.labels), timeUnixNano: time, asDouble: value.value })) } };
      case 'histogram':
        return { ...head, histogram: { dataPoints: [...seriesOf(family.values).values()].map((series) => histogramPoint(family, series.labels, series.values, start, time)), aggregationTemporality: TEMPORALITY_CUMULATIVE } };
      case 'summary':
        return { ...head, summary: { dataPoints: [...seriesOf(family.values).values()].map((series) => summaryPoint(family, series.labels, series.values, start, time)) } };
    }
  });
}

export interface OtlpMetricsOptions {
  collectorUri: string;
  resource: OtlpResource;
  intervalMs: number;
  /** The gateway's families at this moment, every worker's summed. */
  collect: () => Promise<MetricFamily[]>;
  logger: Logger;
}

export class OtlpMetricsExporter {
  readonly #url: string;
  /** What logs name: the origin only, as the URL may hold credentials. */
  readonly #shown: string;
  readonly #options: OtlpMetricsOptions;
  readonly #startMs = Date.now();
  readonly #timer: NodeJS.Timeout;
  #exporting: Promise<void> | undefined;
  #failing = false;

  constructor(options: OtlpMetricsOptions) {
    this.#options = options;
    this.#url = otlpUrl(options.collectorUri, 'metrics');
    this.#shown = new URL(this.#url).origin;
    this.#timer = setInterval(() => void this.export(), options.intervalMs).unref();
  }

  /** One export of the current values; an export still under way is joined, not doubled. Never rejects. */
  export(): Promise<void> {
    this.#exporting ??= this.#exportOnce().finally(() => (this.#exporting = undefined));
    return this.#exporting;
  }

  /** The last export, so the final counts reach the collector. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#exporting;
    await this.export();
  }

  async #exportOnce(): Promise<void> {
    try {
      const metrics = toOtlpMetrics(await this.#options.collect(), this.#startMs, Date.now());
      await postOtlp(this.#url, JSON.stringify({ resourceMetrics: [{ resource: this.#options.resource, scopeMetrics: [{ scope: OTLP_SCOPE, metrics }] }] }));
      if (this.#failing) this.#options.logger.info({ collector: this.#shown }, 'metric export works again');
      this.#failing = false;
    } catch (error) {
      // One warning per outage; the next export carries the cumulative values anyway.
      if (!this.#failing) this.#options.logger.warn({ collector: this.#shown, err: error instanceof Error ? error.message : String(error), hint: otlpFailureHint(this.#url) }, 'metric export failed; retried at the next interval');
      this.#failing = true;
    }
  }
}
