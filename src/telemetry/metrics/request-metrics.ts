import { counter, METRIC_PREFIX, type MetricFamily, type MetricValue } from './families.ts';

/**
 * The per-request metrics of one worker: requests_total and the three
 * duration histograms of the Azure self-hosted gateway (total, backend,
 * client), labelled by api, operation, product, hostname and status class.
 * Never by subscription: its ids are unbounded and close to secrets.
 */

/** What a finished request contributes; times in milliseconds, as the request record has them. */
export interface MeasuredRequest {
  apiId?: string;
  operationId?: string;
  productId?: string;
  hostname: string;
  responseCode: number;
  totalTime: number;
  /** Undefined when no backend was called (404, 401, a policy answered): the backend histogram is left alone. */
  backendTime?: number;
  clientTime: number;
}

/**
 * Upper bounds in seconds: the SHGW OpenTelemetry default histogram buckets
 * (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 ms), so dashboards
 * built for either read the same boundaries.
 */
export const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/**
 * Host headers are the client's to choose: past this many distinct values a
 * worker labels further ones "other", so a scanner cannot grow the series
 * without bound. API, operation and product ids come from the configuration.
 */
export const MAX_HOSTNAMES = 50;
export const OTHER_HOSTNAME = 'other';

/** The Host header lowercased, or OTHER_HOSTNAME once `seen` holds MAX_HOSTNAMES others. */
export function boundedHostname(seen: Set<string>, raw: string): string {
  const hostname = raw.toLowerCase();
  if (seen.has(hostname)) return hostname;
  if (seen.size >= MAX_HOSTNAMES) return OTHER_HOSTNAME;
  seen.add(hostname);
  return hostname;
}

const LABEL_NAMES = ['api', 'operation', 'product', 'hostname', 'status_class'] as const;

/** A Prometheus-style histogram of one series over fixed upper bounds. */
export class DurationHistogram {
  readonly #bounds: readonly number[];
  /** Per bucket (not cumulative), the last slot counting values above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let bucket = 0;
    while (bucket < this.#bounds.length && value > this.#bounds[bucket]!) bucket++;
    this.counts[bucket]!++;
    this.sum += value;
    this.count++;
  }

  exportInto(values: MetricValue[], name: string, labels: Record<string, string>): void {
    let cumulative = 0;
    for (let i = 0; i < this.#bounds.length; i++) {
      cumulative += this.counts[i]!;
      values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: this.#bounds[i]! }, value: cumulative });
    }
    values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: this.count });
    values.push({ metricName: `${name}_sum`, labels, value: this.sum });
    values.push({ metricName: `${name}_count`, labels, value: this.count });
  }
}

interface Series {
  readonly labels: Record<string, string>;
  requests: number;
  readonly total: DurationHistogram;
  readonly backend: DurationHistogram;
  readonly client: DurationHistogram;
}

export function statusClass(code: number): string {
  return code >= 100 && code <= 599 ? `${Math.floor(code / 100)}xx` : 'other';
}

export class RequestMetrics {
  /** Keyed by the label values joined with NUL: one string concatenation and one Map lookup per request. */
  readonly #series = new Map<string, Series>();
  readonly #hostnames = new Set<string>();

  observe(request: MeasuredRequest): void {
    const hostname = this.#hostname(request.hostname);
    const api = request.apiId ?? '';
    const operation = request.operationId ?? '';
    const product = request.productId ?? '';
    const status = statusClass(request.responseCode);
    const key = `${api}\0${operation}\0${product}\0${hostname}\0${status}`;
    let series = this.#series.get(key);
    if (series === undefined) {
      series = {
        labels: { api, operation, product, hostname, status_class: status },
        requests: 0, total: new DurationHistogram(DURATION_BUCKETS_SECONDS), backend: new DurationHistogram(DURATION_BUCKETS_SECONDS), client: new DurationHistogram(DURATION_BUCKETS_SECONDS),
      };
      this.#series.set(key, series);
    }
    series.requests++;
    series.total.observe(request.totalTime / 1000);
    series.client.observe(request.clientTime / 1000);
    if (request.backendTime !== undefined) series.backend.observe(request.backendTime / 1000);
  }

  #hostname(raw: string): string {
    return boundedHostname(this.#hostnames, raw);
  }

  families(): MetricFamily[] {
    const requests: MetricValue[] = [];
    const histograms = { total: [] as MetricValue[], backend: [] as MetricValue[], client: [] as MetricValue[] };
    const names = {
      total: `${METRIC_PREFIX}request_duration_seconds`,
      backend: `${METRIC_PREFIX}request_backend_duration_seconds`,
      client: `${METRIC_PREFIX}request_client_duration_seconds`,
    };
    for (const series of this.#series.values()) {
      requests.push({ labels: series.labels, value: series.requests });
      series.total.exportInto(histograms.total, names.total, series.labels);
      // A series whose requests never reached a backend has no backend histogram, rather than one of zeros.
      if (series.backend.count > 0) series.backend.exportInto(histograms.backend, names.backend, series.labels);
      series.client.exportInto(histograms.client, names.client, series.labels);
    }
    const histogram = (name: string, help: string, values: MetricValue[]): MetricFamily => ({ name, help, type: 'histogram', aggregator: 'sum', values });
    return [
      counter('requests_total', `Requests answered, by ${LABEL_NAMES.join(', ')} (api etc. empty when no API matched).`, requests),
      histogram(names.total, 'Time from receiving the request to the response fully sent (SHGW DurationInMS), in seconds.', histograms.total),
      histogram(names.backend, 'Time spent on backend IO (SHGW BackendDurationInMS), in seconds; requests that never reached a backend are not observed.', histograms.backend),
      histogram(names.client, 'Time spent on client IO: reading the request and writing the response (SHGW ClientDurationInMS), in seconds.', histograms.client),
    ];
  }
}
