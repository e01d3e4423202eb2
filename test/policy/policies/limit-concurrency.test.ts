import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send, startBackend, startListener, type Backend, type Listener } from './listener.ts';

describe('limit-concurrency through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend((_req, res) => {
      const timer = setTimeout(() => res.end('done'), 1500);
      res.once('close', () => clearTimeout(timer));
    });
    gateway = await startListener({
      apis: [{
        path: 'one-at-a-time',
        serviceUrl: backend.url,
        policy: `<policies><backend>
          <limit-concurrency key="@(context.Api.Id)" max-count="1"><forward-request timeout="5" /></limit-concurrency>
        </backend>
        <on-error><set-header name="X-Error" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason)</value></set-header></on-error></policies>`,
      }],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('a second request while the first holds the only slot fails at once with 429; the slot is given back afterwards', async () => {
    let firstFinished = false;
    const first = send(`${gateway.url}/one-at-a-time/a`).finally(() => (firstFinished = true));
    // The first call holds the slot once it has reached the backend.
    while (backend.hits === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const second = await send(`${gateway.url}/one-at-a-time/b`);
    assert.equal(firstFinished, false, 'refused without waiting for the slot');
    assert.equal(second.status, 429);
    assert.equal(second.text, '{ "statusCode": 429, "message": "Too many concurrent requests. Concurrency limit exceeded." }');
    assert.equal(second.headers.get('x-error'), 'limit-concurrency/ConcurrencyLimitExceeded');
    const firstDone = await first;
    assert.equal(firstDone.status, 200);
    assert.equal(firstDone.text, 'done');
    assert.equal((await send(`${gateway.url}/one-at-a-time/c`)).status, 200);
    assert.equal(backend.hits, 2);
  });
});
