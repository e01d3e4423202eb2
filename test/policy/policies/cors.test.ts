import assert from 'node:assert/strict';
import { test } from 'node:test';
import { executePlan } from '../../../src/policy/pipeline.ts';
import { cors } from '../../../src/policy/policies/cors/index.ts';
import { setHeader } from '../../../src/policy/policies/set-header/index.ts';
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
