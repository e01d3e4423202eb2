import type { TraceContext } from '../request-record.ts';
import { formatTraceparent, parseTraceparent, randomHex } from '../trace-headers.ts';

/**
 * W3C Trace Context (traceparent) for one request: the client's trace is
 * continued when it sent a valid traceparent (its sampled flag honoured),
 * else a new sampled trace starts. The backend gets a traceparent naming the
 * gateway's backend span as its parent.
 */

export function beginTrace(traceparent: string | undefined): TraceContext {
  const incoming = parseTraceparent(traceparent);
  const traceId = incoming?.traceId ?? randomHex(16);
  const spanId = randomHex(8);
  const backendSpanId = randomHex(8);
  const sampled = incoming?.sampled ?? true;
  return {
    traceId,
    spanId,
    parentSpanId: incoming?.parentSpanId,
    backendSpanId,
    sampled,
    backendTraceparent: formatTraceparent(traceId, backendSpanId, sampled),
  };
}
