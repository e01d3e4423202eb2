import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../helpers.ts';

/**
 * Runs the gateway as a real child process — `node bin/apimgw.ts` or the
 * built executable — and reads its JSON log lines to learn the ports it got.
 */
export interface GatewayProcess {
  child: ChildProcess;
  port: number;
  adminPort: number;
  logs: Array<Record<string, unknown>>;
  stderr: () => string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  /** Resolves with the first log line matching the predicate. */
  waitForLog: (predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number) => Promise<Record<string, unknown>>;
}

export const NODE_ENTRY = [path.join(REPO_ROOT, 'bin', 'apimgw.ts')];

export function startProcess(command: string[], env: Record<string, string> = {}): Omit<GatewayProcess, 'port' | 'adminPort'> {
  const [file, ...args] = command[0]!.endsWith('.ts') ? [process.execPath, ...command] : command;
  const child = spawn(file!, args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  const waiters: Array<{ predicate: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }> = [];
  let buffered = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) !== -1) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      logs.push(record);
      for (const waiter of [...waiters]) {
        if (waiter.predicate(record)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(record);
        }
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const waitForLog = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 15_000) => {
    const found = logs.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${stderr}; logs: ${JSON.stringify(logs).slice(0, 2000)}`)), timeoutMs);
      waiters.push({ predicate, resolve: (line) => { clearTimeout(timer); resolve(line); } });
      void exited.then((code) => { clearTimeout(timer); reject(new Error(`gateway exited (${code}) before the expected log line; stderr: ${stderr}`)); });
    });
  };
  return { child, logs, stderr: () => stderr, exited, waitForLog };
}

/** Starts `run` on free ports and waits until it listens. */
export async function startGateway(command: string[], env: Record<string, string> = {}): Promise<GatewayProcess> {
  const started = startProcess(command, { 'net.server.http.port': '0', 'admin.port': '0', 'runtime.workers': '2', ...env });
  const line = await started.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('apimgw listening'));
  return { ...started, port: Number(line.port), adminPort: Number(line.adminPort) };
}

/** Runs a one-shot command to completion. */
export async function runCommand(command: string[], env: Record<string, string> = {}): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const started = startProcess(command, env);
  let stdout = '';
  started.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await started.exited;
  return { code, stdout, stderr: started.stderr() };
}
