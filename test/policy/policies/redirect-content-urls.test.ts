import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send, startBackend, startListener, type Backend, type Listener } from './listener.ts';

describe('redirect-content-urls through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    // Answers with links to itself, and says what request body it got.
    backend = await startBackend((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const self = `http://${req.headers.host}/base`;
        res.setHeader('content-type', 'application/json');
        res.setHeader('location', `${self}/sessions/1`);
        res.setHeader('x-received', Buffer.concat(chunks).toString());
        res.end(JSON.stringify({ next: `${self}/sessions/2`, all: `${self}/sessions` }));
      });
    });
    gateway = await startListener({
      apis: [{
        path: 'conference',
        serviceUrl: `${backend.url}/base`,
        policy: '<policies><inbound><redirect-content-urls /></inbound><backend><forward-request /></backend><outbound><redirect-content-urls /></outbound></policies>',
      }],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('outbound points backend links in the body at the gateway, inbound the reverse; headers are left alone', async () => {
    const response = await send(`${gateway.url}/conference/sessions`, { method: 'POST', body: `see ${gateway.url}/conference/speakers/7` });
    assert.equal(response.status, 200);
    const body = JSON.parse(response.text) as { next: string; all: string };
    assert.equal(body.next, `${gateway.url}/conference/sessions/2`);
    assert.equal(body.all, `${gateway.url}/conference/sessions`);
    assert.equal(response.headers.get('x-received'), `see ${backend.url}/base/speakers/7`);
    assert.equal(response.headers.get('location'), `${backend.url}/base/sessions/1`);
  });
});
