import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import { requestIdHeader } from '../telemetry/trace-headers.ts';

/**
 * Sends a request to its backend and streams the answer back: one bounded
 * keep-alive Pool per backend origin, request and response bodies piped
 * without buffering, hop-by-hop headers dropped both ways.
 */

/** RFC 9110 §7.6.1 connection-specific fields, plus the proxy ones. */
export const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

export interface BackendRequest {
  origin: string;
  /** Path and query for the backend, e.g. `/echo/items?x=1`. */
  path: string;
  method: string;
  /** Flat [name, value, …] list, as undici takes it. */
  headers: string[];
  /** The client request, streamed to the backend when it has a body. */
  body: IncomingMessage | null;
}

/** A backend call whose answer the policies see before the client does (outbound policies run in between). */
export interface BufferedBackendRequest {
  origin: string;
  path: string;
  method: string;
  headers: string[];
  body: Readable | Buffer | null;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Connections of their own (a client certificate for the backend); default: the origin's pool. */
  dispatcher?: Dispatcher;
}

export interface BackendResponse {
  statusCode: number;
  /** Flat [name, value, …] list, hop-by-hop fields removed. */
  headers: string[];
  body: Readable;
  headersAfterMs: number;
  /** performance.now() when the request was sent, for the request record's phases. */
  startedAt: number;
}

/** Where forward() notes the backend's answer the moment its headers arrive (before the body streams, so a request record published on close has it). */
export interface BackendOutcome {
  backendResponseCode?: number;
  /** Milliseconds until the backend's response headers arrived. */
  backendTime?: number;
}

export type BackendFailure = 'Timeout' | 'BackendConnectionFailure' | 'ClientConnectionFailure';

export function classifyFailure(error: unknown): BackendFailure {
  if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || error instanceof undiciErrors.ConnectTimeoutError) return 'Timeout';
  if (error instanceof undiciErrors.RequestAbortedError || (error as Error | undefined)?.name === 'AbortError') return 'ClientConnectionFailure';
  return 'BackendConnectionFailure';
}

/**
 * undici runs headersTimeout on its coarse timer wheel, which fires up to
 * about a second late: harmless for a 300 s timeout, wrong for
 * forward-request timeout-ms="200". Timeouts this short get a precise timer
 * of their own that aborts the request with undici's own timeout error.
 */
const COARSE_TIMER_SLACK_MATTERS_BELOW_MS = 10_000;

function headersDeadline(timeoutMs: number, signal: AbortSignal | undefined): { signal: AbortSignal; met(): void } | undefined {
  if (timeoutMs >= COARSE_TIMER_SLACK_MATTERS_BELOW_MS) return undefined;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new undiciErrors.HeadersTimeoutError()), timeoutMs);
  return {
    signal: signal === undefined ? controller.signal : AbortSignal.any([signal, controller.signal]),
    met: () => clearTimeout(timer),
  };
}

export interface UpstreamPoolStats {
  /** scheme://host:port of the backend. */
  origin: string;
  /** Open connections, and how many of them are idle. */
  connected: number;
  free: number;
  /** Requests being sent or answered, and requests waiting for a connection. */
  running: number;
  waiting: number;
}

export class Forwarder {
  readonly #pools = new Map<string, Pool>();
  readonly #options: { connections: number; timeoutMs: number; tls: ConnectionOptions };
  /** Backend entities' TLS per origin (src/tls/backend-tls.ts), with the key each origin's pool was made with. */
  #backendTls = new Map<string, { key: string; connect: ConnectionOptions }>();
  readonly #poolKeys = new Map<string, string>();

  constructor(options: { connections: number; timeoutSeconds: number; tls?: ConnectionOptions }) {
    this.#options = { connections: options.connections, timeoutMs: options.timeoutSeconds * 1000, tls: options.tls ?? {} };
  }

  /** A new snapshot's backend TLS; pools whose options changed are closed (their requests finish) and made anew on next use. */
  configureBackends(byOrigin: Map<string, { key: string; connect: ConnectionOptions }>): void {
    this.#backendTls = byOrigin;
    for (const [origin, key] of this.#poolKeys) {
      if ((byOrigin.get(origin)?.key ?? '') === key) continue;
      void this.#pools.get(origin)?.close();
      this.#pools.delete(origin);
      this.#poolKeys.delete(origin);
    }
  }

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      const backend = this.#backendTls.get(origin);
      pool = new Pool(origin, {
        connections: this.#options.connections,
        headersTimeout: this.#options.timeoutMs,
        bodyTimeout: this.#options.timeoutMs,
        keepAliveTimeout: 4_000,
        pipelining: 1,
        connect: backend?.connect ?? this.#options.tls,
      });
      this.#pools.set(origin, pool);
      this.#poolKeys.set(origin, backend?.key ?? '');
    }
    return pool;
  }

  /**
   * Streams the backend response into `res`. Rejects without having written
   * anything when the backend fails before its headers arrive, so the caller
   * can still answer with an APIM error; failures after that end the response.
   */
  forward(request: BackendRequest, res: ServerResponse, outcome: BackendOutcome, started = performance.now()): Promise<unknown> {
    return this.#pool(request.origin).stream(
      { path: request.path, method: request.method, headers: request.headers, body: request.body },
      ({ statusCode, headers }) => {
        outcome.backendResponseCode = statusCode;
        outcome.backendTime = performance.now() - started;
        res.statusCode = statusCode;
        const listed = connectionListed(headers.connection);
        for (const name in headers) {
          if (!HOP_BY_HOP.has(name) && !listed?.has(name)) res.setHeader(name, headers[name]!);
        }
        return res;
      },
    );
  }

  /**
   * Sends a request and streams the response body into the writable that
   * `onHeaders` returns once the status and headers (hop-by-hop removed) are
   * known. Rejects without calling `onHeaders` when the backend fails first.
   */
  stream(request: BufferedBackendRequest, onHeaders: (statusCode: number, headers: string[], headersAfterMs: number, startedAt: number) => Writable): Promise<void> {
    const started = performance.now();
    const { dispatcher, options, deadline } = this.#dispatch(request);
    return dispatcher.stream(options, ({ statusCode, headers }) => {
      deadline?.met();
      return onHeaders(statusCode, withoutHopByHop(headers), performance.now() - started, started);
    }).then(() => undefined, (error: unknown) => {
      deadline?.met();
      throw error;
    });
  }

  /** Sends a request and hands back the response with its body still streaming. */
  async send(request: BufferedBackendRequest): Promise<BackendResponse> {
    const started = performance.now();
    const { dispatcher, options, deadline } = this.#dispatch(request);
    let response: Dispatcher.ResponseData;
    try {
      response = await dispatcher.request(options);
    } finally {
      deadline?.met();
    }
    return { statusCode: response.statusCode, headers: withoutHopByHop(response.headers), body: response.body, headersAfterMs: performance.now() - started, startedAt: started };
  }

  /** Where a buffered-or-streamed backend call goes and with which options, timeouts included. */
  #dispatch(request: BufferedBackendRequest) {
    const timeout = request.timeoutMs ?? this.#options.timeoutMs;
    const deadline = headersDeadline(timeout, request.signal);
    const options: Dispatcher.RequestOptions = {
      origin: request.origin,
      path: request.path,
      method: request.method as Dispatcher.HttpMethod,
      headers: request.headers,
      body: request.body,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: deadline?.signal ?? request.signal,
    };
    return { dispatcher: request.dispatcher ?? this.#pool(request.origin), options, deadline };
  }

  /** Connections and requests per backend origin (undici Pool.stats), for /metrics. */
  poolStats(): UpstreamPoolStats[] {
    return [...this.#pools].map(([origin, pool]) => {
      const { connected, free, pending, queued, running } = pool.stats;
      return { origin, connected, free, running, waiting: pending + queued };
    });
  }

  /** Closes idle backend connections; used when shutting down. */
  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
    this.#pools.clear();
  }
}

/** Fields a peer named in its Connection header are hop-by-hop too (RFC 9110 §7.6.1). */
export function connectionListed(connection: string | string[] | undefined): Set<string> | undefined {
  const value = Array.isArray(connection) ? connection.join(',') : connection;
  if (value === undefined || value === 'keep-alive' || value === 'close') return undefined;
  return new Set(value.toLowerCase().split(/\s*,\s*/));
}

function withoutHopByHop(headers: Record<string, string | string[] | undefined>): string[] {
  const flat: string[] = [];
  const listed = connectionListed(headers.connection);
  for (const name in headers) {
    if (HOP_BY_HOP.has(name) || listed?.has(name)) continue;
    const value = headers[name]!;
    if (Array.isArray(value)) for (const single of value) flat.push(name, single);
    else flat.push(name, value);
  }
  return flat;
}

/**
 * Builds the backend header list from the client's raw headers: hop-by-hop
 * fields (and any the client listed in Connection) dropped, Host set to the
 * backend, X-Forwarded-* added, the subscription key removed unless forwarding
 * it was asked for.
 */
export function backendHeaders(req: IncomingMessage, options: { backendHost: string; clientIp: string; scheme: string; dropHeader?: string; traceparent: string }): string[] {
  const raw = req.rawHeaders;
  const out: string[] = [];
  const listed = connectionListed(req.headers.connection);
  let forwardedFor: string | undefined;
  let forwardedHost: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower === 'host' || lower === options.dropHeader || listed?.has(lower)) continue;
    if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? raw[i + 1]! : `${forwardedFor}, ${raw[i + 1]!}`;
      continue;
    }
    if (lower === 'x-forwarded-host') {
      forwardedHost ??= raw[i + 1]!;
      continue;
    }
    if (lower === 'x-forwarded-proto' || lower === 'traceparent' || lower === 'request-id') continue;
    out.push(name, raw[i + 1]!);
  }
  // The backend's parent is the gateway's backend call, not the client's span.
  out.push('traceparent', options.traceparent, 'request-id', requestIdHeader(options.traceparent));
  pushForwardingHeaders(out, { host: options.backendHost, forwardedFor, clientIp: options.clientIp, forwardedHost: forwardedHost ?? req.headers.host ?? '', scheme: options.scheme });
  return out;
}

/**
 * Host for the backend and the X-Forwarded-* fields a proxy adds (both
 * request paths): the client appended to any X-Forwarded-For it sent, a
 * received X-Forwarded-Host kept, the scheme the client used.
 */
export function pushForwardingHeaders(out: string[], fields: { host: string; forwardedFor: string | undefined; clientIp: string; forwardedHost: string; scheme: string }): void {
  out.push(
    'host', fields.host,
    'x-forwarded-for', fields.forwardedFor === undefined ? fields.clientIp : `${fields.forwardedFor}, ${fields.clientIp}`,
    'x-forwarded-host', fields.forwardedHost,
    'x-forwarded-proto', fields.scheme,
  );
}
