import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { listen, startEcho } from '../../helpers.ts';
import { NODE_ENTRY, runCommand } from '../../cli/gateway-process.ts';
import { federatedEnv, getJson, startFederatedGateway, stop, tempDir, until, validToken, writeToken } from './federation-helpers.ts';

/**
 * Against a stand-in management plane (a real HTTP server in this process):
 * `apimgw config serve` validates what it serves, so only a stand-in can push
 * a snapshot the gateway must refuse — as a management plane of another
 * version could.
 */

const KEY = 'stand-in-gateway-key-0123456789';
let echo: Awaited<ReturnType<typeof startEcho>>;
let plane: http.Server;
let endpoint: string;
let served = '';
/** Set: configuration requests are held unanswered, as by a stuck management plane. */
let hang = false;
const heartbeats: Array<Record<string, unknown>> = [];
const authorizations = new Set<string>();

function snapshot(revision: string, operationPolicy?: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    revision,
    apis: [{
      id: 'echo', path: 'echo', serviceUrl: echo.url, subscriptionRequired: false,
      operations: [{ id: 'get', method: 'GET', urlTemplate: '/items', ...(operationPolicy ? { policy: operationPolicy } : {}) }],
      ...extra,
    }],
  });
}

before(async () => {
  echo = await startEcho();
  plane = http.createServer((req, res) => {
    authorizations.add(String(req.headers.authorization));
    if (req.url === '/gateways/gw1/configuration') {
      if (hang) return;
      const etag = `"${crypto.createHash('sha256').update(served).digest('hex')}"`;
      if (req.headers['if-none-match'] === etag) return res.writeHead(304).end();
      return res.writeHead(200, { 'content-type': 'application/json', etag }).end(served);
    }
    if (req.url === '/gateways/gw1/heartbeat' && req.method === 'POST') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        heartbeats.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(204).end();
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"code":"NotFound","message":"no such gateway"}');
  });
  endpoint = `http://127.0.0.1:${await listen(plane)}`;
});

after(() => {
  echo.server.close();
  plane.closeAllConnections();
  plane.close();
});

test('an invalid snapshot is rejected whole: located errors logged once, old one serves, heartbeat carries the error; the next good one applies', async () => {
  const dir = tempDir('apimgw-rejected-');
  const tokenFile = path.join(dir, 'token');
  const token = validToken(KEY);
  writeToken(tokenFile, token);
  served = snapshot('good-1');
  const gateway = await startFederatedGateway({ ...federatedEnv(endpoint, tokenFile, path.join(dir, 'backup')), 'config.service.integration.timeout': '00:01:40' });
  const data = `http://127.0.0.1:${gateway.port}`;
  try {
    assert.equal((await fetch(`${data}/echo/items`)).status, 200);
    assert.ok(authorizations.has(token));

    // Schema-valid, but a policy the gateway cannot compile: the whole snapshot is refused.
    served = snapshot('bad-2', '<policies><inbound><set-header name="x" exists-action="replace" /></inbound></policies>');
    const rejected = await gateway.waitForLog((l) => String(l.msg).startsWith('configuration from the management plane rejected'), 5000);
    assert.equal(rejected.level, 'error');
    assert.equal(rejected.servingRevision, 'good-1');
    const details = (rejected.details as string[]).join('\n');
    assert.match(details, /set-header.*exists-action/);
    const beat = await until(() => heartbeats.findLast((h) => h.status === 'degraded' && typeof h.lastError === 'string'), 3000, 'heartbeat with the error');
    assert.equal(beat.configRevision, 'good-1');
    assert.match(String(beat.lastError), /snapshot rejected/);
    assert.equal((await fetch(`${data}/echo/items`)).status, 200);
    // The same snapshot is not re-validated and re-reported on every poll (ETag → 304).
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(gateway.logs.filter((l) => String(l.msg).startsWith('configuration from the management plane rejected')).length, 1);
    const status = await getJson(`http://127.0.0.1:${gateway.adminPort}/config`);
    assert.equal(status.body.revision, 'good-1');
    assert.match(String((status.body.sync as { lastError: string }).lastError), /snapshot rejected/);

    served = snapshot('good-3');
    await gateway.waitForLog((l) => l.msg === 'configuration applied from the management plane' && l.revision === 'good-3', 5000);
    const healthy = await until(() => heartbeats.findLast((h) => h.configRevision === 'good-3'), 3000, 'heartbeat with good-3');
    assert.equal(healthy.status, 'ok');
    assert.equal(healthy.lastError, undefined);

    // A poll stuck on a silent management plane (100 s timeout) does not hold up shutdown.
    hang = true;
    await new Promise((resolve) => setTimeout(resolve, 600));
  } finally {
    const stopping = Date.now();
    assert.equal(await stop(gateway), 0);
    assert.ok(Date.now() - stopping < 5000, `shutdown took ${Date.now() - stopping} ms`);
    hang = false;
  }
  assert.equal(gateway.logs.some((l) => JSON.stringify(l).includes(token.split('&')[2]!)), false);
});

test('config fetch writes the snapshot (0600) that config inspect reads; inspect of the live endpoint; --json summarises; a bad snapshot exits 1 located', async () => {
  const dir = tempDir('apimgw-fetch-');
  const tokenFile = path.join(dir, 'token');
  writeToken(tokenFile, validToken(KEY));
  const env = federatedEnv(endpoint, tokenFile, path.join(dir, 'backup'));
  served = snapshot('fetched-1');
  const output = path.join(dir, 'snapshot.json');
  const fetched = await runCommand([...NODE_ENTRY, 'config', 'fetch', '--output', output, '--json'], env);
  assert.equal(fetched.code, 0, fetched.stderr);
  const summary = JSON.parse(fetched.stdout) as { revision: string; output: string; counts: { apis: number } };
  assert.equal(summary.revision, 'fetched-1');
  assert.equal(summary.counts.apis, 1);
  assert.equal(fs.statSync(output).mode & 0o777, 0o600);

  const inspected = await runCommand([...NODE_ENTRY, 'config', 'inspect', output, '--json']);
  assert.equal(inspected.code, 0, inspected.stderr);
  assert.equal((JSON.parse(inspected.stdout) as { revision: string }).revision, 'fetched-1');

  // No path, an endpoint set: inspect what the management plane serves now.
  served = snapshot('live-2');
  const live = await runCommand([...NODE_ENTRY, 'config', 'inspect', '--json'], env);
  assert.equal(live.code, 0, live.stderr);
  assert.equal((JSON.parse(live.stdout) as { revision: string; source: string }).revision, 'live-2');

  served = snapshot('bad', undefined, { protocols: ['gopher'] });
  const refused = await runCommand([...NODE_ENTRY, 'config', 'fetch'], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /gateways\/gw1\/configuration apis\[0\]\.protocols/);
  assert.equal(refused.stdout, '');
});

test('settings: endpoint and local path together is a settings error; no management plane and no backup exits 1 with a hint', async () => {
  const dir = tempDir('apimgw-nostart-');
  const tokenFile = path.join(dir, 'token');
  writeToken(tokenFile, validToken(KEY));
  const both = await runCommand([...NODE_ENTRY, 'run', '--config', 'examples/gateway.yaml'], federatedEnv(endpoint, tokenFile, path.join(dir, 'backup')));
  assert.equal(both.code, 2);
  assert.match(both.stderr, /config.service.endpoint .* and config.local.path .* are both set/);

  const nothing = await runCommand([...NODE_ENTRY, 'run'], { ...federatedEnv('http://127.0.0.1:1', tokenFile, path.join(dir, 'backup')), 'net.server.http.port': '0', 'admin.port': '0' });
  assert.equal(nothing.code, 1);
  assert.match(nothing.stderr, /APIMGW_E_SYNC_NO_CONFIG/);
  assert.match(nothing.stderr, /hint/);
});
