import type { RequestRecord } from '../request-record.ts';
import type { MetricFamily, MetricValue } from './families.ts';
import { boundedHostname, DurationHistogram, statusClass } from './request-metrics.ts';

/**
 * The Azure self-hosted gateway's OpenTelemetry instruments (APIM-REFERENCE
 * §6.7), kept only when OpenTelemetry is on and exported only over OTLP, so
 * collectors and dashboards built for Azure's gateway read the same series:
 * the counter `Requests` and the histograms `DurationInMs`,
 * `BackendDurationInMs`, `ClientDurationInMs` and `GatewayDurationInMs`
 * (milliseconds, observability.opentelemetry.histogram.buckets).
 *
 * `Requests` dimensions are the documented ones but `Location` (the Azure
 * gateway resource's location, which apimgw does not know). Values where the
 * docs show only a sample, chosen to match it: `Cache` None/Hit/Miss,
 * `LastErrorReason` None when there was no error, `BackendResponseCode` and
 * its category None when no backend was called, and `Status` in the four
 * classes of Azure Monitor's gateway request metrics: Successful (1xx-3xx),
 * Unauthorized (401, 403, 429), Failed (400, 5xx, no response), Other.
 * Histograms carry `Hostname`.
 */

/** Not prefixed apimgw_: these names are Azure's. The primary keeps them out of /metrics. */
export const APIM_INSTRUMENTS = ['Requests', 'DurationInMs', 'BackendDurationInMs', 'ClientDurationInMs', 'GatewayDurationInMs'] as const;

const CACHE = { hit: 'Hit', miss: 'Miss', none: 'None' } as const;
const NONE = 'None';

export function requestStatus(code: number): string {
  if (code >= 100 && code < 400) return 'Successful';
  if (code === 401 || code === 403 || code === 429) return 'Unauthorized';
  if (code === 400 || code >= 500 || code === 0) return 'Failed';
  return 'Other';
}

interface HostSeries {
  readonly total: DurationHistogram;
  readonly backend: DurationHistogram;
  readonly client: DurationHistogram;
  readonly gateway: DurationHistogram;
}

export class ApimInstruments {
  readonly #bucketsMs: readonly number[];
  readonly #gatewayId: string;
  readonly #requests = new Map<string, { labels: Record<string, string>; value: number }>();
  readonly #hosts = new Map<string, HostSeries>();
  readonly #hostnames = new Set<string>();

  constructor(options: { bucketsMs: readonly number[]; gatewayId: string }) {
    this.#bucketsMs = options.bucketsMs;
    this.#gatewayId = options.gatewayId;
  }

  observe(record: RequestRecord): void {
    const hostname = boundedHostname(this.#hostnames, record.hostname);
    const code = record.responseCode;
    const backendCode = record.backendResponseCode;
    const lastErrorReason = record.lastError?.reason ?? NONE;
    // The other dimensions follow from these: the labels are built once per series, not per request.
    const key = `${backendCode}\0${record.cache}\0${hostname}\0${lastErrorReason}\0${code}`;
    const series = this.#requests.get(key);
    if (series) series.value++;
    else {
      this.#requests.set(key, {
        labels: {
          BackendResponseCode: backendCode === undefined ? NONE : String(backendCode),
          BackendResponseCodeCategory: backendCode === undefined ? NONE : statusClass(backendCode),
          Cache: CACHE[record.cache],
          GatewayId: this.#gatewayId,
          Hostname: hostname,
          LastErrorReason: lastErrorReason,
          ResponseCode: String(code),
          ResponseCodeCategory: statusClass(code),
          Status: requestStatus(code),
        },
        value: 1,
      });
    }

    let host = this.#hosts.get(hostname);
    if (host === undefined) {
      host = { total: this.#histogram(), backend: this.#histogram(), client: this.#histogram(), gateway: this.#histogram() };
      this.#hosts.set(hostname, host);
    }
    host.total.observe(record.totalTime);
    host.client.observe(record.clientTime);
    if (record.backendTime !== undefined) host.backend.observe(record.backendTime);
    host.gateway.observe(Math.max(0, record.totalTime - (record.backendTime ?? 0) - record.clientTime));
  }

  families(): MetricFamily[] {
    const histograms = { total: [] as MetricValue[], backend: [] as MetricValue[], client: [] as MetricValue[], gateway: [] as MetricValue[] };
    for (const [Hostname, host] of this.#hosts) {
      const labels = { Hostname };
      host.total.exportInto(histograms.total, 'DurationInMs', labels);
      if (host.backend.count > 0) host.backend.exportInto(histograms.backend, 'BackendDurationInMs', labels);
      host.client.exportInto(histograms.client, 'ClientDurationInMs', labels);
      host.gateway.exportInto(histograms.gateway, 'GatewayDurationInMs', labels);
    }
    const histogram = (name: string, help: string, values: MetricValue[]): MetricFamily => ({ name, help, type: 'histogram', aggregator: 'sum', values });
    return [
      { name: 'Requests', help: 'Requests answered (Azure self-hosted gateway OpenTelemetry counter).', type: 'counter', aggregator: 'sum', values: [...this.#requests.values()].map(({ labels, value }) => ({ labels, value })) },
      histogram('DurationInMs', 'Request received to response sent, in milliseconds.', histograms.total),
      histogram('BackendDurationInMs', 'Backend IO, in milliseconds; requests that reached no backend are not observed.', histograms.backend),
      histogram('ClientDurationInMs', 'Client IO, in milliseconds.', histograms.client),
      histogram('GatewayDurationInMs', 'Time in the gateway itself (total less backend and client IO), in milliseconds.', histograms.gateway),
    ];
  }

  #histogram(): DurationHistogram {
    return new DurationHistogram(this.#bucketsMs);
  }
}
