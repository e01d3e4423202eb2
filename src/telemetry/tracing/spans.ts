import { otlpAttributes, unixNanos, type OtlpAttribute } from '../otlp.ts';
import type { RequestRecord } from '../request-record.ts';
import { randomHex } from '../trace-headers.ts';

/**
 * A finished request as OTLP/JSON spans (OTLP 1.x JSON encoding: ids in
 * hex, times as decimal strings of Unix nanoseconds): the gateway's server
 * span and, as its children, inbound (request policies), backend (the
 * backend call, the parent the backend saw) and outbound (response policies
 * and sending the response), timed from the record's phases.
 */

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: OtlpAttribute[];
  status: { code: number; message?: string };
}

const KIND_INTERNAL = 1;
const KIND_SERVER = 2;
const KIND_CLIENT = 3;
const STATUS_UNSET = 0;
const STATUS_ERROR = 2;

/** The request's spans, or none when its trace is not sampled (or tracing was off when it arrived). */
export function requestSpans(record: RequestRecord): OtlpSpan[] {
  const trace = record.traceContext;
  if (trace === undefined || !trace.sampled) return [];
  const { startTime, totalTime, phases, lastError } = record;
  const at = (offset: number) => unixNanos(startTime + offset);
  const failed = record.responseCode === 0 || record.responseCode >= 500;
  const spans: OtlpSpan[] = [{
    traceId: trace.traceId,
    spanId: trace.spanId,
    parentSpanId: trace.parentSpanId,
    name: record.operationId ? `${record.method} ${record.apiId}/${record.operationId}` : record.method,
    kind: KIND_SERVER,
    startTimeUnixNano: at(0),
    endTimeUnixNano: at(totalTime),
    attributes: otlpAttributes({
      'http.request.method': record.method,
      'url.path': record.url,
      'server.address': record.hostname,
      'client.address': record.callerIpAddress,
      'network.protocol.version': record.clientProtocol.replace('HTTP/', ''),
      'http.response.status_code': record.responseCode === 0 ? undefined : record.responseCode,
      'apim.correlation_id': record.correlationId,
      'apim.api.id': record.apiId,
      'apim.api.revision': record.apiRevision,
      'apim.operation.id': record.operationId,
      'apim.product.id': record.productId,
      'apim.subscription.id': record.apimSubscriptionId,
      'apim.cache': record.cache,
      'error.type': lastError?.reason,
    }),
    status: failed ? { code: STATUS_ERROR, message: lastError?.message } : { code: STATUS_UNSET },
  }];
  const child = (name: string, spanId: string, kind: number, start: number, end: number, fields: Record<string, string | number | undefined>, error?: string): OtlpSpan => ({
    traceId: trace.traceId,
    spanId,
    parentSpanId: trace.spanId,
    name,
    kind,
    startTimeUnixNano: at(start),
    endTimeUnixNano: at(Math.max(start, end)),
    attributes: otlpAttributes(fields),
    status: error === undefined ? { code: STATUS_UNSET } : { code: STATUS_ERROR, message: error },
  });
  const inboundEnd = phases.inboundEnd ?? totalTime;
  const sectionError = (section: string) => (lastError?.section === section ? lastError.message : undefined);
  spans.push(child('inbound', randomHex(8), KIND_INTERNAL, 0, inboundEnd, {}, sectionError('inbound')));
  if (phases.backendStart !== undefined) {
    const backendEnd = phases.backendEnd ?? phases.outboundEnd ?? totalTime;
    spans.push(child('backend', trace.backendSpanId, KIND_CLIENT, phases.backendStart, backendEnd, {
      'http.request.method': record.backendMethod,
      'url.full': record.backendUrl,
      'http.response.status_code': record.backendResponseCode,
      'apim.backend.id': record.backendId,
    }, sectionError('backend')));
  }
  const outboundStart = phases.backendEnd ?? phases.outboundEnd ?? inboundEnd;
  if (outboundStart < totalTime || phases.outboundEnd !== undefined) {
    spans.push(child('outbound', randomHex(8), KIND_INTERNAL, outboundStart, totalTime, {}, sectionError('outbound')));
  }
  return spans;
}
