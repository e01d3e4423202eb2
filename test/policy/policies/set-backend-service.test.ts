import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setBackendService } from '../../../src/policy/policies/set-backend-service/index.ts';
import { compileSection, requestContext, run, services } from './support.ts';

const backends = new Map([['orders-v2', { id: 'orders-v2', url: 'https://orders.internal:8443/v2', protocol: 'http' }]]);
const steps = (xml: string) => compileSection(xml, [setBackendService], { services: services({ backends }) });

test('base-url rebases the backend URL, keeping relative path and query', async () => {
  const context = requestContext({ url: 'http://backend.test/api/items?x=1' });
  context.request.url.relativePath = '/items/7';
  await run(steps('<set-backend-service base-url="https://other.example.com/base/" />'), context);
  assert.equal(context.request.url.ToString(), 'https://other.example.com/base/items/7?x=1');
  assert.equal(context.backendId, undefined);
});

test('backend-id takes the backend entity URL and records the backend', async () => {
  const context = requestContext({ url: 'http://backend.test/api?x=1' });
  context.request.url.relativePath = '/items';
  await run(steps('<set-backend-service backend-id="orders-v2" />'), context);
  assert.equal(context.request.url.ToString(), 'https://orders.internal:8443/v2/items?x=1');
  assert.equal(context.backendId, 'orders-v2');
});

test('expressions are evaluated per request', async () => {
  const context = requestContext({ headers: { 'X-Target': 'http://alt.test:81' } });
  await run(steps('<set-backend-service base-url="@(context.Request.Headers.GetValueOrDefault("X-Target", ""))" />'), context);
  assert.equal(context.request.url.origin, 'http://alt.test:81');
  const byId = requestContext();
  await run(steps('<set-backend-service backend-id="@("orders-" + "v2")" />'), byId);
  assert.equal(byId.backendId, 'orders-v2');
  await assert.rejects(run(steps('<set-backend-service backend-id="@("nope")" />'), requestContext()), /backend-id "nope" does not name a backend/);
});

test('compile errors: unknown backend, both or neither attribute, bad URL, Service Fabric', () => {
  assert.throws(() => steps('<set-backend-service backend-id="missing" />'), /set-backend-service: backend-id "missing" does not name a backend/);
  assert.throws(() => steps('<set-backend-service />'), /exactly one of base-url or backend-id is required/);
  assert.throws(() => steps('<set-backend-service base-url="http://a" backend-id="orders-v2" />'), /exactly one of base-url or backend-id is required/);
  assert.throws(() => steps('<set-backend-service base-url="not a url" />'), /base-url must be an absolute http or https URL/);
  assert.throws(() => steps('<set-backend-service backend-id="orders-v2" sf-partition-key="1" />'), /unknown attribute "sf-partition-key"/);
});
