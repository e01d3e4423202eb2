import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setQueryParameter } from '../../../src/policy/policies/set-query-parameter/index.ts';
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
