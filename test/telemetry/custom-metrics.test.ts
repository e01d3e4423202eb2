import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CustomMetrics, MAX_SERIES } from '../../src/telemetry/custom-metrics.ts';

test('samples accumulate per namespace, name and dimension values', () => {
  const metrics = new CustomMetrics();
  metrics.record({ namespace: 'n', name: 'latency', dimensions: { api: 'a' }, value: 5 });
  metrics.record({ namespace: 'n', name: 'latency', dimensions: { api: 'a' }, value: -1 });
  metrics.record({ namespace: 'n', name: 'latency', dimensions: { api: 'a' }, value: 3 });
  metrics.record({ namespace: 'n', name: 'latency', dimensions: { api: 'b' }, value: 1 });
  assert.deepEqual(metrics.snapshot(), [
    { namespace: 'n', name: 'latency', dimensions: { api: 'a' }, count: 3, sum: 7, min: -1, max: 5, last: 3 },
    { namespace: 'n', name: 'latency', dimensions: { api: 'b' }, count: 1, sum: 1, min: 1, max: 1, last: 1 },
  ]);
});

test('the number of series is capped and refusals are counted', () => {
  const metrics = new CustomMetrics();
  for (let i = 0; i <= MAX_SERIES; i++) metrics.record({ namespace: 'n', name: 'm', dimensions: { id: String(i) }, value: 1 });
  assert.equal(metrics.snapshot().length, MAX_SERIES);
  assert.equal(metrics.dropped, 1);
  metrics.record({ namespace: 'n', name: 'm', dimensions: { id: '0' }, value: 1 });
  assert.equal(metrics.snapshot()[0]!.count, 2);
  metrics.reset();
  assert.deepEqual(metrics.snapshot(), []);
  assert.equal(metrics.dropped, 0);
});
