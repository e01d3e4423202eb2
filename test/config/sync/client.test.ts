import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { ConfigClient, SyncFailure, type ConfigClientOptions } from '../../../src/config/sync/client.ts';
import { BACKOFF_CAP_SECONDS, pollDelayMs } from '../../../src/config/sync/schedule.ts';
import { TokenSource } from '../../../src/config/sync/token-source.ts';
import { listen } from '../../helpers.ts';
import { tempDir, validToken, writeToken } from './federation-helpers.ts';

const servers: Array<http.Server | https.Server> = [];
after(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  return `http://127.0.0.1:${await listen(server)}`;
}

function client(endpoint: string, extra: Partial<ConfigClientOptions> = {}): ConfigClient {
  return new ConfigClient({ endpoint, gatewayName: 'gw1', authorization: () => 'GatewayKey test', timeoutSeconds: 2, disableCertificateValidation: false, userAgent: 'test', ...extra });
}

async function failure(promise: Promise<unknown>): Promise<SyncFailure> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof SyncFailure, `expected a SyncFailure, got ${String(error)}`);
  return error;
}

test('GET with the token and If-None-Match: 200 + ETag, then 304', async () => {
  const seen: http.IncomingHttpHeaders[] = [];
  const endpoint = await serve((req, res) => {
    seen.push(req.headers);
    if (req.headers['if-none-match'] === '"v1"') return res.writeHead(304).end();
    res.writeHead(200, { etag: '"v1"' }).end('{"apis":[]}');
  });
  const sync = client(`${endpoint}/`);
  assert.deepEqual(await sync.fetchConfiguration(), { kind: 'changed', body: '{"apis":[]}', etag: '"v1"' });
  assert.deepEqual(await sync.fetchConfiguration('"v1"'), { kind: 'unchanged' });
  assert.equal(seen[0]!.authorization, 'GatewayKey test');
  assert.equal(sync.configurationUrl, `${endpoint}/gateways/gw1/configuration`);
  await sync.close();
});

test('401 codes become unauthorized failures with a hint; 5xx and refused connections unreachable; 404 a plain failure', async () => {
  let answer = { status: 401, body: '{"code":"TokenExpired","message":"the token expired at 2020-01-01"}' };
  const endpoint = await serve((_req, res) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body));
  const sync = client(endpoint);
  const expired = await failure(sync.fetchConfiguration());
  assert.equal(expired.kind, 'unauthorized');
  assert.equal(expired.reason, 'TokenExpired');
  assert.equal(expired.code, 'APIMGW_E_SYNC_UNAUTHORIZED');
  assert.match(expired.hint, /renew/);
  answer = { status: 503, body: '<html>down</html>' };
  assert.equal((await failure(sync.fetchConfiguration())).kind, 'unreachable');
  answer = { status: 404, body: '{"code":"NotFound","message":"no gateway gw1"}' };
  const missing = await failure(sync.fetchConfiguration());
  assert.equal(missing.kind, 'rejected');
  assert.match(missing.message, /no gateway gw1/);
  await sync.close();

  const refused = client('http://127.0.0.1:1');
  const down = await failure(refused.fetchConfiguration());
  assert.equal(down.kind, 'unreachable');
  assert.equal(down.reason, 'ECONNREFUSED');
  await refused.close();
});

test('config.service.integration.timeout bounds a request that never answers', async () => {
  const endpoint = await serve(() => undefined);
  const sync = client(endpoint, { timeoutSeconds: 0.3 });
  const started = Date.now();
  const timedOut = await failure(sync.fetchConfiguration());
  assert.equal(timedOut.reason, 'Timeout');
  assert.ok(Date.now() - started < 1500);
  await sync.close();
});

test('HTTP_PROXY is honoured (EnvHttpProxyAgent tunnels through CONNECT)', async () => {
  const target = await serve((_req, res) => res.writeHead(200, { etag: '"p"' }).end('{}'));
  const tunnelled: string[] = [];
  const proxy = http.createServer();
  servers.push(proxy);
  proxy.on('connect', (req: http.IncomingMessage, client: net.Socket) => {
    tunnelled.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
  });
  process.env.HTTP_PROXY = `http://127.0.0.1:${await listen(proxy)}`;
  const sync = client(target);
  delete process.env.HTTP_PROXY;
  assert.equal((await sync.fetchConfiguration()).kind, 'changed');
  assert.deepEqual(tunnelled, [new URL(target).host]);
  await sync.close();
});

test('TLS: a self-signed management plane is refused unless disableCertificateValidation', async () => {
  const dir = tempDir('apimgw-sync-tls-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1',
    '-days', '1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  const server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) }, (_req, res) => res.end('{}'));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const strict = client(endpoint);
  const refused = await failure(strict.fetchConfiguration());
  assert.equal(refused.kind, 'unreachable');
  assert.match(refused.reason, /SELF_SIGNED|CERT/);
  await strict.close();
  const lax = client(endpoint, { disableCertificateValidation: true });
  assert.equal((await lax.fetchConfiguration()).kind, 'changed');
  await lax.close();
});

test('heartbeat: POSTed as JSON', async () => {
  let received: unknown;
  const endpoint = await serve((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => { received = { url: req.url, method: req.method, body: JSON.parse(body) as unknown }; res.writeHead(204).end(); });
  });
  const sync = client(endpoint);
  const heartbeat = { instanceId: 'i', hostname: 'h', version: '0', configRevision: 'r', status: 'ok' as const, startedAt: 's', lastSyncAt: 'l' };
  await sync.sendHeartbeat(heartbeat);
  assert.deepEqual(received, { url: '/gateways/gw1/heartbeat', method: 'POST', body: heartbeat });
  await sync.close();
});

test('the token file is re-read when it changes; a missing file is an unauthorized failure', () => {
  const dir = tempDir('apimgw-sync-token-');
  const file = path.join(dir, 'token');
  const source = new TokenSource({ 'config.service.auth': undefined, 'config.service.auth.tokenFile': file }, () => undefined);
  assert.equal((() => { try { source.current(); } catch (error) { return (error as SyncFailure).reason; } })(), 'NoToken');
  const first = validToken('key-one');
  writeToken(file, first);
  assert.equal(source.authorization(), first);
  const second = validToken('key-two');
  writeToken(file, second);
  assert.equal(source.authorization(), second);
});

test('poll delays: jittered interval, doubling per failure, capped', () => {
  assert.equal(pollDelayMs(10, 0, () => 0.5), 10_000);
  assert.equal(pollDelayMs(10, 0, () => 0), 9_000);
  assert.equal(pollDelayMs(10, 2, () => 0.5), 40_000);
  assert.equal(pollDelayMs(10, 20, () => 1), BACKOFF_CAP_SECONDS * 1100);
});
