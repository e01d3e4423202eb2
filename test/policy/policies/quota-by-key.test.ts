import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inbound, send, startBackend, startListener, type Backend, type Listener } from './listener.ts';

describe('quota-by-key through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend((_req, res) => res.end('x'.repeat(1536)));
    gateway = await startListener({
      apis: [
        { path: 'calls', serviceUrl: backend.url, policy: inbound('<quota-by-key calls="1" renewal-period="300" counter-key="@(context.Request.Headers.GetValueOrDefault(&quot;X-Tenant&quot;, &quot;&quot;))" />') },
        { path: 'bandwidth', serviceUrl: backend.url, policy: inbound('<quota-by-key bandwidth="2" renewal-period="300" counter-key="bandwidth" />') },
        { path: 'weighted', serviceUrl: backend.url, policy: inbound('<quota-by-key calls="5" renewal-period="300" counter-key="weighted" increment-count="2" />') },
        { path: 'twice', serviceUrl: backend.url, policy: inbound('<quota-by-key calls="2" renewal-period="300" counter-key="shared" /><quota-by-key calls="2" renewal-period="300" counter-key="shared" />') },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('calls: one allowance per key value', async () => {
    const call = (tenant: string) => send(`${gateway.url}/calls/x`, { headers: { 'X-Tenant': tenant } });
    assert.equal((await call('a')).status, 200);
    const refused = await call('a');
    assert.equal(refused.status, 403);
    assert.match(refused.text, /^\{ "statusCode": 403, "message": "Out of call volume quota\. Quota will be replenished in \d{2}:\d{2}:\d{2}\." \}$/);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.equal((await call('b')).status, 200);
  });

  it('several policies counting the same key value count a request once (Learn: "incremented only once per request")', async () => {
    const call = () => send(`${gateway.url}/twice/x`);
    assert.equal((await call()).status, 200);
    assert.equal((await call()).status, 200, 'the second call is the second of 2, not the fourth');
    assert.equal((await call()).status, 403);
  });

  it('increment-count: each call counts that many (calls="5", increment-count="2": two calls pass, the third would reach 6)', async () => {
    const call = () => send(`${gateway.url}/weighted/x`);
    assert.deepEqual([(await call()).status, (await call()).status, (await call()).status], [200, 200, 403]);
  });

  it('bandwidth: responses are counted by size, the call after the allowance is refused', async () => {
    const call = () => send(`${gateway.url}/bandwidth/x`);
    assert.equal((await call()).status, 200);
    assert.equal((await call()).status, 200, '1.5 KB used of 2 KB');
    const refused = await call();
    assert.equal(refused.status, 403);
    assert.match(refused.text, /"message": "Out of bandwidth quota\. Quota will be replenished in /);
  });
});
