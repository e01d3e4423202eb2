import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startFakeArm } from '../config/arm/fake-arm.ts';
import { REPO_ROOT, startEcho, type EchoAnswer } from '../helpers.ts';
import { NODE_ENTRY, startGateway } from './gateway-process.ts';

const CONTOSO = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/arm/contoso.json'), 'utf8')) as { resources: Record<string, Record<string, unknown>> };

async function call(port: number): Promise<{ status: number; echo: EchoAnswer | undefined }> {
  const response = await fetch(`http://127.0.0.1:${port}/echo/resource`, { headers: { 'Ocp-Apim-Subscription-Key': 'master-primary-key-0001' } });
  const text = await response.text();
  return { status: response.status, echo: response.status === 200 ? JSON.parse(text) as EchoAnswer : undefined };
}

test('apimgw run serves an APIM instance read through ARM, follows a policy edited there within a poll, and shows ARM calls per sync on /config', async () => {
  const echo = await startEcho();
  const resources = structuredClone(CONTOSO.resources);
  resources['apis/echo-api']!.serviceUrl = echo.url;
  const fake = await startFakeArm(resources);
  const backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-arm-run-'));
  const gateway = await startGateway([...NODE_ENTRY, 'run'], { ...fake.settings(), 'config.arm.poll.interval': '1', 'config.backup.dir': backupDir, 'runtime.workers': '1' });
  try {
    const first = await call(gateway.port);
    assert.equal(first.status, 200);
    assert.equal(first.echo!.headers['x-greeting'], 'hello from ARM', 'API policy with a named value');
    assert.equal(first.echo!.headers['x-trace'], 'on', 'policy fragment');
    assert.equal(first.echo!.headers['x-global'], 'arm', 'global policy');

    const summary = await (await fetch(`http://127.0.0.1:${gateway.adminPort}/config`)).json() as { source: string; sync: { armCallsLastSync: number; endpoint: string } };
    assert.equal(summary.source, 'management plane');
    assert.match(summary.sync.endpoint, /\/service\/apimService1\/gateways\/gw1$/);
    assert.ok(summary.sync.armCallsLastSync > 10, JSON.stringify(summary.sync));
    assert.ok(fs.readdirSync(backupDir).some((name) => name.endsWith('.json')), 'the applied snapshot is backed up');
    const scrape = await (await fetch(`http://127.0.0.1:${gateway.adminPort}/metrics`)).text();
    const gaugeValue = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(scrape)?.[1]);
    assert.ok(gaugeValue('apimgw_config_arm_calls_last_sync') > 10, scrape);
    assert.equal(gaugeValue('apimgw_config_arm_throttled_last_sync'), 0);

    const policy = resources['apis/echo-api/policies/policy']!;
    fake.resources['apis/echo-api/policies/policy'] = { value: String(policy.value).replace('{{greeting}}', 'edited in the portal') };
    const deadline = Date.now() + 10_000;
    let latest = first;
    while (Date.now() < deadline && latest.echo?.headers['x-greeting'] !== 'edited in the portal') {
      await new Promise((resolve) => setTimeout(resolve, 200));
      latest = await call(gateway.port);
    }
    assert.equal(latest.echo?.headers['x-greeting'], 'edited in the portal');
    await gateway.waitForLog((line) => line.msg === 'configuration applied from the management plane');

    // A throttled sync shows on /metrics: two 429s, each waited out for its Retry-After.
    fake.throttle(2, 1);
    const throttledDeadline = Date.now() + 15_000;
    let throttled = 0;
    while (Date.now() < throttledDeadline && throttled !== 2) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const text = await (await fetch(`http://127.0.0.1:${gateway.adminPort}/metrics`)).text();
      throttled = Number(/^apimgw_config_arm_throttled_last_sync (\S+)$/m.exec(text)?.[1]);
    }
    assert.equal(throttled, 2);
  } finally {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    await fake.close();
    echo.server.close();
    fs.rmSync(backupDir, { recursive: true, force: true });
  }
});
