import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { parseJson } from '../../../src/policy/expression/dotnet/json/reader.ts';
import { setBody } from '../../../src/policy/policies/set-body/index.ts';
import { inbound, startBackend, startListener, type Backend, type EchoAnswer, type Listener } from './listener.ts';
import { compileSection, requestContext, run } from './support.ts';

const steps = (xml: string, section: 'inbound' | 'outbound' | 'backend' = 'inbound') => compileSection(xml, [setBody], { section });

test('literal text replaces the request body inbound and the response body outbound', async () => {
  const context = requestContext({ method: 'POST', body: 'old body' });
  await run(steps('<set-body>new</set-body>'), context);
  assert.equal(context.request.body!.content.toString(), 'new');
  context.response.body = null;
  await run(steps('<set-body><![CDATA[<p>hi</p>]]></set-body>', 'outbound'), context);
  assert.equal(context.response.body!.content.toString(), '<p>hi</p>');
});

test('a GET request gets a body when set-body gives it one', async () => {
  const context = requestContext();
  await run(steps('<set-body>{"a":1}</set-body>'), context);
  assert.equal(context.request.body!.forwardable.toString(), '{"a":1}');
});

test('an expression may read and transform the body', async () => {
  const context = requestContext({ method: 'POST', body: '{"name":"ann"}', headers: { 'Content-Type': 'application/json' } });
  const compiled = steps('<set-body>@{ var o = context.Request.Body.As<JObject>(); o["name"] = o["name"].ToString().ToUpper(); return o.ToString(); }</set-body>');
  assert.equal(compiled[0]!.usesBody, true);
  await run(compiled, context);
  assert.deepEqual(JSON.parse(context.request.body!.content.toString()), { name: 'ANN' });
});

test('liquid: JSON body, context, filters, conditions, loops, assign, case', async () => {
  const context = requestContext({
    method: 'POST',
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Tenant': 'contoso' },
    body: JSON.stringify({ firstName: 'ann', lastName: '', age: 20, tags: ['a', 'b'], items: [{ id: 1 }, { id: 2 }], kind: 'b' }),
  });
  const template = [
    '{"name":"{{body.firstName | Upcase}}","last":"{{ body.lastName | Default: "none" }}",',
    '{% if body.age >= 18 %}"adult":true{% else %}"adult":false{% endif %},',
    '"ids":[{% for item in body.items %}{{item.id}}{% unless forloop.last %},{% endunless %}{% endfor %}],',
    '{%- assign count = body.tags | Size -%}"count":{{count}},"tags":"{{ body.tags | Join: "|" }}",',
    '{% case body.kind %}{% when "a", "b" %}"kind":"ab"{% else %}"kind":"other"{% endcase %},',
    '"tenant":"{{context.Request.Headers.X-Tenant}}","method":"{{context.Request.Method}}","first":"{{ body.tags | First }}"}',
  ].join('');
  const compiled = steps(`<set-body template="liquid">${template}</set-body>`);
  assert.equal(compiled[0]!.usesBody, true);
  await run(compiled, context);
  assert.deepEqual(JSON.parse(context.request.body!.content.toString()), {
    name: 'ANN', last: 'none', adult: true, ids: [1, 2], count: 2, tags: 'a|b', kind: 'ab', tenant: 'contoso', method: 'POST', first: 'a',
  });
});

test('liquid: XML body binds by element name; xsi-nil decides blank or null', async () => {
  const xml = '<root xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><name>Ann</name><note xsi:nil="true"/></root>';
  const blank = requestContext({ method: 'POST', headers: { 'Content-Type': 'text/xml' }, body: xml });
  await run(steps('<set-body template="liquid">{{body.root.name}}|{% if body.root.note == nil %}nil{% endif %}</set-body>'), blank);
  assert.equal(blank.request.body!.content.toString(), 'Ann|nil');
  const asNull = requestContext({ method: 'POST', headers: { 'Content-Type': 'application/soap+xml' }, body: xml });
  await run(steps('<set-body template="liquid" xsi-nil="null">{{ body.root.note | Default: "null" }}</set-body>'), asNull);
  assert.equal(asNull.request.body!.content.toString(), 'null');
});

test('liquid: body is not bound for other content types', async () => {
  const context = requestContext({ method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{"a":1}' });
  await run(steps('<set-body template="liquid">[{{body.a}}]</set-body>'), context);
  assert.equal(context.request.body!.content.toString(), '[]');
});

test('liquid: Date, UrlEncode, Escape, Replace, Append, Prepend, Downcase, Last', async () => {
  const context = requestContext();
  await run(steps('<set-body template="liquid">{{ "2024-01-02T03:04:05Z" | Date: "yyyyMMddTHH:mm:ssZ" }} {{ "a b&amp;c" | UrlEncode }} {{ "&lt;x&gt;" | Escape }} {{ "aXa" | Replace: "a", "b" | Append: "!" | Prepend: "&gt;" | Downcase }} {{ "xyz" | Last }}</set-body>'), context);
  assert.equal(context.request.body!.content.toString(), '20240102T03:04:05Z a+b%26c &lt;x&gt; >bxb! z');
});

test('compile errors: unknown template kind, bad xsi-nil, liquid syntax, unknown filter', () => {
  assert.throws(() => steps('<set-body template="razor">x</set-body>'), /set-body: template must be liquid, got "razor"/);
  assert.throws(() => steps('<set-body template="liquid" xsi-nil="zero">x</set-body>'), /set-body: xsi-nil must be one of blank, null/);
  assert.throws(() => steps('<set-body template="liquid">{% if x %}open</set-body>'), /set-body: liquid template: missing \{% endif %\}/);
  assert.throws(() => steps('<set-body template="liquid">{{ x | Shout }}</set-body>'), /set-body: liquid template: unknown filter "Shout"/);
  assert.throws(() => steps('<set-body>x</set-body>', 'outbound' as never) && compileSection('<set-body>x</set-body>', [setBody], { section: 'on-error' }), /not allowed in on-error/);
});

test('liquid: markup written directly inside set-body is the template; variables (also JObjects) are readable', async () => {
  const context = requestContext();
  context.variables.set('plain', 'p');
  context.variables.set('json', parseJson('{"value1":"a","nested":{"n":2}}'));
  await run(steps([
    '<set-body template="liquid">',
    '{%- assign vars = context.Variables["json"] -%}',
    '<message><data val1="{{ vars[\'value1\'] }}" n="{{ vars.nested.n }}" p="{{ context.Variables.plain }}" /></message>',
    '</set-body>',
  ].join('')), context);
  assert.equal(context.request.body!.content.toString(), '<message><data val1="a" n="2" p="p" /></message>');
});

describe('set-body through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      apis: [
        {
          path: 'b',
          serviceUrl: backend.url,
          policy: `<policies>
            <inbound><set-body>@{
              var order = context.Request.Body.As<JObject>();
              order["total"] = (int)order["count"] * 3;
              return order.ToString(Newtonsoft.Json.Formatting.None);
            }</set-body></inbound>
            <outbound><set-body>@("backend saw: " + context.Response.Body.As<JObject>()["body"])</set-body></outbound>
          </policies>`,
        },
        {
          path: 'liquid',
          serviceUrl: backend.url,
          policy: inbound(`<set-body template="liquid">{"who":"{{body.name | Upcase}}","path":"{{context.Request.MatchedParameters["rest"]}}","method":"{{context.Request.Method}}"}</set-body>
            <set-header name="Content-Type" exists-action="override"><value>application/json</value></set-header>`),
          operations: [{ id: 'post', method: 'POST', urlTemplate: '/{rest}' }],
        },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('inbound rewrites the JSON the backend receives; outbound replaces what the client gets', async () => {
    const response = await fetch(`${gateway.url}/b/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"count":4}' });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'backend saw: {"count":4,"total":12}');
  });

  it('a Liquid template reads the JSON body and the context', async () => {
    const response = await fetch(`${gateway.url}/liquid/people`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"ada"}' });
    const echo = await response.json() as EchoAnswer;
    assert.deepEqual(JSON.parse(echo.body), { who: 'ADA', path: 'people', method: 'POST' });
    assert.equal(echo.headers['content-length'], String(Buffer.byteLength(echo.body)));
  });
});
