import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startBackend, startListener, type Backend, type EchoAnswer, type Listener } from './listener.ts';

describe('choose through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      apis: [{
        path: 'c',
        serviceUrl: backend.url,
        policy: `<policies>
          <inbound>
            <choose>
              <when condition="@(context.Request.Headers.GetValueOrDefault(&quot;X-Tier&quot;, &quot;&quot;) == &quot;gold&quot;)">
                <set-header name="X-Branch" exists-action="override"><value>gold</value></set-header>
              </when>
              <when condition="@(context.Request.Url.Query.ContainsKey(&quot;stop&quot;))">
                <return-response><set-status code="409" reason="Conflict" /></return-response>
              </when>
              <otherwise>
                <set-header name="X-Branch" exists-action="override"><value>otherwise</value></set-header>
              </otherwise>
            </choose>
          </inbound>
          <outbound>
            <choose>
              <when condition="@(context.Response.StatusCode == 200)">
                <set-header name="X-Outbound-Branch" exists-action="override"><value>ok</value></set-header>
              </when>
            </choose>
          </outbound>
        </policies>`,
      }],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('the first true when runs; otherwise runs when none holds', async () => {
    const gold = await fetch(`${gateway.url}/c/x?stop`, { headers: { 'X-Tier': 'gold' } });
    assert.equal((await gold.json() as EchoAnswer).headers['x-branch'], 'gold');
    assert.equal(gold.headers.get('x-outbound-branch'), 'ok');
    const plain = await fetch(`${gateway.url}/c/x`);
    assert.equal((await plain.json() as EchoAnswer).headers['x-branch'], 'otherwise');
  });

  it('a branch can end the pipeline', async () => {
    const before = backend.hits;
    const stopped = await fetch(`${gateway.url}/c/x?stop=1`);
    assert.equal(stopped.status, 409);
    assert.equal(await stopped.text(), '');
    assert.equal(stopped.headers.get('x-outbound-branch'), null);
    assert.equal(backend.hits, before);
  });
});
