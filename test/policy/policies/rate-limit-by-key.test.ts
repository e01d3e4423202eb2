import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send, startBackend, startListener, type Backend, type Listener } from './listener.ts';

describe('rate-limit-by-key through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend((req, res) => {
      res.writeHead(req.url?.startsWith('/fail') ? 500 : 200);
      res.end('answer');
    });
    const limit = (extra: string) => `<policies>
      <inbound><rate-limit-by-key calls="2" renewal-period="30" counter-key="@(context.Api.Id + &quot;:&quot; + context.Request.Headers.GetValueOrDefault(&quot;X-Client&quot;, &quot;anonymous&quot;))" remaining-calls-header-name="X-Remaining" retry-after-header-name="X-Retry" ${extra} /></inbound>
      <on-error><set-header name="X-Error" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason + "/" + context.LastError.Message)</value></set-header></on-error>
    </policies>`;
    gateway = await startListener({
      apis: [
        { path: 'by-client', serviceUrl: backend.url, policy: limit('') },
        // Streams (no outbound policies): the condition must still see the backend status.
        { path: 'successes', serviceUrl: backend.url, policy: limit('increment-condition="@(context.Response.StatusCode == 200)"') },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('one counter per key value; the refusal has the APIM text, the named retry header and LastError', async () => {
    const call = (client: string) => send(`${gateway.url}/by-client/x`, { headers: { 'X-Client': client } });
    assert.deepEqual([(await call('a')).status, (await call('a')).status], [200, 200]);
    const refused = await call('a');
    assert.equal(refused.status, 429);
    const retry = refused.headers.get('x-retry');
    assert.ok(Number(retry) >= 1 && Number(retry) <= 30, `X-Retry ${retry}`);
    assert.equal(refused.headers.get('retry-after'), null);
    assert.equal(refused.text, `{ "statusCode": 429, "message": "Rate limit is exceeded. Try again in ${retry} seconds." }`);
    assert.equal(refused.headers.get('x-error'), 'rate-limit-by-key/RateLimitExceeded/Rate limit is exceeded');
    assert.equal((await call('b')).status, 200);
  });

  it('increment-condition counts only the calls it holds for', async () => {
    const call = (path: string) => send(`${gateway.url}/successes/${path}`);
    for (let i = 0; i < 3; i++) assert.equal((await call('fail')).status, 500);
    assert.equal((await call('ok')).status, 200);
    assert.equal((await call('ok')).status, 200);
    assert.equal((await call('ok')).status, 429);
  });
});
