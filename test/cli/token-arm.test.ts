import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { verifyToken } from '../../src/token/format.ts';
import { startFakeArm, type FakeArm } from '../config/arm/fake-arm.ts';
import { federatedEnv, gatewayKeys, getJson, snapshotYaml, startFederatedGateway, startServe, stop, tempDir, until, validToken, writeToken } from '../config/sync/federation-helpers.ts';
import { NODE_ENTRY, runCommand } from './gateway-process.ts';

const RENEW = [...NODE_ENTRY, 'token', 'renew', '--from-arm'];

let fake: FakeArm;
let dir: string;
before(async () => {
  fake = await startFakeArm({ 'gateways/gw1': { description: 'token tests' } });
  dir = tempDir('apimgw-token-arm-');
});
after(async () => {
  await fake.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('token renew --from-arm writes a generateToken token (0600) that a running gateway picks up without a restart', async () => {
  // config serve stands in for the APIM configuration endpoint: it checks tokens against the same keys the fake ARM signs with.
  const configFile = path.join(dir, 'gateway.yaml');
  fs.writeFileSync(configFile, snapshotYaml('one', 'http://127.0.0.1:9'));
  const keysFile = path.join(dir, 'keys.json');
  const serve = await startServe(configFile, keysFile, 0);
  const tokenFile = path.join(dir, 'token');
  try {
    const keys = await gatewayKeys(keysFile);
    fake.gatewayKeys.gw1 = { ...keys };
    writeToken(tokenFile, validToken(keys.primary));
    const gateway = await startFederatedGateway(federatedEnv(serve.url, tokenFile, path.join(dir, 'backup')));
    try {
      const before = await getJson(`http://127.0.0.1:${gateway.adminPort}/config`);
      assert.ok(((before.body.sync as { token: { daysLeft: number } }).token.daysLeft) < 4);
      const result = await runCommand([...RENEW, '--file', tokenFile, '--key-type', 'secondary', '--expiry', '20d'], fake.settings());
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /renewed .*signed with the secondary key/);
      assert.equal(fs.statSync(tokenFile).mode & 0o777, 0o600);
      const verified = verifyToken(fs.readFileSync(tokenFile, 'utf8').trim(), 'gw1', keys);
      assert.ok(verified.ok && verified.keyType === 'secondary', JSON.stringify(verified));
      assert.ok(fake.requests.some((r) => r === 'POST gateways/gw1/generateToken'));
      await until(async () => {
        const now = await getJson(`http://127.0.0.1:${gateway.adminPort}/config`);
        const days = (now.body.sync as { token: { daysLeft: number } }).token.daysLeft;
        return days > 19 ? days : undefined;
      }, 10_000, 'the gateway to use the renewed token');
    } finally {
      await stop(gateway);
    }
  } finally {
    await stop(serve);
  }
});

test('token renew --from-arm --rotate alternates keys: the token moves to the other key first, the key it left is regenerated', async () => {
  const tokenFile = path.join(dir, 'rotated-token');
  fake.gatewayKeys.gw1 = { primary: 'p-0', secondary: 's-0' };
  const first = await runCommand([...RENEW, '--rotate', '--file', tokenFile], fake.settings());
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /signed with the secondary key; the primary key was regenerated/);
  const afterFirst = { ...fake.gatewayKeys.gw1! };
  assert.equal(afterFirst.secondary, 's-0');
  assert.notEqual(afterFirst.primary, 'p-0');
  assert.equal((verifyToken(fs.readFileSync(tokenFile, 'utf8').trim(), 'gw1', afterFirst) as { keyType?: string }).keyType, 'secondary');
  // Which key is in use is kept beside the token, as private as the token.
  const state = `${tokenFile}.rotation.json`;
  assert.equal(fs.statSync(state).mode & 0o777, 0o600);
  assert.equal((JSON.parse(fs.readFileSync(state, 'utf8')) as { keyType: string }).keyType, 'secondary');
  assert.deepEqual(fake.requests.filter((r) => r.startsWith('POST gateways/')).slice(-2), ['POST gateways/gw1/generateToken', 'POST gateways/gw1/regenerateKey'], 'the token first, the key after');

  const second = await runCommand([...RENEW, '--rotate', '--file', tokenFile], fake.settings());
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /signed with the primary key; the secondary key was regenerated/);
  const afterSecond = fake.gatewayKeys.gw1!;
  assert.equal(afterSecond.primary, afterFirst.primary, 'the key in use is never regenerated');
  assert.equal((verifyToken(fs.readFileSync(tokenFile, 'utf8').trim(), 'gw1', afterSecond) as { keyType?: string }).keyType, 'primary');
});

test('token renew --from-arm with a wrong secret: one line, exit 1, the token file untouched', async () => {
  const tokenFile = path.join(dir, 'untouched');
  fs.writeFileSync(tokenFile, 'before\n', { mode: 0o600 });
  const result = await runCommand([...RENEW, '--file', tokenFile], { ...fake.settings(), 'config.service.auth.azureAd.clientSecret': 'not-the-secret' });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error Entra ID refused the credentials \(invalid_client: AADSTS7000215[^\n]*\nhint [^\n]*client secret[^\n]*\n$/);
  assert.ok(!result.stderr.includes('not-the-secret'));
  assert.equal(fs.readFileSync(tokenFile, 'utf8'), 'before\n');
});

test('token renew --rotate: an unreadable rotation state stops before ARM is asked (exit 1, hint); --rotate without --from-arm is a usage error', async () => {
  const tokenFile = path.join(dir, 'bad-state');
  fs.writeFileSync(`${tokenFile}.rotation.json`, '{not json', { mode: 0o600 });
  const generated = fake.requests.filter((r) => r.endsWith('/generateToken')).length;
  const result = await runCommand([...RENEW, '--rotate', '--file', tokenFile], fake.settings());
  assert.equal(result.code, 1);
  assert.match(result.stderr, /the rotation state .*bad-state\.rotation\.json does not say which key the token uses/);
  assert.match(result.stderr, /hint Delete it if/);
  assert.equal(fake.requests.filter((r) => r.endsWith('/generateToken')).length, generated);
  assert.ok(!fs.existsSync(tokenFile));

  const usage = await runCommand([...NODE_ENTRY, 'token', 'renew', '--rotate', '--key', 'k', '--gateway', 'gw1', '--file', tokenFile]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--rotate needs --from-arm/);
});
