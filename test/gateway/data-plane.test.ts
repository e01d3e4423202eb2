import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { DataPlane } from '../../src/gateway/data-plane.ts';
import { loadSettings } from '../../src/settings/load.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { DATA_PLANE_SETTINGS, configFromYaml, listen, startEcho, type EchoAnswer } from '../helpers.ts';

const settings = { ...DATA_PLANE_SETTINGS, 'net.client.timeout': 1 } as const;
const silent = createLogger({ 'telemetry.logs.std': 'none', 'telemetry.logs.std.level': 'info' });

let echo: Awaited<ReturnType<typeof startEcho>>;
let slow: http.Server;
let slowPort: number;
let deadPort: number;
let plane: DataPlane;
let base: string;

function yaml(echoUrl: string, slowUrl: string, deadUrl: string): string {
  return `
revision: r1
apis:
  - id: echo
    path: echo
    serviceUrl: ${echoUrl}/backend
    operations:
      - { id: get-item, method: GET, urlTemplate: "/items/{id}" }
      - { id: post-item, method: POST, urlTemplate: /items }
  - id: custom-key
    path: custom
    serviceUrl: ${echoUrl}
    subscriptionKeyParameterNames: { header: X-Api-Key, query: apikey }
    operations: [{ id: any, method: GET, urlTemplate: /* }]
  - id: open
    path: open
    subscriptionRequired: false
    serviceUrl: ${echoUrl}
    operations: [{ id: any, method: GET, urlTemplate: /* }]
  - id: in-open-product
    path: promo
    serviceUrl: ${echoUrl}
    operations: [{ id: any, method: GET, urlTemplate: /* }]
  - id: other
    path: other
    serviceUrl: ${echoUrl}
    operations: [{ id: any, method: GET, urlTemplate: /* }]
  - id: slow
    path: slow
    subscriptionRequired: false
    serviceUrl: ${slowUrl}
    operations: [{ id: any, method: GET, urlTemplate: /* }]
  - id: dead
    path: dead
    subscriptionRequired: false
    serviceUrl: ${deadUrl}
    operations: [{ id: any, method: GET, urlTemplate: /* }]
products:
  - { id: starter, apis: [echo] }
  - { id: free, subscriptionRequired: false, apis: [in-open-product] }
subscriptions:
  - { id: all, scope: /apis, primaryKey: all-primary, secondaryKey: all-secondary }
  - { id: echo-only, scope: /apis/echo, primaryKey: echo-key }
  - { id: starter-sub, scope: /products/starter, primaryKey: starter-key }
  - { id: custom-sub, scope: /apis/custom-key, primaryKey: custom-key-value }
  - { id: gone, scope: /apis, state: suspended, primaryKey: suspended-key }
`;
}

before(async () => {
  echo = await startEcho();
  slow = http.createServer(() => { /* never answers: the gateway must time out */ });
  slowPort = await listen(slow);
  const dead = net.createServer();
  deadPort = await listen(dead as unknown as http.Server);
  dead.close();
  plane = new DataPlane(settings, silent);
  plane.apply(configFromYaml(yaml(echo.url, `http://127.0.0.1:${slowPort}`, `http://127.0.0.1:${deadPort}`)));
  base = `http://127.0.0.1:${await listen(plane.server)}`;
});

after(async () => {
  await plane.drain(1);
  echo.server.close();
  slow.closeAllConnections();
  slow.close();
});

async function get(path: string, headers: Record<string, string> = {}, init: RequestInit = {}) {
  const response = await fetch(`${base}${path}`, { headers, ...init });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) as EchoAnswer };
}

test('forwards to serviceUrl + the rest of the path, with the key stripped and X-Forwarded-* added', async () => {
  const response = await get('/echo/items/42?x=1&y=2', { 'Ocp-Apim-Subscription-Key': 'all-primary', 'X-Custom': 'kept' });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('x-echo-backend'), 'apimgw-example');
  const echoed = response.json();
  assert.equal(echoed.url, '/backend/items/42?x=1&y=2');
  assert.equal(echoed.headers['x-custom'], 'kept');
  assert.equal(echoed.headers['ocp-apim-subscription-key'], undefined);
  assert.equal(echoed.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(echoed.headers['x-forwarded-proto'], 'http');
  assert.equal(echoed.headers['x-forwarded-host'], base.slice(7));
  assert.equal(echoed.headers.host, echo.url.slice(7));
});

test('appends the client to an existing X-Forwarded-For and drops hop-by-hop headers', async () => {
  // fetch refuses to send Connection and TE, so this one goes through node:http.
  const request = http.get(`${base}/open/x`, { headers: { 'X-Forwarded-For': '10.0.0.1', 'Connection': 'keep-alive, X-Secret-Hop', 'X-Secret-Hop': 'no', 'TE': 'trailers' } });
  const [response] = await once(request, 'response') as [http.IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  const echoed = JSON.parse(Buffer.concat(chunks).toString()) as EchoAnswer;
  assert.equal(echoed.headers['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
  assert.equal(echoed.headers['x-secret-hop'], undefined);
  assert.equal(echoed.headers.te, undefined);
});

test('streams request bodies to the backend', async () => {
  const body = 'x'.repeat(256 * 1024);
  const response = await get('/echo/items', { 'Ocp-Apim-Subscription-Key': 'echo-key', 'content-type': 'text/plain' }, { method: 'POST', body });
  assert.equal(response.status, 200);
  assert.equal(response.json().body.length, body.length);
});

test('missing key: APIM 401 body and WWW-Authenticate challenge', async () => {
  const response = await get('/echo/items/1');
  assert.equal(response.status, 401);
  assert.equal(response.headers.get('content-type'), 'application/json');
  assert.equal(response.text, '{ "statusCode": 401, "message": "Access denied due to missing subscription key. Make sure to include subscription key when making requests to this API." }');
  assert.equal(response.headers.get('www-authenticate'), `AzureApiManagementKey realm="${base}/echo",name="Ocp-Apim-Subscription-Key",type="header"`);
});

test('invalid, suspended and out-of-scope keys: APIM 401 invalid key', async () => {
  const expected = '{ "statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription." }';
  for (const key of ['wrong', 'suspended-key', 'echo-key', 'starter-key']) {
    const response = await get('/other/x', { 'Ocp-Apim-Subscription-Key': key });
    assert.equal(response.status, 401, key);
    assert.equal(response.text, expected, key);
  }
});

test('primary and secondary keys, API and product scopes all open the door', async () => {
  for (const key of ['all-primary', 'all-secondary', 'echo-key', 'starter-key']) {
    assert.equal((await get('/echo/items/1', { 'Ocp-Apim-Subscription-Key': key })).status, 200, key);
  }
});

test('the query parameter carries the key when the header is absent, and is removed before forwarding', async () => {
  const response = await get('/echo/items/1?subscription-key=echo-key&keep=1');
  assert.equal(response.status, 200);
  assert.equal(response.json().url, '/backend/items/1?keep=1');
  const headerWins = await get('/echo/items/1?subscription-key=echo-key', { 'Ocp-Apim-Subscription-Key': 'wrong' });
  assert.equal(headerWins.status, 401, 'the query is read only when the header is absent');
});

test('per-API key names', async () => {
  assert.equal((await get('/custom/a', { 'X-Api-Key': 'custom-key-value' })).status, 200);
  assert.equal((await get('/custom/a?apikey=custom-key-value')).status, 200);
  const missing = await get('/custom/a', { 'Ocp-Apim-Subscription-Key': 'custom-key-value' });
  assert.equal(missing.status, 401);
  assert.match(missing.headers.get('www-authenticate') ?? '', /name="X-Api-Key"/);
});

test('open APIs and APIs in an open product need no key', async () => {
  assert.equal((await get('/open/anything')).status, 200);
  assert.equal((await get('/promo/anything')).status, 200);
});

test('unmatched API or operation: APIM 404', async () => {
  for (const path of ['/nope', '/echo/unknown', '/echo/items/1/2']) {
    const response = await get(path, { 'Ocp-Apim-Subscription-Key': 'all-primary' });
    assert.equal(response.status, 404, path);
    assert.equal(response.text, '{ "statusCode": 404, "message": "Resource not found" }');
  }
});

test('backend timeout and unreachable backend: APIM 500 with an activityId', async () => {
  for (const path of ['/slow/x', '/dead/x']) {
    const response = await get(path);
    assert.equal(response.status, 500, path);
    assert.match(response.text, /^\{ "statusCode": 500, "message": "Internal server error", "activityId": "[0-9a-f-]{36}" \}$/, path);
  }
});

test('with gateway.backendFailure.statusCodes=proxy: 504 on timeout, 502 when unreachable', async () => {
  const proxyPlane = new DataPlane({ ...settings, 'gateway.backendFailure.statusCodes': 'proxy' }, silent);
  proxyPlane.apply(configFromYaml(yaml(echo.url, `http://127.0.0.1:${slowPort}`, `http://127.0.0.1:${deadPort}`)));
  const proxyBase = `http://127.0.0.1:${await listen(proxyPlane.server)}`;
  try {
    const timedOut = await fetch(`${proxyBase}/slow/x`);
    assert.equal(timedOut.status, 504);
    assert.match(await timedOut.text(), /^\{ "statusCode": 504, "message": "Request to the backend service timed out", "activityId": "[0-9a-f-]{36}" \}$/);
    const refused = await fetch(`${proxyBase}/dead/x`);
    assert.equal(refused.status, 502);
    assert.match(await refused.text(), /^\{ "statusCode": 502, "message": "Failed to connect to the backend service", "activityId": "[0-9a-f-]{36}" \}$/);
  } finally {
    await proxyPlane.drain(1);
  }
});

test('health endpoint answers 200 Service Operational once a configuration is loaded, 503 before', async () => {
  const response = await fetch(`${base}/status-0123456789abcdef`);
  assert.equal(response.status, 200);
  assert.equal(response.statusText, 'Service Operational');
  assert.equal(await response.text(), '');
  const unloaded = new DataPlane(settings, silent);
  const unloadedBase = `http://127.0.0.1:${await listen(unloaded.server)}`;
  try {
    const down = await fetch(`${unloadedBase}/status-0123456789abcdef`);
    assert.equal(down.status, 503);
    await down.text();
  } finally {
    await unloaded.drain(1);
  }
});

test('malformed requests and oversized headers get a plain error, and the server keeps serving', async () => {
  const port = Number(new URL(base).port);
  const raw = async (payload: string) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.write(payload);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => { /* the server may reset after answering */ });
    await new Promise((resolve) => socket.on('close', resolve));
    return Buffer.concat(chunks).toString();
  };
  assert.match(await raw('THIS IS NOT HTTP\r\n\r\n'), /^HTTP\/1\.1 400 Bad Request/);
  assert.match(await raw(`GET /open/x HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(1024 * 1024)}\r\n\r\n`), /^HTTP\/1\.1 431 /);
  assert.equal((await get('/open/x')).status, 200);
});

test('applying the same configuration again is a no-op; a new one swaps in', () => {
  const same = configFromYaml(yaml(echo.url, 'http://127.0.0.1:1', 'http://127.0.0.1:2'));
  assert.equal(plane.apply(same), true);
  assert.equal(plane.apply(same), false);
});

test('response fields the backend names in its Connection header are hop-by-hop and not relayed', async () => {
  const backend = http.createServer((_req, res) => {
    res.writeHead(200, { connection: 'x-private, keep-alive', 'x-private': 'backend-only', 'x-public': 'for-the-client' });
    res.end('ok');
  });
  const backendPort = await listen(backend);
  const gateway = new DataPlane(settings, silent);
  gateway.apply(configFromYaml(`
apis:
  - { id: hop, path: hop, subscriptionRequired: false, serviceUrl: "http://127.0.0.1:${backendPort}", operations: [{ id: any, method: GET, urlTemplate: /* }] }
`));
  const gatewayBase = `http://127.0.0.1:${await listen(gateway.server)}`;
  try {
    const response = await fetch(`${gatewayBase}/hop/x`);
    assert.equal(await response.text(), 'ok');
    assert.equal(response.headers.get('x-private'), null);
    assert.equal(response.headers.get('x-public'), 'for-the-client');
  } finally {
    await gateway.drain(1);
    backend.close();
  }
});

test('by default the key reaches the backend as APIM sends it: header kept, query kept (Learn serviceUrl example)', async () => {
  const defaults = loadSettings({ flags: {} }).settings;
  assert.equal(defaults['gateway.subscriptionKey.forward'], true);
  const forwarding = new DataPlane({ ...settings, 'gateway.subscriptionKey.forward': defaults['gateway.subscriptionKey.forward'] }, silent);
  forwarding.apply(configFromYaml(yaml(echo.url, `http://127.0.0.1:${slowPort}`, `http://127.0.0.1:${deadPort}`)));
  const url = `http://127.0.0.1:${await listen(forwarding.server)}`;
  try {
    const byHeader = (await (await fetch(`${url}/echo/items/15?version=2013-05`, { headers: { 'Ocp-Apim-Subscription-Key': 'all-primary' } })).json()) as EchoAnswer;
    assert.equal(byHeader.url, '/backend/items/15?version=2013-05');
    assert.equal(byHeader.headers['ocp-apim-subscription-key'], 'all-primary');
    const byQuery = (await (await fetch(`${url}/echo/items/15?version=2013-05&subscription-key=echo-key`)).json()) as EchoAnswer;
    assert.equal(byQuery.url, '/backend/items/15?version=2013-05&subscription-key=echo-key');
  } finally {
    await forwarding.drain(1);
  }
});
