import type { UpstreamPoolStats } from '../../gateway/forward.ts';
import { redisFailedOpenTotal } from '../../state/redis-store.ts';
import { customMetrics } from '../custom-metrics.ts';
import type { Logger } from '../logger.ts';
import { onRequestRecord, type RequestRecord } from '../request-record.ts';
import type { Settings } from '../../settings/schema.ts';
import { ApimInstruments } from './apim-instruments.ts';
import { customMetricFamilies } from './custom-metric-families.ts';
import { counter, gauge, type MetricFamily, type MetricValue } from './families.ts';
import { RequestMetrics } from './request-metrics.ts';
import { StatsdSink, statsdOptions } from './statsd.ts';

/**
 * A worker's metrics: it subscribes to the finished-request records (so the
 * data plane builds them), counts them for /metrics, sends them to StatsD when
 * configured, and answers the primary's metrics requests with every family it
 * has — requests, emit-metric values, upstream connection pools, Redis
 * fail-opens.
 */

export class WorkerMetrics {
  readonly requests = new RequestMetrics();
  /** The Azure gateway's OpenTelemetry instruments, kept only when OpenTelemetry is on. */
  #apim: ApimInstruments | undefined;
  readonly #upstreamPools: () => UpstreamPoolStats[];
  #statsd: StatsdSink | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(upstreamPools: () => UpstreamPoolStats[]) {
    this.#upstreamPools = upstreamPools;
  }

  start(settings: Settings, logger: Logger): void {
    const statsd = statsdOptions(settings);
    if (statsd) {
      this.#statsd = new StatsdSink(statsd, (message) => logger.warn(message));
      void this.#statsd.start();
    }
    if (settings['observability.opentelemetry.enabled']) {
      this.#apim = new ApimInstruments({ bucketsMs: settings['observability.opentelemetry.histogram.buckets'], gatewayId: settings['gateway.name'] });
    }
    const sinks: Array<(record: RequestRecord) => void> = [(record) => this.requests.observe(record)];
    if (this.#statsd) sinks.push((record) => this.#statsd!.record(record));
    if (this.#apim) sinks.push((record) => this.#apim!.observe(record));
    const [only] = sinks;
    this.#unsubscribe = onRequestRecord(sinks.length === 1 ? only! : (record) => {
      for (const sink of sinks) sink(record);
    });
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#statsd?.close();
  }

  families(): MetricFamily[] {
    return [...this.requests.families(), ...(this.#apim?.families() ?? []), ...customMetricFamilies(customMetrics), ...upstreamFamilies(this.#upstreamPools()),
      counter('redis_failed_open_total', 'Shared-state calls (rate limits, quotas, concurrency, cache) answered fail-open because Redis was down or slow.', [{ labels: {}, value: redisFailedOpenTotal() }])];
  }
}

function upstreamFamilies(pools: UpstreamPoolStats[]): MetricFamily[] {
  const connections: MetricValue[] = [];
  const requests: MetricValue[] = [];
  for (const pool of pools) {
    connections.push({ labels: { origin: pool.origin, state: 'busy' }, value: pool.connected - pool.free }, { labels: { origin: pool.origin, state: 'idle' }, value: pool.free });
    requests.push({ labels: { origin: pool.origin, state: 'running' }, value: pool.running }, { labels: { origin: pool.origin, state: 'waiting' }, value: pool.waiting });
  }
  return [
    gauge('upstream_connections', 'Open keep-alive connections to each backend origin, busy or idle, summed over workers.', connections),
    gauge('upstream_requests', 'Requests to each backend origin being sent or answered (running) or waiting for a connection (waiting), summed over workers.', requests),
  ];
}
