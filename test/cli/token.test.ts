import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createToken, parseToken, verifyToken } from '../../src/token/format.ts';
import { startPlane } from '../config/serve/serve-helpers.ts';
import { NODE_ENTRY, runCommand } from './gateway-process.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-token-cli-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const KEY = 'cHJpbWFyeS1rZXktdGhhdC1tdXN0LW5ldmVyLWJlLXByaW50ZWQ=';
const SECOND = 'c2Vjb25kYXJ5LWtleS10aGF0LW11c3QtbmV2ZXItYmUtcHJpbnRlZA==';
const apimgw = (...args: string[]) => runCommand([...NODE_ENTRY, 'token', ...args]);
const DAY = 24 * 60 * 60 * 1000;

function assertNoSecrets(result: { stdout: string; stderr: string }, ...secrets: string[]) {
  for (const secret of [KEY, SECOND, ...secrets]) {
    assert.ok(!result.stdout.includes(secret) && !result.stderr.includes(secret), 'a secret was printed');
  }
}

test('token create prints a token that verifies; inspect shows gateway and expiry, never the signature', async () => {
  const created = await apimgw('create', '--gateway', 'gw1', '--key', KEY, '--expiry', '2d');
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^GatewayKey gw1&\d{12}&[A-Za-z0-9+/]{86}==$/);
  assert.equal(verifyToken(token, 'gw1', { primary: KEY }).ok, true);
  assert.match(created.stderr, /token for gateway "gw1", expires .* \(in 2\.0 days\), signed with the primary key/);
  assertNoSecrets({ stdout: '', stderr: created.stderr });

  const signature = parseToken(token).signature;
  const inspected = await apimgw('inspect', token);
  assert.equal(inspected.code, 0, inspected.stderr);
  assert.match(inspected.stdout, /gateway +gw1\nexpiry +\d{4}-.*Z\ndays left +2\.0\nexpired +no/);
  assert.ok(inspected.stdout.includes(`${signature.slice(0, 4)}…`));
  assertNoSecrets(inspected, signature.slice(0, 8));

  const json = await apimgw('inspect', '--json', token.slice('GatewayKey '.length));
  const summary = JSON.parse(json.stdout) as { gateway: string; daysLeft: number; expired: boolean; signature: string };
  assert.deepEqual([summary.gateway, summary.daysLeft, summary.expired, summary.signature], ['gw1', 2, false, `${signature.slice(0, 4)}…`]);
});

test('token create --output writes a 0600 file; --json summarises without the token', async () => {
  const file = path.join(dir, 'created.token');
  const result = await apimgw('create', '--gateway', 'gw1', '--key', KEY, '--key-type', 'secondary', '--output', file, '--json');
  assert.equal(result.code, 0, result.stderr);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const token = fs.readFileSync(file, 'utf8').trim();
  assert.equal(verifyToken(token, 'gw1', { secondary: KEY }).ok, true);
  const summary = JSON.parse(result.stdout) as Record<string, unknown>;
  assert.equal(summary.keyType, 'secondary');
  assert.equal(summary.daysLeft, 30);
  assert.equal(summary.token, undefined);
  assertNoSecrets(result, parseToken(token).signature.slice(0, 8));

  const inspected = await apimgw('inspect', '--file', file, '--json');
  assert.equal(inspected.code, 0);
  assert.equal((JSON.parse(inspected.stdout) as { file: string }).file, file);
});

test('token create refuses a missing key, an expiry beyond 30 days or in the past (exit 2, hint)', async () => {
  const cases: [string[], RegExp][] = [
    [['--gateway', 'gw1'], /no gateway key given \[APIMGW_E_TOKEN_KEY\]/],
    [['--gateway', 'gw1', '--key', `@${path.join(dir, 'absent.key')}`], /cannot read the key file .*ENOENT/],
    [['--gateway', 'gw1', '--key', KEY, '--expiry', '31d'], /more than 30 days away \(the most a gateway token may live\) \[APIMGW_E_TOKEN_EXPIRY\]/],
    [['--gateway', 'gw1', '--key', KEY, '--expiry', '2020-01-01'], /in the past/],
    [['--gateway', 'gw1', '--key', KEY, '--expiry', 'soon'], /neither <n>d/],
  ];
  for (const [args, message] of cases) {
    const result = await apimgw('create', ...args);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.stderr, message);
    assert.match(result.stderr, /\nhint /);
    assert.equal(result.stdout, '');
    assertNoSecrets(result);
  }
});

test('token inspect: malformed → exit 1 with the part at fault; expired → exit 1 after the report; no input → exit 2', async () => {
  const malformed = await apimgw('inspect', 'GatewayKey gw1&20250101&abc');
  assert.equal(malformed.code, 1);
  assert.match(malformed.stderr, /not a gateway token: the expiry "20250101" is not yyyyMMddHHmm \(12 digits, UTC\) \[APIMGW_E_TOKEN_INVALID\]/);

  const expired = createToken('gw1', KEY, new Date(Date.now() - DAY), new Date(Date.now() - 3 * DAY));
  const result = await apimgw('inspect', expired);
  assert.equal(result.code, 1);
  assert.match(result.stdout, /expired +yes \(expired 1\.0 days ago\)/);
  assert.match(result.stderr, /the token has expired\nhint renew it/);

  assert.equal((await apimgw('inspect')).code, 2);
});

test('token renew --key replaces the token file atomically, taking the gateway from the current token', async () => {
  const file = path.join(dir, 'renew.token');
  fs.writeFileSync(file, createToken('edge-7', KEY, new Date(Date.now() + DAY)), { mode: 0o600 });
  const keyFile = path.join(dir, 'key');
  fs.writeFileSync(keyFile, `${SECOND}\n`, { mode: 0o600 });
  const result = await apimgw('renew', '--file', file, '--key', `@${keyFile}`, '--expiry', '10d', '--json');
  assert.equal(result.code, 0, result.stderr);
  const token = fs.readFileSync(file, 'utf8').trim();
  assert.equal(verifyToken(token, 'edge-7', { primary: SECOND }).ok, true);
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal((JSON.parse(result.stdout) as { daysLeft: number }).daysLeft, 10);
  assert.match(result.stderr, /renewed .*renew\.token: gateway "edge-7"/);
  assertNoSecrets(result, parseToken(token).signature.slice(0, 8));

  // From a keys file of `config serve`, picking the secondary key; an unreadable current file needs --gateway.
  const keysFile = path.join(dir, 'keys.json');
  fs.writeFileSync(keysFile, JSON.stringify({ gw9: { primary: KEY, secondary: SECOND } }), { mode: 0o600 });
  const fresh = path.join(dir, 'fresh.token');
  assert.equal((await apimgw('renew', '--file', fresh, '--key', `@${keysFile}`)).code, 2, 'no gateway to take');
  const fromKeys = await apimgw('renew', '--file', fresh, '--gateway', 'gw9', '--key', `@${keysFile}`, '--key-type', 'secondary');
  assert.equal(fromKeys.code, 0, fromKeys.stderr);
  const renewed = verifyToken(fs.readFileSync(fresh, 'utf8'), 'gw9', { primary: KEY, secondary: SECOND });
  assert.equal(renewed.ok && renewed.keyType, 'secondary');
  const missingGateway = await apimgw('renew', '--file', fresh, '--gateway', 'gw8', '--key', `@${keysFile}`);
  assert.match(missingGateway.stderr, /has no primary key for gateway "gw8"/);

  assert.equal((await apimgw('renew', '--file', file)).code, 2, 'neither --key nor --from-endpoint');
});

test('token renew --from-endpoint asks the management plane with the current token', async () => {
  const plane = await startPlane();
  try {
    const file = path.join(dir, 'endpoint.token');
    const old = plane.token('gw1', 'secondary');
    fs.writeFileSync(file, old, { mode: 0o600 });
    const result = await apimgw('renew', '--file', file, '--from-endpoint', '--endpoint', plane.server.url, '--expiry', '5d', '--json');
    assert.equal(result.code, 0, result.stderr);
    const token = fs.readFileSync(file, 'utf8').trim();
    assert.notEqual(token, old);
    const verified = verifyToken(token, 'gw1', plane.server.keys.get('gw1')!);
    assert.equal(verified.ok && verified.keyType, 'secondary', 'the same key as the token presented');
    assert.equal((JSON.parse(result.stdout) as { daysLeft: number }).daysLeft, 5);
    assertNoSecrets(result, parseToken(token).signature.slice(0, 8), plane.server.keys.get('gw1')!.primary);

    // An expired token is refused: the file is left as it was.
    const expired = createToken('gw1', plane.server.keys.get('gw1')!.primary, new Date(Date.now() - DAY), new Date(Date.now() - 2 * DAY));
    fs.writeFileSync(file, expired, { mode: 0o600 });
    const refused = await apimgw('renew', '--file', file, '--from-endpoint', '--endpoint', plane.server.url);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /HTTP 401 \(TokenExpired: .*\) \[APIMGW_E_TOKEN_RENEW\]/);
    assert.equal(fs.readFileSync(file, 'utf8'), expired);
  } finally {
    await plane.server.close();
  }
  const unreachable = await apimgw('renew', '--file', path.join(dir, 'endpoint.token'), '--from-endpoint', '--endpoint', 'http://127.0.0.1:9');
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /did not answer \(ECONNREFUSED\)/);
});
