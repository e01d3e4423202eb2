import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expressionEnd } from '../../../src/policy/expression/extent.ts';

/** Returns the expression text found at the first `@` of `text`, or null. */
function extent(text: string): string | null {
  const start = text.indexOf('@');
  const end = expressionEnd(text, start);
  return end === -1 ? null : text.slice(start, end);
}

const balanced: [string, string][] = [
  ['@(1)', '@(1)'],
  ['x="@(a(b)[c])" y', '@(a(b)[c])'],
  ['@(context.Request.Headers.GetValueOrDefault("Authorization","(")) rest', '@(context.Request.Headers.GetValueOrDefault("Authorization","("))'],
  ['@("a\\"b)")tail', '@("a\\"b)")'],
  ["@(s.Split(')')[0])tail", "@(s.Split(')')[0])"],
  ["@(s.Split('\\'')[0])tail", "@(s.Split('\\'')[0])"],
  ['@(@"C:\\x"")")tail', '@(@"C:\\x"")")'],
  ['@($"{a}) {{ }} {b(")")}")tail', '@($"{a}) {{ }} {b(")")}")'],
  ['@($@"{a}"" ) {b}")tail', '@($@"{a}"" ) {b}")'],
  ['@(@$"{a} )")tail', '@(@$"{a} )")'],
  ['@($"https://{h}{(p != 443 ? $":{p}" : "")}/cb")tail', '@($"https://{h}{(p != 443 ? $":{p}" : "")}/cb")'],
  ['@($"{DateTime.UtcNow:yyyy-MM-dd}")x', '@($"{DateTime.UtcNow:yyyy-MM-dd}")'],
  ['@{ var x = "}"; return x; }</value>', '@{ var x = "}"; return x; }'],
  ['@{\n  // don\'t ) count }\n  return 1; /* } ) */\n}<', '@{\n  // don\'t ) count }\n  return 1; /* } ) */\n}'],
  ['@(a < 3 && b > 2)" />', '@(a < 3 && b > 2)'],
  ['@{ if (x) { return "a"; } else { return "b"; } } more }', '@{ if (x) { return "a"; } else { return "b"; } }'],
];

test('expressionEnd finds the balanced end of an expression', () => {
  for (const [text, expected] of balanced) assert.equal(extent(text), expected, text);
});

test('expressionEnd returns -1 when the text does not open an expression', () => {
  assert.equal(expressionEnd('@x', 0), -1);
  assert.equal(expressionEnd('a@(1)', 0), -1);
  assert.equal(expressionEnd('@', 0), -1);
});

test('expressionEnd returns -1 when brackets never balance', () => {
  for (const text of ['@(a', '@(a]', '@{ return "x; }', '@("a)', "@(')'", '@($"{a)")', '@{ /* }', '@(a // )\n']) {
    assert.equal(expressionEnd(text, 0), -1, text);
  }
});

test('expressionEnd starts at the given index', () => {
  const text = 'value="@(1)" other="@((2))"';
  const second = text.lastIndexOf('@');
  assert.equal(text.slice(second, expressionEnd(text, second)), '@((2))');
});
