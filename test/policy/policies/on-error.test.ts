import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send, startBackend, startListener, type Backend, type Listener } from './listener.ts';

/** Every context.LastError field, as JSON the client can read. */
const REPORT = `<return-response>
  <set-status code="599" reason="Reported" />
  <set-header name="Content-Type" exists-action="override"><value>application/json</value></set-header>
  <set-body>@(new JObject(
    new JProperty("Source", context.LastError.Source),
    new JProperty("Reason", context.LastError.Reason),
    new JProperty("Message", context.LastError.Message),
    new JProperty("Scope", context.LastError.Scope),
    new JProperty("Section", context.LastError.Section),
    new JProperty("Path", context.LastError.Path),
    new JProperty("PolicyId", context.LastError.PolicyId),
    new JProperty("Status", context.Response.StatusCode)).ToString(Newtonsoft.Json.Formatting.None))</set-body>
</return-response>`;

describe('on-error and context.LastError through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      policy: `<policies><inbound /><backend><forward-request /></backend><outbound /><on-error>${REPORT}</on-error></policies>`,
      apis: [{
        path: 'failing',
        serviceUrl: backend.url,
        policy: `<policies>
          <inbound>
            <base />
            <set-header name="X-First" exists-action="override"><value>1</value></set-header>
            <choose>
              <when condition="@(context.Request.Headers.ContainsKey(&quot;X-Other&quot;))"><set-header name="X-Other" exists-action="override"><value>o</value></set-header></when>
              <when condition="@(context.Request.Headers.ContainsKey(&quot;X-Fail&quot;))">
                <set-variable name="n" value="1" />
                <set-variable id="broken" name="m" value="@(int.Parse(context.Request.Headers.GetValueOrDefault(&quot;X-Fail&quot;, &quot;&quot;)))" />
              </when>
            </choose>
          </inbound>
          <outbound>
            <base />
            <set-header id="gate" name="X-Backend-Number" exists-action="override"><value>@(int.Parse(context.Response.Headers.GetValueOrDefault("X-Echo-Backend", "")).ToString())</value></set-header>
          </outbound>
          <on-error><base /></on-error>
        </policies>`,
        operations: [
          { id: 'inbound-failure', method: 'GET', urlTemplate: '/inbound' },
          { id: 'outbound-failure', method: 'GET', urlTemplate: '/outbound' },
          {
            id: 'operation-failure',
            method: 'GET',
            urlTemplate: '/operation',
            policy: '<policies><inbound><rate-limit-by-key id="tight" calls="1" renewal-period="60" counter-key="operation-failure" /><base /></inbound></policies>',
          },
        ],
      }],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('an expression failing inside choose: source, reason, message, scope, section, path and id', async () => {
    const response = await send(`${gateway.url}/failing/inbound`, { headers: { 'X-Fail': 'not a number' } });
    assert.equal(response.status, 599);
    assert.equal(response.statusText, 'Reported');
    const error = JSON.parse(response.text) as Record<string, unknown>;
    assert.equal(error.Source, 'set-variable');
    assert.equal(error.Reason, 'ExpressionValueEvaluationFailure');
    assert.match(String(error.Message), /^Expression evaluation failed\. /);
    assert.equal(error.Scope, 'api');
    assert.equal(error.Section, 'inbound');
    assert.equal(error.Path, 'choose[1]/when[2]/set-variable[2]');
    assert.equal(error.PolicyId, 'broken');
    assert.equal(error.Status, 500);
  });

  it('a policy failing in outbound, after the backend answered', async () => {
    const response = await send(`${gateway.url}/failing/outbound`);
    const { Message, ...error } = JSON.parse(response.text) as Record<string, unknown>;
    assert.match(String(Message), /^Expression evaluation failed\. /);
    assert.deepEqual(error, { Source: 'set-header', Reason: 'ExpressionValueEvaluationFailure', Scope: 'api', Section: 'outbound', Path: 'set-header[1]', PolicyId: 'gate', Status: 500 });
    assert.equal(backend.hits > 0, true);
  });

  it('an operation-scope policy failing reports scope operation', async () => {
    assert.equal((await send(`${gateway.url}/failing/operation`)).status, 599, 'the outbound expression still fails the first call');
    const response = await send(`${gateway.url}/failing/operation`);
    assert.deepEqual(JSON.parse(response.text), {
      Source: 'rate-limit-by-key', Reason: 'RateLimitExceeded', Message: 'Rate limit is exceeded',
      Scope: 'operation', Section: 'inbound', Path: 'rate-limit-by-key[1]', PolicyId: 'tight', Status: 429,
    });
  });
});
