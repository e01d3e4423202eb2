import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { executePlan } from '../../../src/policy/pipeline.ts';
import { cors } from '../../../src/policy/policies/cors/index.ts';
import { setHeader } from '../../../src/policy/policies/set-header/index.ts';
import { inbound, startBackend, startListener, type Backend, type EchoAnswer, type Listener } from './listener.ts';
import { compileSection, requestContext, type ContextInit } from './support.ts';

const POLICY = [
  '<cors allow-credentials="true" terminate-unmatched-request="true">',
  '<allowed-origins><origin>http://localhost:8080/</origin><origin>https://app.example.com</origin></allowed-origins>',
  '<allowed-methods preflight-result-max-age="300"><method>GET</method><method>POST</method><method>PATCH</method></allowed-methods>',
  '<allowed-headers><header>Content-Type</header><header>X-Custom</header></allowed-headers>',
  '<expose-headers><header>X-Request-Id</header><header>Location</header></expose-headers>',
  '</cors>',
  '<set-header name="X-Reached" exists-action="override"><value>yes</value></set-header>',
].join('');

async function send(policy: string, init: ContextInit) {
  const context = requestContext(init);
  const inbound = compileSection(policy, [cors, setHeader]);
  await executePlan({ inbound, backend: [], outbound: [], onError: [] }, context, { proxyFailureStatus: false });
  return context;
}

const headersOf = (context: Awaited<ReturnType<typeof send>>) => Object.fromEntries(context.response.headers.toRaw().reduce<[string, string][]>((pairs, value, index, raw) => (index % 2 === 0 ? [...pairs, [value, raw[index + 1]!]] : pairs), []));

test('an allowed preflight is answered by cors with the Access-Control headers', async () => {
  const context = await send(POLICY, { method: 'OPTIONS', headers: { Origin: 'http://localhost:8080', 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'content-type, x-custom' } });
  assert.equal(context.ended, true);
  assert.equal(context.response.statusCode, 200);
  assert.equal(context.response.body, null);
  assert.deepEqual(headersOf(context), {
    'Access-Control-Allow-Origin': 'http://localhost:8080',
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Methods': 'PATCH',
    'Access-Control-Allow-Headers': 'content-type,x-custom',
    'Access-Control-Max-Age': '300',
    Vary: 'Origin',
  });
  assert.equal(context.request.headers.has('X-Reached'), false);
});

test('a preflight with an unmatched origin, method or header gets an empty 200 without CORS headers', async () => {
  const cases: Record<string, string>[] = [
    { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' },
    { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'DELETE' },
    { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'X-Other' },
  ];
  for (const headers of cases) {
    const context = await send(POLICY, { method: 'OPTIONS', headers });
    assert.equal(context.response.statusCode, 200);
    assert.deepEqual(headersOf(context), {});
    assert.equal(context.ended, true);
  }
});

test('an actual request from an allowed origin gets CORS headers on the final response', async () => {
  const context = await send(POLICY, { method: 'POST', headers: { Origin: 'https://APP.example.com:443' }, body: '{}' });
  assert.equal(context.request.headers.joined('X-Reached'), 'yes');
  assert.deepEqual(headersOf(context), {
    'Access-Control-Allow-Origin': 'https://APP.example.com:443',
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Expose-Headers': 'X-Request-Id,Location',
    Vary: 'Origin',
  });
});

test('unmatched simple GET is terminated with an empty 200 only when terminate-unmatched-request is true', async () => {
  const terminated = await send(POLICY, { method: 'GET', headers: { Origin: 'https://evil.example' } });
  assert.equal(terminated.ended, true);
  assert.equal(terminated.request.headers.has('X-Reached'), false);
  const passed = await send(POLICY.replace('terminate-unmatched-request="true"', ''), { method: 'GET', headers: { Origin: 'https://evil.example' } });
  assert.equal(passed.ended, false);
  assert.equal(passed.request.headers.joined('X-Reached'), 'yes');
  assert.deepEqual(headersOf(passed), {});
});

test('wildcard origin answers *; with credentials the origin is echoed; methods * allow anything; default methods GET, POST', async () => {
  const wildcard = '<cors><allowed-origins><origin>*</origin></allowed-origins><allowed-methods><method>*</method></allowed-methods><allowed-headers><header>*</header></allowed-headers></cors>';
  const open = await send(wildcard, { method: 'OPTIONS', headers: { Origin: 'https://any.example', 'Access-Control-Request-Method': 'PURGE', 'Access-Control-Request-Headers': 'X-Anything' } });
  assert.equal(headersOf(open)['Access-Control-Allow-Origin'], '*');
  assert.equal(headersOf(open).Vary, undefined);
  assert.equal(headersOf(open)['Access-Control-Allow-Methods'], 'PURGE');
  const credentialed = await send(wildcard.replace('<cors>', '<cors allow-credentials="true">'), { method: 'GET', headers: { Origin: 'https://any.example' } });
  assert.equal(headersOf(credentialed)['Access-Control-Allow-Origin'], 'https://any.example');
  const defaults = '<cors><allowed-origins><origin>*</origin></allowed-origins></cors>';
  assert.equal(headersOf(await send(defaults, { method: 'OPTIONS', headers: { Origin: 'https://a.example', 'Access-Control-Request-Method': 'POST' } }))['Access-Control-Allow-Methods'], 'POST');
  assert.deepEqual(headersOf(await send(defaults, { method: 'OPTIONS', headers: { Origin: 'https://a.example', 'Access-Control-Request-Method': 'PUT' } })), {});
});

test('requests without Origin are untouched', async () => {
  const context = await send(POLICY, { method: 'OPTIONS' });
  assert.equal(context.ended, false);
  assert.equal(context.request.headers.joined('X-Reached'), 'yes');
});

test('cors compile errors', () => {
  assert.throws(() => compileSection('<cors />', [cors]), /cors: <allowed-origins> is required/);
  assert.throws(() => compileSection('<cors><allowed-origins /></cors>', [cors]), /cors: <allowed-origins> needs at least one <origin>/);
  assert.throws(() => compileSection('<cors><allowed-origins><origin>example.com</origin></allowed-origins></cors>', [cors]), /cors: origin "example.com" must be \* or scheme:\/\/host\[:port\]/);
  assert.throws(() => compileSection('<cors><allowed-origins><origin>*</origin></allowed-origins><allowed-methods preflight-result-max-age="-1" /></cors>', [cors]), /preflight-result-max-age must be a whole number of seconds/);
  assert.throws(() => compileSection('<cors><allowed-origins><origin>*</origin></allowed-origins><allowed-methods><verb>GET</verb></allowed-methods></cors>', [cors]), /cors: <allowed-methods>: unexpected element <verb>; allowed: <method>/);
  assert.throws(() => compileSection('<cors allow-credentials="maybe"><allowed-origins><origin>*</origin></allowed-origins></cors>', [cors]), /cors: allow-credentials must be true or false/);
});

describe('cors through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      apis: [
        { path: 'web', serviceUrl: backend.url, policy: inbound(POLICY) },
        { path: 'open', serviceUrl: backend.url, policy: inbound('<cors><allowed-origins><origin>*</origin></allowed-origins></cors>') },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('a preflight is answered by the gateway with the Access-Control headers, without the backend', async () => {
    const hits = backend.hits;
    const response = await fetch(`${gateway.url}/web/items`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-custom' },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.equal(response.headers.get('access-control-allow-credentials'), 'true');
    assert.match(response.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(response.headers.get('access-control-allow-headers') ?? '', /x-custom/i);
    assert.equal(response.headers.get('access-control-max-age'), '300');
    assert.equal(await response.text(), '');
    assert.equal(backend.hits, hits);
  });

  it('an actual request reaches the backend; the response carries allow-origin and expose-headers', async () => {
    const response = await fetch(`${gateway.url}/web/items`, { method: 'POST', headers: { Origin: 'http://localhost:8080' }, body: 'x' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), 'http://localhost:8080');
    assert.match(response.headers.get('access-control-expose-headers') ?? '', /X-Request-Id/);
    assert.equal((await response.json() as EchoAnswer).headers['x-reached'], 'yes');
  });

  it('an unmatched origin with terminate-unmatched-request gets an empty 200 without reaching the backend', async () => {
    const hits = backend.hits;
    const response = await fetch(`${gateway.url}/web/items`, { headers: { Origin: 'https://evil.example' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    assert.equal(await response.text(), '');
    assert.equal(backend.hits, hits);
  });

  it('origin * answers any origin', async () => {
    const response = await fetch(`${gateway.url}/open/x`, { headers: { Origin: 'https://any.example' } });
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    await response.text();
  });
});
