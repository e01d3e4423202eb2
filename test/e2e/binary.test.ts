import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, startEcho } from '../helpers.ts';
import { runCommand, startGateway } from '../cli/gateway-process.ts';

/**
 * Drives the real single executable. It is (re)built here when missing or
 * older than the sources, so `npm test` on a fresh clone covers it too.
 */
const BINARY = path.join(REPO_ROOT, 'dist', 'apimgw');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

let echo: Awaited<ReturnType<typeof startEcho>>;

before(async () => {
  const sources = Math.max(newestSource(path.join(REPO_ROOT, 'src')), newestSource(path.join(REPO_ROOT, 'bin')), fs.statSync(path.join(REPO_ROOT, 'examples', 'gateway.yaml')).mtimeMs);
  if (!fs.existsSync(BINARY) || fs.statSync(BINARY).mtimeMs < sources) {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.ts')], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  echo = await startEcho();
});

after(() => echo.server.close());

test('the binary prints its version without Node beside it', async () => {
  const result = await runCommand([BINARY, '--version'], { PATH: '/nonexistent' });
  assert.equal(result.code, 0);
  const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal(result.stdout, `${version}\n`);
});

test('the binary validates a config file', async () => {
  const result = await runCommand([BINARY, 'config', 'validate', path.join(REPO_ROOT, 'examples', 'gateway.yaml')]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^valid .*gateway\.yaml: 5 APIs/);
});

test('the binary runs a config file with two workers and proxies a request', async () => {
  const config = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-e2e-')), 'gateway.yaml');
  fs.writeFileSync(config, fs.readFileSync(path.join(REPO_ROOT, 'examples', 'gateway.yaml'), 'utf8').replaceAll('http://127.0.0.1:3001', echo.url));
  const gateway = await startGateway([BINARY, 'run', '--config', config]);
  try {
    const ok = await fetch(`http://127.0.0.1:${gateway.port}/conference/v2/speakers/ada`, { headers: { 'Ocp-Apim-Subscription-Key': 'all-apis-primary-key-00000000000000003' } });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { url: string }).url, '/conference/v2/speakers/ada');
    const withPolicy = await fetch(`http://127.0.0.1:${gateway.port}/public/hello`);
    assert.equal(withPolicy.status, 200);
    assert.equal(withPolicy.headers.get('x-served-by'), 'apimgw');
    assert.match(((await withPolicy.json()) as { headers: Record<string, string> }).headers['x-request-id']!, /^[0-9a-f-]{36}$/);
    const denied = await fetch(`http://127.0.0.1:${gateway.port}/conference/v2/speakers/ada`);
    assert.equal(denied.status, 401);
    assert.equal((await fetch(`http://127.0.0.1:${gateway.adminPort}/livez`)).status, 200);
  } finally {
    gateway.child.kill('SIGTERM');
    assert.equal(await gateway.exited, 0);
  }
});

test('the binary serves its embedded example config when no config is given', async () => {
  const gateway = await startGateway([BINARY, 'run'], { 'runtime.workers': '1' });
  try {
    const denied = await fetch(`http://127.0.0.1:${gateway.port}/echo/items`);
    assert.equal(denied.status, 401);
    assert.match(await denied.text(), /missing subscription key/);
    const withPolicy = await fetch(`http://127.0.0.1:${gateway.port}/public/hello`);
    // The echo backend is not running here: the policy pipeline still runs and the failure is APIM's 500.
    assert.equal(withPolicy.status, 500);
    assert.equal(withPolicy.headers.get('x-ratelimit-remaining'), '99');
    assert.ok(gateway.logs.some((l) => l.level === 'warn' && String(l.msg).includes('embedded example')));
  } finally {
    gateway.child.kill('SIGTERM');
    assert.equal(await gateway.exited, 0);
  }
});
