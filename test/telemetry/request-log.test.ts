import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createLogger } from '../../src/telemetry/logger.ts';
import { startRequestLog, type RequestLogSink } from '../../src/telemetry/request-log.ts';
import { onRequestRecord, type RequestRecord } from '../../src/telemetry/request-record.ts';
import { inbound, send, startBackend, startListener, type Backend, type Listener } from '../policy/policies/listener.ts';

const silent = createLogger({ 'telemetry.logs.std': 'none', 'telemetry.logs.std.level': 'info' });
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-request-log-'));
const file = path.join(dir, 'requests.log');
let backend: Backend;
let listener: Listener;
let sink: RequestLogSink | undefined;
const records: RequestRecord[] = [];
let unsubscribe: () => void;

before(async () => {
  backend = await startBackend();
  listener = await startListener({
    apis: [
      { path: 'plain', serviceUrl: backend.url },
      { path: 'policy', serviceUrl: backend.url, policy: inbound('<set-header name="x-policy" exists-action="override"><value>1</value></set-header>') },
      { path: 'locked', serviceUrl: backend.url, subscriptionRequired: true },
      { path: 'down', serviceUrl: 'http://127.0.0.1:1' },
    ],
  });
  sink = await startRequestLog({
    'telemetry.logs.local': 'json',
    'telemetry.logs.local.json.endpoint': file,
    'telemetry.logs.local.json.rotate.size': 1024 * 1024,
    'telemetry.logs.local.json.rotate.keep': 2,
    'gateway.name': 'log-test',
  }, silent);
  unsubscribe = onRequestRecord((record) => records.push(record));
});

after(async () => {
  unsubscribe();
  await listener.close();
  await backend.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Lines written so far, by correlation id order of arrival. */
async function lines(): Promise<Record<string, unknown>[]> {
  await sink!.close();
  return fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

test('json request log: one line per request with the GatewayLogs fields, for a 200, a 401, a 404 and a backend failure', async () => {
  assert.equal((await send(`${listener.url}/plain/items?x=1`)).status, 200);
  assert.equal((await send(`${listener.url}/policy/items`, { method: 'POST', body: 'hello' })).status, 200);
  assert.equal((await send(`${listener.url}/locked/items?subscription-key=very-secret&x=1`)).status, 401);
  assert.equal((await send(`${listener.url}/nowhere?x=1`)).status, 404);
  assert.equal((await send(`${listener.url}/down/items`)).status, 500);
  // The record is published when the response has closed: wait for the last one.
  for (let i = 0; records.length < 5 && i < 300; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(records.length, 5, JSON.stringify(records.map((r) => [r.url, r.responseCode])));
  const [ok, policy, unauthorized, notFound, failed] = await lines();

  assert.equal(ok!.category, 'GatewayLogs');
  assert.equal(ok!.gateway, 'log-test');
  assert.equal(ok!.method, 'GET');
  assert.equal(ok!.url, '/plain/items?x=1');
  assert.equal(ok!.responseCode, 200);
  assert.equal(ok!.backendResponseCode, 200);
  assert.equal(ok!.backendMethod, 'GET');
  assert.equal(ok!.backendUrl, `${backend.url}/items?x=1`);
  assert.equal(ok!.apiId, 'plain');
  assert.equal(ok!.operationId, 'get');
  assert.equal(ok!.apiRevision, '1');
  assert.equal(ok!.isRequestSuccess, true);
  assert.equal(ok!.httpStatusCodeCategory, '2xx');
  assert.equal(ok!.clientProtocol, 'HTTP/1.1');
  assert.equal(ok!.callerIpAddress, '127.0.0.1');
  assert.equal(ok!.hostname, '127.0.0.1');
  assert.equal(ok!.cache, 'none');
  assert.match(String(ok!.correlationId), /^[0-9a-f-]{36}$/);
  assert.ok(Number(ok!.requestSize) > 50 && Number(ok!.responseSize) > 100, 'sizes count headers and body');
  for (const field of ['totalTime', 'backendTime', 'clientTime']) assert.equal(typeof ok![field], 'number', field);
  assert.ok(Number(ok!.backendTime) <= Number(ok!.totalTime));
  assert.ok(Math.abs(Date.parse(String(ok!.time)) - Date.now()) < 60_000);

  assert.equal(policy!.method, 'POST');
  assert.equal(policy!.responseCode, 200);
  assert.equal(policy!.backendResponseCode, 200);
  assert.equal(policy!.backendUrl, `${backend.url}/items`);
  assert.ok(Number(policy!.requestSize) > 5);

  assert.equal(unauthorized!.responseCode, 401);
  assert.equal(unauthorized!.isRequestSuccess, false);
  assert.equal(unauthorized!.lastErrorSource, 'authorization');
  assert.equal(unauthorized!.lastErrorReason, 'SubscriptionKeyInvalid');
  assert.equal(unauthorized!.url, '/locked/items?subscription-key=<redacted>&x=1');
  assert.equal(unauthorized!.lastErrorSection, 'inbound');
  assert.equal(unauthorized!.backendResponseCode, undefined);
  assert.equal(unauthorized!.backendUrl, undefined);

  assert.equal(notFound!.responseCode, 404);
  assert.equal(notFound!.lastErrorReason, 'OperationNotFound');
  assert.equal(notFound!.apiId, undefined);

  assert.equal(failed!.responseCode, 500);
  assert.equal(failed!.lastErrorSource, 'forward-request');
  assert.equal(failed!.lastErrorReason, 'BackendConnectionFailure');
  assert.equal(failed!.lastErrorSection, 'backend');
  assert.equal(failed!.backendUrl, 'http://127.0.0.1:1/items');
  assert.equal(failed!.backendResponseCode, undefined);

  assert.ok(!fs.readFileSync(file, 'utf8').includes('very-secret'));
});

test('the record carries phases in order, and no trace context while tracing is off', () => {
  const plain = records.find((record) => record.apiId === 'plain')!;
  const { phases } = plain;
  assert.ok(phases.backendStart !== undefined && phases.backendEnd !== undefined && phases.outboundEnd !== undefined);
  assert.ok(phases.inboundEnd! <= phases.backendStart && phases.backendStart <= phases.backendEnd && phases.backendEnd <= plain.totalTime);
  const policy = records.find((record) => record.apiId === 'policy')!;
  assert.ok(policy.phases.backendStart! <= policy.phases.backendEnd! && policy.phases.outboundEnd! <= policy.totalTime);
  const unauthorized = records.find((record) => record.responseCode === 401)!;
  assert.equal(unauthorized.phases.backendStart, undefined);
  assert.equal(unauthorized.traceContext, undefined, 'no trace context while tracing is off');
});
