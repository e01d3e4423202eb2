import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createToken } from '../../../src/token/format.ts';
import { startPlane } from './serve-helpers.ts';

test('configuration: 200 with the validated snapshot, revision and ETag; If-None-Match → 304', async () => {
  const plane = await startPlane();
  try {
    const url = `${plane.server.url}/gateways/gw1/configuration`;
    const first = await fetch(url, { headers: { authorization: plane.token() } });
    assert.equal(first.status, 200);
    const etag = first.headers.get('etag')!;
    assert.match(etag, /^"[0-9a-f]{64}"$/);
    assert.equal(first.headers.get('x-apimgw-config-revision'), 'r1');
    const snapshot = await first.json() as { revision: string; apis: Array<{ id: string; protocols: string[] }>; products: unknown[] };
    assert.equal(snapshot.revision, 'r1');
    assert.equal(snapshot.apis[0]!.id, 'echo');
    assert.deepEqual(snapshot.products, [], 'defaults filled in: the snapshot as validated');

    const again = await fetch(url, { headers: { authorization: plane.token(), 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.headers.get('etag'), etag);
    assert.equal(await again.text(), '');
    const listed = await fetch(url, { headers: { authorization: plane.token(), 'if-none-match': `"other", W/${etag}` } });
    assert.equal(listed.status, 304);
    const stale = await fetch(url, { headers: { authorization: plane.token(), 'if-none-match': '"other"' } });
    assert.equal(stale.status, 200);
    await stale.arrayBuffer();
  } finally {
    await plane.server.close();
  }
});

test('a snapshot without a revision is served with one derived from its hash', async () => {
  const plane = await startPlane({}, 'apis: []\n');
  try {
    const response = await fetch(`${plane.server.url}/gateways/gw1/configuration`, { headers: { authorization: plane.token() } });
    const snapshot = await response.json() as { revision: string };
    assert.equal(`"${snapshot.revision.replace('sha256-', '')}`, response.headers.get('etag')!.slice(0, 17));
  } finally {
    await plane.server.close();
  }
});

test('401 with a code and WWW-Authenticate: missing, malformed, wrong key, other gateway, expired', async () => {
  const plane = await startPlane();
  try {
    const url = `${plane.server.url}/gateways/gw1/configuration`;
    const keys = plane.server.keys.get('gw1')!;
    const hourAgo = new Date(Date.now() - 3_600_000);
    const cases: Array<[string, string | undefined, string]> = [
      ['missing', undefined, 'InvalidToken'],
      ['malformed', 'GatewayKey nonsense', 'InvalidToken'],
      ['wrong scheme', `Bearer ${plane.token().slice('GatewayKey '.length)}`, 'InvalidToken'],
      ['wrong key', createToken('gw1', 'not-the-key', new Date(Date.now() + 3_600_000)), 'InvalidToken'],
      ['other gateway', plane.token('gw2'), 'InvalidToken'],
      ['expired', createToken('gw1', keys.primary, hourAgo, new Date(hourAgo.getTime() - 60_000)), 'TokenExpired'],
    ];
    for (const [name, authorization, code] of cases) {
      const response = await fetch(url, { headers: authorization === undefined ? {} : { authorization } });
      assert.equal(response.status, 401, name);
      assert.equal(response.headers.get('www-authenticate'), 'GatewayKey', name);
      const body = await response.json() as { code: string; message: string };
      assert.equal(body.code, code, name);
      assert.ok(body.message.length > 0, name);
    }
    assert.equal(plane.logs.lines.filter((line) => line.msg === 'request refused: gateway token not accepted').length, cases.length);
  } finally {
    await plane.server.close();
  }
});

test('unknown gateway → 404 GatewayNotFound; unknown path 404, wrong method 405', async () => {
  const plane = await startPlane();
  try {
    const unknown = await fetch(`${plane.server.url}/gateways/nope/configuration`, { headers: { authorization: plane.token() } });
    assert.equal(unknown.status, 404);
    assert.equal((await unknown.json() as { code: string }).code, 'GatewayNotFound');
    const path = await fetch(`${plane.server.url}/gateways/gw1/nothing`);
    assert.equal((await path.json() as { code: string }).code, 'NotFound');
    const method = await fetch(`${plane.server.url}/gateways/gw1/heartbeat`);
    assert.equal(method.status, 405);
    assert.equal(method.headers.get('allow'), 'POST');
    await method.arrayBuffer();
  } finally {
    await plane.server.close();
  }
});

test('heartbeats are recorded per instance with receivedAt and listed per gateway', async () => {
  const plane = await startPlane();
  try {
    const post = (body: unknown, gateway = 'gw1') => fetch(`${plane.server.url}/gateways/${gateway}/heartbeat`, {
      method: 'POST', headers: { authorization: plane.token(gateway), 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const beat = { instanceId: 'i-1', hostname: 'vm1', version: '0.1.0', configRevision: 'r1', status: 'ok', startedAt: '2025-01-01T00:00:00Z', lastSyncAt: '2025-01-01T00:00:10Z' };
    assert.equal((await post(beat)).status, 204);
    assert.equal((await post({ ...beat, status: 'degraded', lastError: 'snapshot rejected' })).status, 204);
    assert.equal((await post({ ...beat, instanceId: 'i-2' })).status, 204);
    assert.equal((await post({ ...beat, instanceId: 'i-3' }, 'gw2')).status, 204);
    const bad = await post({ hostname: 'no id' });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json() as { code: string }).code, 'InvalidRequest');

    const response = await fetch(`${plane.server.url}/gateways/gw1/instances`, { headers: { authorization: plane.token() } });
    const { gateway, instances } = await response.json() as { gateway: string; instances: Array<Record<string, string>> };
    assert.equal(gateway, 'gw1');
    assert.deepEqual(instances.map((i) => [i.instanceId, i.status, i.lastError]), [['i-1', 'degraded', 'snapshot rejected'], ['i-2', 'ok', undefined]]);
    assert.ok(Math.abs(Date.parse(instances[0]!.receivedAt!) - Date.now()) < 5000);
  } finally {
    await plane.server.close();
  }
});

test('the keys file is created 0600 with random base64 keys per gateway', async () => {
  const plane = await startPlane();
  try {
    assert.equal(fs.statSync(plane.keysFile).mode & 0o777, 0o600);
    const keys = JSON.parse(fs.readFileSync(plane.keysFile, 'utf8')) as Record<string, { primary: string; secondary: string }>;
    assert.deepEqual(Object.keys(keys).sort(), ['gw1', 'gw2']);
    for (const { primary, secondary } of Object.values(keys)) {
      assert.equal(Buffer.from(primary, 'base64').length, 64);
      assert.notEqual(primary, secondary);
    }
  } finally {
    await plane.server.close();
  }
});
