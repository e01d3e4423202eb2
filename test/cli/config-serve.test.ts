import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODE_ENTRY, runCommand, startProcess } from './gateway-process.ts';
import { configYaml } from '../config/serve/serve-helpers.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-serve-cli-'));

async function startServe(args: string[]) {
  const started = startProcess([...NODE_ENTRY, 'config', 'serve', '--port', '0', ...args]);
  const line = await started.waitForLog((l) => l.msg === 'apimgw config serve listening');
  return { ...started, url: String(line.url), line };
}

test('config serve: --print-token, then the served config, SIGHUP reload, --regenerate-key, SIGTERM exits 0', async () => {
  const config = path.join(dir, 'gateway.yaml');
  fs.writeFileSync(config, configYaml('r1'));
  const printed = await runCommand([...NODE_ENTRY, 'config', 'serve', '--dir', config, '--print-token', 'gw1']);
  assert.equal(printed.code, 0, printed.stderr);
  assert.match(printed.stdout, /^GatewayKey gw1&\d{12}&[A-Za-z0-9+/]{86}==\n$/);
  assert.match(printed.stderr, /token for gateway "gw1", primary key, expires .*gateway\.yaml\.keys\.json/);
  const keysFile = path.join(dir, 'gateway.yaml.keys.json');
  assert.equal(fs.statSync(keysFile).mode & 0o777, 0o600);
  const token = printed.stdout.trim();

  const serve = await startServe(['--dir', config]);
  try {
    assert.deepEqual(serve.line.gateways, ['gw1']);
    const get = () => fetch(`${serve.url}/gateways/gw1/configuration`, { headers: { authorization: token } });
    const first = await get();
    assert.equal(first.status, 200);
    assert.equal((await first.json() as { revision: string }).revision, 'r1');

    fs.writeFileSync(config, configYaml('r2'));
    serve.child.kill('SIGHUP');
    await serve.waitForLog((l) => l.msg === 'configuration changed' && l.revision === 'r2');
    assert.equal((await (await get()).json() as { revision: string }).revision, 'r2');

    const secondary = await runCommand([...NODE_ENTRY, 'config', 'serve', '--dir', config, '--print-token', 'gw1', '--key-type', 'secondary', '--json']);
    const issued = JSON.parse(secondary.stdout) as { gateway: string; keyType: string; value: string; expiry: string };
    assert.equal(issued.keyType, 'secondary');
    const regenerated = await runCommand([...NODE_ENTRY, 'config', 'serve', '--dir', config, '--gateway', 'gw1', '--regenerate-key', 'primary']);
    assert.equal(regenerated.code, 0, regenerated.stderr);
    assert.match(regenerated.stderr, /regenerated the primary key of gateway "gw1"/);
    for (let attempt = 0; (await get()).status !== 401; attempt++) {
      assert.ok(attempt < 100, 'the old primary token kept working');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal((await fetch(`${serve.url}/gateways/gw1/configuration`, { headers: { authorization: issued.value } })).status, 200);

    const logs = JSON.stringify(serve.logs);
    const keys = JSON.parse(fs.readFileSync(keysFile, 'utf8')) as { gw1: { primary: string; secondary: string } };
    for (const secret of [keys.gw1.primary, keys.gw1.secondary, token.split('&')[2]!, issued.value.split('&')[2]!]) assert.ok(!logs.includes(secret));
  } finally {
    serve.child.kill('SIGTERM');
  }
  assert.equal(await serve.exited, 0);
});

test('config serve: an invalid config at start exits 1 with every error located', async () => {
  const config = path.join(dir, 'invalid.yaml');
  fs.writeFileSync(config, configYaml('r1', '    colour: blue'));
  const result = await runCommand([...NODE_ENTRY, 'config', 'serve', '--port', '0', '--dir', config, '--gateway', 'gw1']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /invalid\.yaml:4:5 apis\[0\]: unknown field "colour"/);
  assert.match(result.stderr, /\[APIMGW_E_CONFIG_INVALID\]/);
});

test('config serve: --dir is required; --regenerate-key needs one --gateway', async () => {
  const missing = await runCommand([...NODE_ENTRY, 'config', 'serve']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /required option '--dir <path>'/);
  const config = path.join(dir, 'gateway.yaml');
  const noGateway = await runCommand([...NODE_ENTRY, 'config', 'serve', '--dir', config, '--regenerate-key', 'primary']);
  assert.equal(noGateway.code, 2);
  assert.match(noGateway.stderr, /--regenerate-key needs exactly one --gateway/);
});
