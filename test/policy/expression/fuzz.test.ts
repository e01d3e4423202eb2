import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PolicyCompileError } from '../../../src/policy/diagnostics.ts';
import { compileExpression, isExpression } from '../../../src/policy/expression/index.ts';
import { parsePolicyDocument } from '../../../src/policy/parse.ts';
import type { PolicyElement } from '../../../src/policy/types.ts';
import { REPO_ROOT } from '../../helpers.ts';
import { caseRandom, fuzzRun, type Random } from '../fuzz-random.ts';

/**
 * Random and mutated C# through compileExpression: each compiles or throws a
 * PolicyCompileError located inside the source; nothing else escapes. Fuzzed
 * code is never run (`while (true) {}` is valid C#): what compiles is checked
 * for the compiler's boundary instead — the generated JS names nothing but its
 * own locals, temporaries, hoisted constants, `context` and the runtime, and
 * the constants hoisted to compile time only look types up.
 */

const AT = { file: 'expr', line: 1, column: 1 };
const SLOW_CASE_MS = 2000;

// ---- the JS the compiler generates, captured on its way into `new Function`

const generated: string[] = [];
const OriginalFunction = globalThis.Function;
test.before(() => {
  globalThis.Function = new Proxy(OriginalFunction, {
    construct(target, args: string[], newTarget) {
      generated.push(args.at(-1)!);
      return Reflect.construct(target, args, newTarget) as object;
    },
  });
});
test.after(() => {
  globalThis.Function = OriginalFunction;
});

const JS_KEYWORDS = new Set([
  'return', 'function', 'let', 'const', 'for', 'of', 'in', 'if', 'else', 'try', 'catch', 'finally', 'throw', 'switch', 'case',
  'default', 'break', 'continue', 'do', 'while', 'new', 'null', 'true', 'false', 'void', 'typeof', 'undefined',
]);
/** The generated code's own names: L_ locals, t temporaries, K hoisted constants, e caught exceptions. */
const OWN_NAME = /^(?:L_\w+|t\d+|K\d+|e\d+(?:_raw)?|R|T|context|expression)$/;
const JSON_STRING = /^"(?:[^"\\]|\\.)*"/s;
const NUMBER = /^(?:\d[\d.]*(?:e[+-]?\d+)?|Infinity|NaN)/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*/;

/** Identifiers the JS reads as variables (not after `.`, not inside strings) that the compiler did not declare. */
function foreignNames(code: string): string[] {
  const foreign: string[] = [];
  let i = 0;
  let previous = '';
  while (i < code.length) {
    const rest = code.slice(i, i + 2000);
    const c = code[i]!;
    if (c === '"') {
      const literal = JSON_STRING.exec(code.slice(i));
      assert.ok(literal, `unterminated string in generated code at ${i}`);
      i += literal[0].length;
      previous = '"';
      continue;
    }
    if (c === "'" || c === '`' || (c === '/' && (code[i + 1] === '/' || code[i + 1] === '*'))) {
      foreign.push(`${c} at ${i}`);
      i++;
      continue;
    }
    const number = /[0-9]/.test(c) ? NUMBER.exec(rest) : null;
    if (number) {
      i += number[0].length;
      previous = '0';
      continue;
    }
    const identifier = IDENTIFIER.exec(rest);
    if (identifier) {
      const name = identifier[0];
      if (previous !== '.' && !JS_KEYWORDS.has(name) && !OWN_NAME.test(name)) foreign.push(name);
      i += name.length;
      previous = 'a';
      continue;
    }
    if (!/\s/.test(c)) previous = c;
    i++;
  }
  return foreign;
}

const HOISTED = /^const K\d+ = (?:T\("(?:[^"\\]|\\.)*"\)|R\.typeTest\("(?:[^"\\]|\\.)*", T\)|(\[.*\]));$/;

/** The code that runs when the expression is compiled: each line must be a hoisted type lookup or JSON data. */
function assertHoistedOnly(code: string): void {
  const lines = code.split('\n');
  assert.equal(lines[0], '"use strict";');
  const body = lines.indexOf('return function expression(context) {');
  assert.ok(body > 0, 'no expression function in the generated code');
  for (const line of lines.slice(1, body)) {
    if (line === '') continue;
    const hoisted = HOISTED.exec(line);
    assert.ok(hoisted, `compile-time code that is not a hoisted constant: ${line.slice(0, 200)}`);
    if (hoisted[1]) JSON.parse(hoisted[1]);
  }
}

// ---- one case

function assertLocatedInside(error: PolicyCompileError, source: string): void {
  const lines = source.split('\n');
  const { file, line, column } = error.location;
  assert.equal(file, AT.file);
  assert.ok(line >= 1 && line <= lines.length, `line ${line} outside the source (${lines.length} lines): ${error.message}`);
  assert.ok(column >= 1 && column <= lines[line - 1]!.length + 1, `column ${column} outside line ${line}: ${error.message}`);
}

/** Compiles `source`; throws (failing the test) on anything but success or a located PolicyCompileError. */
function checkExpression(source: string): 'compiles' | PolicyCompileError {
  generated.length = 0;
  const started = performance.now();
  try {
    compileExpression(source, AT);
  } catch (error) {
    if (!(error instanceof PolicyCompileError)) throw error;
    assertLocatedInside(error, source);
    return error;
  } finally {
    const elapsed = performance.now() - started;
    assert.ok(elapsed < SLOW_CASE_MS, `compiling took ${Math.round(elapsed)} ms`);
  }
  assert.equal(generated.length, 1, 'one function generated per expression');
  const code = generated[0]!;
  assertHoistedOnly(code);
  assert.deepEqual(foreignNames(code), [], 'generated code names something it did not declare');
  return 'compiles';
}

// ---- inputs

function expressionsOf(element: PolicyElement, into: string[]): void {
  for (const value of [...element.attributes.values(), ...(element.text ? [element.text] : [])]) {
    if (isExpression(value.value)) into.push(value.value.trim());
  }
  for (const child of element.children) expressionsOf(child, into);
}

/** Every expression of the fixture documents. */
function corpusExpressions(): string[] {
  const snippets = path.join(REPO_ROOT, 'test/fixtures/policy-snippets');
  const apiops = path.join(REPO_ROOT, 'test/fixtures/apiops-sample');
  const files = [
    ...fs.readdirSync(snippets).filter((name) => name.endsWith('.xml')).map((name) => path.join(snippets, name)),
    ...fs.readdirSync(apiops, { recursive: true, encoding: 'utf8' }).filter((name) => path.basename(name) === 'policy.xml').map((name) => path.join(apiops, name)),
  ];
  const expressions: string[] = [];
  for (const file of files.sort()) {
    const root = parsePolicyDocument(fs.readFileSync(file, 'utf8'), file, new Map(), []);
    if (root) expressionsOf(root, expressions);
  }
  return expressions;
}

const VOCABULARY = [
  'context', 'Request', 'Response', 'Headers', 'Body', 'As', 'JObject', 'JArray', 'string', 'int', 'bool', 'var', 'x', 'y', 'i',
  'GetValueOrDefault', 'Variables', 'ContainsKey', 'Url', 'Query', 'ToString', 'Split', 'Select', 'Where', 'First', 'Length',
  'new', 'return', 'if', 'else', 'while', 'for', 'foreach', 'in', 'do', 'switch', 'case', 'default', 'break', 'continue', 'try',
  'catch', 'finally', 'throw', 'is', 'as', 'null', 'true', 'false', 'typeof', 'nameof', 'checked', 'out', 'ref', 'this', 'base',
  'Exception', 'DateTime', 'Convert', 'Encoding', 'UTF8', 'System', 'IO', 'File', 'Process', 'List', 'Dictionary',
  '0', '1', '42', '1.5', '1e3', '0x1F', '1L', '2.0m', '"s"', '""', '"a\\"b"', "'c'", "'\\n'", '@"v""q"', '$"a{x}b"', '$"{1,5:x}"', '$@"{x}"', '$"{{"',
  '(', ')', '[', ']', '{', '}', '<', '>', '.', ',', ';', ':', '?', '??', '?.', '?[', '=>', '=', '==', '!=', '+', '-', '*', '/', '%',
  '!', '~', '&&', '||', '&', '|', '^', '<<', '>>', '++', '--', '+=', '??=', '::', '@', '#', '\\', '`', '\0', '\u{1F600}', '\n', '/*', '*/', '//',
];

/** Random tokens; half the time brackets are kept balanced so the soup gets past the extent check into the parser. */
function tokenSoup(random: Random): string {
  const length = 1 + random.below(40);
  const balanced = random.chance(0.5);
  const open: string[] = [];
  const tokens: string[] = [];
  for (let i = 0; i < length; i++) {
    let token = random.pick(VOCABULARY);
    if (balanced) {
      const closer = { '(': ')', '[': ']', '{': '}' }[token];
      if (closer) open.push(closer);
      else if ([')', ']', '}'].includes(token)) token = open.pop() ?? 'x';
      else if (['/*', '//', '\n'].includes(token) || token.includes('"') || token.includes("'")) token = 'x';
    }
    tokens.push(token);
  }
  tokens.push(...open.reverse());
  const block = random.chance(0.4);
  return `${block ? '@{' : '@('}${tokens.join(random.chance(0.7) ? ' ' : '')}${block ? '}' : ')'}`;
}

const EXPRESSION_INSERTS = ['(', ')', '{', '}', '[', ']', '"', "'", '$"', '@"', '{{', '}}', '\\', '\\u', '\\U0011FFFF', '\\x', '=>', ';', 'return ', '/*', '//', '\n', '\0', '\uD800', '\u{1F600}', '@(', '@{', '?.', '<', '>', 'new ', '.', ','];

function mutateExpression(source: string, random: Random): string {
  let text = source;
  const count = 1 + random.below(3);
  for (let i = 0; i < count; i++) {
    const at = random.below(text.length + 1);
    const length = random.below(12);
    switch (random.below(5)) {
      case 0:
        text = text.slice(0, at) + text.slice(at + length);
        break;
      case 1:
        text = text.slice(0, at + length) + text.slice(at, at + length) + text.slice(at + length);
        break;
      case 2:
        text = text.slice(0, at) + random.pick(EXPRESSION_INSERTS) + text.slice(at);
        break;
      case 3:
        text = text.slice(0, at);
        break;
      default:
        text = text.slice(0, at) + random.pick(VOCABULARY) + ' ' + text.slice(at);
    }
  }
  return text;
}

/** Inputs chosen to hurt: nesting, length, things left open. */
const PATHOLOGICAL: [name: string, source: string][] = [
  ['parentheses 10k deep', `@(${'('.repeat(10_000)}1${')'.repeat(10_000)})`],
  ['unary minus 10k deep', `@(${'- '.repeat(10_000)}1)`],
  ['negations 10k deep', `@(${'!'.repeat(10_000)}true)`],
  ['casts 10k deep', `@(${'(int)'.repeat(10_000)}1)`],
  ['additions 20k long', `@(${'1+'.repeat(20_000)}1)`],
  ['conditionals 10k deep', `@(${'true?1:'.repeat(10_000)}1)`],
  ['null-coalescing 10k long', `@(${'null??'.repeat(10_000)}1)`],
  ['assignments 10k deep', `@{var x=1;${'x='.repeat(10_000)}1;return x;}`],
  ['blocks 10k deep', `@{${'{'.repeat(10_000)}${'}'.repeat(10_000)}return 1;}`],
  ['ifs 10k deep', `@{${'if(true)'.repeat(10_000)}return 1;return 2;}`],
  ['lambdas 10k deep', `@(${'x=>'.repeat(10_000)}1)`],
  ['lambda chain 5k deep', `@(${'((Func<int,int>)(a=>'.repeat(5_000)}1${'))(1)'.repeat(5_000)})`],
  ['interpolations 10k deep', `@(${'$"{'.repeat(10_000)}1${'}"'.repeat(10_000)})`],
  ['member chain 20k long', `@(context${'.Request'.repeat(20_000)})`],
  ['conditional access 10k long', `@(context${'?.Request'.repeat(10_000)})`],
  ['calls 20k long', `@(context.Foo${'()'.repeat(20_000)})`],
  ['indexers 20k long', `@(context${'[0]'.repeat(20_000)})`],
  ['generic arguments 10k deep', `@(new List<${'List<'.repeat(10_000)}int${'>'.repeat(10_001)}())`],
  ['less-than chain 20k long', `@(${'a<'.repeat(20_000)}b)`],
  ['array initializers 10k deep', `@(new[]{${'new[]{'.repeat(10_000)}1${'}'.repeat(10_001)})`],
  ['anonymous objects 10k deep', `@(${'new { a = '.repeat(10_000)}1${' }'.repeat(10_000)})`],
  ['string of 100k characters', `@("${'a'.repeat(100_000)}")`],
  ['verbatim string of 100k quotes', `@(@"${'""'.repeat(50_000)}")`],
  ['identifier of 100k characters', `@(${'a'.repeat(100_000)})`],
  ['number of 100k digits', `@(${'9'.repeat(100_000)})`],
  ['100k statements', `@{${'var a = 1; a++; '.replace('var a = 1; ', '').repeat(1)}${'int a0 = 1;'.replace('a0', 'b')}${' b++;'.repeat(100_000)} return b;}`],
  ['unterminated string', '@("abc)'],
  ['unterminated verbatim string', '@(@"abc)'],
  ['unterminated interpolation', '@($"abc{1)'],
  ['unterminated interpolated verbatim string', '@($@"abc{1}'],
  ['doubled braces only', '@($"{{")'],
  ['lone closing brace in interpolation', '@($"}")'],
  ['empty hole', '@($"{}")'],
  ['unterminated char', "@('a)"],
  ['escape beyond Unicode', '@("\\U0011FFFF")'],
  ['char escape beyond Unicode', "@('\\U7FFFFFFF')"],
  ['unterminated comment', '@(1 /* )'],
  ['lambda without a body', '@(context.Request.Headers.Where(h =>))'],
  ['parenthesized lambda without a body', '@(context.Request.Headers.Select((a, b) =>))'],
  ['block without return', '@{ var x = 1; }'],
  ['empty block', '@{}'],
  ['empty expression', '@()'],
  ['only whitespace', '@(   \n  )'],
  ['NUL inside', '@(1\0)'],
  ['lone surrogate', '@("\uD800")'],
  ['at without bracket', '@'],
  ['text after the end', '@(1)x'],
  ['while true compiles and is not run', '@{ while (true) {} }'],
];

/** What fuzzing found (stack overflows, RangeErrors, a quadratic parse), each with the error it now gives. */
const REGRESSIONS: [name: string, source: string, expected: 'compiles' | string][] = [
  ['parentheses 10k deep', `@(${'('.repeat(10_000)}1${')'.repeat(10_000)})`, '1:203 expression nests more than 200 levels deep'],
  ['null-coalescing 10k long (right-associative recursion)', `@(${'null??'.repeat(10_000)}1)`, '1:3591 expression nests more than 200 levels deep'],
  ['additions 20k long (a deep tree from a loop)', `@(${'1+'.repeat(20_000)}1)`, '1:39605 expression nests more than 200 levels deep'],
  ['additions 199 long compile', `@(${'1+'.repeat(199)}1)`, 'compiles'],
  ['interpolations 10k deep', `@(${'$"{'.repeat(10_000)}1${'}"'.repeat(10_000)})`, '1:603 interpolated strings nest more than 200 levels deep'],
  ['\\U escape beyond Unicode', '@("\\U0011FFFF")', '1:4 invalid escape sequence'],
  ['less-than chain 20k long (was quadratic: 17 s)', `@(${'a<'.repeat(20_000)}b)`, '1:39605 expression nests more than 200 levels deep'],
];

// ---- tests

test('regressions found by fuzzing', () => {
  for (const [name, source, expected] of REGRESSIONS) {
    const outcome = checkExpression(source);
    assert.equal(outcome === 'compiles' ? outcome : `${outcome.location.line}:${outcome.location.column} ${outcome.message}`, expected, name);
  }
});

test('pathological expressions compile or fail located', () => {
  const failures: string[] = [];
  for (const [name, source] of PATHOLOGICAL) {
    try {
      checkExpression(source);
    } catch (error) {
      failures.push(`${name}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`.slice(0, 300));
    }
  }
  assert.deepEqual(failures, []);
});

test('random token soup compiles or fails located', () => {
  runCases('expression token soup fuzz', 3000, (random) => tokenSoup(random));
});

test('mutated corpus expressions compile or fail located', () => {
  const expressions = corpusExpressions();
  assert.ok(expressions.length > 50, `only ${expressions.length} corpus expressions`);
  runCases('expression mutation fuzz', 2000, (random) => mutateExpression(random.pick(expressions), random));
});

function runCases(name: string, defaultCases: number, generate: (random: Random) => string): void {
  const run = fuzzRun(name, defaultCases);
  const outcomes = { compiles: 0, invalid: 0 };
  const started = performance.now();
  for (let index = 0; index < run.cases; index++) {
    const source = generate(caseRandom(run, index));
    try {
      outcomes[checkExpression(source) === 'compiles' ? 'compiles' : 'invalid']++;
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      assert.fail(`case ${index} (FUZZ_SEED=${run.seed}) ${JSON.stringify(source.slice(0, 300))}: ${message.slice(0, 500)}`);
    }
  }
  console.log(`${name}: ${run.cases} expressions in ${Math.round(performance.now() - started)} ms: ${outcomes.compiles} compile, ${outcomes.invalid} invalid`);
}
