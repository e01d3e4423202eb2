import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { PolicyCompileError } from '../../../src/policy/diagnostics.ts';
import { setHeader } from '../../../src/policy/policies/set-header/index.ts';
import { startBackend, startListener, type Backend, type EchoAnswer, type Listener } from './listener.ts';
import { compileSection, requestContext, run } from './support.ts';

const steps = (xml: string, section: 'inbound' | 'outbound' | 'backend' | 'on-error' = 'inbound') => compileSection(xml, [setHeader], { section });

test('override replaces the request header with all listed values; inbound acts on the backend request', async () => {
  const context = requestContext({ headers: { 'X-A': 'old' } });
  await run(steps('<set-header name="X-A" exists-action="override"><value>1</value><value>2</value></set-header>'), context);
  assert.deepEqual(context.request.headers.get('x-a'), ['1', '2']);
  assert.deepEqual(context.request.headers.toRaw(), ['X-A', '1,2']);
  assert.equal(context.response.headers.has('X-A'), false);
});

test('override is the default and adds a missing header', async () => {
  const context = requestContext();
  await run(steps('<set-header name="X-New"><value>v</value></set-header>'), context);
  assert.deepEqual(context.request.headers.get('X-New'), ['v']);
});

test('skip keeps an existing header and sets a missing one', async () => {
  const context = requestContext({ headers: { 'X-A': 'old' } });
  await run(steps('<set-header name="X-A" exists-action="skip"><value>new</value></set-header><set-header name="X-B" exists-action="skip"><value>b</value></set-header>'), context);
  assert.deepEqual(context.request.headers.get('X-A'), ['old']);
  assert.deepEqual(context.request.headers.get('X-B'), ['b']);
});

test('append adds values after the existing ones; multi-line headers stay separate lines', async () => {
  const context = requestContext({ headers: { 'X-A': 'a', 'Set-Cookie': 'a=1' } });
  await run(steps('<set-header name="x-a" exists-action="append"><value>b</value></set-header><set-header name="Set-Cookie" exists-action="append"><value>b=2</value></set-header>'), context);
  assert.deepEqual(context.request.headers.toRaw(), ['X-A', 'a,b', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
});

test('delete removes the header, case-insensitively', async () => {
  const context = requestContext({ headers: { 'Ocp-Apim-Subscription-Key': 'k' } });
  await run(steps('<set-header name="ocp-apim-subscription-key" exists-action="delete" />'), context);
  assert.equal(context.request.headers.has('Ocp-Apim-Subscription-Key'), false);
});

test('outbound and on-error act on the response; backend on the request', async () => {
  for (const section of ['outbound', 'on-error'] as const) {
    const context = requestContext();
    await run(steps('<set-header name="X-Powered-By" exists-action="override"><value>apimgw</value></set-header>', section), context);
    assert.deepEqual(context.response.headers.get('X-Powered-By'), ['apimgw']);
    assert.equal(context.request.headers.has('X-Powered-By'), false);
  }
  const context = requestContext();
  await run(steps('<set-header name="X-B"><value>1</value></set-header>', 'backend'), context);
  assert.deepEqual(context.request.headers.get('X-B'), ['1']);
});

test('name, values and exists-action accept expressions', async () => {
  const context = requestContext({ headers: { 'X-In': 'abc' } });
  await run(steps('<set-header name="@("X-" + "Out")" exists-action="@("append")"><value>@(context.Request.Headers.GetValueOrDefault("X-In", ""))</value></set-header>'), context);
  assert.deepEqual(context.request.headers.get('X-Out'), ['abc']);
});

test('an expression exists-action outside the allowed values fails the request', async () => {
  const context = requestContext();
  await assert.rejects(run(steps('<set-header name="X" exists-action="@("replace")"><value>1</value></set-header>'), context), /set-header: exists-action must be one of override, skip, append, delete; found "replace"/);
});

test('framing headers are left alone', async () => {
  const context = requestContext({ headers: { 'Content-Length': '3', Connection: 'keep-alive' } });
  await run(steps('<set-header name="Content-Length" exists-action="delete" /><set-header name="@("Connection")"><value>close</value></set-header>'), context);
  assert.deepEqual(context.request.headers.get('Content-Length'), ['3']);
  assert.deepEqual(context.request.headers.get('Connection'), ['keep-alive']);
});

test('compile errors are located and precise', () => {
  assert.throws(() => steps('<set-header name="X" exists-action="replace"><value>1</value></set-header>'), (error: unknown) => {
    assert.ok(error instanceof PolicyCompileError);
    assert.match(error.message, /^set-header: exists-action must be one of override, skip, append, delete; found "replace"$/);
    assert.equal(error.location.file, 'test.xml');
    assert.equal(error.location.line, 1);
    return true;
  });
  assert.throws(() => steps('<set-header exists-action="delete" />'), /set-header: attribute "name" is required/);
  assert.throws(() => steps('<set-header name="X"><val>1</val></set-header>'), /set-header: unexpected element <val>; allowed: <value>/);
});

describe('set-header through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      apis: [{
        path: 'h',
        serviceUrl: backend.url,
        policy: `<policies>
          <inbound>
            <set-header name="X-Set" exists-action="override"><value>a</value><value>b</value></set-header>
            <set-header name="X-Keep" exists-action="skip"><value>gateway</value></set-header>
            <set-header name="X-More" exists-action="append"><value>2</value></set-header>
            <set-header name="X-Drop" exists-action="delete" />
          </inbound>
          <outbound>
            <set-header name="X-Echo-Backend" exists-action="delete" />
            <set-header name="X-Method" exists-action="override"><value>@(context.Request.Method)</value></set-header>
            <set-header name="Set-Cookie" exists-action="append"><value>a=1</value><value>b=2</value></set-header>
          </outbound>
        </policies>`,
      }],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('inbound edits reach the backend; outbound edits reach the client', async () => {
    const response = await fetch(`${gateway.url}/h/x`, { headers: { 'X-Keep': 'client', 'X-More': '1', 'X-Drop': 'gone' } });
    assert.equal(response.status, 200);
    const echo = await response.json() as EchoAnswer;
    assert.equal(echo.headers['x-set'], 'a,b');
    assert.equal(echo.headers['x-keep'], 'client');
    assert.equal(echo.headers['x-more'], '1,2');
    assert.equal(echo.headers['x-drop'], undefined);
    assert.equal(response.headers.get('x-echo-backend'), null);
    assert.equal(response.headers.get('x-method'), 'GET');
    assert.deepEqual(response.headers.getSetCookie(), ['a=1', 'b=2']);
  });
});
