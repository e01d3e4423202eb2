import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpression } from '../../../src/policy/expression/index.ts';
import { PolicyCompileError } from '../../../src/policy/diagnostics.ts';
import { fakeContext } from './fake-context.ts';

const at = { file: 'apis/orders/policy.xml', line: 10, column: 20 };

function compileError(source: string): { message: string; line: number; column: number } {
  try {
    compileExpression(source, at);
  } catch (error) {
    assert.ok(error instanceof PolicyCompileError, String(error));
    return { message: error.message, line: error.location.line, column: error.location.column };
  }
  assert.fail(`expected a compile error for ${source}`);
}

const cases: [string, string, number, number][] = [
  ['@(1 +)', 'expression expected, found end of expression', 10, 25],
  ['@(foo.Bar)', "the name 'foo' does not exist in the current context", 10, 22],
  ['@(System.IO.File.ReadAllText("x"))', 'type System.IO.File is not allowed in policy expressions', 10, 22],
  ['@(new System.Net.Http.HttpClient())', 'type System.Net.Http.HttpClient is not allowed in policy expressions', 10, 26],
  ['@((Process)context)', 'type Process is not allowed in policy expressions', 10, 23],
  ['@{\n  var x = 1;\n  if (x > 0) { return 1; }\n}', 'not all code paths return a value', 13, 1],
  ['@{\n  var x = 1;\n  var x = 2;\n  return x;\n}', "a local variable named 'x' is already defined in this scope", 12, 7],
  ['@("abc\\q")', "unrecognized escape sequence '\\q'", 10, 26],
  ['@{ return 1 }', "';' expected, found end of expression", 10, 32],
  ['@{ 1 + 2; return 1; }', 'only assignment, call, increment, decrement and new object expressions can be used as a statement', 10, 23],
  ['@{ throw; }', 'a throw statement with no arguments is not allowed outside of a catch clause', 10, 23],
  ['@($"{}")', 'empty interpolation hole', 10, 25],
  ['@(1) trailing', 'text after the end of the policy expression', 10, 24],
];

test('compile errors are located at the offending token', () => {
  for (const [source, message, line, column] of cases) {
    assert.deepEqual(compileError(source), { message, line, column }, source);
  }
});

test('bodies that always return or throw compile', () => {
  for (const source of [
    '@{ if (true) { return 1; } else { return 2; } }',
    '@{ try { return 1; } catch { return 2; } }',
    '@{ switch (1) { case 1: return "a"; default: throw new Exception("x"); } }',
    '@{ while (true) { return 1; } }',
    '@{ throw new InvalidOperationException("no"); }',
  ]) {
    compileExpression(source, at);
  }
});

test('security: only PascalCase members, indexers and extension tables are reachable', () => {
  const secret = { Visible: 'ok', hidden: 'secret', constructor: 'x' };
  const ctx = fakeContext({ obj: secret, fn: () => 1 });
  const run = (source: string) => compileExpression(source, at)(ctx);
  assert.equal(run('@(((Dictionary<string, string>)null) == null)'), true);
  for (const source of [
    '@(context.Variables["obj"].hidden)',
    '@(context.constructor)',
    '@(context.Variables["obj"].constructor)',
    '@(context.__proto__)',
    '@(context.Request.toString())',
    '@(context.Variables["fn"].call(null))',
    '@(context.Variables["obj"].hasOwnProperty("hidden"))',
    '@("x".constructor)',
    '@(new[] {1}.constructor)',
    '@(new[] {1}.map(x => x))',
    '@(Guid.constructor)',
    '@(Guid.prototype)',
    '@(context.Variables["fn"].Apply)',
    '@("a".constructor())',
    '@((5).hasOwnProperty("x"))',
    '@(true.constructor())',
  ]) {
    assert.throws(() => run(source), (e: Error) => e instanceof PolicyCompileError || (e as { type?: string }).type === 'RuntimeBinderException', source);
  }
  assert.throws(() => compileExpression('@(globalThis)', at), PolicyCompileError);
  assert.throws(() => compileExpression('@(process.exit(1))', at), PolicyCompileError);
  assert.throws(() => compileExpression('@(require("fs"))', at), PolicyCompileError);
  assert.equal(run('@(context.Variables["obj"].Visible)'), 'ok');
});

test('identifiers are letters, digits and _: a JavaScript whitespace or line break inside a name cannot split it into code', () => {
  for (const separator of ['\u2028', '\u2029', '\u00a0', '\ufeff']) {
    for (const source of [`@{ var a${separator}globalThis = 5; return "ok"; }`, `@{ string a${separator}return${separator}process; return "ok"; }`]) {
      assert.throws(() => compileExpression(source, at), PolicyCompileError, JSON.stringify(source));
    }
  }
  assert.equal(compileExpression('@{ var größe = 2; var 名前 = "x"; return 名前 + größe; }', at)(fakeContext()), 'x2');
});

test('string literals never reach generated code unescaped', () => {
  const source = '@("\\"); process.exit(1); (\\"" + "`${1}`" + "</script>")';
  assert.equal(compileExpression(source, at)(fakeContext()), '"); process.exit(1); ("`${1}`</script>');
});
