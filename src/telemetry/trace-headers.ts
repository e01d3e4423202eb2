import { randomFillSync } from 'node:crypto';

/**
 * W3C Trace Context for the backend call, on every request whether tracing
 * is enabled or not: Azure's gateway sends its backends `traceparent` and,
 * as Application Insights does for older consumers, `Request-Id`
 * (APIM-REFERENCE §2.4, observed). A client's valid traceparent is continued
 * (its trace id and sampled flag kept, a new parent id); otherwise a new
 * trace starts, unsampled unless tracing records it.
 */

/** version-traceid-parentid-flags; a future version may append fields, version 00 may not (W3C Trace Context §3.2). */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export interface IncomingTrace {
  traceId: string;
  parentSpanId: string;
  sampled: boolean;
}

export function parseTraceparent(header: string | undefined): IncomingTrace | undefined {
  if (header === undefined) return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, parentSpanId, flags, rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || parentSpanId === ZERO_SPAN) return undefined;
  return { traceId: traceId!, parentSpanId: parentSpanId!, sampled: (Number.parseInt(flags!, 16) & 1) === 1 };
}

/** Ids come from one pooled random fill: a request's ids cost a slice of hex, not a call into the CSPRNG. */
const pool = Buffer.allocUnsafe(4096);
let used = pool.length;

export function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/** The Request-Id header for the same span, in .NET's hierarchical form `|trace.span.`. */
export function requestIdHeader(traceparent: string): string {
  return `|${traceparent.slice(3, 35)}.${traceparent.slice(36, 52)}.`;
}

/** The traceparent the backend gets when tracing is off: the client's trace continued, or a new unsampled one. */
export function untracedBackendTraceparent(incoming: string | undefined): string {
  const trace = parseTraceparent(incoming);
  return trace === undefined ? formatTraceparent(randomHex(16), randomHex(8), false) : formatTraceparent(trace.traceId, randomHex(8), trace.sampled);
}
