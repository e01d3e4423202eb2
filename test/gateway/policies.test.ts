import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import http from 'node:http';
import { DataPlane } from '../../src/gateway/data-plane.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { DATA_PLANE_SETTINGS, configFromYaml, listen, REPO_ROOT, startEcho, type EchoAnswer } from '../helpers.ts';

/**
 * Policies through the real data plane: scopes with <base/>, expressions
 * over the context, body reads, answers from inbound, errors into on-error,
 * rate limits — against the example echo backend on real sockets.
 */

const settings = { ...DATA_PLANE_SETTINGS, 'net.client.timeout': 2 } as const;
const silent = createLogger({ 'telemetry.logs.std': 'none', 'telemetry.logs.std.level': 'info' });

let echo: Awaited<ReturnType<typeof startEcho>>;
let plane: DataPlane;
let base: string;

const GLOBAL = `<policies>
  <inbound><set-header name="X-Global" exists-action="override"><value>global</value></set-header></inbound>
  <backend><forward-request /></backend>
  <outbound><set-header name="X-Served-By" exists-action="override"><value>@(context.Deployment.GatewayId)</value></set-header></outbound>
  <on-error><set-header name="X-Error-Reason" exists-action="override"><value>@(context.LastError.Reason)</value></set-header></on-error>
</policies>`;

const API = `<policies>
  <inbound>
    <base />
    <set-header name="X-Api" exists-action="override"><value>@(context.Api.Id + "/" + context.Operation.Id)</value></set-header>
    <set-header name="X-Received" exists-action="override"><value>@(context.Timestamp.Year + "/" + (context.Elapsed.TotalMilliseconds >= 0))</value></set-header>
    <choose>
      <when condition="@(context.Request.Headers.GetValueOrDefault("X-Mode", "") == "teapot")">
        <return-response>
          <set-status code="418" reason="I'm a teapot" />
          <set-header name="Content-Type" exists-action="override"><value>text/plain</value></set-header>
          <set-body>@("short and stout: " + context.Request.MatchedParameters["id"])</set-body>
        </return-response>
      </when>
    </choose>
  </inbound>
  <backend><base /></backend>
  <outbound><base /></outbound>
  <on-error><base /></on-error>
</policies>`;

const ECHO_BODY = `<policies>
  <inbound>
    <base />
    <set-body>@{
      var body = context.Request.Body.As<JObject>(preserveContent: true);
      body["seen"] = true;
      return body.ToString(Newtonsoft.Json.Formatting.None);
    }</set-body>
  </inbound>
  <backend><base /></backend>
  <outbound><base /></outbound>
  <on-error><base /></on-error>
</policies>`;

const LIMITED = `<policies>
  <inbound><base /><rate-limit-by-key calls="2" renewal-period="60" counter-key="@(context.Request.IpAddress)" remaining-calls-header-name="X-Remaining" /></inbound>
  <backend><base /></backend>
  <outbound><base /></outbound>
  <on-error><base /></on-error>
</policies>`;

function yaml(echoUrl: string, deadUrl: string): string {
  const indent = (xml: string) => xml.split('\n').map((line) => `      ${line}`).join('\n');
  return `
revision: r1
policy: |
${indent(GLOBAL).replace(/^ {2}/gm, '')}
apis:
  - id: shop
    path: shop
    subscriptionRequired: false
    serviceUrl: ${echoUrl}/backend
    policy: |
${indent(API)}
    operations:
      - { id: get-item, method: GET, urlTemplate: "/items/{id}" }
      - id: post-item
        method: POST
        urlTemplate: /items
        policy: |
${indent(ECHO_BODY).replace(/^/gm, '    ')}
  - id: limited
    path: limited
    subscriptionRequired: false
    serviceUrl: ${echoUrl}
    policy: |
${indent(LIMITED)}
    operations: [{ id: any, method: GET, urlTemplate: /* }]
  - id: dead
    path: dead
    subscriptionRequired: false
    serviceUrl: ${deadUrl}
    operations: [{ id: any, method: GET, urlTemplate: /* }]
`;
}

before(async () => {
  echo = await startEcho();
  const dead = net.createServer();
  const deadPort = await listen(dead as unknown as http.Server);
  dead.close();
  plane = new DataPlane(settings, silent);
  plane.apply(configFromYaml(yaml(echo.url, `http://127.0.0.1:${deadPort}`)));
  base = `http://127.0.0.1:${await listen(plane.server)}`;
});

after(async () => {
  await plane.drain(1);
  echo.server.close();
});

test('inbound headers from global and API scope reach the backend; outbound sets response headers', async () => {
  const response = await fetch(`${base}/shop/items/42`);
  assert.equal(response.status, 200);
  const answer = await response.json() as EchoAnswer;
  assert.equal(answer.url, '/backend/items/42');
  assert.equal(answer.headers['x-global'], 'global');
  assert.equal(answer.headers['x-api'], 'shop/get-item');
  assert.equal(answer.headers['x-received'], `${new Date().getUTCFullYear()}/True`);
  assert.equal(response.headers.get('x-served-by'), 'test-gateway');
});

test('choose + return-response answers from inbound without calling the backend', async () => {
  const response = await fetch(`${base}/shop/items/7`, { headers: { 'X-Mode': 'teapot' } });
  assert.equal(response.status, 418);
  assert.equal(response.statusText, "I'm a teapot");
  assert.equal(response.headers.get('content-type'), 'text/plain');
  assert.equal(await response.text(), 'short and stout: 7');
  assert.equal(response.headers.get('x-served-by'), null, 'return-response skips outbound');
});

test('an operation policy reads and rewrites the JSON request body', async () => {
  const response = await fetch(`${base}/shop/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"kettle"}' });
  assert.equal(response.status, 200);
  const answer = await response.json() as EchoAnswer;
  assert.deepEqual(JSON.parse(answer.body), { name: 'kettle', seen: true });
});

test('rate-limit-by-key lets N calls through, then answers 429 with Retry-After and the APIM text', async () => {
  const statuses: number[] = [];
  let refused: Response | undefined;
  for (let i = 0; i < 3; i++) {
    const response = await fetch(`${base}/limited/x`);
    statuses.push(response.status);
    if (response.status === 429) refused = response;
    else {
      assert.equal(response.headers.get('x-remaining'), String(1 - i));
      await response.text();
    }
  }
  assert.deepEqual(statuses, [200, 200, 429]);
  const retryAfter = Number(refused!.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  assert.equal(await refused!.text(), `{ "statusCode": 429, "message": "Rate limit is exceeded. Try again in ${retryAfter} seconds." }`);
  assert.equal(refused!.headers.get('x-error-reason'), 'RateLimitExceeded', 'on-error ran with LastError set');
});

test('a backend that cannot be reached goes through on-error and answers the APIM 500', async () => {
  const response = await fetch(`${base}/dead/x`);
  assert.equal(response.status, 500);
  assert.equal(response.headers.get('x-error-reason'), 'BackendConnectionFailure');
  assert.match(await response.text(), /^\{ "statusCode": 500, "message": "Internal server error", "activityId": "[0-9a-f-]{36}" \}$/);
});

test('without outbound policies the backend response streams straight through, with the headers inbound policies asked for', async () => {
  const streaming = new DataPlane(settings, silent);
  streaming.apply(configFromYaml(`
apis:
  - id: stream
    path: stream
    subscriptionRequired: false
    serviceUrl: ${echo.url}
    policy: |
      <policies>
        <inbound><rate-limit-by-key calls="5" renewal-period="60" counter-key="stream" remaining-calls-header-name="X-Remaining" /></inbound>
        <backend><forward-request timeout="5" /></backend>
      </policies>
    operations: [{ id: any, method: POST, urlTemplate: /* }]
`));
  const streamingBase = `http://127.0.0.1:${await listen(streaming.server)}`;
  try {
    const payload = 'x'.repeat(256 * 1024);
    const response = await fetch(`${streamingBase}/stream/big`, { method: 'POST', body: payload });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-remaining'), '4');
    const answer = await response.json() as EchoAnswer;
    assert.equal(answer.url, '/big');
    assert.equal(answer.body.length, payload.length);
  } finally {
    await streaming.drain(1);
  }
});

test('a CORS preflight is answered by the cors policy of the operation it asks about, without an OPTIONS operation', async () => {
  const cors = new DataPlane(settings, silent);
  cors.apply(configFromYaml(`
apis:
  - id: web
    path: web
    subscriptionRequired: true
    serviceUrl: ${echo.url}
    policy: |
      <policies>
        <inbound>
          <cors><allowed-origins><origin>https://app.example</origin></allowed-origins><allowed-methods><method>PUT</method></allowed-methods></cors>
        </inbound>
        <backend><forward-request /></backend>
      </policies>
    operations: [{ id: put, method: PUT, urlTemplate: "/items/{id}" }]
  - id: plain
    path: plain
    serviceUrl: ${echo.url}
    operations: [{ id: put, method: PUT, urlTemplate: "/items/{id}" }]
`));
  const corsBase = `http://127.0.0.1:${await listen(cors.server)}`;
  try {
    const preflight = { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'PUT' } };
    const answered = await fetch(`${corsBase}/web/items/1`, preflight);
    assert.equal(answered.status, 200);
    assert.equal(answered.headers.get('access-control-allow-origin'), 'https://app.example');
    await answered.text();
    const noPolicy = await fetch(`${corsBase}/plain/items/1`, preflight);
    assert.equal(noPolicy.status, 404);
    assert.equal(await noPolicy.text(), '{ "statusCode": 404, "message": "Resource not found" }');
  } finally {
    await cors.drain(1);
  }
});

test('no operation matched: the API on-error runs with LastError OperationNotFound (the corpus 405 snippet)', async () => {
  const snippet = fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/policy-snippets/Return HTTP 405 if the HTTP Method of the request is not defined.xml'), 'utf8');
  const methods = new DataPlane(settings, silent);
  methods.apply(configFromYaml(`
apis:
  - id: echo
    path: echo
    subscriptionRequired: false
    serviceUrl: ${echo.url}/api
    policy: |
${snippet.split('\n').map((line) => `      ${line}`).join('\n')}
    operations: [{ id: cached, method: POST, urlTemplate: /resource-cached }]
`));
  const methodsBase = `http://127.0.0.1:${await listen(methods.server)}`;
  try {
    const wrongMethod = await fetch(`${methodsBase}/echo/resource-cached`);
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.statusText, 'Method not allowed');
    assert.deepEqual(await wrongMethod.json(), { status: 'HTTP 405', message: 'Method not allowed' });
    const elsewhere = await fetch(`${methodsBase}/echo/other`);
    assert.equal(elsewhere.status, 404);
    assert.equal(await elsewhere.text(), '{ "statusCode": 404, "message": "Resource not found" }');
    assert.equal((await fetch(`${methodsBase}/echo/resource-cached`, { method: 'POST' })).status, 200);
  } finally {
    await methods.drain(1);
  }
});

test('fields the client names in Connection are hop-by-hop on the policy path too: neither policies nor the backend see them', async () => {
  const answer = await new Promise<EchoAnswer>((resolve, reject) => {
    const request = http.request(`${base}/shop/items/9`, { headers: { connection: 'keep-alive, x-private', 'x-private': 'client-only', 'x-public': 'seen' } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk));
      response.on('end', () => resolve(JSON.parse(text) as EchoAnswer));
    });
    request.on('error', reject);
    request.end();
  });
  assert.equal(answer.headers['x-private'], undefined);
  assert.equal(answer.headers['x-public'], 'seen');
});
