/**
 * Custom metrics recorded by the emit-metric policy: one series per
 * (namespace, name, dimension values), accumulated in process as count, sum,
 * min, max and last value, ready for an exporter (Prometheus) to read.
 */

export interface MetricSample {
  readonly namespace: string;
  readonly name: string;
  /** Dimension name → value, in the order the policy lists them. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricSeries {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly last: number;
}

interface MutableSeries {
  namespace: string;
  name: string;
  dimensions: Readonly<Record<string, string>>;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
}

/**
 * The most series kept per worker: a dimension fed with request data must not
 * grow memory without bound, and every series becomes four Prometheus series
 * on /metrics (sum, count, min, max), so the cap is the scrape's size too.
 */
export const MAX_SERIES = 1_000;

export class CustomMetrics {
  readonly #series = new Map<string, MutableSeries>();
  #dropped = 0;

  record(sample: MetricSample): void {
    const key = JSON.stringify([sample.namespace, sample.name, Object.entries(sample.dimensions)]);
    let series = this.#series.get(key);
    if (series === undefined) {
      if (this.#series.size >= MAX_SERIES) {
        this.#dropped++;
        return;
      }
      series = { namespace: sample.namespace, name: sample.name, dimensions: { ...sample.dimensions }, count: 0, sum: 0, min: sample.value, max: sample.value, last: sample.value };
      this.#series.set(key, series);
    }
    series.count++;
    series.sum += sample.value;
    series.min = Math.min(series.min, sample.value);
    series.max = Math.max(series.max, sample.value);
    series.last = sample.value;
  }

  /** A copy of every series, in first-recorded order. */
  snapshot(): MetricSeries[] {
    return [...this.#series.values()].map((series) => ({ ...series }));
  }

  /** Samples refused because MAX_SERIES was reached. */
  get dropped(): number {
    return this.#dropped;
  }

  reset(): void {
    this.#series.clear();
    this.#dropped = 0;
  }
}

/** The process's recorder (each worker has its own; the exporter reads it per worker). */
export const customMetrics = new CustomMetrics();
