import diagnosticsChannel from 'node:diagnostics_channel';

/**
 * The one record the data plane publishes per finished request (response
 * fully sent, or the client gone), for every telemetry consumer: request
 * logs, traces, metrics. Field names are APIM's (GatewayLogs schema,
 * APIM-REFERENCE §6.8). The data plane builds it only while
 * `requestChannel.hasSubscribers`, so a gateway nobody observes pays nothing.
 *
 * Times are milliseconds (fractions kept: consumers round as they need):
 * - totalTime: request received → response fully sent (or client gone).
 * - backendTime: backend request sent → backend response headers received;
 *   undefined when no backend was called (404, 401, a policy answered).
 * - clientTime: response ready → response fully sent, i.e. sending the
 *   response to the client (for a streamed backend body this includes the
 *   backend's body transfer, which is interleaved with it).
 */
export interface RequestRecord {
  /** context.RequestId; also in gateway error bodies. */
  correlationId: string;
  /** Epoch milliseconds when the request was received. */
  startTime: number;
  method: string;
  /** As received, the subscription key (any API's key query parameter) replaced by `<redacted>`. */
  url: string;
  /** Host header without the port. */
  hostname: string;
  /** e.g. `HTTP/1.1`. */
  clientProtocol: string;
  callerIpAddress: string;
  /** 0 when the client went away before the response was sent. */
  responseCode: number;
  /** Bytes received from / sent to the client for this request, headers included. */
  requestSize: number;
  responseSize: number;
  backendMethod?: string;
  /** The URL the backend was called with, the subscription key redacted when it is forwarded. */
  backendUrl?: string;
  backendResponseCode?: number;
  /** set-backend-service backend-id, when one chose the backend. */
  backendId?: string;
  backendProtocol?: string;
  totalTime: number;
  backendTime?: number;
  clientTime: number;
  apiId?: string;
  apiRevision?: string;
  operationId?: string;
  productId?: string;
  apimSubscriptionId?: string;
  /** Whether cache-lookup answered: none when no cache-lookup ran. */
  cache: 'hit' | 'miss' | 'none';
  /** context.LastError; the message is scrubbed of secret named values. */
  lastError?: { source: string; reason: string; message: string; section: string; scope?: string };
  /** Phase boundaries in ms since startTime, for spans; a phase that did not happen is absent. */
  phases: { inboundEnd?: number; backendStart?: number; backendEnd?: number; outboundEnd?: number };
  /** Present when tracing is enabled. */
  traceContext?: TraceContext;
}

export interface TraceContext {
  /** 32 lowercase hex digits: the client's (W3C traceparent) or a new one. */
  traceId: string;
  /** The gateway's server span. */
  spanId: string;
  /** The span the client's traceparent named. */
  parentSpanId?: string;
  /** The backend call's span: its id is the parent in the traceparent sent to the backend. */
  backendSpanId: string;
  sampled: boolean;
  /** The traceparent header value the backend gets. */
  backendTraceparent: string;
}

export const requestChannel = diagnosticsChannel.channel('apimgw:request');

/**
 * Starts a request's trace context from the client's traceparent. Set by the
 * tracing module when (and only when) it is loaded, so the data plane reads
 * one undefined property per request otherwise.
 */
export const tracePropagation: { begin: ((traceparent: string | undefined) => TraceContext) | undefined } = { begin: undefined };

/** Subscribes to finished-request records; returns the unsubscribe function. */
export function onRequestRecord(listener: (record: RequestRecord) => void): () => void {
  const handler = (message: unknown) => listener(message as RequestRecord);
  requestChannel.subscribe(handler);
  return () => requestChannel.unsubscribe(handler);
}
