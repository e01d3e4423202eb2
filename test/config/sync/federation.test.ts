import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startEcho } from '../../helpers.ts';
import {
  captured, expiredToken, federatedEnv, freePort, gatewayKeys, getJson, snapshotYaml, startFederatedGateway, startServe, stop,
  SUBSCRIPTION_KEY, tempDir, until, validToken, writeToken,
} from './federation-helpers.ts';

/**
 * The gateway (`apimgw run`) and the reference management plane
 * (`apimgw config serve`) as separate processes, through one story: sync,
 * live change, outage, catch-up, token refused / renewed / expired, then
 * offline starts from backups.
 */

let echo: Awaited<ReturnType<typeof startEcho>>;
let dir: string;
const secrets: string[] = [SUBSCRIPTION_KEY];

before(async () => {
  echo = await startEcho();
  dir = tempDir('apimgw-federation-');
});

after(() => echo.server.close());

/** Sequential requests until stopped; every answer that is not 200 counts as a failure. */
function requestLoop(url: string) {
  let running = true;
  let ok = 0;
  const failures: string[] = [];
  const done = (async () => {
    while (running) {
      try {
        const response = await fetch(url, { headers: { 'ocp-apim-subscription-key': SUBSCRIPTION_KEY } });
        await response.arrayBuffer();
        if (response.status === 200) ok++;
        else failures.push(`HTTP ${response.status}`);
      } catch (error) {
        failures.push(String(error));
      }
    }
  })();
  return { stop: async () => { running = false; await done; return { ok, failures }; } };
}

test('gateway and config serve: live change, outage with 0 failed requests, catch-up, token refused/renewed/expired, offline start from backups', async () => {
  const configFile = path.join(dir, 'gateway.yaml');
  const keysFile = path.join(dir, 'keys.json');
  const tokenFile = path.join(dir, 'gw1.token');
  const backupDir = path.join(dir, 'backup');
  fs.writeFileSync(configFile, snapshotYaml('r1', echo.url));
  const port = await freePort();
  let serve = await startServe(configFile, keysFile, port);
  const keys = await gatewayKeys(keysFile);
  const token = validToken(keys.primary);
  secrets.push(keys.primary, keys.secondary, token);
  writeToken(tokenFile, token);
  const env = federatedEnv(serve.url, tokenFile, backupDir);

  let gateway = await startFederatedGateway(env);
  const data = `http://127.0.0.1:${gateway.port}`;
  const admin = `http://127.0.0.1:${gateway.adminPort}`;
  const withKey = { headers: { 'ocp-apim-subscription-key': SUBSCRIPTION_KEY } };
  try {
    assert.equal((await fetch(`${data}/echo/items`, withKey)).status, 200);
    const config = await getJson(`${admin}/config`);
    assert.equal(config.body.source, 'management plane');
    assert.equal(config.body.revision, 'r1');
    const sync = config.body.sync as { lastSyncAt: string; lastResult: string; token: { daysLeft: number; expiresAt: string } };
    // A poll may already have found nothing new since start-up.
    assert.ok(['applied', 'unchanged'].includes(sync.lastResult), sync.lastResult);
    assert.ok(Date.now() - Date.parse(sync.lastSyncAt) < 5000);
    assert.equal(sync.token.daysLeft, 3);
    // The token expires in 3 days: ready, with a warning in the detail and one warning log.
    const ready = await getJson(`${admin}/readyz`);
    assert.equal(ready.status, 200);
    assert.match(String(ready.body.detail), /token expires in 3 days/);
    const warned = await gateway.waitForLog((l) => l.level === 'warn' && String(l.msg).includes('token expires in'));
    assert.equal(warned.daysLeft, 3);

    // A change in the served config reaches the gateway within a poll, while requests keep flowing.
    const loop = requestLoop(`${data}/echo/items`);
    const changedAt = Date.now();
    fs.writeFileSync(configFile, snapshotYaml('r2', echo.url, ['{ id: new, method: GET, urlTemplate: /new }']));
    await gateway.waitForLog((l) => l.msg === 'configuration applied from the management plane' && l.revision === 'r2', 15000);
    await until(async () => ((await fetch(`${data}/echo/new`, withKey)).status === 200 ? true : undefined), 10000, '/echo/new served');
    // serve debounces file changes (200 ms), then one 250 ms poll.
    assert.ok(Date.now() - changedAt < 5000, `change took ${Date.now() - changedAt} ms`);

    // Outage: one warning, traffic unaffected; restart → one fetch catches up.
    await stop(serve, 'SIGKILL');
    await gateway.waitForLog((l) => l.level === 'warn' && String(l.msg).includes('unreachable'), 15000);
    fs.writeFileSync(configFile, snapshotYaml('r3', echo.url, ['{ id: new, method: GET, urlTemplate: /new }', '{ id: newer, method: GET, urlTemplate: /newer }']));
    await new Promise((resolve) => setTimeout(resolve, 800));
    serve = await startServe(configFile, keysFile, port);
    await gateway.waitForLog((l) => l.msg === 'configuration applied from the management plane' && l.revision === 'r3', 15000);
    const { ok, failures } = await loop.stop();
    assert.deepEqual(failures, []);
    assert.ok(ok > 20, `only ${ok} requests`);
    assert.equal(gateway.logs.filter((l) => l.level === 'warn' && String(l.msg).includes('unreachable')).length, 1, 'one warning per outage, not per poll');
    assert.ok(gateway.logs.some((l) => l.msg === 'management plane answers again'));

    // Heartbeats are listed by the management plane.
    const instances = await until(async () => {
      const listed = await getJson(`${serve.url}/gateways/gw1/instances`, { authorization: token });
      const instance = (listed.body.instances as Array<Record<string, unknown>>)[0];
      return instance?.configRevision === 'r3' ? instance : undefined;
    }, 10000, 'heartbeat with r3');
    assert.equal(instances.status, 'ok');
    assert.equal(typeof instances.instanceId, 'string');

    // The primary key is regenerated: the token is refused, loudly, every poll; not ready, still serving.
    const regenerated = await fetch(`${serve.url}/gateways/gw1/keys/primary/regenerate`, { method: 'POST', headers: { authorization: validToken(keys.secondary) } });
    assert.equal(regenerated.status, 204);
    secrets.push((await gatewayKeys(keysFile)).primary);
    await until(() => (gateway.logs.filter((l) => l.level === 'error' && l.reason === 'InvalidToken').length >= 2 ? true : undefined), 10000, 'two InvalidToken errors');
    const refused = await getJson(`${admin}/readyz`);
    assert.equal(refused.status, 503);
    assert.match(String(refused.body.detail), /refused the gateway token/);
    assert.equal((await fetch(`${data}/echo/newer`, withKey)).status, 200);

    // A renewed token file is used from the next poll, no restart.
    const renewed = validToken(keys.secondary);
    secrets.push(renewed);
    writeToken(tokenFile, renewed);
    await until(async () => ((await getJson(`${admin}/readyz`)).status === 200 ? true : undefined), 10000, 'ready again after renewal');

    // An expired token: a clear error with a hint, not ready, traffic still served.
    const expired = expiredToken(keys.secondary);
    secrets.push(expired);
    writeToken(tokenFile, expired);
    const error = await gateway.waitForLog((l) => l.level === 'error' && l.reason === 'TokenExpired', 15000);
    assert.match(String(error.hint), /renew/);
    const notReady = await getJson(`${admin}/readyz`);
    assert.equal(notReady.status, 503);
    assert.match(String(notReady.body.detail), /expired/);
    assert.equal(((await getJson(`${admin}/config`)).body.sync as { token: { problem: string } }).token.problem.includes('expired'), true);
    assert.equal((await fetch(`${data}/echo/newer`, withKey)).status, 200);
  } finally {
    assert.equal(await stop(gateway), 0);
    await stop(serve);
  }

  // No management plane: the newest backup (r3) serves.
  gateway = await startFederatedGateway(federatedEnv(serve.url, tokenFile, backupDir));
  try {
    await gateway.waitForLog((l) => l.msg === 'serving the newest configuration backup until the management plane answers');
    const config = await getJson(`http://127.0.0.1:${gateway.adminPort}/config`);
    assert.equal(config.body.source, 'backup');
    assert.equal(config.body.revision, 'r3');
    assert.equal((await fetch(`http://127.0.0.1:${gateway.port}/echo/newer`, withKey)).status, 200);
  } finally {
    assert.equal(await stop(gateway), 0);
  }

  // The newest backup truncated: skipped with a reason, the previous one (r2) serves.
  const manifest = JSON.parse(fs.readFileSync(path.join(backupDir, 'manifest.json'), 'utf8')) as { entries: Array<{ file: string; revision: string }> };
  const newest = manifest.entries.at(-1)!;
  assert.equal(newest.revision, 'r3');
  fs.truncateSync(path.join(backupDir, newest.file), 40);
  gateway = await startFederatedGateway(federatedEnv(serve.url, tokenFile, backupDir));
  try {
    const skipped = await gateway.waitForLog((l) => String(l.msg).startsWith('skipping backup'));
    assert.match(String(skipped.msg), /truncated/);
    const config = await getJson(`http://127.0.0.1:${gateway.adminPort}/config`);
    assert.equal(config.body.revision, 'r2');
    assert.equal((await fetch(`http://127.0.0.1:${gateway.port}/echo/new`, withKey)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${gateway.port}/echo/newer`, withKey)).status, 404);
  } finally {
    assert.equal(await stop(gateway), 0);
  }
});

test('no key, token or subscription key appears in any log of these runs', () => {
  assert.ok(captured.length >= 5);
  for (const run of captured) {
    const text = `${JSON.stringify(run.logs)}\n${run.stderr()}`;
    for (const secret of secrets) {
      // The signature is the secret part of a token; gateway and expiry may be shown.
      const needle = secret.startsWith('GatewayKey ') ? secret.split('&')[2]! : secret;
      assert.equal(text.includes(needle), false, `${run.name} logged a secret (${needle.slice(0, 6)}…)`);
    }
  }
});
