import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { setMethod } from '../../../src/policy/policies/set-method/index.ts';
import { setStatus } from '../../../src/policy/policies/set-status/index.ts';
import { inbound, startBackend, startListener, type Backend, type EchoAnswer, type Listener } from './listener.ts';
import { compileSection, requestContext, run } from './support.ts';

test('set-method sets the backend request method, literal or expression', async () => {
  const context = requestContext();
  await run(compileSection('<set-method>POST</set-method>', [setMethod]), context);
  assert.equal(context.request.method, 'POST');
  assert.equal(context.request.originalMethod, 'GET');
  await run(compileSection('<set-method>@("PU" + "T")</set-method>', [setMethod]), context);
  assert.equal(context.request.Method, 'PUT');
});

test('set-method compile errors', () => {
  assert.throws(() => compileSection('<set-method />', [setMethod]), /set-method: the element must contain the HTTP method/);
  assert.throws(() => compileSection('<set-method>GE T</set-method>', [setMethod]), /set-method: "GE T" is not an HTTP method/);
  assert.throws(() => compileSection('<set-method>GET</set-method>', [setMethod], { section: 'outbound' }), /not allowed in outbound/);
});

test('set-status sets code and reason; the reason defaults to the standard phrase', async () => {
  const context = requestContext();
  await run(compileSection('<set-status code="401" reason="Not authorized" />', [setStatus], { section: 'outbound' }), context);
  assert.equal(context.response.statusCode, 401);
  assert.equal(context.response.statusReason, 'Not authorized');
  await run(compileSection('<set-status code="@(418)" />', [setStatus], { section: 'outbound' }), context);
  assert.equal(context.response.StatusCode, 418);
  assert.equal(context.response.StatusReason, "I'm a Teapot");
});

test('set-status compile errors', () => {
  assert.throws(() => compileSection('<set-status reason="x" />', [setStatus]), /set-status: attribute "code" is required/);
  assert.throws(() => compileSection('<set-status code="abc" />', [setStatus]), /set-status: code must be an integer/);
  assert.throws(() => compileSection('<set-status code="99" />', [setStatus]), /set-status: code must be an HTTP status code between 100 and 599, got 99/);
});

describe('set-method and set-status through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      apis: [
        { path: 'm', serviceUrl: backend.url, policy: inbound('<set-method>@(context.Request.Headers.GetValueOrDefault("X-Method", "PATCH"))</set-method>') },
        {
          path: 's',
          serviceUrl: backend.url,
          policy: '<policies><outbound><set-status code="201" reason="Made It" /><set-header name="X-Original-Method" exists-action="override"><value>@(context.Request.OriginalMethod)</value></set-header></outbound></policies>',
        },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('set-method changes the method the backend receives, keeping the body', async () => {
    const echo = await (await fetch(`${gateway.url}/m/x`, { method: 'POST', body: 'payload' })).json() as EchoAnswer;
    assert.equal(echo.method, 'PATCH');
    assert.equal(echo.body, 'payload');
    const deleted = await (await fetch(`${gateway.url}/m/x`, { headers: { 'X-Method': 'DELETE' } })).json() as EchoAnswer;
    assert.equal(deleted.method, 'DELETE');
  });

  it('outbound set-status changes the status and reason phrase the client gets; the backend body stays', async () => {
    const response = await fetch(`${gateway.url}/s/x`, { method: 'PUT' });
    assert.equal(response.status, 201);
    assert.equal(response.statusText, 'Made It');
    assert.equal(response.headers.get('x-original-method'), 'PUT');
    assert.equal((await response.json() as EchoAnswer).method, 'PUT');
  });
});
