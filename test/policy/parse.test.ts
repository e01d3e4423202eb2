import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicyCompileError } from '../../src/policy/diagnostics.ts';
import { namedValueMap, parsePolicyDocument, type NamedValues } from '../../src/policy/parse.ts';
import type { PolicyElement } from '../../src/policy/types.ts';

const NONE: NamedValues = new Map();

function parse(text: string, namedValues: NamedValues = NONE): PolicyElement {
  const errors: PolicyCompileError[] = [];
  const root = parsePolicyDocument(text, 'policy.xml', namedValues, errors);
  assert.deepEqual(errors.map(String), []);
  return root!;
}

function errorsOf(text: string, namedValues: NamedValues = NONE): string[] {
  const errors: PolicyCompileError[] = [];
  parsePolicyDocument(text, 'policy.xml', namedValues, errors);
  return errors.map(String);
}

const at = (line: number, column: number) => ({ file: 'policy.xml', line, column });

/** Walks `choose/when` style paths by child name and position. */
function child(element: PolicyElement, ...names: string[]): PolicyElement {
  let current = element;
  for (const name of names) {
    const found = current.children.find((c) => c.name === name);
    assert.ok(found, `no <${name}> in <${current.name}>`);
    current = found;
  }
  return current;
}

test('elements, attributes and text carry exact locations', () => {
  const root = parse('<policies>\n  <inbound>\n    <set-header name="X-A" exists-action="override">\n      <value>one</value>\n    </set-header>\n  </inbound>\n</policies>');
  assert.equal(root.name, 'policies');
  assert.deepEqual(root.location, at(1, 1));
  const header = child(root, 'inbound', 'set-header');
  assert.deepEqual(header.location, at(3, 5));
  assert.deepEqual([...header.attributes.keys()], ['name', 'exists-action']);
  const name = header.attributes.get('name')!;
  assert.equal(name.value, 'X-A');
  assert.deepEqual(name.location, at(3, 23));
  assert.deepEqual(header.attributes.get('exists-action')!.location, at(3, 43));
  const value = child(header, 'value');
  assert.equal(value.text!.value, 'one');
  assert.deepEqual(value.text!.location, at(4, 14));
  assert.equal(header.text, undefined);
});

test('expressions keep raw quotes, <, >, && and } inside strings', () => {
  const condition = '@(context.Request.Headers.GetValueOrDefault("a","") != "" && x < 3 || y > "}>")';
  const root = parse(`<policies>\n<inbound>\n<choose>\n<when condition="${condition}">\n<set-body>@{ var s = "</set-body>"; return s + '}'; }</set-body>\n</when>\n</choose>\n</inbound>\n</policies>`);
  const when = child(root, 'inbound', 'choose', 'when');
  assert.equal(when.attributes.get('condition')!.value, condition);
  assert.deepEqual(when.attributes.get('condition')!.location, at(4, 18));
  const body = child(when, 'set-body');
  assert.equal(body.text!.value, `@{ var s = "</set-body>"; return s + '}'; }`);
  assert.deepEqual(body.text!.location, at(5, 11));
});

test('verbatim and interpolated strings inside expressions', () => {
  const text = '@($"{context.Request.Method}/\\"{(x > 1 ? "a" : "b")}" + @"C:\\dir""<x>")';
  const root = parse(`<policies><inbound><set-variable name="v" value="${text}" /></inbound></policies>`);
  assert.equal(child(root, 'inbound', 'set-variable').attributes.get('value')!.value, text);
});

test('multi-line expressions in attributes and text', () => {
  const root = parse('<policies>\n  <inbound>\n    <set-variable name="v" value="@{\n      var a = "x";\n      return a;\n    }" />\n    <set-body>\n      @{\n        return "<b>";\n      }\n    </set-body>\n  </inbound>\n</policies>');
  const variable = child(root, 'inbound', 'set-variable');
  assert.equal(variable.attributes.get('value')!.value, '@{\n      var a = "x";\n      return a;\n    }');
  const body = child(root, 'inbound', 'set-body');
  assert.equal(body.text!.value, '@{\n        return "<b>";\n      }');
  assert.deepEqual(body.text!.location, at(8, 7));
});

test('CDATA is unwrapped as is, comments are dropped, entities are decoded', () => {
  const root = parse('<policies>\n<!-- top -->\n<inbound>\n<!-- a <comment> -->\n<set-body><![CDATA[<a x="1">&amp;</a>]]></set-body>\n<set-header name="&quot;q&quot; &lt;&gt; &amp; &#65;&#x42;"><value>a &amp;&amp; b</value></set-header>\n</inbound>\n</policies>');
  const inbound = child(root, 'inbound');
  assert.deepEqual(inbound.children.map((c) => c.name), ['set-body', 'set-header']);
  const body = child(inbound, 'set-body');
  assert.equal(body.text!.value, '<a x="1">&amp;</a>');
  assert.deepEqual(body.text!.location, at(5, 20));
  const header = child(inbound, 'set-header');
  assert.equal(header.attributes.get('name')!.value, '"q" <> & AB');
  assert.equal(child(header, 'value').text!.value, 'a && b');
});

test('entity-escaped expressions are decoded to C#', () => {
  const root = parse('<policies><inbound><choose><when condition="@(context.Request.Method == &quot;GET&quot; &amp;&amp; 1 &lt; 2)" /></choose></inbound></policies>');
  assert.equal(child(root, 'inbound', 'choose', 'when').attributes.get('condition')!.value, '@(context.Request.Method == "GET" && 1 < 2)');
});

test('self-closing tags, single quotes, XML declaration, BOM and fragments', () => {
  const root = parse("\uFEFF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<fragment>\n  <set-variable name='v' value='a \"b\"'/>\n  <base />\n</fragment>\n");
  assert.equal(root.name, 'fragment');
  assert.deepEqual(root.location, at(2, 1));
  const variable = child(root, 'set-variable');
  assert.equal(variable.attributes.get('value')!.value, 'a "b"');
  assert.deepEqual(variable.children, []);
  assert.equal(variable.text, undefined);
  assert.deepEqual(child(root, 'base').location, at(4, 3));
});

test('named values: whole value, inside text, inside expression strings; secrets marked; not re-scanned', () => {
  const namedValues = namedValueMap([
    { name: 'host', value: 'example.org', secret: false },
    { name: 'key', value: 's3cr3t', secret: true },
    { name: 'nested', value: '{{host}} &amp;', secret: false },
  ]);
  const root = parse('<policies><inbound>\n<set-header name="X-{{host}}"><value>{{key}}</value></set-header>\n<set-variable name="v" value="@(&quot;https://{{host}}/&quot; + &quot;x&quot;)" />\n<set-variable name="n" value="{{nested}}" />\n</inbound></policies>', namedValues);
  const header = child(root, 'inbound', 'set-header');
  assert.equal(header.attributes.get('name')!.value, 'X-example.org');
  assert.equal(header.attributes.get('name')!.secret, false);
  assert.equal(child(header, 'value').text!.value, 's3cr3t');
  assert.equal(child(header, 'value').text!.secret, true);
  const [expression, nested] = child(root, 'inbound').children.slice(1);
  assert.equal(expression!.attributes.get('value')!.value, '@("https://example.org/" + "x")');
  assert.equal(nested!.attributes.get('value')!.value, '{{host}} &amp;');
});

test('unknown named values are located, every one, with the closest names', () => {
  const namedValues = namedValueMap([
    { name: 'environment-name', value: 'x', secret: false },
    { name: 'environment', value: 'y', secret: false },
    { name: 'zzz', value: 'z', secret: false },
  ]);
  assert.deepEqual(errorsOf('<policies>\n  <inbound>\n    <set-header name="a-{{enviroment-name}}"><value>x {{nope}}</value></set-header>\n  </inbound>\n</policies>', namedValues), [
    'policy.xml:3:25 unknown named value "enviroment-name"; closest: "environment-name", "environment"',
    'policy.xml:3:55 unknown named value "nope"',
  ]);
  assert.deepEqual(errorsOf('<policies><inbound>{{a}}</inbound></policies>'), ['policy.xml:1:20 unknown named value "a" (no named values are defined)']);
});

test('Liquid bodies keep their own {{…}} and may hold markup', () => {
  const namedValues = namedValueMap([{ name: 'site', value: 'S', secret: false }]);
  const root = parse('<policies><inbound><set-body template="liquid">\n  <a v="{{ body.x }}">{{body.y}} {{site}}</a>\n</set-body></inbound></policies>', namedValues);
  assert.equal(child(root, 'inbound', 'set-body').text!.value, '<a v="{{ body.x }}">{{body.y}} S</a>');
});

test('broken XML is located with a clear message', () => {
  const cases: [string, string][] = [
    ['<policies>\n  <inbound>\n    <choose>\n      <when condition="true">\n  </inbound>\n</policies>', 'policy.xml:5:3 </inbound> does not close <when> opened at 4:7'],
    ['<policies>\n  <inbound>\n    <choose>', 'policy.xml:3:13 unclosed <choose> opened at 3:5'],
    ['<policies>\n<inbound>\n<set-header name="a" name="b" />', 'policy.xml:3:22 duplicate attribute "name" in <set-header>'],
    ['<policies><inbound><when condition=@(x)/></inbound></policies>', 'policy.xml:1:36 value of attribute "condition" must be in quotes'],
    ['<policies><inbound><a b="x<y"/></inbound></policies>', 'policy.xml:1:27 "<" in the value of attribute "b" must be written &lt; outside an expression'],
    ['<policies><inbound><a b="@(foo("x)"/></inbound></policies>', 'policy.xml:1:26 expression @(… never closes: check its brackets and string quotes'],
    ['<policies><inbound>a & b</inbound></policies>', 'policy.xml:1:22 "&" outside an expression must start an entity such as &amp;'],
    ['<policies><inbound><!-- open </inbound></policies>', 'policy.xml:1:51 unclosed comment opened at 1:20'],
    ['<policies></policies>\n<policies/>', 'policy.xml:2:1 content after the root element </policies>'],
    ['', 'policy.xml:1:1 empty policy document: expected <policies>'],
    ['<policies><inbound attr></inbound></policies>', 'policy.xml:1:20 attribute "attr" of <inbound> has no value'],
    ['<policies><inbound>text<a/></inbound></policies>', 'policy.xml:1:20 <inbound> mixes text with child elements'],
  ];
  for (const [text, expected] of cases) assert.deepEqual(errorsOf(text), [expected], text);
});
