import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { setQueryParameter } from '../../../src/policy/policies/set-query-parameter/index.ts';
import { inbound, startBackend, startListener, type Backend, type EchoAnswer, type Listener } from './listener.ts';
import { compileSection, requestContext, run } from './support.ts';

const steps = (xml: string) => compileSection(xml, [setQueryParameter]);

test('override, skip, append and delete edit the backend query', async () => {
  const context = requestContext({ url: 'http://backend.test/api/items?a=1&b=2&c=3' });
  await run(steps([
    '<set-query-parameter name="a" exists-action="override"><value>x</value><value>y</value></set-query-parameter>',
    '<set-query-parameter name="b" exists-action="skip"><value>no</value></set-query-parameter>',
    '<set-query-parameter name="c" exists-action="append"><value>4</value></set-query-parameter>',
    '<set-query-parameter name="d" exists-action="skip"><value>new value</value></set-query-parameter>',
  ].join('')), context);
  assert.equal(context.request.url.pathAndQuery, '/api/items?a=x&a=y&b=2&c=3&c=4&d=new%20value');
  await run(steps('<set-query-parameter name="A" exists-action="delete" />'), context);
  assert.equal(context.request.url.QueryString, '?b=2&c=3&c=4&d=new%20value');
});

test('values may be expressions', async () => {
  const context = requestContext({ url: 'http://backend.test/api/items' });
  await run(steps('<set-query-parameter name="api-version"><value>@(context.Api.Id)</value></set-query-parameter>'), context);
  assert.equal(context.request.url.pathAndQuery, '/api/items?api-version=orders');
});

test('a value is required unless the parameter is deleted; not allowed outbound', () => {
  assert.throws(() => steps('<set-query-parameter name="a" />'), /set-query-parameter: at least one <value> is required/);
  assert.throws(() => steps('<set-query-parameter name="a" exists-action="remove"><value>1</value></set-query-parameter>'), /set-query-parameter: exists-action must be one of override, skip, append, delete; found "remove"/);
  assert.throws(() => compileSection('<set-query-parameter name="a"><value>1</value></set-query-parameter>', [setQueryParameter], { section: 'outbound' }), /not allowed in outbound/);
});

describe('set-query-parameter through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      apis: [{
        path: 'q',
        serviceUrl: `${backend.url}/base`,
        policy: inbound(`
          <set-query-parameter name="a" exists-action="override"><value>x</value><value>y</value></set-query-parameter>
          <set-query-parameter name="b" exists-action="skip"><value>no</value></set-query-parameter>
          <set-query-parameter name="c" exists-action="append"><value>4</value></set-query-parameter>
          <set-query-parameter name="d" exists-action="delete" />
          <set-query-parameter name="e"><value>@(context.Request.OriginalUrl.Query.GetValueOrDefault("b", "") + "!")</value></set-query-parameter>`),
      }],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('the backend receives the edited query string', async () => {
    const response = await fetch(`${gateway.url}/q/items?a=1&b=2&c=3&d=gone`);
    assert.equal(response.status, 200);
    const echo = await response.json() as EchoAnswer;
    const url = new URL(echo.url, 'http://backend');
    assert.equal(url.pathname, '/base/items');
    assert.deepEqual(url.searchParams.getAll('a'), ['x', 'y']);
    assert.deepEqual(url.searchParams.getAll('b'), ['2']);
    assert.deepEqual(url.searchParams.getAll('c'), ['3', '4']);
    assert.equal(url.searchParams.has('d'), false);
    assert.equal(url.searchParams.get('e'), '2!');
  });
});
