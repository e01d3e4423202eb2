import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

/**
 * `npm run bench`: in one run, on loopback, wrk against a fast local backend
 * (nginx `return 200`) directly and through each proxy: nginx, fastify +
 * @fastify/http-proxy, the thinnest Node proxy, apimgw with 1 and all workers.
 * Prints RPS, p50, p99 and ratios to direct and to nginx; writes the same as
 * JSON under bench/results/. Progress on stderr, the table on stdout.
 */

const root = path.resolve(import.meta.dirname, '..');
const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    threads: { type: 'string', default: '2' },
    quick: { type: 'boolean', default: false },
    binary: { type: 'string' },
  },
});
const duration = flags.quick ? 2 : Number(flags.duration);
const cores = os.availableParallelism();
const children: ChildProcess[] = [];
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-bench-'));

function say(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function cleanUp(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

/** wrk and nginx come from Debian; install them when we may, else say how. */
function ensureTools(): void {
  const missing = ['wrk', 'nginx'].filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  if (process.getuid?.() === 0) {
    say(`installing ${missing.join(', ')} with apt-get`);
    execFileSync('sh', ['-c', `apt-get update -qq && apt-get install -y -qq ${missing.join(' ')}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    return;
  }
  process.stderr.write(`error bench needs ${missing.join(' and ')}\nhint sudo apt-get install -y ${missing.join(' ')}\n`);
  process.exit(2);
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function start(command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  child.on('exit', (code) => { if (code && code !== 0 && code !== 143) say(`${path.basename(command)} exited ${code}: ${stderr.trim()}`); });
  children.push(child);
  return child;
}

async function untilAnswers(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

interface Result { target: string; rps: number; p50: number; p99: number; errors: number; note?: string }

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60000 : n;
}

function wrk(url: string, seconds: number): Omit<Result, 'target'> {
  const output = execFileSync('wrk', ['-t', String(flags.threads), '-c', String(flags.connections), '-d', `${seconds}s`, '--latency', url], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0);
  const percentile = (p: string) => {
    const found = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
    return found ? toMs(found[1]!, found[2]!) : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0;
  return { rps, p50: percentile('50'), p99: percentile('99'), errors: non2xx + socketErrors };
}

function nginxConfig(backendPort: number, proxyPort: number): string {
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
}
`;
}

function gatewayConfig(backendPort: number): string {
  return `apis:
  - id: bench
    path: bench
    serviceUrl: http://127.0.0.1:${backendPort}
    subscriptionRequired: false
    operations:
      - { id: get, method: GET, urlTemplate: /* }
`;
}

interface Target { name: string; url: string; launch: () => Promise<ChildProcess | undefined> }

async function main(): Promise<void> {
  ensureTools();
  const [backendPort, nginxPort, fastifyPort, thinPort, gw1Port, gwAllPort] = await Promise.all(Array.from({ length: 6 }, freePort));
  const backendUrl = `http://127.0.0.1:${backendPort}`;
  fs.writeFileSync(path.join(work, 'nginx.conf'), nginxConfig(backendPort!, nginxPort!));
  fs.writeFileSync(path.join(work, 'gateway.yaml'), gatewayConfig(backendPort!));
  const nginxBinary = fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
  start(nginxBinary, ['-p', work, '-c', path.join(work, 'nginx.conf'), '-g', 'daemon off;']);
  await untilAnswers(`${backendUrl}/hello`);

  const apimgw = (port: number, workers: number) => async () => {
    const command = flags.binary ? [path.resolve(flags.binary)] : [process.execPath, path.join(root, 'bin', 'apimgw.ts')];
    return start(command[0]!, [...command.slice(1), 'run', '--config', path.join(work, 'gateway.yaml')], {
      'runtime.workers': String(workers), 'net.server.http.port': String(port), 'admin.port': '0', 'telemetry.logs.std': 'none',
    });
  };
  const targets: Target[] = [
    { name: 'direct (nginx return 200)', url: `${backendUrl}/bench/hello`, launch: async () => undefined },
    { name: 'nginx proxy', url: `http://127.0.0.1:${nginxPort}/bench/hello`, launch: async () => undefined },
    { name: `fastify http-proxy (${cores} workers)`, url: `http://127.0.0.1:${fastifyPort}/bench/hello`, launch: async () => start(process.execPath, ['bench/fastify-proxy.ts', String(fastifyPort), backendUrl, String(cores)]) },
    { name: `thin node proxy (${cores} workers)`, url: `http://127.0.0.1:${thinPort}/bench/hello`, launch: async () => start(process.execPath, ['bench/thin-proxy.ts', String(thinPort), backendUrl, String(cores)]) },
    { name: `apimgw${flags.binary ? ' binary' : ''} (1 worker)`, url: `http://127.0.0.1:${gw1Port}/bench/hello`, launch: apimgw(gw1Port!, 1) },
    { name: `apimgw${flags.binary ? ' binary' : ''} (${cores} workers)`, url: `http://127.0.0.1:${gwAllPort}/bench/hello`, launch: apimgw(gwAllPort!, cores) },
  ];

  const results: Result[] = [];
  for (const target of targets) {
    say(`${target.name}: ${duration} s with ${flags.connections} connections`);
    let child: ChildProcess | undefined;
    try {
      child = await target.launch();
      await untilAnswers(target.url);
      wrk(target.url, 1);
      results.push({ target: target.name, ...wrk(target.url, duration) });
    } catch (error) {
      say(`${target.name} failed: ${(error as Error).message}`);
      results.push({ target: target.name, rps: 0, p50: NaN, p99: NaN, errors: 0, note: (error as Error).message });
    } finally {
      await stop(child);
    }
  }
  report(results);
}

function report(results: Result[]): void {
  const direct = results[0]!.rps;
  const nginx = results[1]!.rps;
  const ratio = (n: number, of: number) => (of > 0 && n > 0 ? `${(n / of).toFixed(2)}×` : '-');
  const rows = [['target', 'RPS', 'p50 ms', 'p99 ms', 'errors', '÷ direct', '÷ nginx'], ...results.map((r) => [
    r.target, r.rps ? r.rps.toFixed(0) : 'failed', Number.isNaN(r.p50) ? '-' : r.p50.toFixed(2), Number.isNaN(r.p99) ? '-' : r.p99.toFixed(2),
    String(r.errors), ratio(r.rps, direct), ratio(r.rps, nginx),
  ])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  process.stdout.write(`${rows.map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n')}\n`);
  const file = path.join(root, 'bench', 'results', `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const wrkVersion = (() => { try { return execFileSync('wrk', ['-v'], { encoding: 'utf8' }).split('\n')[0]; } catch (error) { return String((error as { stdout?: string }).stdout ?? '').split('\n')[0]; } })();
  fs.writeFileSync(file, `${JSON.stringify({
    date: new Date().toISOString(), machine: { cores, cpu: os.cpus()[0]?.model, node: process.version, wrk: wrkVersion },
    options: { duration, connections: Number(flags.connections), threads: Number(flags.threads), binary: flags.binary ?? null },
    results: results.map((r) => ({ ...r, ratioToDirect: direct ? r.rps / direct : null, ratioToNginx: nginx ? r.rps / nginx : null })),
  }, null, 2)}\n`);
  say(`wrote ${path.relative(root, file)}`);
}

await main();
