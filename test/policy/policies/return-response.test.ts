import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { HeaderDictionary, ResponseMessage } from '../../../src/policy/context/message.ts';
import { mockResponse } from '../../../src/policy/policies/mock-response/index.ts';
import { returnResponse } from '../../../src/policy/policies/return-response/index.ts';
import { setHeader } from '../../../src/policy/policies/set-header/index.ts';
import { setVariable } from '../../../src/policy/policies/set-variable/index.ts';
import { inbound, startBackend, startListener, type Backend, type Listener } from './listener.ts';
import { compileSection, requestContext, run } from './support.ts';

const definitions = [returnResponse, mockResponse, setHeader, setVariable];

test('return-response builds the response from its children and ends the pipeline', async () => {
  const context = requestContext({ headers: { 'X-In': 'abc' } });
  await run(compileSection([
    '<return-response>',
    '<set-status code="401" reason="Not authorized" />',
    '<set-header name="WWW-Authenticate" exists-action="override"><value>Basic realm="x"</value></set-header>',
    '<set-body>@("denied " + context.Request.Headers.GetValueOrDefault("X-In", ""))</set-body>',
    '</return-response>',
    '<set-header name="X-After" exists-action="override"><value>1</value></set-header>',
  ].join(''), definitions), context);
  assert.equal(context.ended, true);
  assert.equal(context.response.statusCode, 401);
  assert.equal(context.response.statusReason, 'Not authorized');
  assert.deepEqual(context.response.headers.get('www-authenticate'), ['Basic realm="x"']);
  assert.equal(context.response.body!.content.toString(), 'denied abc');
  assert.equal(context.request.headers.has('X-After'), false);
});

test('return-response defaults to an empty 200 OK', async () => {
  const context = requestContext();
  context.response.headers.set('X-Old', ['1']);
  await run(compileSection('<return-response />', definitions, { section: 'outbound' }), context);
  assert.equal(context.response.statusCode, 200);
  assert.equal(context.response.statusReason, 'OK');
  assert.equal(context.response.body, null);
  assert.equal(context.response.headers.size, 0);
});

test('return-response starts from a response held in a variable', async () => {
  const context = requestContext();
  context.variables.set('upstream', new ResponseMessage(202, 'Accepted', HeaderDictionary.fromRaw(['Content-Type', 'text/plain'])));
  await run(compileSection('<return-response response-variable-name="upstream"><set-header name="X-Via" exists-action="override"><value>gw</value></set-header></return-response>', definitions), context);
  assert.equal(context.response.statusCode, 202);
  assert.deepEqual(context.response.headers.toRaw(), ['Content-Type', 'text/plain', 'X-Via', 'gw']);
  await assert.rejects(run(compileSection('<return-response response-variable-name="missing" />', definitions), requestContext()), /return-response: variable 'missing' does not exist/);
});

test('return-response compile errors', () => {
  assert.throws(() => compileSection('<return-response><set-variable name="a" value="1" /></return-response>', definitions), /return-response: unexpected element <set-variable>; allowed: <set-status>, <set-header>, <set-body>/);
  assert.throws(() => compileSection('<return-response response-variable-name="@("x")" />', definitions), /return-response: response-variable-name cannot be a policy expression/);
});

test('mock-response answers with the status code and content type and ends the pipeline', async () => {
  const context = requestContext();
  await run(compileSection('<mock-response status-code="201" content-type="application/json" />', definitions), context);
  assert.equal(context.ended, true);
  assert.equal(context.response.statusCode, 201);
  assert.equal(context.response.statusReason, 'Created');
  assert.deepEqual(context.response.headers.get('content-type'), ['application/json']);
  const plain = requestContext();
  await run(compileSection('<mock-response />', definitions), plain);
  assert.equal(plain.response.statusCode, 200);
  assert.equal(plain.response.headers.has('content-type'), false);
  assert.throws(() => compileSection('<mock-response status-code="700" />', definitions), /mock-response: status-code must be an HTTP status code between 100 and 599, got 700/);
  assert.throws(() => compileSection('<mock-response />', definitions, { section: 'backend' }), /not allowed in backend/);
});

describe('return-response and mock-response through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      apis: [
        {
          path: 'rr',
          serviceUrl: backend.url,
          policy: `<policies>
            <inbound>
              <return-response>
                <set-status code="403" reason="Nope" />
                <set-header name="X-Why" exists-action="override"><value>@(context.Request.Url.Path)</value></set-header>
                <set-header name="Content-Type" exists-action="override"><value>text/plain</value></set-header>
                <set-body>refused by policy</set-body>
              </return-response>
            </inbound>
            <outbound><set-header name="X-Outbound" exists-action="override"><value>ran</value></set-header></outbound>
          </policies>`,
        },
        { path: 'rr-out', serviceUrl: backend.url, policy: '<policies><outbound><return-response><set-body>@("was " + context.Response.StatusCode)</set-body></return-response></outbound></policies>' },
        { path: 'mock', serviceUrl: backend.url, policy: inbound('<mock-response status-code="202" content-type="application/json" />') },
        { path: 'mock-default', serviceUrl: backend.url, policy: inbound('<mock-response />') },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('inbound return-response answers without the backend and skips outbound', async () => {
    const before = backend.hits;
    const response = await fetch(`${gateway.url}/rr/x/y`);
    assert.equal(response.status, 403);
    assert.equal(response.statusText, 'Nope');
    assert.equal(response.headers.get('x-why'), '/x/y', 'context.Request.Url is the backend URL');
    assert.equal(response.headers.get('content-type'), 'text/plain');
    assert.equal(response.headers.get('x-outbound'), null);
    assert.equal(await response.text(), 'refused by policy');
    assert.equal(backend.hits, before);
  });

  it('outbound return-response replaces the backend response with an empty 200 plus its body', async () => {
    const response = await fetch(`${gateway.url}/rr-out/x`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-echo-backend'), null);
    assert.equal(await response.text(), 'was 200');
  });

  it('mock-response answers the status code with an empty body and the content type; 200 by default', async () => {
    const before = backend.hits;
    const mocked = await fetch(`${gateway.url}/mock/x`, { method: 'POST', body: 'ignored' });
    assert.equal(mocked.status, 202);
    assert.equal(mocked.headers.get('content-type'), 'application/json');
    assert.equal(await mocked.text(), '');
    const plain = await fetch(`${gateway.url}/mock-default/x`);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers.get('content-length'), '0');
    assert.equal(await plain.text(), '');
    assert.equal(backend.hits, before);
  });
});
