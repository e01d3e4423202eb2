import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send, startBackend, startListener, type Backend, type Listener } from './listener.ts';

describe('quota through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      apis: [{ path: 'metered', serviceUrl: backend.url, subscriptionRequired: true }],
      products: [{ id: 'trial', apis: ['metered'], policy: '<policies><inbound><base /><quota calls="2" renewal-period="3600" /></inbound></policies>' }],
      subscriptions: [
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
});
