import os from 'node:os';
import type { Settings } from '../settings/schema.ts';
import { VERSION } from '../version.ts';
import { postJson } from './post-json.ts';

/**
 * OTLP/HTTP with the JSON encoding (OTLP 1.x: ids in hex, times as decimal
 * strings of Unix nanoseconds, 64-bit integers as strings): what the trace
 * and metric exporters share. Loaded only when OpenTelemetry is enabled.
 */

export interface OtlpAttribute {
  key: string;
  value: { stringValue: string } | { intValue: string } | { boolValue: boolean };
}

export interface OtlpResource {
  attributes: OtlpAttribute[];
}

const EXPORT_TIMEOUT_MS = 10_000;

export function otlpAttributes(fields: Record<string, string | number | boolean | undefined>): OtlpAttribute[] {
  const out: OtlpAttribute[] = [];
  for (const key in fields) {
    const value = fields[key];
    if (value === undefined) continue;
    if (typeof value === 'number') out.push({ key, value: { intValue: String(Math.round(value)) } });
    else if (typeof value === 'boolean') out.push({ key, value: { boolValue: value } });
    else out.push({ key, value: { stringValue: value } });
  }
  return out;
}

export function unixNanos(epochMs: number): string {
  return (BigInt(Math.round(epochMs * 1000)) * 1000n).toString();
}

/** Who is reporting: the same resource on every trace and metric batch of this process. */
export function otlpResource(settings: Pick<Settings, 'gateway.name'>): OtlpResource {
  return {
    attributes: otlpAttributes({
      'service.name': 'apimgw',
      'service.version': VERSION,
      'service.instance.id': `${os.hostname()}/${process.pid}`,
      'apim.gateway.name': settings['gateway.name'],
    }),
  };
}

export const OTLP_SCOPE = { name: 'apimgw', version: VERSION } as const;

/** The signal's path under the collector's base URL (OTLP/HTTP: /v1/traces, /v1/metrics). */
export function otlpUrl(collectorUri: string, signal: 'traces' | 'metrics'): string {
  return `${collectorUri.replace(/\/+$/, '')}/v1/${signal}`;
}

/** Said with an export failure: a collector URI on OTLP/gRPC's port (APIM's examples use it) is the usual cause. */
export function otlpFailureHint(url: string): string | undefined {
  return new URL(url).port === '4317'
    ? 'Port 4317 is OTLP/gRPC; apimgw sends OTLP/HTTP: point observability.opentelemetry.collector.uri at the collector\'s HTTP port (4318 by default).'
    : undefined;
}

/** POSTs one export request; rejects on a network error, a timeout or a non-2xx answer. */
export function postOtlp(url: string, body: string): Promise<void> {
  return postJson(url, body, EXPORT_TIMEOUT_MS);
}
