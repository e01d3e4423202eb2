import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type https from 'node:https';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ConnectivityReportSchema, type ConnectivityReport } from '../../src/connectivity/report.ts';
import { createToken } from '../../src/token/format.ts';
import { closedPort, makePki, startConnectProxy, startHttps, type TestPki } from '../connectivity/fixtures.ts';
import { configYaml } from '../config/serve/serve-helpers.ts';
import { main } from '../../src/cli/program.ts';
import { NODE_ENTRY, runCommand, startProcess } from './gateway-process.ts';

/**
 * `apimgw check-connectivity` against real servers on 127.0.0.1: a TLS
 * management plane answering like `apimgw config serve`, a TLS backend, the
 * real `config serve` (a child process) for token refusals, a CONNECT proxy.
 * Fake host names reach them through --resolve (or the proxy). The command
 * runs as a child process once; otherwise through the CLI's `main` in this
 * process, with its own environment, as a child would (each child costs
 * seconds of start-up on a busy machine).
 */

const DAY_MS = 86_400_000;
const GOOD_TOKEN = createToken('gw1', 'a-key', new Date(Date.now() + 20 * DAY_MS));

let pki: TestPki;
let plane: { server: https.Server; port: number };
let backend: { server: https.Server; port: number };
let proxy: Awaited<ReturnType<typeof startConnectProxy>>;

before(async () => {
  pki = makePki();
  backend = await startHttps(pki, (_request, response) => response.end('backend'));
  plane = await startHttps(pki, (request, response) => {
    if (request.url !== '/gateways/gw1/configuration') return void response.writeHead(404).end();
    if (request.headers.authorization !== GOOD_TOKEN) {
      return void response.writeHead(401, { 'content-type': 'application/json' }).end('{"code":"InvalidToken","message":"signature mismatch"}');
    }
    response.writeHead(200, { 'content-type': 'application/json', etag: '"r1"' });
    response.end(JSON.stringify({ revision: 'r1', backends: [{ id: 'orders', url: `https://api.example.test:${backend.port}/orders` }] }));
  });
  proxy = await startConnectProxy();
});

after(() => {
  for (const server of [plane.server, backend.server, proxy.server]) server.close();
  fs.rmSync(pki.dir, { recursive: true, force: true });
});

function federated(endpoint: string, token = GOOD_TOKEN): string[] {
  return ['--set', `config.service.endpoint=${endpoint}`, '--set', 'gateway.name=gw1', '--set', `config.service.auth=${token}`];
}

function sink() {
  let text = '';
  return { stream: new Writable({ write(chunk: Buffer, _encoding, callback) { text += chunk.toString(); callback(); } }), text: () => text };
}

async function check(args: string[], env: Record<string, string> = {}) {
  const stdout = sink();
  const stderr = sink();
  const code = await main({ argv: ['check-connectivity', ...args], env, stdout: stdout.stream, stderr: stderr.stream });
  const result = { code, stdout: stdout.text(), stderr: stderr.text() };
  const report = args.includes('--json') ? ConnectivityReportSchema.parse(JSON.parse(result.stdout)) : undefined;
  return { ...result, report };
}

const resolveAll = () => ['--resolve', `mp.example.test:${plane.port}:127.0.0.1`, '--resolve', `api.example.test:${backend.port}:127.0.0.1`];
const byHost = (report: ConnectivityReport | undefined, host: string) => report!.targets.find((target) => target.host === host)!;

test('all required endpoints reachable: exit 0, the table on stdout, the backends from the fetched configuration', async () => {
  const args = [...federated(`https://mp.example.test:${plane.port}`), '--backends', '--ca', pki.caFile, ...resolveAll()];
  const result = await runCommand([...NODE_ENTRY, 'check-connectivity', ...args]);
  assert.equal(result.code, 0, result.stderr);
  const [header, ...rows] = result.stdout.split('\n');
  assert.match(header!, /^FQDN\s+PORT\s+PURPOSE\s+REQUIRED\s+DNS\s+TCP\s+TLS\s+AUTH\s+LATENCY\s+VERDICT$/);
  assert.match(rows[0]!, /^mp\.example\.test\s+\d+\s+management plane \(config\.service\.endpoint\)\s+yes\s+127\.0\.0\.1\s+ok\s+TLSv1\.3\s+ok\s+\d+ ms\s+ok$/);
  assert.match(rows[1]!, /^api\.example\.test\s+\d+\s+backend orders\s+yes\s+127\.0\.0\.1\s+ok\s+TLSv1\.3\s+-\s+\d+ ms\s+ok$/);
  assert.match(result.stderr, /2 endpoints: 2 ok, 0 with warnings, 0 failed: every required endpoint is reachable/);

  const json = await check([...args, '--json']);
  assert.equal(json.code, 0);
  assert.equal(json.report!.ok, true);
  assert.equal(byHost(json.report, 'mp.example.test').auth.label, 'ok');
  assert.equal(byHost(json.report, 'api.example.test').tls.certificate?.issuer, 'CN=apimgw test CA');
  assert.equal(json.stderr, '');
});

test('a required endpoint down: exit 1; an optional one down: exit 0 with a warning verdict, the Redis password never shown', async () => {
  const down = await closedPort();
  const required = await check([...federated(`http://127.0.0.1:${down}`), '--json']);
  assert.equal(required.code, 1);
  const config = required.report!.targets[0]!;
  assert.deepEqual([config.verdict, config.tcp.status, config.auth.status], ['fail', 'fail', 'skipped']);
  assert.equal(required.report!.ok, false);

  const optional = await check([...federated(`https://mp.example.test:${plane.port}`), '--ca', pki.caFile, ...resolveAll(),
    '--set', `cache.redis.connectionString=127.0.0.1:${down},password=pa55word,ssl=False`]);
  assert.equal(optional.code, 0, optional.stderr);
  assert.match(optional.stdout, new RegExp(`127\\.0\\.0\\.1\\s+${down}\\s+Redis shared state \\(cache\\.redis\\.connectionString\\)\\s+no\\s+127\\.0\\.0\\.1\\s+fail\\s+-\\s+-\\s+\\d+ ms\\s+WARN`));
  assert.match(optional.stdout, /connection refused/);
  assert.match(optional.stderr, /2 endpoints: 1 ok, 1 with warnings, 0 failed: every required endpoint is reachable/);
  assert.ok(!`${optional.stdout}${optional.stderr}`.includes('pa55word'));
});

test('an untrusted certificate fails with the reason unless config.service.endpoint.disableCertificateValidation', async () => {
  const untrusted = await check([...federated(`https://mp.example.test:${plane.port}`), ...resolveAll()]);
  assert.equal(untrusted.code, 1);
  assert.match(untrusted.stdout, /certificate not trusted: the issuer is not trusted by this machine .*UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
  const accepted = await check([...federated(`https://mp.example.test:${plane.port}`), ...resolveAll(), '--set', 'config.service.endpoint.disableCertificateValidation=true', '--json']);
  assert.equal(accepted.code, 0, accepted.stderr);
  const config = accepted.report!.targets[0]!;
  assert.deepEqual([config.verdict, config.auth.label], ['warn', 'ok']);
  assert.match(config.reasons.join(' '), /accepted: config\.service\.endpoint\.disableCertificateValidation=true/);
});

test('against `apimgw config serve`: an expired token, a token of another key and an endpoint that does not answer are told apart', async () => {
  const dir = fs.mkdtempSync(path.join(pki.dir, 'serve-'));
  const config = path.join(dir, 'gateway.yaml');
  fs.writeFileSync(config, configYaml('r1'));
  const key = 'primary-key-of-gw1';
  fs.writeFileSync(`${config}.keys.json`, JSON.stringify({ gw1: { primary: key, secondary: 'secondary-key-of-gw1' } }), { mode: 0o600 });
  const serve = startProcess([...NODE_ENTRY, 'config', 'serve', '--dir', config, '--port', '0']);
  try {
    const url = String((await serve.waitForLog((line) => line.msg === 'apimgw config serve listening')).url);
    const past = new Date(Date.now() - 2 * DAY_MS);
    const expired = createToken('gw1', key, new Date(past.getTime() + DAY_MS), past);
    const otherKey = createToken('gw1', 'not-the-key', new Date(Date.now() + DAY_MS));
    const seen: Record<string, string> = {};
    for (const [name, token] of Object.entries({ valid: createToken('gw1', key, new Date(Date.now() + 20 * DAY_MS)), soon: createToken('gw1', key, new Date(Date.now() + 3 * DAY_MS)), expired, otherKey })) {
      const result = await check([...federated(url, token), '--json']);
      assert.equal(result.code, name === 'valid' || name === 'soon' ? 0 : 1, result.stderr);
      const target = result.report!.targets[0]!;
      assert.equal(target.tcp.status, 'ok');
      seen[name] = `${target.auth.label} ${target.verdict}`;
      if (name === 'expired') assert.match(target.auth.detail, /renew it/);
      if (name === 'soon') assert.match(target.reasons.join(' '), /expires in (3\.0|2\.9) days/);
    }
    assert.deepEqual(seen, { valid: 'ok ok', soon: 'ok warn', expired: 'TokenExpired fail', otherKey: 'InvalidToken fail' });
  } finally {
    serve.child.kill('SIGTERM');
    await serve.exited;
  }
  const gone = await check([...federated(`http://127.0.0.1:${await closedPort()}`), '--json']);
  assert.deepEqual([gone.report!.targets[0]!.tcp.status, gone.report!.targets[0]!.auth.label], ['fail', null]);
});

test('through HTTPS_PROXY: the management plane is reached with CONNECT, its name resolved by the proxy', async () => {
  proxy.seen.length = 0;
  const result = await check([...federated(`https://mp.example.test:${plane.port}`), '--ca', pki.caFile, '--json'], { HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` });
  assert.equal(result.code, 0, result.stderr);
  const config = result.report!.targets[0]!;
  assert.equal(config.via, `127.0.0.1:${proxy.port}`);
  assert.equal(config.auth.label, 'ok');
  assert.deepEqual(proxy.seen.map((seen) => seen.authority), [`mp.example.test:${plane.port}`, `mp.example.test:${plane.port}`]);
});

test('usage errors exit 2 with the expected form', async () => {
  for (const [args, message] of [
    [['--resolve', 'mp.example.test:443'], /--resolve "mp\.example\.test:443": expected host:port:address/],
    [['--target', 'nohost'], /--target "nohost": expected host:port/],
    [['--timeout', '0'], /--timeout "0": expected seconds/],
    [['--ca', '/nonexistent/ca.pem'], /--ca \/nonexistent\/ca\.pem: cannot read it \(ENOENT\)/],
    [['--bogus'], /unknown option '--bogus'/],
  ] as const) {
    const result = await check([...args]);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  }
});

test('a spinner on a terminal only, on stderr: stdout keeps the table alone', async () => {
  const stdout = sink();
  let drawn = '';
  const stderr = Object.assign(new Writable({ write(chunk: Buffer, _encoding, callback) { drawn += chunk.toString(); callback(); } }), {
    isTTY: true, columns: 120, cursorTo: () => true, moveCursor: () => true, clearLine: () => true,
  });
  const code = await main({ argv: ['check-connectivity', '--target', `127.0.0.1:${plane.port}`], env: {}, stdout: stdout.stream, stderr });
  assert.equal(code, 0);
  assert.match(drawn, /checking/);
  assert.match(stdout.text(), /^FQDN/);
  assert.ok(!stdout.text().includes('checking'));
});

test('with nothing configured it says so and exits 0', async () => {
  const result = await check([]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /nothing to check: config\.service\.endpoint is not set/);
});
