import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { DataPlane } from '../../src/gateway/data-plane.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { DATA_PLANE_SETTINGS, configFromYaml, listen, REPO_ROOT, startEcho, type EchoAnswer } from '../helpers.ts';

/**
 * Real-world policy documents from the corpus, unchanged, run through the
 * real listener against local fake backends standing in for the services
 * they were written for.
 */

const settings = { ...DATA_PLANE_SETTINGS, 'gateway.name': 'corpus-gateway' } as const;
const silent = createLogger({ 'telemetry.logs.std': 'none', 'telemetry.logs.std.level': 'info' });

const snippet = (name: string, indent: string) => fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/policy-snippets', name), 'utf8')
  .split('\n').map((line) => `${indent}${line}`).join('\n');

let echo: Awaited<ReturnType<typeof startEcho>>;
let weather: http.Server;
let sap: http.Server;
let plane: DataPlane;
let base: string;
const sapSeen: Array<{ method: string; csrf: string | undefined; cookie: string | undefined }> = [];

before(async () => {
  echo = await startEcho();
  weather = http.createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ lat: 1, lon: 2, timezone: 'UTC', current: {}, minutely: [], hourly: [], daily: [], alerts: [] }));
  });
  const weatherPort = await listen(weather);
  // SAP Gateway's X-CSRF dance: HEAD with "X-CSRF-Token: Fetch" hands out a token and a session cookie.
  sap = http.createServer((req, res) => {
    sapSeen.push({ method: req.method!, csrf: req.headers['x-csrf-token'] as string | undefined, cookie: req.headers.cookie });
    if (req.method === 'HEAD') {
      res.setHeader('x-csrf-token', 'csrf-123');
      res.setHeader('set-cookie', 'sap-usercontext=sap-client=100; path=/;sap-XSRF_GW_100=abc,xsrf-cookie-value; path=/');
    }
    res.end();
  });
  const sapPort = await listen(sap);
  plane = new DataPlane(settings, silent);
  plane.apply(configFromYaml(`
namedValues:
  - { name: alternate-path-and-query, value: /big-messages }
  - { name: alternate-host, value: "${echo.url}/overflow" }
apis:
  - id: correlated
    path: correlated
    subscriptionRequired: false
    serviceUrl: ${echo.url}
    policy: |
${snippet('Add correlation id to inbound request.policy.xml', '      ')}
    operations: [{ id: any, method: GET, urlTemplate: /* }]
  - id: weather
    path: weather
    serviceUrl: http://127.0.0.1:${weatherPort}
    policy: |
${snippet('Filter response content based on product name.policy.xml', '      ')}
    operations: [{ id: onecall, method: GET, urlTemplate: /onecall }]
  - id: sized
    path: sized
    subscriptionRequired: false
    serviceUrl: ${echo.url}/normal
    policy: |
${snippet('Route requests based on size.policy.xml', '      ')}
    operations: [{ id: post, method: POST, urlTemplate: /messages }]
  - id: sap
    path: sap
    subscriptionRequired: false
    serviceUrl: http://127.0.0.1:${sapPort}/sap/opu/odata
    policy: |
${snippet('Get X-CSRF token from SAP gateway using send request.policy.xml', '      ')}
    operations: [{ id: any, method: POST, urlTemplate: /* }]
products:
  - { id: starter, name: Starter, apis: [weather] }
  - { id: unlimited, name: Unlimited, apis: [weather] }
subscriptions:
  - { id: starter-sub, scope: /products/starter, primaryKey: starter-key }
  - { id: unlimited-sub, scope: /products/unlimited, primaryKey: unlimited-key }
`));
  base = `http://127.0.0.1:${await listen(plane.server)}`;
});

after(async () => {
  await plane.drain(1);
  echo.server.close();
  weather.close();
  sap.close();
});

test('"Add correlation id": the backend gets a COMB GUID built from a byte array, a timestamp and Guid', async () => {
  const answer = await (await fetch(`${base}/correlated/x`)).json() as EchoAnswer;
  assert.match(answer.headers.correlationid!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
});

test('"Filter response content based on product name": Starter callers get the trimmed body, others all of it', async () => {
  const starter = await (await fetch(`${base}/weather/onecall`, { headers: { 'Ocp-Apim-Subscription-Key': 'starter-key' } })).json();
  assert.deepEqual(starter, { lat: 1, lon: 2, timezone: 'UTC' });
  const unlimited = await (await fetch(`${base}/weather/onecall`, { headers: { 'Ocp-Apim-Subscription-Key': 'unlimited-key' } })).json() as Record<string, unknown>;
  assert.deepEqual(Object.keys(unlimited), ['lat', 'lon', 'timezone', 'current', 'minutely', 'hourly', 'daily', 'alerts']);
});

test('"Route requests based on size": small bodies go to the API backend, large ones to the named-value host and path', async () => {
  const small = await (await fetch(`${base}/sized/messages`, { method: 'POST', body: 'x'.repeat(1000) })).json() as EchoAnswer;
  assert.equal(small.url, '/normal/messages');
  const large = await (await fetch(`${base}/sized/messages`, { method: 'POST', body: 'x'.repeat(300_000) })).json() as EchoAnswer;
  assert.equal(large.url, '/overflow/big-messages');
  assert.equal(large.body.length, 300_000);
});

test('"Get X-CSRF token from SAP gateway": a HEAD send-request fetches the token and cookie, the POST carries them', async () => {
  sapSeen.length = 0;
  const response = await fetch(`${base}/sap/Orders`, { method: 'POST', headers: { authorization: 'Basic dTpw' }, body: '{}' });
  assert.equal(response.status, 200);
  assert.deepEqual(sapSeen, [
    { method: 'HEAD', csrf: 'Fetch', cookie: undefined },
    { method: 'POST', csrf: 'csrf-123', cookie: 'xsrf-cookie-value' },
  ]);
});
