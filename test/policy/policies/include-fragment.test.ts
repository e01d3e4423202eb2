import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send, startBackend, startListener, type Backend, type Listener } from './listener.ts';

describe('include-fragment through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      policyFragments: [
        {
          id: 'tenant-headers',
          policy: `<fragment>
            <set-header name="X-Tenant" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("X-Client", "unknown").ToUpper())</value></set-header>
            <set-query-parameter name="via" exists-action="override"><value>fragment</value></set-query-parameter>
          </fragment>`,
        },
        { id: 'stamp', policy: '<fragment><set-header name="X-Stamped" exists-action="override"><value>@(context.Api.Id)</value></set-header></fragment>' },
      ],
      policy: '<policies><inbound /><backend><forward-request /></backend><outbound><include-fragment fragment-id="stamp" /></outbound></policies>',
      apis: [{
        path: 'fragmented',
        serviceUrl: backend.url,
        policy: '<policies><inbound><base /><include-fragment fragment-id="tenant-headers" /></inbound><outbound><base /></outbound></policies>',
      }],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('fragment policies run where they are included: inbound at API scope, outbound at global scope', async () => {
    const response = await send(`${gateway.url}/fragmented/items?x=1`, { headers: { 'X-Client': 'contoso' } });
    assert.equal(response.status, 200);
    assert.equal(response.echo!.headers['x-tenant'], 'CONTOSO');
    assert.equal(response.echo!.url, '/items?x=1&via=fragment');
    assert.equal(response.headers.get('x-stamped'), 'fragmented');
  });
});
