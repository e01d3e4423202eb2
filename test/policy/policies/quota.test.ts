import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send, startBackend, startListener, type Backend, type Listener } from './listener.ts';

describe('quota through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      apis: [
        { path: 'metered', serviceUrl: backend.url, subscriptionRequired: true },
        { path: 'scoped', serviceUrl: backend.url, subscriptionRequired: true, operations: [{ id: 'read', method: 'GET', urlTemplate: '/*' }, { id: 'write', method: 'POST', urlTemplate: '/*' }] },
      ],
      products: [
        { id: 'trial', apis: ['metered'], policy: '<policies><inbound><base /><quota calls="2" renewal-period="3600" /></inbound></policies>' },
        { id: 'per-api', apis: ['scoped'], policy: '<policies><inbound><base /><quota calls="10" renewal-period="3600"><api id="scoped" calls="3" renewal-period="3600"><operation id="write" calls="1" renewal-period="3600" /></api></quota></inbound></policies>' },
      ],
      subscriptions: [
        { id: 'per-api-sub', scope: '/products/per-api', primaryKey: 'per-api-key' },
        { id: 'trial-one', scope: '/products/trial', primaryKey: 'trial-one-key' },
        { id: 'trial-two', scope: '/products/trial', primaryKey: 'trial-two-key' },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('a subscription out of calls gets 403 with the APIM text and Retry-After; another subscription is untouched', async () => {
    const call = (key: string) => send(`${gateway.url}/metered/x`, { headers: { 'Ocp-Apim-Subscription-Key': key } });
    assert.deepEqual([(await call('trial-one-key')).status, (await call('trial-one-key')).status], [200, 200]);
    const refused = await call('trial-one-key');
    assert.equal(refused.status, 403);
    assert.match(refused.text, /^\{ "statusCode": 403, "message": "Out of call volume quota\. Quota will be replenished in \d{2}:\d{2}:\d{2}\." \}$/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
    assert.equal((await call('trial-two-key')).status, 200);
    assert.equal(backend.hits, 3);
  });

  it('<api> and <operation> children are quotas of their own for that API and operation', async () => {
    const call = (method: string) => send(`${gateway.url}/scoped/x`, { method, headers: { 'Ocp-Apim-Subscription-Key': 'per-api-key' } });
    assert.equal((await call('POST')).status, 200);
    const write = await call('POST');
    assert.equal(write.status, 403, 'the write operation allows 1 call');
    assert.match(write.text, /Out of call volume quota/);
    assert.deepEqual([(await call('GET')).status, (await call('GET')).status], [200, 200]);
    assert.equal((await call('GET')).status, 403, 'the API allows 3 calls');
  });
});
