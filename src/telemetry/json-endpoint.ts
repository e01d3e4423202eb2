import dgram from 'node:dgram';
import type { Settings } from '../settings/schema.ts';
import type { Logger } from './logger.ts';
import { RotatingFile } from './rotating-file.ts';

/**
 * Where `telemetry.logs.local=json` sends its lines: a UDP host:port (one
 * datagram a line, fire and forget, as the Azure self-hosted gateway does)
 * or a file path (appended, rotated by size).
 */

export interface LineEndpoint {
  write(line: string): void;
  close(): Promise<void>;
}

/** Buffered lines per worker before the file sink drops: 8 MiB. */
const FILE_BUFFER_BYTES = 8 * 1024 * 1024;

/** `host:port` or `[ipv6]:port`; anything else is a file path. */
export function udpAddress(endpoint: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s/\\:[\]]+):(\d{1,5})$/.exec(endpoint);
  if (!match) return undefined;
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

export function jsonEndpoint(settings: Pick<Settings, 'telemetry.logs.local.json.endpoint' | 'telemetry.logs.local.json.rotate.size' | 'telemetry.logs.local.json.rotate.keep'>, logger: Logger): LineEndpoint {
  const endpoint = settings['telemetry.logs.local.json.endpoint'];
  const udp = udpAddress(endpoint);
  if (udp) return udpEndpoint(udp, logger);
  const file = new RotatingFile(endpoint, {
    maxBytes: settings['telemetry.logs.local.json.rotate.size'],
    keep: settings['telemetry.logs.local.json.rotate.keep'],
    fsync: false,
    bufferBytes: FILE_BUFFER_BYTES,
    onError: (error) => logger.error({ path: endpoint, code: error.code }, 'request log file cannot be written; request log lines are dropped until it can'),
  });
  return {
    write: (line) => file.write(line),
    close: async () => {
      await file.close();
      if (file.dropped > 0) logger.warn({ path: endpoint, dropped: file.dropped }, 'request log lines dropped');
    },
  };
}

function udpEndpoint(address: { host: string; port: number }, logger: Logger): LineEndpoint {
  const socket = dgram.createSocket(address.host.includes(':') ? 'udp6' : 'udp4');
  socket.unref();
  let reported = false;
  socket.on('error', (error: NodeJS.ErrnoException) => {
    if (reported) return;
    reported = true;
    logger.warn({ endpoint: `${address.host}:${address.port}`, code: error.code }, 'request log datagrams cannot be sent');
  });
  return {
    write: (line) => socket.send(line.endsWith('\n') ? line.slice(0, -1) : line, address.port, address.host),
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
