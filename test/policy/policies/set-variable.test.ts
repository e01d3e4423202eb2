import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JObject } from '../../../src/policy/expression/dotnet/json/jobject.ts';
import { setVariable } from '../../../src/policy/policies/set-variable/index.ts';
import { compileSection, requestContext, run } from './support.ts';

const steps = (xml: string, section: 'inbound' | 'outbound' = 'inbound') => compileSection(xml, [setVariable], { section });

test('a literal value is stored as a string', async () => {
  const context = requestContext();
  await run(steps('<set-variable name="count" value="42" />'), context);
  assert.equal(context.variables.get('count'), '42');
});

test('an expression result keeps its type', async () => {
  const context = requestContext({ headers: { 'X-N': '7' } });
  await run(steps([
    '<set-variable name="n" value="@(int.Parse(context.Request.Headers.GetValueOrDefault("X-N", "0")) + 1)" />',
    '<set-variable name="flag" value="@(context.Request.Method == "GET")" />',
    '<set-variable name="obj" value="@(new JObject(new JProperty("a", 1)))" />',
    '<set-variable name="readBack" value="@(context.Variables.GetValueOrDefault<int>("n") * 2)" />',
  ].join('')), context);
  assert.equal(context.variables.get('n'), 8);
  assert.equal(context.variables.get('flag'), true);
  assert.ok(context.variables.get('obj') instanceof JObject);
  assert.equal(context.variables.get('readBack'), 16);
});

test('an expression reading the body marks the step as using the body', async () => {
  const [step] = steps('<set-variable name="b" value="@(context.Request.Body.As<string>(preserveContent: true))" />');
  assert.equal(step!.usesBody, true);
  const context = requestContext({ method: 'POST', body: 'hello' });
  await run([step!], context);
  assert.equal(context.variables.get('b'), 'hello');
});

test('compile errors: name is required and may not be an expression; value is required', () => {
  assert.throws(() => steps('<set-variable value="1" />'), /set-variable: attribute "name" is required/);
  assert.throws(() => steps('<set-variable name="@("x")" value="1" />'), /set-variable: name cannot be a policy expression/);
  assert.throws(() => steps('<set-variable name="x" />'), /set-variable: attribute "value" is required/);
});
