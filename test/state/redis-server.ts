import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A real redis-server for tests: its own temp dir, a free port on
 * 127.0.0.1, nothing persisted. `kill()` SIGKILLs it; `restart()` brings
 * up a fresh, empty one on the same port.
 */
export interface RedisServer {
  port: number;
  /** `127.0.0.1:port`, the StackExchange form. */
  connectionString: string;
  kill(): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const installed = spawnSync('redis-server', ['--version']).status === 0;

/** A `skip` option for tests that need redis-server: false when it is installed. */
export const SKIP_WITHOUT_REDIS: string | false = installed ? false : 'redis-server is not installed (apt-get install -y redis-server; .ci/run installs it)';

async function freePort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function launch(port: number, dir: string, extraArgs: string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)));
  });
}

async function killed(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

export async function startRedisServer(extraArgs: string[] = []): Promise<RedisServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-redis-'));
  const port = await freePort();
  let child = await launch(port, dir, extraArgs);
  return {
    port,
    connectionString: `127.0.0.1:${port}`,
    kill: () => killed(child, 'SIGKILL'),
    restart: async () => {
      await killed(child, 'SIGKILL');
      child = await launch(port, dir, extraArgs);
    },
    stop: async () => {
      await killed(child, 'SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
