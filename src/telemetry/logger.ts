import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import type { Settings } from '../settings/schema.ts';

export type { Logger };

/**
 * Logs go to stdout from this process (sonic-boom on fd 1): pino transports
 * run worker threads, which do not work inside the single executable.
 * `telemetry.logs.std`: json (one object per line), text (for people) or none.
 */

/** Field names that may carry secrets, wherever they appear in a log object. */
export const REDACTED_PATHS = [
  'key', 'primaryKey', 'secondaryKey', 'token', 'authorization', 'password', 'secret',
  '*.key', '*.primaryKey', '*.secondaryKey', '*.token', '*.authorization', '*.password', '*.secret',
  'headers["ocp-apim-subscription-key"]', 'headers.authorization',
];

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMITTED_IN_TEXT = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

/** One readable line per record: time, level, message, then key=value pairs. */
export function formatTextLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = new Date(Number(record.time)).toISOString();
  const level = (LEVEL_NAMES[Number(record.level)] ?? 'INFO').padEnd(5);
  const fields = Object.entries(record)
    .filter(([name]) => !OMITTED_IN_TEXT.has(name))
    .map(([name, value]) => `${name}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`);
  return `${time} ${level} ${String(record.msg ?? '')}${fields.length ? ` ${fields.join(' ')}` : ''}\n`;
}

function textDestination(): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const lines = chunk.toString('utf8').split('\n').filter((l) => l !== '');
      process.stdout.write(lines.map(formatTextLine).join(''), callback);
    },
  });
}

export function createLogger(settings: Pick<Settings, 'telemetry.logs.std' | 'telemetry.logs.std.level'>, bindings: Record<string, unknown> = {}): Logger {
  const format = settings['telemetry.logs.std'];
  const level = settings['telemetry.logs.std.level'] === 'all' ? 'trace' : settings['telemetry.logs.std.level'];
  const options = {
    level: format === 'none' ? 'silent' : level,
    base: bindings,
    redact: { paths: REDACTED_PATHS, censor: '<redacted>' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (format === 'text') return pino({ ...options, timestamp: pino.stdTimeFunctions.epochTime, formatters: {} }, textDestination());
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
