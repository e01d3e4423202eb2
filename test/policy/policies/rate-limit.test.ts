import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inbound, send, startBackend, startListener, type Backend, type Listener } from './listener.ts';

describe('rate-limit through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      apis: [{
        path: 'limited',
        serviceUrl: backend.url,
        subscriptionRequired: true,
        policy: inbound('<rate-limit calls="2" renewal-period="30" remaining-calls-header-name="X-Remaining" total-calls-header-name="X-Total" />'),
      }],
      subscriptions: [
        { id: 'alice', scope: '/apis/limited', primaryKey: 'alice-key' },
        { id: 'bob', scope: '/apis/limited', primaryKey: 'bob-key' },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  const call = (key: string) => send(`${gateway.url}/limited/x`, { headers: { 'Ocp-Apim-Subscription-Key': key } });

  it('counts per subscription key: the third call of one subscription gets 429, another subscription still passes', async () => {
    const first = await call('alice-key');
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-remaining'), '1');
    assert.equal(first.headers.get('x-total'), '2');
    assert.equal((await call('alice-key')).headers.get('x-remaining'), '0');
    const refused = await call('alice-key');
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 30, `Retry-After ${retryAfter}`);
    assert.equal(refused.text, `{ "statusCode": 429, "message": "Rate limit is exceeded. Try again in ${retryAfter} seconds." }`);
    assert.equal((await call('bob-key')).status, 200);
    assert.equal(backend.hits, 3);
  });
});
