import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inbound, send, startBackend, startListener, type Backend, type Listener } from './listener.ts';

/** What on-error saw, as response headers the client can read. */
const ON_ERROR = `<on-error>
  <set-header name="X-Error" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason + "/" + context.LastError.Section)</value></set-header>
  <set-header name="X-Error-Status" exists-action="override"><value>@(context.Response.StatusCode.ToString())</value></set-header>
</on-error>`;

describe('forward-request through the listener', () => {
  let backend: Backend;
  let elsewhere: Backend;
  let gateway: Listener;
  before(async () => {
    elsewhere = await startBackend();
    backend = await startBackend((req, res) => {
      const path = req.url ?? '/';
      if (path.startsWith('/away')) {
        res.writeHead(302, { location: `${elsewhere.url}/landed` });
        res.end();
      } else if (path.startsWith('/slow')) {
        const timer = setTimeout(() => res.end('late'), 3000);
        res.once('close', () => clearTimeout(timer));
      } else if (path.startsWith('/moved')) {
        res.writeHead(302, { location: '/landed?from=moved' });
        res.end();
      } else if (path.startsWith('/fail')) {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('backend down');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`${req.method} ${path}`);
      }
    });
    gateway = await startListener({
      apis: [
        // No outbound policies: the response streams straight through.
        { path: 'streamed', serviceUrl: backend.url, policy: `<policies><backend><forward-request timeout-ms="200" /></backend>${ON_ERROR}</policies>` },
        {
          path: 'buffered',
          serviceUrl: backend.url,
          policy: `<policies><backend><forward-request timeout-ms="200" /></backend><outbound><set-header name="X-Outbound" exists-action="override"><value>ran</value></set-header></outbound>${ON_ERROR}</policies>`,
        },
        { path: 'follow', serviceUrl: backend.url, policy: '<policies><backend><forward-request follow-redirects="true" /></backend></policies>' },
        { path: 'no-follow', serviceUrl: backend.url, policy: inbound('') },
        { path: 'strict', serviceUrl: backend.url, policy: `<policies><backend><forward-request fail-on-error-status-code="true" /></backend>${ON_ERROR}</policies>` },
        { path: 'lenient', serviceUrl: backend.url, policy: `<policies><backend><forward-request /></backend>${ON_ERROR}</policies>` },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
    await elsewhere.close();
  });

  for (const path of ['streamed', 'buffered']) {
    it(`a backend slower than the timeout answers the APIM 500 after on-error (${path})`, async () => {
      const started = performance.now();
      const response = await send(`${gateway.url}/${path}/slow`);
      assert.ok(performance.now() - started < 2500, `the 200 ms timeout cut the 3000 ms wait short (${Math.round(performance.now() - started)} ms)`);
      assert.equal(response.status, 500);
      assert.equal(response.headers.get('content-type'), 'application/json');
      assert.match(response.text, /^\{ "statusCode": 500, "message": "Internal server error", "activityId": "[0-9a-f-]{36}" \}$/);
      assert.equal(response.headers.get('x-error'), 'forward-request/Timeout/backend');
      assert.equal(response.headers.get('x-error-status'), '500');
      assert.equal(response.headers.get('x-outbound'), null);
    });

    it(`a fast backend's answer reaches the client (${path})`, async () => {
      const response = await send(`${gateway.url}/${path}/ok`, { method: 'POST', body: 'x' });
      assert.equal(response.status, 200);
      assert.equal(response.text, 'POST /ok');
    });
  }

  it('follow-redirects="true" follows the backend 302; the default hands it to the client', async () => {
    const followed = await send(`${gateway.url}/follow/moved`);
    assert.equal(followed.status, 200);
    assert.equal(followed.text, 'GET /landed?from=moved');
    const handed = await fetch(`${gateway.url}/no-follow/moved`, { redirect: 'manual' });
    assert.equal(handed.status, 302);
    assert.equal(handed.headers.get('location'), '/landed?from=moved');
    await handed.text();
  });

  it('a redirect to another origin does not carry the credentials meant for the backend', async () => {
    const followed = await send(`${gateway.url}/follow/away`, { headers: { authorization: 'Bearer for-the-backend', cookie: 'session=1', 'x-kept': 'yes' } });
    assert.equal(followed.status, 200);
    const seen = followed.echo!.headers;
    assert.equal(seen.authorization, undefined);
    assert.equal(seen.cookie, undefined);
    assert.equal(seen['x-kept'], 'yes');
    assert.equal(seen.host, new URL(elsewhere.url).host);
  });

  it('fail-on-error-status-code="true" sends a backend 503 into on-error, keeping the backend response', async () => {
    const strict = await send(`${gateway.url}/strict/fail`);
    assert.equal(strict.status, 503);
    assert.equal(strict.text, 'backend down');
    assert.equal(strict.headers.get('x-error')?.startsWith('forward-request/'), true);
    assert.equal(strict.headers.get('x-error-status'), '503');
    const lenient = await send(`${gateway.url}/lenient/fail`);
    assert.equal(lenient.status, 503);
    assert.equal(lenient.headers.get('x-error'), null);
  });
});
