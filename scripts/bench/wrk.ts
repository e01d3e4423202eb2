import { execFileSync } from 'node:child_process';
import { exitedHow, released, start } from './children.ts';

/** Load from wrk (`--latency`), and what its report says. */

export interface Measure { rps: number; p50: number; p99: number; errors: number; non2xx: number; socketErrors: number }

function toMs(value: string, unit: string): number {
  const n = Number(value);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n;
}

export function parseWrk(output: string): Measure {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? 0);
  const percentile = (p: string) => {
    const found = new RegExp(`^\\s+${p}(?:\\.0+)?%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
    return found ? toMs(found[1]!, found[2]!) : NaN;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0;
  return { rps, p50: percentile('50'), p99: percentile('99'), errors: non2xx + socketErrors, non2xx, socketErrors };
}

export interface LoadOptions {
  threads: number;
  connections: number;
  headers?: Record<string, string>;
}

/** Async, so Ctrl-C is handled at once and the proxies' stderr pipes keep draining. */
export function wrk(url: string, seconds: number, options: LoadOptions): Promise<Measure> {
  const headerArgs = Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
  const child = start('wrk', ['-t', String(options.threads), '-c', String(options.connections), '-d', `${seconds}s`, '--latency', ...headerArgs, url], {}, 'pipe');
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('close', (code) => {
      released(child);
      if (code === 0 && /Requests\/sec/.test(stdout)) resolve(parseWrk(stdout));
      else reject(new Error(`wrk ${exitedHow(child)}`));
    });
  });
}

export function wrkVersion(): string {
  try {
    return execFileSync('wrk', ['-v'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  } catch (error) {
    // wrk -v prints its version and exits 1.
    return String((error as { stdout?: string }).stdout ?? '').split('\n')[0] ?? '';
  }
}
