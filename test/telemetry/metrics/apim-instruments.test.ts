import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApimInstruments, requestStatus } from '../../../src/telemetry/metrics/apim-instruments.ts';
import type { RequestRecord } from '../../../src/telemetry/request-record.ts';

function record(fields: Partial<RequestRecord>): RequestRecord {
  return {
    correlationId: 'c', startTime: 0, method: 'GET', url: '/', hostname: 'API.example', clientProtocol: 'HTTP/1.1', callerIpAddress: '127.0.0.1',
    responseCode: 200, requestSize: 0, responseSize: 0, totalTime: 30, clientTime: 5, cache: 'none', phases: {}, ...fields,
  };
}

test('Status follows Azure Monitor\'s gateway request classes', () => {
  assert.deepEqual([200, 304, 401, 403, 429, 400, 500, 503, 0, 404, 409].map(requestStatus),
    ['Successful', 'Successful', 'Unauthorized', 'Unauthorized', 'Unauthorized', 'Failed', 'Failed', 'Failed', 'Failed', 'Other', 'Other']);
});

test('Requests counts per dimension set; the histograms are per Hostname, in milliseconds; gateway time is what backend and client IO leave', () => {
  const instruments = new ApimInstruments({ bucketsMs: [10, 100], gatewayId: 'gw1' });
  instruments.observe(record({ backendResponseCode: 200, backendTime: 20 }));
  instruments.observe(record({ backendResponseCode: 200, backendTime: 20, cache: 'miss' }));
  instruments.observe(record({ responseCode: 401, totalTime: 2, clientTime: 1, lastError: { source: 'authorization', reason: 'SubscriptionKeyNotFound', message: '', section: 'inbound' } }));
  const [requests, total, backend, , gateway] = instruments.families();
  assert.equal(requests!.name, 'Requests');
  assert.deepEqual(requests!.values.map((v) => [v.labels.Cache, v.labels.ResponseCode, v.labels.BackendResponseCode, v.labels.LastErrorReason, v.labels.Status, v.labels.Hostname, v.value]), [
    ['None', '200', '200', 'None', 'Successful', 'api.example', 1],
    ['Miss', '200', '200', 'None', 'Successful', 'api.example', 1],
    ['None', '401', 'None', 'SubscriptionKeyNotFound', 'Unauthorized', 'api.example', 1],
  ]);
  const count = (family: typeof total) => family!.values.find((v) => v.metricName?.endsWith('_count'))?.value;
  assert.equal(count(total), 3);
  assert.equal(count(backend), 2, 'the 401 reached no backend');
  const buckets = gateway!.values.filter((v) => v.metricName === 'GatewayDurationInMs_bucket').map((v) => [v.labels.le, v.value]);
  // 30 - 20 - 5 = 5 ms twice, 2 - 1 = 1 ms once: all under 10.
  assert.deepEqual(buckets, [[10, 3], [100, 3], ['+Inf', 3]]);
});
