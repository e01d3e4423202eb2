import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AggregatorRegistry } from 'prom-client';
import { MAX_HOSTNAMES, OTHER_HOSTNAME, RequestMetrics, statusClass, type MeasuredRequest } from '../../../src/telemetry/metrics/request-metrics.ts';
import { parseExposition, select, sum } from './exposition.ts';

const request = (overrides: Partial<MeasuredRequest> = {}): MeasuredRequest => ({
  apiId: 'echo', operationId: 'get', productId: 'starter', hostname: 'Gateway.Example', responseCode: 200, totalTime: 12, backendTime: 7, clientTime: 1, ...overrides,
});

async function render(...workers: RequestMetrics[]) {
  return parseExposition(await AggregatorRegistry.aggregate(workers.map((w) => w.families())).metrics());
}

test('requests are counted and timed per api, operation, product, hostname and status class, summed over workers', async () => {
  const one = new RequestMetrics();
  const two = new RequestMetrics();
  one.observe(request());
  one.observe(request({ totalTime: 30 }));
  two.observe(request({ totalTime: 3000 }));
  two.observe(request({ apiId: undefined, operationId: undefined, productId: undefined, responseCode: 404, backendTime: undefined }));
  const scraped = await render(one, two);
  const labels = { api: 'echo', operation: 'get', product: 'starter', hostname: 'gateway.example', status_class: '2xx' };
  assert.deepEqual(select(scraped, 'apimgw_requests_total', labels).map((s) => s.value), [3]);
  assert.equal(sum(scraped, 'apimgw_requests_total', { api: '', status_class: '4xx' }), 1);
  assert.equal(scraped.types.get('apimgw_request_duration_seconds'), 'histogram');
  const bucket = (le: string) => select(scraped, 'apimgw_request_duration_seconds_bucket', { ...labels, le })[0]!.value;
  assert.equal(bucket('0.025'), 1);
  assert.equal(bucket('0.05'), 2);
  assert.equal(bucket('2.5'), 2);
  assert.equal(bucket('5'), 3);
  assert.equal(bucket('+Inf'), 3);
  assert.equal(select(scraped, 'apimgw_request_duration_seconds_sum', labels)[0]!.value, 3.042);
  // The 404 never reached a backend: no backend series for it, a client series all the same.
  assert.equal(select(scraped, 'apimgw_request_backend_duration_seconds_count', { status_class: '4xx' }).length, 0);
  assert.equal(sum(scraped, 'apimgw_request_backend_duration_seconds_count'), 3);
  assert.equal(sum(scraped, 'apimgw_request_client_duration_seconds_count'), 4);
  assert.equal(select(scraped, 'apimgw_requests_total').some((s) => 'subscription' in s.labels), false);
});

test('host names beyond the cap are labelled "other", so a client cannot grow the series without bound', async () => {
  const metrics = new RequestMetrics();
  for (let i = 0; i < MAX_HOSTNAMES + 5; i++) metrics.observe(request({ hostname: `h${i}.example` }));
  metrics.observe(request({ hostname: 'h0.example' }));
  const scraped = await render(metrics);
  assert.equal(select(scraped, 'apimgw_requests_total').length, MAX_HOSTNAMES + 1);
  assert.equal(sum(scraped, 'apimgw_requests_total', { hostname: OTHER_HOSTNAME }), 5);
  assert.equal(sum(scraped, 'apimgw_requests_total', { hostname: 'h0.example' }), 2);
});

test('status classes', () => {
  assert.deepEqual([200, 302, 401, 503, 0, 999].map(statusClass), ['2xx', '3xx', '4xx', '5xx', 'other', 'other']);
});
