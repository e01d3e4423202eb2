import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestContext } from '../policy/context/request-context.ts';
import type { RequestRecord, TraceContext } from '../telemetry/request-record.ts';
import type { BackendRequest } from './forward.ts';
import { addressOf, redactKeyInUrl } from './incoming.ts';
import type { RouteMatch } from './router.ts';
import type { SubscriptionVerdict } from './subscription.ts';

/**
 * What the data plane notes about a request while serving it (plain fields,
 * most of them set anyway to serve it), and the RequestRecord built from
 * that once the request is finished, only when someone subscribes.
 */
export interface RequestState {
  correlationId: string;
  match?: RouteMatch;
  verdict?: SubscriptionVerdict;
  /** The streaming path's backend call (the policy path's is in context). */
  backend?: BackendRequest;
  backendResponseCode?: number;
  backendTime?: number;
  /** performance.now() values. */
  backendStartedAt?: number;
  responseReadyAt?: number;
  context?: RequestContext;
  lastError?: { source: string; reason: string; message: string; section: string };
  trace?: TraceContext;
}

/** Secrets kept out of the record: key query parameters in URLs, secret named values in LastError messages. */
export interface RecordRedaction {
  anyKeyInUrl: RegExp;
  scrub: (text: string) => string;
}

/** Bytes each connection had read and written when its previous request finished. */
const socketMarks = new WeakMap<Socket, { read: number; written: number }>();

/**
 * Bytes of this request on its connection: the counters' growth since the
 * previous request on it finished (requests on a connection never overlap:
 * the server does not pipeline responses).
 */
function exchangedBytes(socket: Socket): { read: number; written: number } {
  const now = { read: socket.bytesRead, written: socket.bytesWritten };
  const mark = socketMarks.get(socket);
  socketMarks.set(socket, now);
  return mark ? { read: now.read - mark.read, written: now.written - mark.written } : now;
}

function hostnameOf(host: string | undefined): string {
  if (host === undefined) return '';
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** `started` is the performance.now() value when the request was received. */
export function requestRecord(req: IncomingMessage, socket: Socket, res: ServerResponse, state: RequestState, started: number, redaction: RecordRedaction | undefined): RequestRecord {
  const finished = performance.now();
  const { match, verdict, context } = state;
  const api = match?.api;
  const backendStartedAt = context ? context.backendStartedAt : state.backendStartedAt;
  const backendTime = context ? context.backendTimeMs : state.backendTime;
  const backendStart = backendStartedAt === undefined ? undefined : backendStartedAt - started;
  const backendEnd = backendStart === undefined || backendTime === undefined ? undefined : backendStart + backendTime;
  const ready = state.responseReadyAt === undefined ? backendEnd : state.responseReadyAt - started;
  const totalTime = finished - started;
  const bytes = exchangedBytes(socket);
  const owner = verdict?.ok ? verdict.owner : undefined;
  const record: RequestRecord = {
    correlationId: state.correlationId,
    startTime: performance.timeOrigin + started,
    method: req.method ?? 'GET',
    url: redactKeyInUrl(req.url ?? '', api, redaction?.anyKeyInUrl),
    hostname: hostnameOf(req.headers.host),
    clientProtocol: `HTTP/${req.httpVersion}`,
    callerIpAddress: addressOf(socket),
    responseCode: res.writableFinished ? res.statusCode : 0,
    requestSize: bytes.read,
    responseSize: bytes.written,
    backendResponseCode: context ? context.backendStatus : state.backendResponseCode,
    backendId: context?.backendId,
    totalTime,
    backendTime,
    clientTime: ready === undefined ? totalTime : Math.max(0, totalTime - ready),
    apiId: api?.api.id,
    apiRevision: api?.api.apiRevision,
    operationId: match?.operation.operation.id,
    productId: verdict?.ok ? verdict.product?.id : undefined,
    apimSubscriptionId: owner?.subscription.id,
    cache: context ? context.cache : 'none',
    phases: { inboundEnd: backendStart ?? ready, backendStart, backendEnd, outboundEnd: ready },
    traceContext: state.trace,
  };
  const called = context
    ? context.backendStartedAt !== undefined || context.lastError?.Source === 'forward-request'
    : state.backend !== undefined;
  if (called) {
    const url = context ? context.request.url.ToString() : `${state.backend!.origin}${state.backend!.path}`;
    record.backendMethod = context ? context.request.method : state.backend!.method;
    record.backendUrl = redactKeyInUrl(url, api, redaction?.anyKeyInUrl);
    record.backendProtocol = 'HTTP/1.1';
  }
  const error = context?.lastError
    ? { source: context.lastError.Source, reason: context.lastError.Reason, message: context.lastError.Message, section: context.lastError.Section, scope: context.lastError.Scope || undefined }
    : state.lastError;
  if (error) record.lastError = redaction ? { ...error, message: redaction.scrub(error.message) } : error;
  return record;
}
