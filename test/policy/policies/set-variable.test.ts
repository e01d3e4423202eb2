import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { JObject } from '../../../src/policy/expression/dotnet/json/jobject.ts';
import { setVariable } from '../../../src/policy/policies/set-variable/index.ts';
import { startBackend, startListener, type Backend, type EchoAnswer, type Listener } from './listener.ts';
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

describe('set-variable through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      apis: [{
        path: 'v',
        serviceUrl: backend.url,
        policy: `<policies>
          <inbound>
            <set-variable name="count" value="@(int.Parse(context.Request.Headers.GetValueOrDefault("X-Count", "0")) + 1)" />
            <set-variable name="label" value="literal" />
            <set-header name="X-Count" exists-action="override"><value>@(((int)context.Variables["count"]).ToString())</value></set-header>
          </inbound>
          <outbound>
            <set-variable name="doubled" value="@(context.Variables.GetValueOrDefault<int>("count") * 2)" />
            <set-header name="X-Result" exists-action="override"><value>@(context.Variables.GetValueOrDefault<string>("label") + ":" + context.Variables["doubled"])</value></set-header>
          </outbound>
        </policies>`,
      }],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('variables set inbound keep their type and are read by later policies, outbound too', async () => {
    const response = await fetch(`${gateway.url}/v/x`, { headers: { 'X-Count': '41' } });
    assert.equal(response.status, 200);
    const echo = await response.json() as EchoAnswer;
    assert.equal(echo.headers['x-count'], '42');
    assert.equal(response.headers.get('x-result'), 'literal:84');
  });
});
