import { execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { commandExists, freePort, killAll, start, statusOf, stop, untilReady } from './bench/children.ts';
import { wrk, wrkVersion, type Measure } from './bench/wrk.ts';

/**
 * `npm run bench`: in one run, on loopback, wrk against a fast local backend
 * (nginx `return 200`) directly and through each proxy: nginx, fastify +
 * @fastify/http-proxy, the thinnest Node proxy, apimgw with 1 and all workers,
 * and apimgw with a typical policy load (key, rate-limit, an expression);
 * the same policies with the rate limit counted in a local Redis;
 * then TLS termination: nginx HTTPS and apimgw HTTPS side by side.
 * Prints RPS, p50, p99 and ratios to direct and to nginx; writes the same as
 * JSON under bench/results/. Progress on stderr, the table on stdout.
 * Same run, same machine: only the ratios travel between machines.
 */

const root = path.resolve(import.meta.dirname, '..');
const usage = `usage: npm run bench -- [--quick] [--duration S] [--connections N] [--threads N] [--peer-workers N] [--binary dist/apimgw]`;

function fail(cause: string, hint: string, code = 2): never {
  process.stderr.write(`error ${cause}\nhint ${hint}\n`);
  process.exit(code);
}

function parseFlags() {
  try {
    return parseArgs({
      options: {
        duration: { type: 'string', default: '5' },
        connections: { type: 'string', default: '64' },
        threads: { type: 'string', default: '2' },
        'peer-workers': { type: 'string', default: '2' },
        quick: { type: 'boolean', default: false },
        binary: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (error) {
    return fail((error as Error).message, usage);
  }
}
const parsed = parseFlags();
if (parsed.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

function positive(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive whole number, got "${raw}"`, usage);
  return n;
}
const duration = parsed.quick ? 2 : positive('duration', parsed.duration);
const connections = positive('connections', parsed.connections);
const threads = positive('threads', parsed.threads);
// The peers run 2 workers by default, as in the ceilings of DESIGN.md section 4.
const peerWorkers = positive('peer-workers', parsed['peer-workers']);
const binary = parsed.binary === undefined ? undefined : path.resolve(parsed.binary);
if (binary && !fs.existsSync(binary)) fail(`${parsed.binary} does not exist`, 'npm run build first, or drop --binary');
const cores = os.availableParallelism();
const warmUpSeconds = 1;

function say(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** wrk and nginx come from Debian; install them when we may, else say how. */
function ensureTools(): void {
  const has = (command: string) => {
    try {
      execFileSync('sh', ['-c', `command -v ${command} || test -x /usr/sbin/${command}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  const missing = ['wrk', 'nginx'].filter((tool) => !has(tool));
  if (missing.length === 0) return;
  const hint = `sudo apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0 || !has('apt-get')) fail(`bench needs ${missing.join(' and ')}, not found on PATH`, hint);
  say(`installing ${missing.join(', ')} with apt-get`);
  try {
    execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } catch {
    fail(`apt-get could not install ${missing.join(' and ')}`, hint);
  }
}

ensureTools();
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-bench-'));
// Runs however we leave (end, error, Ctrl-C): nothing may outlive the bench.
process.on('exit', () => {
  killAll();
  fs.rmSync(work, { recursive: true, force: true });
});
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

interface Result extends Measure { target: string; note?: string }

function load(url: string, seconds: number, headers?: Record<string, string>): Promise<Measure> {
  return wrk(url, seconds, { threads, connections, headers });
}

/** A self-signed certificate for the HTTPS rows (EC P-256, what a modern site serves), made with the openssl command. */
function benchCertificate(): { cert: string; key: string } {
  const cert = path.join(work, 'tls.pem');
  const key = path.join(work, 'tls.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}

function nginxConfig(backendPort: number, proxyPort: number, tlsPort: number, certificate: { cert: string; key: string }): string {
  return `worker_processes auto;
pid ${work}/nginx.pid;
error_log ${work}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${work}/body;
  proxy_temp_path ${work}/proxy;
  fastcgi_temp_path ${work}/fastcgi;
  uwsgi_temp_path ${work}/uwsgi;
  scgi_temp_path ${work}/scgi;
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 64; }
  server { listen 127.0.0.1:${backendPort}; location / { return 200 "ok"; } }
  server {
    listen 127.0.0.1:${proxyPort};
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
  server {
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${certificate.cert};
    ssl_certificate_key ${certificate.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`;
}

const BENCH_KEY = 'bench-primary-key-000000000000000001';

/**
 * /bench: the plain proxy. /policies: what a typical API carries — a
 * subscription key, a rate limit counted across all workers, a header set
 * from an expression.
 */
function gatewayConfig(backendPort: number): string {
  return `apis:
  - id: bench
    path: bench
    serviceUrl: http://127.0.0.1:${backendPort}
    subscriptionRequired: false
    operations:
      - { id: get, method: GET, urlTemplate: /* }
  - id: policies
    path: policies
    serviceUrl: http://127.0.0.1:${backendPort}
    operations:
      - { id: get, method: GET, urlTemplate: /* }
    policy: |
      <policies>
        <inbound>
          <base />
          <rate-limit calls="100000000" renewal-period="300" />
          <set-header name="X-Caller" exists-action="override">
            <value>@(context.Subscription.Id + ":" + context.Request.IpAddress)</value>
          </set-header>
        </inbound>
        <backend><base /></backend>
        <outbound><base /></outbound>
      </policies>
subscriptions:
  - { id: bench-sub, scope: /apis, primaryKey: ${BENCH_KEY} }
`;
}

interface Target {
  name: string; url: string; readyUrl?: string; headers?: Record<string, string>; launch?: () => ChildProcess;
  /** After the measured run: what looks wrong about it, if anything (shown as the row's note). */
  check?: (measure: Measure) => string | undefined;
}

async function main(): Promise<void> {
  const [backendPort, nginxPort, fastifyPort, thinPort, gw1Port, gwAllPort, gwPoliciesPort, nginxTlsPort, gwTlsPort, gwTlsHttpPort, gwRedisPort, redisPort] = await Promise.all(Array.from({ length: 12 }, freePort));
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  const certificate = benchCertificate();
  fs.writeFileSync(path.join(work, 'nginx.conf'), nginxConfig(backendPort!, nginxPort!, nginxTlsPort!, certificate));
  fs.writeFileSync(path.join(work, 'gateway.yaml'), gatewayConfig(backendPort!));
  const nginxBinary = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  // -e: without it nginx first tries its compiled-in /var/log/nginx/error.log.
  const nginx = start(nginxBinary, ['-p', work, '-e', path.join(work, 'nginx-error.log'), '-c', path.join(work, 'nginx.conf'), '-g', 'daemon off;']);
  await untilReady(`${backendUrl}/hello`, nginx);
  // The Redis row's store: a local redis-server, nothing persisted.
  const redis = commandExists('redis-server')
    ? start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work])
    : undefined;

  const gateway = binary ? { command: binary, args: [] } : { command: process.execPath, args: [path.join(root, 'bin', 'apimgw.ts')] };
  const apimgw = (port: number, workers: number, withPolicies = false, env: Record<string, string> = {}): Target => ({
    name: `apimgw${binary ? ' binary' : ''}${withPolicies ? ' + key + rate-limit + set-header expression' : ''} (${workers} worker${workers === 1 ? '' : 's'})`,
    url: `http://127.0.0.1:${port}/${withPolicies ? 'policies' : 'bench'}/hello`,
    headers: withPolicies ? { 'Ocp-Apim-Subscription-Key': BENCH_KEY } : undefined,
    readyUrl: `http://127.0.0.1:${port}/status-0123456789abcdef`,
    launch: () => start(gateway.command, [...gateway.args, 'run', '--config', path.join(work, 'gateway.yaml')], {
      'runtime.workers': String(workers),
      'net.server.http.port': String(port),
      'admin.port': '0',
      'telemetry.logs.std': 'none',
      ...env,
    }),
  });
  const peer = (name: string, script: string, port: number): Target => ({
    name: `${name} (${peerWorkers} worker${peerWorkers === 1 ? '' : 's'})`,
    url: `http://127.0.0.1:${port}/bench/hello`,
    launch: () => start(process.execPath, [path.join(root, 'bench', script), String(port), backendUrl, String(peerWorkers)]),
  });
  const onRedis = apimgw(gwRedisPort!, cores, true, { 'cache.redis.connectionString': `127.0.0.1:${redisPort}` });
  const targets: Target[] = [
    { name: 'direct (nginx return 200)', url: `${backendUrl}/bench/hello` },
    { name: 'nginx proxy', url: `http://127.0.0.1:${nginxPort}/bench/hello` },
    peer('fastify http-proxy', 'fastify-proxy.ts', fastifyPort!),
    peer('thin node proxy', 'thin-proxy.ts', thinPort!),
    apimgw(gw1Port!, 1),
    apimgw(gwAllPort!, cores),
    apimgw(gwPoliciesPort!, cores, true),
    // The same policies, the rate limit counted in Redis (one Lua script per call) instead of the primary's memory.
    {
      ...onRedis,
      name: `apimgw${binary ? ' binary' : ''} + rate-limit on Redis (${cores} worker${cores === 1 ? '' : 's'})`,
      launch: redis ? onRedis.launch : () => {
        throw new Error('redis-server is not installed (apt-get install redis-server)');
      },
      check: (measure) => {
        // Calls that failed open are not counted: the window must hold at least every measured call.
        const counted = Number(execFileSync('redis-cli', ['-p', String(redisPort), 'GET', 'apimgw:rate:{rate-limit:bench-sub}:total'], { encoding: 'utf8' }));
        const measured = Math.round(measure.rps * duration);
        return counted >= measured * 0.95 ? undefined : `Redis counted ${counted} calls, fewer than the ~${measured} measured: calls failed open`;
      },
    },
    // TLS termination, side by side: nginx and apimgw (all workers) each decrypt and proxy to the same backend.
    { name: 'nginx HTTPS proxy (TLS termination)', url: `https://127.0.0.1:${nginxTlsPort}/bench/hello` },
    {
      ...apimgw(gwTlsHttpPort!, cores),
      name: `apimgw${binary ? ' binary' : ''} HTTPS (TLS termination, ${cores} worker${cores === 1 ? '' : 's'})`,
      url: `https://127.0.0.1:${gwTlsPort}/bench/hello`,
      readyUrl: `https://127.0.0.1:${gwTlsPort}/status-0123456789abcdef`,
      launch: () => start(gateway.command, [...gateway.args, 'run', '--config', path.join(work, 'gateway.yaml')], {
        'runtime.workers': String(cores),
        'net.server.http.port': String(gwTlsHttpPort),
        'net.server.https.port': String(gwTlsPort),
        'net.server.https.host': '127.0.0.1',
        'net.server.tls.certificate.path': certificate.cert,
        'net.server.tls.certificate.key.path': certificate.key,
        'admin.port': '0',
        'telemetry.logs.std': 'none',
      }),
    },
  ];

  const results: Result[] = [];
  for (const target of targets) {
    say(`${target.name}: ${warmUpSeconds} s warm-up, ${duration} s with ${connections} connections`);
    let child: ChildProcess | undefined;
    try {
      child = target.launch?.();
      await untilReady(target.readyUrl ?? target.url, child);
      const status = await statusOf(target.url, target.headers);
      if (status !== 200) throw new Error(`GET ${target.url} answered ${status}, not 200`);
      await load(target.url, warmUpSeconds, target.headers);
      const measure = await load(target.url, duration, target.headers);
      results.push({ target: target.name, ...measure, note: target.check?.(measure) });
    } catch (error) {
      say(`${target.name} failed: ${(error as Error).message}`);
      results.push({ target: target.name, rps: 0, p50: NaN, p99: NaN, errors: 0, non2xx: 0, socketErrors: 0, note: (error as Error).message });
    } finally {
      await stop(child);
    }
  }
  const interleaved = await interleavedPolicyCost(apimgw(gwAllPort!, cores), apimgw(gwAllPort!, cores, true));
  await stop(nginx);
  await stop(redis);
  report(results, interleaved);
}

const POLICY_COST_ROUNDS = 7;
/** Short rounds, many of them: this machine's speed drifts by tens of percent within seconds. */
const POLICY_COST_ROUND_SECONDS = parsed.quick ? 2 : 3;

/**
 * The cost of policies measured so that machine noise cancels out: one
 * gateway serving both routes, plain and policies measured in alternating
 * rounds, the median of the per-round ratios. Separate rows minutes apart on
 * a shared 2-core machine can differ by more than the policies cost.
 */
async function interleavedPolicyCost(plain: Target, withPolicies: Target): Promise<{ median: number; rounds: number[] } | undefined> {
  say(`policy cost: one gateway, plain and policies alternating, ${POLICY_COST_ROUNDS} rounds of ${POLICY_COST_ROUND_SECONDS} s each`);
  let child: ChildProcess | undefined;
  try {
    child = plain.launch?.();
    await untilReady(plain.readyUrl ?? plain.url, child);
    await load(plain.url, warmUpSeconds);
    await load(withPolicies.url, warmUpSeconds, withPolicies.headers);
    const rounds: number[] = [];
    for (let round = 0; round < POLICY_COST_ROUNDS; round++) {
      const base = await load(plain.url, POLICY_COST_ROUND_SECONDS);
      const loaded = await load(withPolicies.url, POLICY_COST_ROUND_SECONDS, withPolicies.headers);
      if (base.rps > 0 && loaded.errors === 0) rounds.push(loaded.rps / base.rps);
    }
    if (rounds.length === 0) return undefined;
    const sorted = [...rounds].sort((a, b) => a - b);
    return { median: sorted[Math.floor(sorted.length / 2)]!, rounds };
  } catch (error) {
    say(`policy cost failed: ${(error as Error).message}`);
    return undefined;
  } finally {
    await stop(child);
  }
}

function report(results: Result[], interleaved: { median: number; rounds: number[] } | undefined): void {
  const direct = results[0]?.rps ?? 0;
  const nginx = results[1]?.rps ?? 0;
  const ratio = (n: number, of: number) => (of > 0 && n > 0 ? n / of : null);
  const fixed = (n: number | null, digits: number, suffix = '') => (n === null || Number.isNaN(n) ? '-' : `${n.toFixed(digits)}${suffix}`);
  const rows = [
    ['target', 'RPS', 'p50 ms', 'p99 ms', 'errors', 'RPS ÷ direct', 'RPS ÷ nginx'],
    ...results.map((r) => [
      r.target, r.rps ? r.rps.toFixed(0) : 'failed', fixed(r.p50, 2), fixed(r.p99, 2), String(r.errors),
      fixed(ratio(r.rps, direct), 2, '×'), fixed(ratio(r.rps, nginx), 2, '×'),
    ]),
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  process.stdout.write(`${rows.map(line).join('\n')}\n`);
  for (const r of results) if (r.note) process.stdout.write(`${r.target}: ${r.note}\n`);
  const withPolicies = results.find((r) => r.target.includes(' + key'));
  const plain = results[results.indexOf(withPolicies!) - 1];
  const policyCost = withPolicies && plain ? ratio(withPolicies.rps, plain.rps) : null;
  if (policyCost !== null) process.stdout.write(`apimgw with policies ÷ apimgw plain proxy (same workers, separate rows): ${policyCost.toFixed(2)}×\n`);
  if (interleaved) {
    process.stdout.write(`apimgw with policies ÷ plain, one gateway, alternating rounds (median): ${interleaved.median.toFixed(2)}× (rounds: ${interleaved.rounds.map((r) => r.toFixed(2)).join(', ')})\n`);
  }
  const onRedis = results.find((r) => r.target.includes('on Redis'));
  const redisCost = withPolicies && onRedis ? ratio(onRedis.rps, withPolicies.rps) : null;
  if (redisCost !== null) process.stdout.write(`apimgw rate-limit on Redis ÷ in-process (same policies, same workers): ${redisCost.toFixed(2)}×\n`);
  const nginxTls = results.find((r) => r.target.startsWith('nginx HTTPS'));
  const apimgwTls = results.find((r) => r.target.includes(' HTTPS (TLS'));
  const tlsRatio = nginxTls && apimgwTls ? ratio(apimgwTls.rps, nginxTls.rps) : null;
  if (tlsRatio !== null) process.stdout.write(`apimgw HTTPS ÷ nginx HTTPS (TLS termination): ${tlsRatio.toFixed(2)}×\n`);

  const date = new Date();
  const file = path.join(root, 'bench', 'results', `${date.toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify({
    date: date.toISOString(),
    machine: { cores, cpu: os.cpus()[0]?.model ?? null, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, wrk: wrkVersion() },
    options: { duration, warmUp: warmUpSeconds, connections, threads, peerWorkers, binary: parsed.binary ?? null },
    results: results.map((r) => ({ ...r, ratioToDirect: ratio(r.rps, direct), ratioToNginx: ratio(r.rps, nginx) })),
    policyCost: { separateRows: policyCost, interleaved: interleaved ?? null },
  }, null, 2)}\n`);
  say(`wrote ${path.relative(root, file)}`);
}

try {
  await main();
  process.exit(0);
} catch (error) {
  say(`failed: ${(error as Error).message}`);
  process.exit(1);
}
