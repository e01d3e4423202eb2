import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';

/** The bench's child processes (nginx, the proxies, apimgw, wrk): started, awaited, and never left behind. */

const root = path.resolve(import.meta.dirname, '..', '..');
// Each child leads its own process group, so one kill also reaches nginx's
// workers and the cluster workers, which a dead master would leave serving.
const groups = new Set<number>();
const stderrTail = new WeakMap<ChildProcess, string>();

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch { /* already gone */ }
}

/** Kills every child still running: for the bench's exit handler. */
export function killAll(): void {
  for (const pid of groups) killGroup(pid, 'SIGKILL');
}

/** A child that has exited on its own is no longer ours to kill. */
export function released(child: ChildProcess): void {
  if (child.pid !== undefined) groups.delete(child.pid);
}

export function start(command: string, args: string[], env: Record<string, string> = {}, stdout: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', stdout, 'pipe'], detached: true });
  if (child.pid !== undefined) groups.add(child.pid);
  stderrTail.set(child, '');
  child.stderr!.on('data', (chunk: Buffer) => stderrTail.set(child, (stderrTail.get(child)! + chunk.toString()).slice(-2000)));
  child.on('error', () => { /* reported through exitCode / untilReady */ });
  return child;
}

export function exitedHow(child: ChildProcess): string {
  const tail = (stderrTail.get(child) ?? '').trim().split('\n').slice(-3).join(' | ');
  return `exited ${child.exitCode ?? child.signalCode ?? 'before starting'}${tail ? `: ${tail}` : ''}`;
}

export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.pid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    // SIGTERM lets apimgw drain (nothing is in flight by now); 5 s at most.
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  }
  killGroup(child.pid, 'SIGKILL');
  groups.delete(child.pid);
}

export function commandExists(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One GET without keep-alive, so no pooled socket outlives the check. */
export function statusOf(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    // The HTTPS rows use a certificate made for this run: nothing to verify it against.
    const request = (url.startsWith('https:') ? https : http).get(url, { agent: false, timeout: 2000, headers, rejectUnauthorized: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('timeout', () => request.destroy(new Error(`${url} timed out`)));
    request.on('error', reject);
  });
}

export async function untilReady(url: string, child: ChildProcess | undefined, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    // A process that died will never answer: say why now rather than in 15 s.
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(exitedHow(child));
    try {
      const status = await statusOf(url);
      if (status === 200) return;
      last = `status ${status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} not ready within ${timeoutMs / 1000} s (${last})`);
}
