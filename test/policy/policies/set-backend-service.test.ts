import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { setBackendService } from '../../../src/policy/policies/set-backend-service/index.ts';
import { inbound, startBackend, startListener, type Backend, type EchoAnswer, type Listener } from './listener.ts';
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

describe('set-backend-service through the listener', () => {
  let primary: Backend;
  let other: Backend;
  let gateway: Listener;
  before(async () => {
    primary = await startBackend();
    other = await startBackend((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`other ${req.method} ${req.url}`);
    });
    gateway = await startListener({
      backends: [{ id: 'other-backend', url: `${other.url}/pool` }],
      apis: [
        { path: 'by-url', serviceUrl: `${primary.url}/primary`, policy: inbound(`<set-backend-service base-url="${other.url}/moved" />`) },
        { path: 'by-id', serviceUrl: `${primary.url}/primary`, policy: inbound('<set-backend-service backend-id="other-backend" />') },
        {
          path: 'by-choice',
          serviceUrl: `${primary.url}/primary`,
          policy: inbound(`<choose><when condition="@(context.Request.Headers.ContainsKey(&quot;X-Other&quot;))"><set-backend-service base-url="@(&quot;${other.url}&quot; + &quot;/chosen&quot;)" /></when></choose>`),
        },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await primary.close();
    await other.close();
  });

  it('base-url sends the request to a second local server, keeping path and query', async () => {
    const response = await fetch(`${gateway.url}/by-url/items/7?x=1`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'other GET /moved/items/7?x=1');
  });

  it('backend-id takes the URL of the snapshot backend', async () => {
    const response = await fetch(`${gateway.url}/by-id/items/7`, { method: 'DELETE' });
    assert.equal(await response.text(), 'other DELETE /pool/items/7');
  });

  it('an expression base-url applies only when the condition holds', async () => {
    assert.equal(await (await fetch(`${gateway.url}/by-choice/a`, { headers: { 'X-Other': '1' } })).text(), 'other GET /chosen/a');
    const echo = await (await fetch(`${gateway.url}/by-choice/a`)).json() as EchoAnswer;
    assert.equal(echo.url, '/primary/a');
  });
});
