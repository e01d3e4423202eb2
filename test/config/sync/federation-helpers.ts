import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KeyStore } from '../../../src/config/serve/keys.ts';
import { createToken, formatExpiry } from '../../../src/token/format.ts';
import { NODE_ENTRY, startGateway, startProcess, type GatewayProcess } from '../../cli/gateway-process.ts';

/** Every process a test started, so its logs can be searched for secrets afterwards. */
export const captured: Array<{ name: string; logs: Array<Record<string, unknown>>; stderr: () => string }> = [];

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const SUBSCRIPTION_KEY = 'sub-key-9f3c2a71d4e84b0c';

/** A snapshot with one API behind a subscription key (so the key travels in every request) and optional extra operations. */
export function snapshotYaml(revision: string, backendUrl: string, extraOperations: string[] = []): string {
  return [
    `revision: ${revision}`,
    'apis:',
    '  - id: echo',
    '    path: echo',
    `    serviceUrl: ${backendUrl}`,
    '    operations:',
    '      - { id: get, method: GET, urlTemplate: /items }',
    ...extraOperations.map((op) => `      - ${op}`),
    'subscriptions:',
    `  - { id: s1, scope: /apis, state: active, primaryKey: ${SUBSCRIPTION_KEY} }`,
    '',
  ].join('\n');
}

export interface ServeProcess extends Omit<GatewayProcess, 'port' | 'adminPort'> {
  url: string;
}

export async function startServe(configFile: string, keysFile: string, port: number): Promise<ServeProcess> {
  const started = startProcess([...NODE_ENTRY, 'config', 'serve', '--dir', configFile, '--keys', keysFile, '--gateway', 'gw1', '--host', '127.0.0.1', '--port', String(port)]);
  captured.push({ name: 'config serve', logs: started.logs, stderr: started.stderr });
  const line = await started.waitForLog((l) => l.msg === 'apimgw config serve listening');
  return { ...started, url: String(line.url) };
}

export async function gatewayKeys(keysFile: string): Promise<{ primary: string; secondary: string }> {
  const keys = (await KeyStore.open(keysFile)).get('gw1');
  if (!keys) throw new Error(`no keys for gw1 in ${keysFile}`);
  return keys;
}

export function validToken(key: string): string {
  return createToken('gw1', key, new Date(Date.now() + 3 * 86_400_000));
}

/** createToken refuses a past expiry, so an expired token is signed by hand the same way. */
export function expiredToken(key: string): string {
  const expiryText = formatExpiry(new Date(Date.now() - 3_600_000));
  const signature = createHmac('sha512', Buffer.from(key, 'utf8')).update(`gw1\n${expiryText}`, 'utf8').digest('base64');
  return `GatewayKey gw1&${expiryText}&${signature}`;
}

export function writeToken(file: string, token: string): void {
  // Renewal replaces the file by rename, as `apimgw token renew` does.
  fs.writeFileSync(`${file}.new`, `${token}\n`, { mode: 0o600 });
  fs.renameSync(`${file}.new`, file);
}

export function federatedEnv(endpoint: string, tokenFile: string, backupDir: string): Record<string, string> {
  return {
    'gateway.name': 'gw1',
    'config.service.endpoint': endpoint,
    'config.service.auth.tokenFile': tokenFile,
    'config.service.poll.interval': '0.25',
    'config.service.heartbeat.interval': '0.25',
    'config.service.integration.timeout': '2',
    'config.backup.dir': backupDir,
    'runtime.workers': '1',
  };
}

export async function startFederatedGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const gateway = await startGateway([...NODE_ENTRY, 'run'], env);
  captured.push({ name: 'gateway', logs: gateway.logs, stderr: gateway.stderr });
  return gateway;
}

export async function stop(process: { child: { kill: (signal: NodeJS.Signals) => boolean }; exited: Promise<number | string> }, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
  process.child.kill(signal);
  return process.exited;
}

export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
