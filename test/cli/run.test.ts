import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { listen, startEcho } from '../helpers.ts';
import { NODE_ENTRY, runCommand, startGateway, startProcess } from './gateway-process.ts';

let echo: Awaited<ReturnType<typeof startEcho>>;
let slow: http.Server;
let slowPort: number;
let dir: string;

function writeConfig(file: string, revision: string, extraOperation = ''): void {
  fs.writeFileSync(file, `
revision: ${revision}
apis:
  - id: echo
    path: echo
    serviceUrl: ${echo.url}
    subscriptionRequired: false
    operations:
      - { id: get, method: GET, urlTemplate: /items }
${extraOperation}
  - id: slow
    path: slow
    subscriptionRequired: false
    serviceUrl: http://127.0.0.1:${slowPort}
    operations: [{ id: any, method: GET, urlTemplate: /* }]
`);
}

before(async () => {
  echo = await startEcho();
  // Answers after 600 ms: long enough to be in flight when SIGTERM arrives.
  slow = http.createServer((_req, res) => setTimeout(() => res.end('slow done'), 600));
  slowPort = await listen(slow);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-run-'));
});

after(() => {
  echo.server.close();
  slow.close();
});

test('serves a config file, reloads on SIGHUP, keeps the old config when the new one is broken', async () => {
  const file = path.join(dir, 'reload.yaml');
  writeConfig(file, 'one');
  const gateway = await startGateway([...NODE_ENTRY, 'run', '--config', file]);
  try {
    const base = `http://127.0.0.1:${gateway.port}`;
    assert.equal((await fetch(`${base}/echo/items`)).status, 200);
    assert.equal((await fetch(`${base}/echo/new`)).status, 404);
    const readyz = await fetch(`http://127.0.0.1:${gateway.adminPort}/readyz`);
    assert.equal(readyz.status, 200);
    assert.equal(((await (await fetch(`http://127.0.0.1:${gateway.adminPort}/config`)).json()) as { revision: string }).revision, 'one');

    fs.writeFileSync(file, 'apis: [ { id: broken\n');
    gateway.child.kill('SIGHUP');
    const rejected = await gateway.waitForLog((l) => String(l.msg).startsWith('configuration reload rejected'));
    assert.equal(rejected.level, 'error');
    assert.match(String(rejected.msg), /still serving the previous one/);
    assert.equal((await fetch(`${base}/echo/items`)).status, 200);

    writeConfig(file, 'two', '      - { id: new, method: GET, urlTemplate: /new }');
    gateway.child.kill('SIGHUP');
    await gateway.waitForLog((l) => l.msg === 'configuration reloaded' && l.revision === 'two');
    // Workers apply the broadcast asynchronously; poll briefly.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await fetch(`${base}/echo/new`)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(status, 200);
  } finally {
    gateway.child.kill('SIGTERM');
    assert.equal(await gateway.exited, 0);
  }
});

test('SIGTERM lets in-flight requests finish, then exits 0', async () => {
  const file = path.join(dir, 'drain.yaml');
  writeConfig(file, 'drain');
  const gateway = await startGateway([...NODE_ENTRY, 'run', '--config', file]);
  const inFlight = fetch(`http://127.0.0.1:${gateway.port}/slow/x`).then(async (r) => ({ status: r.status, text: await r.text() }));
  await new Promise((r) => setTimeout(r, 150));
  gateway.child.kill('SIGTERM');
  assert.deepEqual(await inFlight, { status: 200, text: 'slow done' });
  assert.equal(await gateway.exited, 0);
  assert.ok(gateway.logs.some((l) => l.msg === 'stopped'));
});

test('one request log line per request, with the APIM field names and no key', async () => {
  const gateway = await startGateway([...NODE_ENTRY, 'run'], { 'runtime.workers': '1' });
  try {
    const blocked = await fetch(`http://127.0.0.1:${gateway.port}/echo/items?subscription-key=super-secret-value`);
    assert.equal(blocked.status, 401);
    const line = await gateway.waitForLog((l) => l.msg === 'request');
    assert.equal(line.responseCode, 401);
    assert.equal(line.apiId, 'echo');
    assert.equal(line.operationId, 'list-items');
    assert.equal(line.lastErrorReason, 'SubscriptionKeyInvalid');
    assert.equal(line.url, '/echo/items?subscription-key=<redacted>');
    assert.match(String(line.correlationId), /^[0-9a-f-]{36}$/);
    const unmatched = await fetch(`http://127.0.0.1:${gateway.port}/nowhere?Subscription-Key=other-secret-value&x=1`);
    assert.equal(unmatched.status, 404);
    const notFound = await gateway.waitForLog((l) => l.msg === 'request' && l.responseCode === 404);
    assert.equal(notFound.url, '/nowhere?Subscription-Key=<redacted>&x=1', 'redacted even when no API claimed the request');
    assert.ok(!JSON.stringify(gateway.logs).includes('super-secret-value'));
    assert.ok(!JSON.stringify(gateway.logs).includes('other-secret-value'));
    assert.ok(!JSON.stringify(gateway.logs).includes('starter-primary-key'), 'keys of the example config never reach the log');
  } finally {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
  }
});

test('a port in use is a clear error with exit code 1', async () => {
  const blocker = net.createServer();
  const port = await listen(blocker as unknown as http.Server);
  try {
    const result = await runCommand([...NODE_ENTRY, 'run', '--port', String(port)], { 'admin.port': '0', 'runtime.workers': '2' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /error cannot listen on 0\.0\.0\.0:\d+: EADDRINUSE \[APIMGW_E_LISTEN\]/);
    assert.match(result.stderr, /hint Another process holds the port/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  } finally {
    blocker.close();
  }
});

test('a malformed config file stops start-up with a located error', async () => {
  const file = path.join(dir, 'bad.yaml');
  fs.writeFileSync(file, 'apis:\n  - id: x\n    path: x\n    serviceUrl: not a url\n    operations: [{ id: o, method: GET, urlTemplate: nope }]\n');
  const result = await runCommand([...NODE_ENTRY, 'run', '--config', file], { 'net.server.http.port': '0', 'admin.port': '0' });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /error .*bad\.yaml: 2 errors in configuration \[APIMGW_E_CONFIG_INVALID\]/);
  assert.match(result.stderr, /bad\.yaml:4:17 apis\[0\]\.serviceUrl: /);
  assert.match(result.stderr, /bad\.yaml:5:53 apis\[0\]\.operations\[0\]\.urlTemplate: must start with "\/"/);
});

test('an unknown setting exits 2 with a did-you-mean hint', async () => {
  const result = await runCommand([...NODE_ENTRY, 'run', '--set', 'net.server.http.prot=1']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /unknown setting "net\.server\.http\.prot" \(command line\)/);
  assert.match(result.stderr, /Did you mean "net\.server\.http\.port"\?/);
});

test('npm start runs the example config with its echo backend', async () => {
  const started = startProcess(['examples/start.ts', '--port', '0', '--admin-port', '0', '--workers', '1']);
  try {
    const line = await started.waitForLog((l) => String(l.msg).startsWith('apimgw listening'));
    const response = await fetch(`http://127.0.0.1:${String(line.port)}/echo/items/7`, { headers: { 'Ocp-Apim-Subscription-Key': 'starter-primary-key-0000000000000001' } });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { url: string }).url, '/echo/items/7');
  } finally {
    started.child.kill('SIGTERM');
    assert.equal(await started.exited, 0);
  }
});

test('a worker that dies is replaced while the others keep serving', async () => {
  const file = path.join(dir, 'respawn.yaml');
  writeConfig(file, 'respawn');
  const gateway = await startGateway([...NODE_ENTRY, 'run', '--config', file]);
  try {
    const base = `http://127.0.0.1:${gateway.port}`;
    assert.equal((await fetch(`${base}/echo/items`)).status, 200);
    const line = await gateway.waitForLog((l) => l.msg === 'request');
    process.kill(Number(line.pid), 'SIGKILL');
    await gateway.waitForLog((l) => l.msg === 'worker stopped unexpectedly; starting a new one');
    assert.equal((await fetch(`${base}/echo/items`, { headers: { connection: 'close' } })).status, 200);
    let ready = 503;
    for (let i = 0; i < 100 && ready !== 200; i++) {
      ready = (await fetch(`http://127.0.0.1:${gateway.adminPort}/readyz`)).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(ready, 200, 'readiness returns once the replacement worker listens');
  } finally {
    gateway.child.kill('SIGTERM');
    assert.equal(await gateway.exited, 0);
  }
});

test('a rate limit is exact across all workers: N calls pass in total, the rest get 429', async () => {
  const file = path.join(dir, 'limited.yaml');
  fs.writeFileSync(file, `
apis:
  - id: limited
    path: limited
    serviceUrl: ${echo.url}
    subscriptionRequired: false
    policy: |
      <policies><inbound><base /><rate-limit-by-key calls="25" renewal-period="60" counter-key="shared" /></inbound></policies>
    operations: [{ id: any, method: GET, urlTemplate: /* }]
`);
  const gateway = await startGateway([...NODE_ENTRY, 'run', '--config', file], { 'runtime.workers': '2' });
  try {
    // A fresh connection per call, so the kernel spreads the calls over both workers.
    const statuses = await Promise.all(Array.from({ length: 80 }, () => fetch(`http://127.0.0.1:${gateway.port}/limited/x`, { headers: { connection: 'close' } }).then(async (response) => {
      await response.arrayBuffer();
      return response.status;
    })));
    assert.equal(statuses.filter((status) => status === 200).length, 25);
    assert.equal(statuses.filter((status) => status === 429).length, 55);
    await gateway.waitForLog(() => gateway.logs.filter((l) => l.msg === 'request').length === 80);
    const servedBy = new Set(gateway.logs.filter((l) => l.msg === 'request').map((l) => l.pid));
    assert.equal(servedBy.size, 2, 'both workers served calls');
  } finally {
    gateway.child.kill('SIGTERM');
    assert.equal(await gateway.exited, 0);
  }
});
