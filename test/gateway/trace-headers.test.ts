import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { inbound, send, startBackend, startListener, type Backend, type Listener } from '../policy/policies/listener.ts';

/**
 * Tracing off (the default), the backend still gets W3C traceparent and
 * Request-Id, as Azure's gateway sends them: a new unsampled trace per
 * request, or the client's trace continued with the gateway as the parent.
 * Both request paths: streamed (no policies) and through the policy pipeline.
 */

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;
let backend: Backend;
let listener: Listener;

before(async () => {
  backend = await startBackend();
  listener = await startListener({
    apis: [
      { path: 'streamed', serviceUrl: backend.url },
      { path: 'policies', serviceUrl: backend.url, policy: inbound('<set-header name="x-policy" exists-action="override"><value>1</value></set-header>') },
    ],
  });
});

after(async () => {
  await listener.close();
  await backend.close();
});

for (const api of ['streamed', 'policies']) {
  test(`${api}: a new unsampled trace per request, with Request-Id naming the same span`, async () => {
    const first = (await send(`${listener.url}/${api}/a`)).echo!.headers;
    const second = (await send(`${listener.url}/${api}/b`)).echo!.headers;
    const [, traceId, spanId, flags] = TRACEPARENT.exec(first.traceparent ?? '') ?? [];
    assert.ok(traceId, `traceparent ${first.traceparent}`);
    assert.equal(flags, '00');
    assert.equal(first['request-id'], `|${traceId}.${spanId}.`);
    assert.notEqual(TRACEPARENT.exec(second.traceparent!)![1], traceId, 'each request its own trace');
  });

  test(`${api}: the client's trace is continued with a new parent; its sampled flag kept; its Request-Id replaced`, async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const headers = (await send(`${listener.url}/${api}/c`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'request-id': '|client.1.' } })).echo!.headers;
    const [, continued, parent, flags] = TRACEPARENT.exec(headers.traceparent ?? '') ?? [];
    assert.equal(continued, traceId);
    assert.notEqual(parent, '00f067aa0ba902b7');
    assert.equal(flags, '01');
    assert.equal(headers['request-id'], `|${traceId}.${parent}.`);
    const malformed = (await send(`${listener.url}/${api}/d`, { headers: { traceparent: 'garbage' } })).echo!.headers;
    assert.match(malformed.traceparent!, TRACEPARENT);
  });
}
