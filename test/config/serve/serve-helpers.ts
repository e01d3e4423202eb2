import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { startManagementServer, type ManagementServer, type ManagementServerOptions } from '../../../src/config/serve/server.ts';
import { createToken, type KeyType } from '../../../src/token/format.ts';

export const SETTINGS = { 'config.local.subscriptionKeys': undefined, 'net.client.timeout': 300, 'net.client.connections': 16 };

export function configYaml(revision: string, extra = ''): string {
  return [
    'schemaVersion: 1',
    `revision: ${revision}`,
    'apis:',
    '  - id: echo',
    '    path: echo',
    '    serviceUrl: http://127.0.0.1:3001/echo',
    '    subscriptionRequired: false',
    '    operations: [{ id: get, method: GET, urlTemplate: /items }]',
    extra,
  ].join('\n');
}

/** A pino logger whose JSON lines the test can read and wait for. */
export function captureLogger() {
  const lines: Array<Record<string, unknown>> = [];
  let raw = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw += chunk.toString();
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines, raw: () => raw };
}

export interface Plane {
  dir: string;
  configFile: string;
  keysFile: string;
  server: ManagementServer;
  logs: ReturnType<typeof captureLogger>;
  token: (gateway?: string, kind?: KeyType) => string;
}

export async function startPlane(options: Partial<ManagementServerOptions> = {}, yaml = configYaml('r1')): Promise<Plane> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-serve-'));
  const configFile = path.join(dir, 'gateway.yaml');
  const keysFile = path.join(dir, 'keys.json');
  fs.writeFileSync(configFile, yaml);
  const logs = captureLogger();
  const server = await startManagementServer({
    configPath: configFile, keysFile, gateways: ['gw1', 'gw2'], port: 0, settings: SETTINGS, logger: logs.logger, debounceMs: 20, ...options,
  });
  const token = (gateway = 'gw1', kind: KeyType = 'primary') => createToken(gateway, server.keys.get(gateway)![kind], new Date(Date.now() + 3_600_000));
  return { dir, configFile, keysFile, server, logs, token };
}

export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
