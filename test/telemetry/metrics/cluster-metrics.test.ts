import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CustomMetrics } from '../../../src/telemetry/custom-metrics.ts';
import { ClusterMetrics, type MetricsPeer } from '../../../src/telemetry/metrics/cluster-metrics.ts';
import { customMetricFamilies, dimensionLabel } from '../../../src/telemetry/metrics/custom-metric-families.ts';
import { counter, gauge, type MetricFamily } from '../../../src/telemetry/metrics/families.ts';
import { healthFamilies } from '../../../src/telemetry/metrics/health-metrics.ts';
import { parseExposition, select, sum } from './exposition.ts';

/** A worker that answers metrics requests with `families()` (or stays silent), as the cluster IPC would deliver them. */
function peer(id: number, cluster: ClusterMetrics, families: (() => MetricFamily[]) | undefined): MetricsPeer & { connected: boolean } {
  return {
    id,
    connected: true,
    isConnected() {
      return this.connected;
    },
    send(message) {
      if (families) setImmediate(() => cluster.receive(id, { type: 'metrics-reply', id: message.id, families: families() }));
      return true;
    },
  };
}

const worker = (requests: number, busy: number): MetricFamily[] => [
  counter('requests_total', 'r', [{ labels: { api: 'a' }, value: requests }]),
  gauge('upstream_connections', 'c', [{ labels: { origin: 'http://b' }, value: busy }]),
];

test('workers are summed; a silent worker counts with its last report; an exited one leaves its counters, not its gauges', async () => {
  const cluster = new ClusterMetrics({ timeoutMs: 50 });
  let counts = [3, 4];
  const one = peer(1, cluster, () => worker(counts[0]!, 1));
  const two = peer(2, cluster, () => worker(counts[1]!, 2));
  const own = (unanswered: number) => [gauge('metrics_unanswered_workers', 'u', [{ labels: {}, value: unanswered }])];
  let scraped = parseExposition(await cluster.render([one, two], own));
  assert.equal(sum(scraped, 'apimgw_requests_total'), 7);
  assert.equal(sum(scraped, 'apimgw_upstream_connections'), 3);
  assert.equal(sum(scraped, 'apimgw_metrics_unanswered_workers'), 0);

  counts = [5, 6];
  const stuck = peer(2, cluster, undefined);
  scraped = parseExposition(await cluster.render([one, stuck], own));
  assert.equal(sum(scraped, 'apimgw_requests_total'), 9, 'worker 2 counted as last reported (4)');
  assert.equal(sum(scraped, 'apimgw_upstream_connections'), 1, 'a gauge of a worker that did not answer is not reused');
  assert.equal(sum(scraped, 'apimgw_metrics_unanswered_workers'), 1);

  cluster.retire(2);
  const replacement = peer(3, cluster, () => worker(1, 0));
  scraped = parseExposition(await cluster.render([one, replacement], own));
  assert.equal(sum(scraped, 'apimgw_requests_total'), 4 + 5 + 1, 'totals never go down when a worker is replaced');
  assert.equal(sum(scraped, 'apimgw_upstream_connections'), 1);
});

test('a worker that exits while a scrape waits for it does not hold the scrape up', async () => {
  const cluster = new ClusterMetrics({ timeoutMs: 10_000 });
  const one = peer(1, cluster, () => worker(2, 0));
  const silent = peer(2, cluster, undefined);
  await cluster.render([one, peer(2, cluster, () => worker(3, 0))], () => []);
  const started = Date.now();
  const rendering = cluster.render([one, silent], () => []);
  setTimeout(() => cluster.retire(2), 20);
  const scraped = parseExposition(await rendering);
  assert.ok(Date.now() - started < 5000);
  assert.equal(sum(scraped, 'apimgw_requests_total'), 5);
  // And a disconnected worker is not asked at all.
  silent.connected = false;
  assert.equal(sum(parseExposition(await cluster.render([one, silent], () => [])), 'apimgw_requests_total'), 5);
});

test('emit-metric series become a summary with min and max, one label per dimension', async () => {
  const recorder = new CustomMetrics();
  recorder.record({ namespace: 'shop', name: 'basket value', dimensions: { 'API ID': 'orders', '2nd-Tier': 'x', metric_name: 'clash' }, value: 4 });
  recorder.record({ namespace: 'shop', name: 'basket value', dimensions: { 'API ID': 'orders', '2nd-Tier': 'x', metric_name: 'clash' }, value: 10 });
  const cluster = new ClusterMetrics({ timeoutMs: 50 });
  const scraped = parseExposition(await cluster.render([peer(1, cluster, () => customMetricFamilies(recorder)), peer(2, cluster, () => customMetricFamilies(recorder))], () => []));
  const labels = { metric_namespace: 'shop', metric_name: 'basket value', api_id: 'orders', dimension_2nd_tier: 'x', dimension_metric_name: 'clash' };
  assert.equal(select(scraped, 'apimgw_emit_metric_sum', labels)[0]?.value, 28);
  assert.equal(select(scraped, 'apimgw_emit_metric_count', labels)[0]?.value, 4);
  assert.equal(select(scraped, 'apimgw_emit_metric_min', labels)[0]?.value, 4);
  assert.equal(select(scraped, 'apimgw_emit_metric_max', labels)[0]?.value, 10);
  assert.equal(sum(scraped, 'apimgw_emit_metric_dropped_total'), 0);
  assert.equal(dimensionLabel('__x'), 'x');
  assert.equal(dimensionLabel('le'), 'dimension_le');
});

test('health gauges: configuration, sync, token and backup ages', async () => {
  const now = new Date('2025-06-01T12:00:00Z');
  const families = healthFamilies({
    config: { revision: '7', hash: 'a'.repeat(64), source: 'federated', appliedAt: new Date('2025-06-01T11:59:00Z') },
    sync: { source: 'federated', lastResult: 'failed', lastAttemptAt: '2025-06-01T11:59:50Z', lastSyncAt: '2025-06-01T11:58:00Z', token: { expiresAt: '2025-06-02T12:00:00Z' } },
    newestBackupAt: new Date('2025-06-01T11:00:00Z'),
    workers: { configured: 2, serving: 1, restarts: 3 },
    unansweredWorkers: 0,
  }, now);
  const cluster = new ClusterMetrics({ timeoutMs: 50 });
  const scraped = parseExposition(await cluster.render([], () => families));
  assert.deepEqual(select(scraped, 'apimgw_config_info')[0]?.labels, { revision: '7', hash: 'aaaaaaaaaaaa', source: 'federated' });
  assert.equal(sum(scraped, 'apimgw_config_age_seconds'), 60);
  assert.equal(sum(scraped, 'apimgw_config_backup_age_seconds'), 3600);
  assert.deepEqual(select(scraped, 'apimgw_config_sync_success').map((s) => [s.labels.result, s.value]), [['failed', 0]]);
  assert.equal(sum(scraped, 'apimgw_config_sync_last_success_timestamp_seconds'), Date.parse('2025-06-01T11:58:00Z') / 1000);
  assert.equal(sum(scraped, 'apimgw_token_expiry_seconds'), 86_400);
  assert.equal(sum(scraped, 'apimgw_workers', { state: 'serving' }), 1);
  assert.equal(sum(scraped, 'apimgw_worker_restarts_total'), 3);
  assert.equal(select(scraped, 'apimgw_config_arm_calls_last_sync').length, 0, 'the ARM gauges only with the ARM source');
});
