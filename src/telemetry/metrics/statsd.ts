import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import { ApimgwError } from '../../errors.ts';
import type { Settings } from '../../settings/schema.ts';
import { statusClass, type MeasuredRequest } from './request-metrics.ts';

/**
 * telemetry.metrics.local=statsd: every finished request sends the SHGW's
 * StatsD metrics — `Requests` (count), `DurationInMS`, `BackendDurationInMS`,
 * `ClientDurationInMS` (timers) — tagged with api, operation, product,
 * hostname and status_class in the configured tag format. Lines of one event
 * loop turn go out together, packed into datagrams of at most 1432 bytes (an
 * Ethernet MTU minus IP/UDP headers, as the StatsD clients do). UDP: a StatsD
 * server that is down costs nothing and is never waited for.
 */

export type TagFormat = Settings['telemetry.metrics.local.statsd.tag-format'];

export const MAX_DATAGRAM_BYTES = 1432;

export interface StatsdOptions {
  host: string;
  port: number;
  tagFormat: TagFormat;
  /** 0 < rate <= 1: the share of requests sent. */
  sampling: number;
}

/** The StatsD target the settings name, or undefined when statsd is off; a settings error when it is on without an endpoint. */
export function statsdOptions(settings: Settings): StatsdOptions | undefined {
  if (settings['telemetry.metrics.local'] !== 'statsd') return undefined;
  const endpoint = settings['telemetry.metrics.local.statsd.endpoint'];
  if (endpoint === undefined) {
    throw new ApimgwError('APIMGW_E_SETTINGS_INVALID', 'telemetry.metrics.local=statsd but telemetry.metrics.local.statsd.endpoint is not set', {
      hint: 'Set telemetry.metrics.local.statsd.endpoint=host:port (UDP, e.g. 127.0.0.1:8125), or telemetry.metrics.local=none.',
    });
  }
  const colon = endpoint.lastIndexOf(':');
  return {
    host: endpoint.slice(0, colon),
    port: Number(endpoint.slice(colon + 1)),
    tagFormat: settings['telemetry.metrics.local.statsd.tag-format'],
    sampling: settings['telemetry.metrics.local.statsd.sampling'],
  };
}

/** Characters that end a name, a tag or a value in one of the three formats become "_". */
function tagValue(value: string): string {
  return value.replace(/[\s,:|#=@]/g, '_');
}

export function formatTags(tags: ReadonlyArray<readonly [string, string]>, format: TagFormat): { name: string; suffix: string } {
  const pairs = tags.filter(([, value]) => value !== '');
  if (pairs.length === 0) return { name: '', suffix: '' };
  switch (format) {
    case 'dogStatsD':
      return { name: '', suffix: `|#${pairs.map(([key, value]) => `${key}:${tagValue(value)}`).join(',')}` };
    case 'influxDB':
      return { name: `,${pairs.map(([key, value]) => `${key}=${tagValue(value)}`).join(',')}`, suffix: '' };
    case 'librato':
      return { name: `#${pairs.map(([key, value]) => `${key}=${tagValue(value)}`).join(',')}`, suffix: '' };
  }
}

/** The four lines one request sends (three when no backend was called). */
export function requestLines(request: MeasuredRequest, format: TagFormat, sampling: number): string[] {
  const { name, suffix } = formatTags([
    ['api', request.apiId ?? ''], ['operation', request.operationId ?? ''], ['product', request.productId ?? ''],
    ['hostname', request.hostname.toLowerCase()], ['status_class', statusClass(request.responseCode)],
  ], format);
  const rate = sampling < 1 ? `|@${sampling}` : '';
  const line = (metric: string, value: number, type: 'c' | 'ms') => `${metric}${name}:${value}|${type}${rate}${suffix}`;
  const lines = [line('Requests', 1, 'c'), line('DurationInMS', Math.round(request.totalTime), 'ms')];
  if (request.backendTime !== undefined) lines.push(line('BackendDurationInMS', Math.round(request.backendTime), 'ms'));
  lines.push(line('ClientDurationInMS', Math.round(request.clientTime), 'ms'));
  return lines;
}

/** Newline-joined lines in datagrams of at most `max` bytes; a longer single line travels alone (the server may drop it). */
export function packDatagrams(lines: readonly string[], max = MAX_DATAGRAM_BYTES): Buffer[] {
  const datagrams: Buffer[] = [];
  let current = '';
  for (const line of lines) {
    const joined = current === '' ? line : `${current}\n${line}`;
    if (current !== '' && Buffer.byteLength(joined) > max) {
      datagrams.push(Buffer.from(current));
      current = line;
    } else {
      current = joined;
    }
  }
  if (current !== '') datagrams.push(Buffer.from(current));
  return datagrams;
}

export class StatsdSink {
  readonly #options: StatsdOptions;
  readonly #random: () => number;
  #socket: dgram.Socket | undefined;
  #queue: string[] = [];
  #flushScheduled = false;
  #connecting: Promise<void> | undefined;
  /** The endpoint could not be resolved: lines are no longer queued. */
  #failed = false;
  #onError: (message: string) => void;

  constructor(options: StatsdOptions, onError: (message: string) => void, random: () => number = Math.random) {
    this.#options = options;
    this.#onError = onError;
    this.#random = random;
  }

  /** Resolves the host once and connects the UDP socket, so sends do not look the name up each time. */
  start(): Promise<void> {
    this.#connecting ??= (async () => {
      const { address, family } = await dns.lookup(this.#options.host);
      const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
      // ICMP port-unreachable from a StatsD server that is down surfaces here; metrics are best effort.
      socket.on('error', () => {});
      socket.unref();
      await new Promise<void>((resolve) => socket.connect(this.#options.port, address, resolve));
      this.#socket = socket;
      this.flush();
    })().catch((error: unknown) => {
      this.#queue = [];
      this.#failed = true;
      this.#onError(`statsd: cannot reach ${this.#options.host}:${this.#options.port} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); StatsD metrics are not sent`);
    });
    return this.#connecting;
  }

  record(request: MeasuredRequest): void {
    if (this.#failed || (this.#options.sampling < 1 && this.#random() >= this.#options.sampling)) return;
    this.#queue.push(...requestLines(request, this.#options.tagFormat, this.#options.sampling));
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.#flushScheduled = false;
    const socket = this.#socket;
    // Lines of requests answered while the socket connects wait for it.
    if (socket === undefined || this.#queue.length === 0) return;
    const lines = this.#queue;
    this.#queue = [];
    for (const datagram of packDatagrams(lines)) socket.send(datagram, () => {});
  }

  close(): void {
    this.flush();
    this.#failed = true;
    this.#socket?.close();
    this.#socket = undefined;
  }
}
