import { randomBytes } from 'node:crypto';
import type { TraceContext } from '../request-record.ts';

/**
 * W3C Trace Context (traceparent) for one request: the client's trace is
 * continued when it sent a valid traceparent (its sampled flag honoured),
 * else a new sampled trace starts. The backend gets a traceparent naming the
 * gateway's backend span as its parent.
 */

/** version-traceid-parentid-flags; a future version may append fields, version 00 may not (W3C Trace Context §3.2). */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export function parseTraceparent(header: string | undefined): { traceId: string; parentSpanId: string; sampled: boolean } | undefined {
  if (header === undefined) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, parentSpanId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || parentSpanId === ZERO_SPAN) return undefined;
  return { traceId: traceId!, parentSpanId: parentSpanId!, sampled: (Number.parseInt(flags!, 16) & 1) === 1 };
}

export function beginTrace(traceparent: string | undefined): TraceContext {
  const incoming = parseTraceparent(traceparent);
  // One random draw per request: a trace id (used only when none came in) and two span ids.
  const random = randomBytes(32).toString('hex');
  const traceId = incoming?.traceId ?? random.slice(0, 32);
  const spanId = random.slice(32, 48);
  const backendSpanId = random.slice(48, 64);
  const sampled = incoming?.sampled ?? true;
  return {
    traceId,
    spanId,
    parentSpanId: incoming?.parentSpanId,
    backendSpanId,
    sampled,
    backendTraceparent: `00-${traceId}-${backendSpanId}-${sampled ? '01' : '00'}`,
  };
}
