import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ConnectivityReportSchema, type ConnectivityReport } from '../../src/connectivity/report.ts';
import { main } from '../../src/cli/program.ts';
import { closedPort } from '../connectivity/fixtures.ts';
import { REPO_ROOT } from '../helpers.ts';
import { CLIENT_SECRET, startFakeArm, type FakeArm } from '../config/arm/fake-arm.ts';
import { NODE_ENTRY, runCommand } from './gateway-process.ts';

/**
 * `apimgw check-connectivity` in ARM mode against the fake ARM + Entra ID
 * (HTTPS on 127.0.0.1, a test CA given with --ca): the authority's step signs
 * in, ARM's signs in and reads the gateway resource, and wrong credentials,
 * a missing role, a missing gateway and an unreachable authority are told apart.
 */

const CONTOSO = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/arm/contoso.json'), 'utf8')) as { resources: Record<string, Record<string, unknown>> };

let fake: FakeArm;
before(async () => {
  fake = await startFakeArm(CONTOSO.resources);
});
after(async () => {
  await fake.close();
});

function sink() {
  let text = '';
  return { stream: new Writable({ write(chunk: Buffer, _encoding, callback) { text += chunk.toString(); callback(); } }), text: () => text };
}

/** The fake's settings as the environment, its CA through --ca (NODE_EXTRA_CA_CERTS is read at process start only). */
function armEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const { NODE_EXTRA_CA_CERTS: _ca, ...settings } = fake.settings();
  return { ...settings, ...overrides };
}

async function check(env: Record<string, string>, args: string[] = ['--json']) {
  const stdout = sink();
  const stderr = sink();
  const code = await main({ argv: ['check-connectivity', '--ca', fake.caFile, ...args], env, stdout: stdout.stream, stderr: stderr.stream });
  const result = { code, stdout: stdout.text(), stderr: stderr.text() };
  const report = args.includes('--json') && code !== 2 ? ConnectivityReportSchema.parse(JSON.parse(result.stdout)) : undefined;
  return { ...result, report };
}

const entra = (report: ConnectivityReport | undefined) => report!.targets.find((target) => target.purpose.startsWith('Entra ID'))!;
const arm = (report: ConnectivityReport | undefined) => report!.targets.find((target) => target.purpose.startsWith('Azure Resource Manager'))!;

test('ARM mode, everything right: the authority signs in, ARM answers the gateway resource; both targets are config.arm.endpoint / the authority, not management.azure.com', async () => {
  fake.requests.length = 0;
  const result = await check(armEnv());
  assert.equal(result.code, 0, result.stderr);
  const port = Number(new URL(fake.url).port);
  assert.deepEqual(result.report!.targets.map((target) => [target.host, target.port, target.required, target.auth.label]), [
    ['127.0.0.1', port, true, 'ok'],
    ['127.0.0.1', port, true, 'ok'],
  ]);
  assert.match(entra(result.report).auth.detail, /Entra ID issued an ARM token to app 22222222-2222-2222-2222-222222222222 \(tenant 11111111-1111-1111-1111-111111111111, client secret\)/);
  assert.match(arm(result.report).auth.detail, /GET https:\/\/127\.0\.0\.1:\d+\/subscriptions\/.*\/service\/apimService1\/gateways\/gw1 answered 200: gateway gw1 of apimService1/);
  assert.ok(fake.requests.includes('GET gateways/gw1'), fake.requests.join(', '));
  assert.equal(fake.requests.filter((r) => r === 'POST oauth2/v2.0/token').length, 2, 'one sign-in per target');
  assert.ok(!result.stdout.includes(CLIENT_SECRET) && !result.stderr.includes(CLIENT_SECRET));
  assert.ok(!/fake-arm-access-/.test(result.stdout), 'no access token in the report');
});

test('the table names both endpoints and their AUTH labels (child process, the CA through NODE_EXTRA_CA_CERTS)', async () => {
  const result = await runCommand([...NODE_ENTRY, 'check-connectivity'], fake.settings());
  assert.equal(result.code, 0, result.stderr);
  const rows = result.stdout.split('\n');
  // WARN: the fake's certificate is made for 2 days, under the 30 days' notice.
  assert.match(rows[1]!, /^127\.0\.0\.1\s+\d+\s+Entra ID token authority \(config\.service\.auth\.azureAd\.authority\)\s+yes\s+127\.0\.0\.1\s+ok\s+TLSv1\.3\s+ok\s+\d+ ms\s+WARN$/);
  assert.match(rows[2]!, /^127\.0\.0\.1\s+\d+\s+Azure Resource Manager \(config\.arm\.endpoint, config\.arm\.serviceResourceId\)\s+yes\s+127\.0\.0\.1\s+ok\s+TLSv1\.3\s+ok\s+\d+ ms\s+WARN$/);
  assert.match(result.stdout, /the certificate expires in [01] days/);
  assert.match(result.stderr, /2 endpoints: 0 ok, 2 with warnings, 0 failed: every required endpoint is reachable/);
});

test('a wrong client secret: InvalidCredentials with the Entra error code on both targets, exit 1, the secret never shown', async () => {
  const result = await check(armEnv({ 'config.service.auth.azureAd.clientSecret': 'wrong-secret-value' }));
  assert.equal(result.code, 1);
  for (const target of [entra(result.report), arm(result.report)]) {
    assert.equal(target.tls.status, 'ok', 'the network is fine');
    assert.equal(target.auth.label, 'InvalidCredentials');
    assert.match(target.auth.detail, /Entra ID refused the credentials \(invalid_client: AADSTS7000215: Invalid client secret provided\.\)/);
    assert.equal(target.verdict, 'fail');
  }
  assert.match(arm(result.report).auth.detail, /^no ARM read without a token/);
  assert.ok(!result.stdout.includes('wrong-secret-value') && !result.stderr.includes('wrong-secret-value'));
  assert.ok(!result.stdout.includes(CLIENT_SECRET));

  const text = await check(armEnv({ 'config.service.auth.azureAd.clientSecret': 'wrong-secret-value' }), []);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /InvalidCredentials/);
  assert.ok(!text.stdout.includes('wrong-secret-value'));
});

test('ARM refuses the read (403 AuthorizationFailed): Forbidden naming the missing action and the role to assign; the sign-in is ok', async () => {
  fake.deny(['gateways/gw1']);
  try {
    const result = await check(armEnv());
    assert.equal(result.code, 1);
    assert.equal(entra(result.report).auth.label, 'ok');
    const target = arm(result.report);
    assert.equal(target.auth.label, 'Forbidden');
    assert.match(target.auth.detail, /HTTP 403 AuthorizationFailed\): the identity may not perform Microsoft\.ApiManagement\/service\/gateways\/read on apimService1/);
    assert.match(target.auth.detail, /custom role of README "Use with an Azure API Management instance"/);
    assert.equal(target.verdict, 'fail');
  } finally {
    fake.deny(undefined);
  }
});

test('a gateway.name the instance does not have: NotFound with what to check', async () => {
  const result = await check(armEnv({ 'gateway.name': 'no-such-gateway' }));
  assert.equal(result.code, 1);
  assert.equal(arm(result.report).auth.label, 'NotFound');
  assert.match(arm(result.report).auth.detail, /gateway\.name one of its self-hosted gateways/);
});

test('an unreachable Entra authority: its TCP step fails, and ARM\'s step says unreachable, not wrong credentials', async () => {
  const down = await closedPort();
  const result = await check(armEnv({ 'config.service.auth.azureAd.authority': `https://127.0.0.1:${down}` }));
  assert.equal(result.code, 1);
  const authority = entra(result.report);
  assert.deepEqual([authority.port, authority.tcp.status, authority.auth.status], [down, 'fail', 'skipped']);
  assert.match(authority.tcp.detail, /connection refused/);
  const target = arm(result.report);
  assert.equal(target.tls.status, 'ok');
  assert.equal(target.auth.label, 'unreachable');
  assert.match(target.auth.detail, /Entra ID did not answer the sign-in/);
});

test('--backends in ARM mode: the backends come from the configuration built from ARM (one sync), only once ARM\'s row passed', async () => {
  fake.requests.length = 0;
  const result = await check(armEnv(), ['--backends', '--json']);
  const backends = result.report!.targets.filter((target) => target.port === 9);
  assert.equal(backends.length, 1, JSON.stringify(result.report!.targets.map((t) => `${t.host}:${t.port}`)));
  assert.match(backends[0]!.purpose, /backend echo-backend, API echo-api/);
  assert.equal(result.code, 1, 'the fixture\'s backends (port 9) do not answer');
  assert.match(result.report!.notes.join(' '), /backends from the configuration built from ARM \(\d+ ARM requests\)/);
  assert.ok(fake.requests.includes('GET gateways/gw1/apis'), 'the snapshot was read as apimgw run reads it');

  fake.deny(['gateways/gw1']);
  try {
    const denied = await check(armEnv(), ['--backends', '--json']);
    assert.equal(denied.report!.targets.length, 2);
    assert.match(denied.report!.notes.join(' '), /backends not checked: the configuration could not be read from ARM/);
  } finally {
    fake.deny(undefined);
  }
});

test('ARM-mode settings mistakes stop the check with exit 2 and a hint, as they stop apimgw run', async () => {
  const { 'config.service.auth.azureAd.clientSecret': _secret, ...noSecret } = armEnv();
  const result = await check(noSecret);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /needs exactly one of config\.service\.auth\.azureAd\.clientSecret and config\.service\.auth\.azureAd\.certificatePath/);
});
