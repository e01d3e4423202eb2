import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { NODE_ENTRY, runCommand } from '../../cli/gateway-process.ts';
import { REPO_ROOT } from '../../helpers.ts';
import { fiftyApis } from '../../fixtures/arm/fifty-apis.ts';
import { CLIENT_SECRET, startFakeArm, type FakeArm } from './fake-arm.ts';

const CONTOSO = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/arm/contoso.json'), 'utf8')) as { resources: Record<string, Record<string, unknown>> };
const FETCH = [...NODE_ENTRY, 'config', 'fetch', '--from', 'arm'];

let fake: FakeArm;
let dir: string;
before(async () => {
  fake = await startFakeArm(CONTOSO.resources);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-arm-fetch-'));
});
after(async () => {
  await fake.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('config fetch --from arm builds the whole snapshot: assigned APIs with revisions and version sets, rawxml policies, products, keys, secret named values', async () => {
  const output = path.join(dir, 'snapshot.json');
  const result = await runCommand([...FETCH, '--output', output, '--json'], fake.settings());
  assert.equal(result.code, 0, result.stderr);
  assert.equal(fs.statSync(output).mode & 0o777, 0o600);
  const summary = JSON.parse(result.stdout) as { armCalls: number; counts: Record<string, number> };
  const snapshot = JSON.parse(fs.readFileSync(output, 'utf8')) as Record<string, any>;
  const ids = snapshot.apis.map((api: { id: string }) => api.id).sort();
  assert.deepEqual(ids, ['echo-api', 'echo-api;rev=2', 'orders-v1', 'orders-v2'], 'only the APIs assigned to gw1, with every revision');
  const rev2 = snapshot.apis.find((api: { id: string }) => api.id === 'echo-api;rev=2');
  assert.equal(rev2.isCurrent, false);
  assert.deepEqual(rev2.operations.map((op: { urlTemplate: string }) => op.urlTemplate).sort(), ['/health', '/resource']);
  const v2 = snapshot.apis.find((api: { id: string }) => api.id === 'orders-v2');
  assert.deepEqual(v2.apiVersionSet, { id: 'orders', name: 'Orders', versioningScheme: 'Segment' });
  const echo = snapshot.apis.find((api: { id: string }) => api.id === 'echo-api');
  // rawxml: the expression's quotes arrive as written, not XML-escaped.
  assert.match(echo.operations.find((op: { id: string }) => op.id === 'get-item').policy, /context\.Request\.Method \+ "-"/);
  assert.match(echo.policy, /include-fragment fragment-id="add-trace"/);
  assert.match(snapshot.policy, /X-Global/);
  assert.deepEqual(snapshot.products.map((p: { id: string; apis: string[] }) => [p.id, p.apis]), [['starter', ['echo-api']]], 'the internal product reaches no API served here');
  assert.deepEqual(snapshot.subscriptions.map((s: { id: string; scope: string }) => `${s.id} ${s.scope}`).sort(), ['echo-only /apis/echo-api', 'master /apis', 'starter-sub /products/starter']);
  assert.equal(snapshot.subscriptions.find((s: { id: string }) => s.id === 'master').primaryKey, 'master-primary-key-0001');
  assert.deepEqual(snapshot.namedValues.find((v: { name: string }) => v.name === 'backend-secret'), { name: 'backend-secret', value: 's3cr3t-value', secret: true });
  assert.deepEqual(snapshot.policyFragments.map((f: { id: string }) => f.id), ['add-trace']);
  assert.equal(snapshot.backends[0].id, 'echo-backend');
  assert.equal(summary.armCalls, fake.requests.filter((r) => !/token|openid/.test(r)).length, 'every ARM request is counted');
  assert.ok(!result.stderr.includes(CLIENT_SECRET) && !result.stdout.includes(CLIENT_SECRET));
});

test('a 50-API instance: calls per sync stay at the list-then-fetch count (no per-API GET of the API itself)', async () => {
  const fifty = await startFakeArm(fiftyApis());
  try {
    const result = await runCommand([...FETCH, '--json'], fifty.settings());
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { armCalls: number; counts: { apis: number; operations: number } };
    // 8 collection lists + 50 × (revisions, operations, API policy, 4 operation policies) + 5 extra revisions × (GET, operations,
    // API policy, 4 operation policies) + 3 products × (APIs, policy) + 2 secret values + 10 subscription keys = 411.
    assert.equal(summary.armCalls, 8 + 50 * 7 + 5 * 7 + 3 * 2 + 2 + 10);
    process.stderr.write(`# 50-API fixture: ${summary.armCalls} ARM calls per sync (${summary.counts.operations} operations)\n`);
  } finally {
    await fifty.close();
  }
});

test('429 with Retry-After is waited out and retried; the throttled calls are counted', async () => {
  fake.throttle(2, 1);
  const started = Date.now();
  const result = await runCommand([...FETCH, '--json'], fake.settings());
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout) as { armCalls: number; armThrottled: number };
  assert.equal(summary.armThrottled, 2);
  assert.ok(Date.now() - started >= 1000, 'Retry-After honoured');
});

test('a wrong client secret is a one-line "credentials refused" error, exit 1, secret not shown', async () => {
  const result = await runCommand(FETCH, { ...fake.settings(), 'config.service.auth.azureAd.clientSecret': 'wrong-secret' });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Entra ID refused the credentials \(invalid_client: AADSTS7000215/);
  assert.match(result.stderr, /hint .*clientId and the client secret/);
  assert.ok(!result.stderr.includes('wrong-secret'));
  assert.ok(!/\n\s+at /.test(result.stderr), 'no stack trace');
});

test('an unreachable Entra authority reads as unreachable, not as wrong credentials', async () => {
  const result = await runCommand(FETCH, { ...fake.settings(), 'config.service.auth.azureAd.authority': 'https://127.0.0.1:1' });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Entra ID did not answer the sign-in/);
});

test('ARM-mode settings mistakes are one line with a hint, exit 2', async () => {
  const noSecret = { ...fake.settings() } as Record<string, string>;
  delete noSecret['config.service.auth.azureAd.clientSecret'];
  const cases: Array<[Record<string, string>, RegExp]> = [
    [noSecret, /needs exactly one of config\.service\.auth\.azureAd\.clientSecret and config\.service\.auth\.azureAd\.certificatePath/],
    [{ ...fake.settings(), 'config.service.auth': 'GatewayKey gw1&202601010000&abc' }, /config\.service\.auth holds a gateway token/],
    [{ ...fake.settings(), 'config.arm.serviceResourceId': '/subscriptions/x/apim' }, /expected \/subscriptions\/<id>\/resourceGroups/],
  ];
  for (const [settings, message] of cases) {
    const result = await runCommand(FETCH, settings);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, message);
    assert.match(result.stderr, /hint /);
  }
});
