import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DotNetException, OutRef } from '../../../../src/policy/expression/host.ts';
import { DOTNET_EXTENSIONS, DOTNET_TYPES } from '../../../../src/policy/expression/dotnet/index.ts';
import { JArray, JObject, JProperty, JToken, JValue, JsonConvert, fromJs, toJs } from '../../../../src/policy/expression/dotnet/json/index.ts';
import { formatDouble } from '../../../../src/policy/expression/dotnet/format.ts';

type Statics = { Parse(text: string): JToken; FromObject(value: unknown): JToken };
const JObjectStatic = JObject as unknown as Statics;
const JArrayStatic = JArray as unknown as Statics;
const JTokenStatic = JToken as unknown as Statics & { DeepEquals(a: JToken, b: JToken): boolean };
const parse = (text: string): JObject => JObjectStatic.Parse(text) as JObject;
const extension = (name: string, target: unknown, typeArgs: string[], ...args: unknown[]): unknown =>
  DOTNET_EXTENSIONS[name]!.find((m) => m.appliesTo(target, args))!.invoke(target, typeArgs, args);

describe('JToken ToString', () => {
  const doc = parse('{"a":1,"b":[1,2.5,{"c":null}],"d":{},"e":[],"f":"x\\"y\\n\\u0001é","g":true,"h":1.0}');

  it('indents with two spaces and "name": value like Newtonsoft', () => {
    assert.equal(
      doc.ToString(),
      '{\n  "a": 1,\n  "b": [\n    1,\n    2.5,\n    {\n      "c": null\n    }\n  ],\n  "d": {},\n  "e": [],\n  "f": "x\\"y\\n\\u0001é",\n  "g": true,\n  "h": 1.0\n}',
    );
  });

  it('writes compact JSON with Formatting.None', () => {
    assert.equal(doc.ToString('None'), '{"a":1,"b":[1,2.5,{"c":null}],"d":{},"e":[],"f":"x\\"y\\n\\u0001é","g":true,"h":1.0}');
  });

  it('gives a JValue\'s own text without quotes', () => {
    assert.equal(doc.get_Item('f')!.ToString().startsWith('x"y'), true);
    assert.equal(doc.get_Item('g')!.ToString(), 'True');
    assert.equal(doc.get_Item('h')!.ToString(), '1');
    assert.equal(doc.get_Item('a')!.ToString('None'), '1');
    assert.equal(doc.get_Item('b')!.ToString('None'), '[1,2.5,{"c":null}]');
  });

  it('formats doubles as .NET does', () => {
    assert.deepEqual([1e15, 1e14, 0.0001, 0.00001, 123.456, 1.2345678901234568e17, -2.5e-7].map(formatDouble), [
      '1E+15', '100000000000000', '0.0001', '1E-05', '123.456', '1.2345678901234568E+17', '-2.5E-07',
    ]);
  });
});

describe('dates', () => {
  it('reads ISO strings as Date tokens and writes them back unchanged', () => {
    const doc = parse('{"a":"2024-01-02T03:04:05Z","b":"2024-01-02T03:04:05.1230000","c":"2024-01-02","d":"2024-01-02T05:04:05+02:00"}');
    assert.equal(doc.get_Item('a')!.Type, 'Date');
    assert.equal(doc.get_Item('c')!.Type, 'String');
    assert.equal(doc.ToString('None'), '{"a":"2024-01-02T03:04:05Z","b":"2024-01-02T03:04:05.123","c":"2024-01-02","d":"2024-01-02T03:04:05+00:00"}');
    assert.equal(doc.get_Item('a')!.op_Explicit('string'), '01/02/2024 03:04:05');
  });

  it('casts to the runtime DateTime and writes DateTime values back as ISO', () => {
    const doc = parse('{"d":"2024-01-02T03:04:05Z"}');
    const when = doc.get_Item('d')!.op_Explicit('DateTime') as { ToString(f: string): string };
    assert.equal(when.ToString('o'), '2024-01-02T03:04:05.0000000Z');
    const copy = new JObject();
    copy.set_Item('when', when);
    assert.equal(copy.ToString('None'), '{"when":"2024-01-02T03:04:05Z"}');
  });
});

describe('navigation', () => {
  const doc = parse('{"a":{"b":[10,{"c d":"x"}]},"n":null}');

  it('follows Path, Parent, Root, Next, Previous', () => {
    const x = doc.SelectToken("a.b[1]['c d']")!;
    assert.equal(x.Path, "a.b[1]['c d']");
    assert.equal(x.Root, doc);
    const ten = doc.SelectToken('$.a.b[0]')!;
    assert.equal(ten.Path, 'a.b[0]');
    assert.equal(ten.Next!.Type, 'Object');
    assert.equal(ten.Previous, null);
    assert.equal(ten.Parent!.Type, 'Array');
  });

  it('selects with wildcards, scans, slices and filters', () => {
    const data = parse('{"items":[{"id":1,"t":"a"},{"id":2,"t":"b"},{"id":3,"t":"a"}]}');
    assert.deepEqual(data.SelectTokens('$.items[*].id').map((t) => t.op_Explicit('int')), [1, 2, 3]);
    assert.deepEqual(data.SelectTokens("$.items[?(@.t == 'a')].id").map((t) => t.op_Explicit('int')), [1, 3]);
    assert.deepEqual(data.SelectTokens('$.items[?(@.id > 1 && @.t != "a")].id').map((t) => t.op_Explicit('int')), [2]);
    assert.deepEqual(data.SelectTokens('$..id').map((t) => t.op_Explicit('int')), [1, 2, 3]);
    assert.deepEqual(data.SelectTokens('$.items[1:].id').map((t) => t.op_Explicit('int')), [2, 3]);
    assert.equal(data.SelectToken('$.missing'), null);
    assert.throws(() => data.SelectToken('$.missing', true), /Property 'missing' does not exist on JObject/);
    assert.throws(() => data.SelectToken('$.items[*]'), /multiple tokens/);
  });

  it('converts with explicit casts as Newtonsoft does', () => {
    const v = parse('{"s":"42","i":7,"f":2.5,"b":true,"t":"TRUE","n":null,"o":{}}');
    assert.equal(v.get_Item('s')!.op_Explicit('int'), 42);
    assert.equal(v.get_Item('f')!.op_Explicit('int'), 2);
    assert.equal(v.get_Item('i')!.op_Explicit('string'), '7');
    assert.equal(v.get_Item('b')!.op_Explicit('string'), 'True');
    assert.equal(v.get_Item('t')!.op_Explicit('bool'), true);
    assert.equal(v.get_Item('n')!.op_Explicit('string'), null);
    assert.equal(v.get_Item('n')!.op_Explicit('int?'), null);
    assert.throws(() => v.get_Item('n')!.op_Explicit('int'), /Can not convert Null to Int32/);
    assert.throws(() => v.get_Item('o')!.op_Explicit('string'), (e: DotNetException) => e.type === 'ArgumentException' && e.message === 'Can not convert Object to String.');
    assert.throws(() => v.get_Item('t')!.op_Explicit('int'), (e: DotNetException) => e.type === 'FormatException');
  });

  it('throws .NET errors for child access on values', () => {
    assert.throws(() => doc.get_Item('n')!.get_Item('x'), /Cannot access child value on Newtonsoft.Json.Linq.JValue/);
  });
});

describe('JObject', () => {
  it('builds from properties, set_Item, Add and Remove', () => {
    const o = new JObject(new JProperty('status', 'HTTP 405'), new JProperty('message', 'Method not allowed'));
    o.set_Item('count', 3);
    o.set_Item('status', null);
    o.Add('list', new JArray(1, 'two'));
    assert.equal(o.ToString('None'), '{"status":null,"message":"Method not allowed","count":3,"list":[1,"two"]}');
    assert.equal(o.Remove('message'), true);
    assert.equal(o.Remove('nope'), false);
    assert.throws(() => o.Add('count', 4), /Property with the same name already exists on object/);
    assert.equal(o.Count, 3);
    assert.equal(o.ContainsKey('count'), true);
    const out = new OutRef<JToken | null>();
    assert.equal(o.TryGetValue('count', out), true);
    assert.equal(out.value!.op_Explicit('long'), 3);
    assert.deepEqual([...o].map((kv) => kv.Key), ['status', 'count', 'list']);
  });

  it('removes a property by Property(name).Remove() as the corpus does', () => {
    const o = parse('{"current":1,"daily":2,"keep":3}');
    for (const key of ['current', 'daily']) o.Property(key)!.Remove();
    assert.equal(o.ToString('None'), '{"keep":3}');
  });

  it('copies a token added to a second parent', () => {
    const a = parse('{"x":{"y":1}}');
    const b = new JObject();
    b.set_Item('copy', a.get_Item('x'));
    assert.notEqual(b.get_Item('copy'), a.get_Item('x'));
    assert.equal(a.get_Item('x')!.Parent!.Type, 'Property');
  });

  it('supports Replace, AddAfterSelf, DeepClone and DeepEquals', () => {
    const arr = JArrayStatic.Parse('[1,2,3]') as JArray;
    arr.get_Item(1).Replace(new JValue('two'));
    arr.get_Item(0).AddAfterSelf(1.5);
    arr.Insert(0, 0);
    arr.RemoveAt(4);
    assert.equal(arr.ToString('None'), '[0,1,1.5,"two"]');
    assert.equal(JTokenStatic.DeepEquals(arr, arr.DeepClone()), true);
  });

  it('rejects non-objects in Parse with Newtonsoft\'s message', () => {
    assert.throws(() => parse('[1]'), /Current JsonReader item is not an object: StartArray/);
    assert.throws(() => parse('{"a":1} x'), /Additional text encountered after finished reading JSON content: x/);
  });

  it('reads lenient JSON: comments, single quotes, bare names, duplicates', () => {
    assert.equal(parse("{ /* c */ a: 'x', // line\n \"a\": 2 }").ToString('None'), '{"a":2}');
  });
});

describe('FromObject and JsonConvert', () => {
  it('serialises anonymous objects, arrays, tokens and primitives', () => {
    assert.equal(JsonConvert.SerializeObject({ id: 1, name: 'n', tags: ['a'], nested: { ok: true }, none: null }), '{"id":1,"name":"n","tags":["a"],"nested":{"ok":true},"none":null}');
    assert.equal(JsonConvert.SerializeObject('a"b'), '"a\\"b"');
    assert.equal(JsonConvert.SerializeObject([1, 2], 'Indented'), '[\n  1,\n  2\n]');
    assert.equal(JsonConvert.SerializeObject(parse('{"a":1}')), '{"a":1}');
    assert.equal(JObjectStatic.FromObject(new Map([['k', 'v']])).ToString('None'), '{"k":"v"}');
    assert.throws(() => JObjectStatic.FromObject([1]), /Object serialized to Array. JObject instance expected./);
  });

  it('deserialises into tokens, arrays, dictionaries and primitives', () => {
    const deserialize = JsonConvert.DeserializeObject as unknown as (types: readonly string[], text: string) => unknown;
    assert.ok(deserialize([], '{"a":1}') instanceof JObject);
    assert.equal(deserialize([], '5'), 5);
    assert.deepEqual(deserialize(['string[]'], '["a","b"]'), ['a', 'b']);
    const dictionary = deserialize(['Dictionary<string, string>'], '{"a":"1","b":2}') as { get_Item(k: string): unknown; Count: number };
    assert.deepEqual([dictionary.get_Item('a'), dictionary.get_Item('b'), dictionary.Count], ['1', '2', 2]);
    assert.equal((deserialize(['JArray'], '[1]') as JArray).Count, 1);
    assert.equal(deserialize([], ''), null);
  });

  it('round-trips JS data through fromJs/toJs', () => {
    const data = { a: [1, 'x', null, { b: false }], c: 2.5 };
    assert.deepEqual(toJs(fromJs(data)), data);
  });
});

describe('extensions and registry', () => {
  it('Value<T>() converts the token, Value<T>(key) a child, Values<T>() a sequence', () => {
    const o = parse('{"a":"1","list":[1,2]}');
    assert.equal(extension('Value', o.get_Item('a'), ['int']), 1);
    assert.equal(extension('Value', o, ['string'], 'a'), '1');
    assert.deepEqual(extension('Values', o.SelectTokens('$.list[*]'), ['int']), [1, 2]);
    assert.deepEqual(o.get_Item('list')!.Values(['string']), ['1', '2']);
  });

  it('registers the types under short and qualified names', () => {
    assert.equal(DOTNET_TYPES.JObject, JObject);
    assert.equal(DOTNET_TYPES['Newtonsoft.Json.Linq.JObject'], JObject);
    assert.equal((DOTNET_TYPES.JTokenType as Record<string, string>).Object, 'Object');
  });
});
