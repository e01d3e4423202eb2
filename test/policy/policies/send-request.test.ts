import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ResponseMessage } from '../../../src/policy/context/message.ts';
import { PolicyCompileError } from '../../../src/policy/diagnostics.ts';
import { BackendError } from '../../../src/policy/pipeline.ts';
import { sendOneWayRequestPolicy } from '../../../src/policy/policies/send-one-way-request/index.ts';
import { sendRequestPolicy } from '../../../src/policy/policies/send-request/index.ts';
import { listen } from '../../helpers.ts';
import { inbound, send, startBackend, startListener, type Backend, type Listener } from './listener.ts';
import { compileSection, requestContext, run } from './support.ts';

interface Seen { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }

describe('send-request and send-one-way-request', () => {
  const seen: Seen[] = [];
  let base = '';
  let closedPort = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 3000).unref();
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-answer', 'yes');
      res.end(JSON.stringify({ echoed: body, path: req.url }));
    });
  });
  before(async () => {
    base = `http://127.0.0.1:${await listen(server)}`;
    const closed = http.createServer();
    closedPort = await listen(closed);
    closed.close();
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const send = (children: string, attributes = 'response-variable-name="r"') => compileSection(`<send-request ${attributes}>${children}</send-request>`, [sendRequestPolicy]);

  it('sends a new request and stores the response with its body loaded', async () => {
    const steps = send(`<set-url>${base}/lookup?id=7</set-url><set-method>POST</set-method><set-header name="X-Trace" exists-action="override"><value>abc</value></set-header><set-header name="X-Multi"><value>1</value><value>2</value></set-header><set-body>{"q":1}</set-body><authentication-basic username="user" password="pa:ss" />`);
    const context = requestContext({ headers: { 'X-Client': 'not copied' } });
    await run(steps, context);
    const response = context.variables.get('r') as ResponseMessage;
    assert.equal(response.StatusCode, 200);
    assert.equal(response.StatusReason, 'OK');
    assert.equal(response.Headers.GetValueOrDefault('X-Answer', ''), 'yes');
    assert.deepEqual(JSON.parse(response.body!.content.toString()), { echoed: '{"q":1}', path: '/lookup?id=7' });
    const request = seen.at(-1)!;
    assert.equal(request.method, 'POST');
    assert.equal(request.headers['x-trace'], 'abc');
    assert.equal(request.headers['x-multi'], '1,2');
    assert.equal(request.headers['x-client'], undefined);
    assert.equal(request.headers.authorization, `Basic ${Buffer.from('user:pa:ss').toString('base64')}`);
  });

  it('copies the current request in mode="copy", body included outside outbound', async () => {
    const steps = send(`<set-url>${base}/copy</set-url>`, 'mode="copy" response-variable-name="r"');
    assert.equal(steps[0]!.usesBody, true);
    const context = requestContext({ method: 'PUT', headers: { 'X-Client': 'copied' }, body: 'payload' });
    await run(steps, context);
    const request = seen.at(-1)!;
    assert.deepEqual([request.method, request.url, request.headers['x-client'], request.body], ['PUT', '/copy', 'copied', 'payload']);
  });

  it('keeps error statuses as responses', async () => {
    const context = requestContext();
    await run(send(`<set-url>${base}/missing</set-url>`), context);
    assert.equal((context.variables.get('r') as ResponseMessage).StatusCode, 404);
  });

  it('fails with BackendConnectionFailure, or stores null with ignore-error', async () => {
    const url = `<set-url>http://127.0.0.1:${closedPort}/</set-url>`;
    await assert.rejects(run(send(url), requestContext()), (error: unknown) => error instanceof BackendError && error.reason === 'BackendConnectionFailure');
    const context = requestContext();
    await run(send(url, 'response-variable-name="r" ignore-error="true"'), context);
    assert.ok(context.variables.has('r'));
    assert.equal(context.variables.get('r'), null);
  });

  it('times out after timeout seconds with reason Timeout', async () => {
    const started = Date.now();
    await assert.rejects(run(send(`<set-url>${base}/slow</set-url>`, 'response-variable-name="r" timeout="1"'), requestContext()), (error: unknown) => error instanceof BackendError && error.reason === 'Timeout');
    assert.ok(Date.now() - started < 2500);
  });

  it('reports located compile errors', () => {
    assert.throws(() => send(''), (error: unknown) => error instanceof PolicyCompileError && /set-url is required/.test(error.message));
    assert.throws(() => send(`<set-url>${base}</set-url><proxy url="http://p" />`), /<proxy> is not supported/);
    assert.throws(() => send(`<set-url>${base}</set-url>`, 'response-variable-name="r" mode="clone"'), /mode must be one of new, copy/);
    assert.throws(() => compileSection(`<send-request><set-url>${base}</set-url></send-request>`, [sendRequestPolicy]), /response-variable-name/);
  });

  it('send-one-way-request returns at once and never fails the request', async () => {
    const before = seen.length;
    const started = Date.now();
    const steps = compileSection(`<send-one-way-request mode="new"><set-url>${base}/slow</set-url><set-method>POST</set-method><set-body>fire</set-body></send-one-way-request><send-one-way-request><set-url>http://127.0.0.1:${closedPort}/</set-url></send-one-way-request>`, [sendOneWayRequestPolicy]);
    await run(steps, requestContext());
    assert.ok(Date.now() - started < 2000, 'did not wait for the 3000 ms call');
    for (let i = 0; i < 50 && seen.length === before; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(seen.at(-1)!.body, 'fire');
  });
});

describe('send-request and send-one-way-request through the listener', () => {
  let backend: Backend;
  let service: Backend;
  let gateway: Listener;
  const oneWay: { resolve: (value: Seen) => void; promise: Promise<Seen> } = (() => {
    let resolve!: (value: Seen) => void;
    const promise = new Promise<Seen>((r) => (resolve = r));
    return { resolve, promise };
  })();
  before(async () => {
    backend = await startBackend();
    service = await startBackend((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (req.url === '/audit') oneWay.resolve({ method: req.method!, url: req.url, headers: req.headers, body });
        res.writeHead(req.url === '/token' ? 200 : 202, { 'content-type': 'application/json', 'x-service': 'token' });
        res.end(JSON.stringify({ token: `t-${req.headers['x-user']}`, got: body }));
      });
    });
    gateway = await startListener({
      apis: [
        {
          path: 'enriched',
          serviceUrl: backend.url,
          policy: inbound(`
            <send-request mode="new" response-variable-name="tokenResponse" timeout="5">
              <set-url>${service.url}/token</set-url>
              <set-method>POST</set-method>
              <set-header name="X-User" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("X-User", "nobody"))</value></set-header>
              <set-body>grant=client</set-body>
            </send-request>
            <set-header name="Authorization" exists-action="override"><value>@("Bearer " + ((IResponse)context.Variables["tokenResponse"]).Body.As&lt;JObject&gt;()["token"])</value></set-header>
            <send-one-way-request mode="copy">
              <set-url>${service.url}/audit</set-url>
            </send-one-way-request>`),
        },
        {
          path: 'relayed',
          serviceUrl: backend.url,
          policy: inbound(`<send-request response-variable-name="answer"><set-url>${service.url}/token</set-url><set-method>GET</set-method></send-request><return-response response-variable-name="answer" />`),
        },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
    await service.close();
  });

  it('send-request calls a second local server and its answer feeds the backend request; send-one-way-request copies the request', async () => {
    const response = await send(`${gateway.url}/enriched/orders`, { method: 'PUT', headers: { 'X-User': 'ann' }, body: 'order body' });
    assert.equal(response.status, 200);
    assert.equal(response.echo!.headers.authorization, 'Bearer t-ann');
    assert.equal(response.echo!.body, 'order body');
    const audited = await oneWay.promise;
    assert.equal(audited.method, 'PUT');
    assert.equal(audited.body, 'order body');
    assert.equal(audited.headers['x-user'], 'ann');
  });

  it('return-response hands the send-request answer to the client', async () => {
    const hits = backend.hits;
    const response = await send(`${gateway.url}/relayed/x`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-service'), 'token');
    assert.deepEqual(JSON.parse(response.text), { token: 't-undefined', got: '' });
    assert.equal(backend.hits, hits);
  });
});
