import type { Settings } from '../settings/schema.ts';
import type { Logger } from './logger.ts';
import { onRequestRecord, type RequestRecord } from './request-record.ts';

/**
 * Request logs (`telemetry.logs.local`): one entry per request with the
 * GatewayLogs field names (APIM-REFERENCE §6.8).
 * - auto: a `request` line through the stdout logger (at info level).
 * - json: one JSON object a line to telemetry.logs.local.json.endpoint, a
 *   file (rotated by size) or a UDP host:port (one datagram each), as the
 *   Azure self-hosted gateway sends them.
 * - none: no request log.
 */

/** The flat GatewayLogs fields of a record: times in whole milliseconds, LastError spread out. */
export function gatewayLogFields(record: RequestRecord): Record<string, unknown> {
  const error = record.lastError;
  return {
    correlationId: record.correlationId,
    method: record.method,
    url: record.url,
    hostname: record.hostname,
    clientProtocol: record.clientProtocol,
    callerIpAddress: record.callerIpAddress,
    responseCode: record.responseCode,
    httpStatusCodeCategory: record.responseCode === 0 ? undefined : `${Math.floor(record.responseCode / 100)}xx`,
    isRequestSuccess: record.responseCode >= 200 && record.responseCode < 400,
    requestSize: record.requestSize,
    responseSize: record.responseSize,
    cache: record.cache,
    backendMethod: record.backendMethod,
    backendUrl: record.backendUrl,
    backendResponseCode: record.backendResponseCode,
    backendProtocol: record.backendProtocol,
    backendId: record.backendId,
    totalTime: Math.round(record.totalTime),
    backendTime: record.backendTime === undefined ? undefined : Math.round(record.backendTime),
    clientTime: Math.round(record.clientTime),
    apiId: record.apiId,
    apiRevision: record.apiRevision,
    operationId: record.operationId,
    productId: record.productId,
    apimSubscriptionId: record.apimSubscriptionId,
    lastErrorSource: error?.source,
    lastErrorSection: error?.section,
    lastErrorScope: error?.scope,
    lastErrorReason: error?.reason,
    lastErrorMessage: error?.message,
    traceId: record.traceContext?.traceId,
  };
}

/** One JSON line as the json sink writes it: GatewayLogs envelope, then the fields. */
export function gatewayLogLine(record: RequestRecord, gatewayName: string): string {
  return `${JSON.stringify({
    time: new Date(record.startTime).toISOString(),
    category: 'GatewayLogs',
    operationName: 'Microsoft.ApiManagement/GatewayLogs',
    gateway: gatewayName,
    ...gatewayLogFields(record),
  })}\n`;
}

export interface RequestLogSink {
  close(): Promise<void>;
}

type RequestLogSettings = Pick<Settings, 'telemetry.logs.local' | 'telemetry.logs.local.json.endpoint' | 'telemetry.logs.local.json.rotate.size'
  | 'telemetry.logs.local.json.rotate.keep' | 'gateway.name'>;

/** Subscribes the configured request log to the request records of this process; undefined when there is none. */
export async function startRequestLog(settings: RequestLogSettings, logger: Logger): Promise<RequestLogSink | undefined> {
  switch (settings['telemetry.logs.local']) {
    case 'none':
      return undefined;
    case 'auto': {
      // Nothing to log to: do not subscribe, so the data plane builds no records.
      if (!logger.isLevelEnabled('info')) return undefined;
      const unsubscribe = onRequestRecord((record) => logger.info(gatewayLogFields(record), 'request'));
      return { close: async () => unsubscribe() };
    }
    case 'json': {
      const { jsonEndpoint } = await import('./json-endpoint.ts');
      const endpoint = jsonEndpoint(settings, logger);
      const gateway = settings['gateway.name'];
      const unsubscribe = onRequestRecord((record) => endpoint.write(gatewayLogLine(record, gateway)));
      return {
        close: async () => {
          unsubscribe();
          await endpoint.close();
        },
      };
    }
  }
}
