import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { rewriteUri } from '../../../src/policy/policies/rewrite-uri/index.ts';
import { inbound, startBackend, startListener, type Backend, type EchoAnswer, type Listener } from './listener.ts';
import { compileSection, requestContext, run } from './support.ts';

const steps = (xml: string) => compileSection(xml, [rewriteUri]);

/** The backend URL as the data plane builds it: serviceUrl base + the operation's relative path. */
function contextFor(url: string, urlTemplate: string, matched: Record<string, string> = {}) {
  const context = requestContext({ url, operation: { UrlTemplate: urlTemplate } });
  const [base, ...rest] = context.request.url.basePath.split('/').filter((segment) => segment !== '');
  context.request.url.basePath = `/${base}`;
  context.request.url.relativePath = rest.length > 0 ? `/${rest.join('/')}` : '';
  for (const [name, value] of Object.entries(matched)) context.request.matchedParameters.set(name, value);
  return context;
}

test("Learn's examples: unmatched query parameters are copied unless copy-unmatched-params is false", async () => {
  const copied = contextFor('http://backend.test/api/get?a=b&c=d', '/get?a={b}', { b: 'b' });
  await run(steps('<rewrite-uri template="/put" />'), copied);
  assert.equal(copied.request.url.pathAndQuery, '/api/put?c=d');

  const dropped = contextFor('http://backend.test/api/get?a=b&c=d', '/get?a={b}', { b: 'b' });
  await run(steps('<rewrite-uri template="/put" copy-unmatched-params="false" />'), dropped);
  assert.equal(dropped.request.url.pathAndQuery, '/api/put');

  const templated = contextFor('http://backend.test/api/get?a=b&c=d', '/get?a={b}', { b: 'b' });
  await run(steps('<rewrite-uri template="/put?x={b}" />'), templated);
  assert.equal(templated.request.url.pathAndQuery, '/api/put?x=b&c=d');
});

test('path parameters fill slots; the template is relative to the backend base', async () => {
  const context = contextFor('http://backend.test/base/orders/42', '/orders/{id}', { id: '42' });
  await run(steps('<rewrite-uri template="/v2/order-details/{id}?expand=items" />'), context);
  assert.equal(context.request.url.ToString(), 'http://backend.test/base/v2/order-details/42?expand=items');
  assert.equal(context.request.url.Path, '/base/v2/order-details/42');
});

test('a template parameter written by the template is not copied twice', async () => {
  const context = contextFor('http://backend.test/api/x?page=2&q=1', '/x');
  await run(steps('<rewrite-uri template="/y?page=1" />'), context);
  assert.equal(context.request.url.pathAndQuery, '/api/y?page=1&q=1');
});

test('an expression template is evaluated as a whole', async () => {
  const context = contextFor('http://backend.test/api/x', '/x');
  await run(steps('<rewrite-uri template="@("/by-method/" + context.Request.Method.ToLower())" />'), context);
  assert.equal(context.request.url.pathAndQuery, '/api/by-method/get');
});

test('compile errors: missing template, expression mixed with text, bad boolean', () => {
  assert.throws(() => steps('<rewrite-uri />'), /rewrite-uri: template is required/);
  assert.throws(() => steps('<rewrite-uri template="/a/@(context.Api.Id)" />'), /an expression must be the whole template value/);
  assert.throws(() => steps('<rewrite-uri template="/a" copy-unmatched-params="yes" />'), /rewrite-uri: copy-unmatched-params must be true or false/);
  assert.throws(() => compileSection('<rewrite-uri template="/a" />', [rewriteUri], { section: 'outbound' }), /not allowed in outbound/);
});

describe('rewrite-uri through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    const operations = (urlTemplate: string, id = 'get') => [{ id, method: 'GET', urlTemplate }];
    gateway = await startListener({
      apis: [
        { path: 'r', serviceUrl: `${backend.url}/svc`, operations: operations('/items/{id}'), policy: inbound('<rewrite-uri template="/v2/things/{id}?source=gw" />') },
        { path: 'r-drop', serviceUrl: `${backend.url}/svc`, operations: operations('/items/{id}'), policy: inbound('<rewrite-uri template="/v2/things/{id}" copy-unmatched-params="false" />') },
        { path: 'r-expr', serviceUrl: `${backend.url}/svc`, operations: operations('/items/{id}'), policy: inbound('<rewrite-uri template="@(&quot;/by-expression/&quot; + context.Request.MatchedParameters[&quot;id&quot;])" />') },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('the backend sees the rewritten path with matched parameters and unmatched query parameters copied', async () => {
    const echo = await (await fetch(`${gateway.url}/r/items/42?extra=1`)).json() as EchoAnswer;
    assert.equal(echo.url, '/svc/v2/things/42?source=gw&extra=1');
  });

  it('copy-unmatched-params="false" drops the incoming query', async () => {
    const echo = await (await fetch(`${gateway.url}/r-drop/items/42?extra=1`)).json() as EchoAnswer;
    assert.equal(echo.url, '/svc/v2/things/42');
  });

  it('a whole-value expression template', async () => {
    const echo = await (await fetch(`${gateway.url}/r-expr/items/9`)).json() as EchoAnswer;
    assert.equal(echo.url, '/svc/by-expression/9');
  });
});
