import os from 'node:os';
import { z } from 'zod';

/**
 * Every setting apimgw reads, in one table: it validates, coerces, documents
 * (`apimgw run --help`, docs/settings.md) and names what an unknown key might
 * have meant. Names follow the Azure self-hosted gateway so an existing
 * env.conf keeps working; our additions use the same dotted style.
 */

const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().positive();
/** Seconds, or a .NET TimeSpan `[d.]hh:mm:ss[.fff]` as the SHGW's env.conf writes it (`00:01:40` = 100 s). */
const TIME_SPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$/;
const duration = z.union([z.number(), z.string().trim()]).transform((value, ctx) => {
  const span = typeof value === 'string' ? TIME_SPAN.exec(value) : null;
  const result = span
    ? Number(span[1] ?? 0) * 86_400 + Number(span[2]) * 3600 + Number(span[3]) * 60 + Number(span[4])
    : Number(value);
  if (!(result > 0) || !Number.isFinite(result)) {
    ctx.addIssue({ code: 'custom', message: 'expected seconds (100) or a TimeSpan hh:mm:ss (00:01:40)' });
    return z.NEVER;
  }
  return result;
});
/** The SHGW env.conf gives the configuration endpoint as a bare host name; https is implied then. */
const endpoint = z.string().trim().min(1)
  .transform((value) => (value.includes('://') ? value : `https://${value}`).replace(/\/+$/, ''))
  .pipe(z.url({ protocol: /^https?$/, error: 'expected an http(s) URL or a host name' }));
const bool = z.union([z.boolean(), z.enum(['true', 'false', 'TRUE', 'FALSE', 'True', 'False'])]).transform((v) => v === true || String(v).toLowerCase() === 'true');

export interface SettingDefinition {
  schema: z.ZodType;
  default: unknown;
  description: string;
  /** Shown as `<redacted>` wherever settings are printed or logged. */
  secret?: boolean;
}

function setting(schema: z.ZodType, defaultValue: unknown, description: string, extra: Partial<SettingDefinition> = {}): SettingDefinition {
  return { schema, default: defaultValue, description, ...extra };
}

export const SETTINGS = {
  'gateway.name': setting(z.string().min(1), 'apimgw', 'Gateway resource name: selects the APIs assigned to it in an APIOps folder (gateways/<name>/apis); shown in the start-up log and /config.'),
  'gateway.subscriptionKey.forward': setting(bool, false,
    'Forward the subscription key (header or query) to the backend as APIM does. Off by default: a backend has no business seeing it.'),
  'gateway.backendFailure.statusCodes': setting(z.enum(['apim', 'proxy']), 'apim',
    'Status when the backend is unreachable or times out: apim = 500 "Internal server error" as APIM answers; proxy = 502 / 504 as nginx, Kong and Envoy do. The cause is in the request log either way.'),
  'config.local.path': setting(z.string().min(1), undefined,
    'Local configuration: a YAML/JSON snapshot file or an APIOps extractor folder. Unset: the embedded example configuration.'),
  'config.local.subscriptionKeys': setting(z.string().min(1), undefined,
    'YAML/JSON file mapping subscription id to {primaryKey, secondaryKey} for an APIOps folder (extractors never export keys).'),
  'config.service.endpoint': setting(endpoint, undefined,
    'Management plane URL (`https://host[/prefix]`; a bare host name means https). Set: the configuration is fetched from `{endpoint}/gateways/{gateway.name}/configuration`, polled, and backed up; config.local.path must then be unset.'),
  'config.service.auth': setting(z.string().trim().min(1), undefined,
    'Gateway token `GatewayKey {gateway}&{expiry}&{signature}` (the `GatewayKey ` prefix may be left out) sent to the management plane. config.service.auth.tokenFile wins when both are set.', { secret: true }),
  'config.service.auth.tokenFile': setting(z.string().min(1), undefined,
    'File holding the gateway token (written by `apimgw token renew`); re-read when it changes, so a renewed token is used from the next poll without a restart.'),
  'config.service.endpoint.disableCertificateValidation': setting(bool, false,
    'Accept any TLS certificate from the management plane. For test setups only: it lets anyone in the path serve the configuration.'),
  'config.service.integration.timeout': setting(duration, '00:01:40',
    'Time allowed for one request to the management plane (configuration fetch, heartbeat): seconds or a TimeSpan hh:mm:ss.'),
  'config.service.poll.interval': setting(seconds, 10,
    'Seconds between configuration polls (jittered by ±10%). After failures the gap grows exponentially up to 60 s.'),
  'config.service.heartbeat.interval': setting(seconds, 60,
    'Seconds between heartbeats to the management plane (jittered by ±10%).'),
  'config.backup.dir': setting(z.string().min(1), undefined,
    'Directory where every applied management-plane snapshot is backed up (0600 files, SHA-256 manifest) and loaded from when the management plane is unreachable at start. Unset: /apim/config when that directory exists (the Azure self-hosted gateway volume), else $STATE_DIRECTORY/backup (systemd StateDirectory=), else $XDG_STATE_HOME/apimgw/backup, else ~/.local/state/apimgw/backup.'),
  'config.backup.keep': setting(z.coerce.number().int().min(1).max(1000), 10,
    'Backups kept in config.backup.dir; the oldest beyond this number are deleted after each new one is written.'),
  'config.arm.serviceResourceId': setting(z.string().trim().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ApiManagement\/service\/[^/]+$/i, 'expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ApiManagement/service/<name>'), undefined,
    'Azure API Management instance to federate with through the public ARM API: the configuration is built from the APIs assigned to the gateway gateway.name. Needs config.service.auth=azureAdApp (or a managed/workload identity).'),
  'config.service.auth.azureAd.authority': setting(endpoint, 'https://login.microsoftonline.com',
    'Microsoft Entra authority host used to obtain tokens for ARM (sovereign clouds use their own).'),
  'net.server.http.host': setting(z.string().min(1), '0.0.0.0', 'Address the HTTP data port binds to.'),
  'net.server.http.port': setting(port, 8080, 'HTTP data port (0 picks a free port).'),
  'net.server.http.forwarded.proto.enabled': setting(bool, false,
    'Take the request scheme from X-Forwarded-Proto (http/https) when matching API protocols and building URLs.'),
  'net.server.http.maxHeaderSize': setting(z.coerce.number().int().min(1024).max(1048576), 32768,
    'Largest request header block in bytes; larger requests get 431.'),
  'net.server.http.requestTimeout': setting(seconds, 300, 'Seconds a client has to send a whole request.'),
  'net.server.http.keepAliveTimeout': setting(seconds, 65, 'Seconds an idle client connection is kept open.'),
  'net.server.shutdown.timeout': setting(seconds, 30, 'Seconds SIGTERM waits for in-flight requests before closing them.'),
  'net.client.timeout': setting(seconds, 300, 'Seconds to wait for the backend response headers (forward-request default).'),
  'net.client.connections': setting(z.coerce.number().int().min(1).max(65536), 256,
    'Most open connections per backend origin and worker; further requests queue.'),
  'admin.host': setting(z.string().min(1), '127.0.0.1', 'Address of the admin listener (/livez, /readyz, /config). Loopback by default.'),
  'admin.port': setting(port, 8079, 'Admin listener port (0 picks a free port).'),
  'runtime.workers': setting(z.coerce.number().int().min(1).max(1024), os.availableParallelism(),
    'Worker processes serving traffic; defaults to the number of cores.'),
  'telemetry.logs.std': setting(z.enum(['none', 'text', 'json']), 'json', 'Log format on stdout: json (one object a line), text (human) or none.'),
  'telemetry.logs.std.level': setting(z.enum(['all', 'debug', 'info', 'warn', 'error', 'fatal']), 'info', 'Lowest level logged.'),
  'telemetry.metrics.local': setting(z.enum(['none', 'statsd']), 'none',
    'Local metrics sink besides /metrics on the admin listener: none, or statsd (to telemetry.metrics.local.statsd.endpoint).'),
  'telemetry.metrics.local.statsd.endpoint': setting(z.string().trim().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'), undefined,
    'StatsD host:port (UDP) when telemetry.metrics.local=statsd.'),
  'observability.opentelemetry.enabled': setting(bool, false,
    'Export traces (a span per request, W3C traceparent sent to the backend) and metrics over OTLP/HTTP to observability.opentelemetry.collector.uri.'),
  'observability.opentelemetry.collector.uri': setting(z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }), undefined,
    'OTLP/HTTP collector base URL, e.g. http://collector:4318 (/v1/traces and /v1/metrics are appended).'),
  'cache.redis.connectionString': setting(z.string().trim().min(1), undefined,
    'Redis shared by several gateways for rate limits, quotas, concurrency limits and the cache: `host:port[,password=…][,ssl=True]` (the StackExchange form APIM uses) or `redis[s]://[:password@]host:port[/db]`. Unset: in-memory state, exact across the workers of this host only.', { secret: true }),
  'runtime.deployment.artifact.source': setting(z.string(), undefined, 'Informational (set by Azure portal YAML / Helm); logged at start.'),
  'runtime.deployment.mechanism': setting(z.string(), undefined, 'Informational (YAML, Docker, Helm); logged at start.'),
  'runtime.deployment.orchestrator.type': setting(z.string(), undefined, 'Informational (e.g. Kubernetes); logged at start.'),
} as const satisfies Record<string, SettingDefinition>;

export type SettingKey = keyof typeof SETTINGS;

export interface Settings {
  'gateway.name': string;
  'gateway.subscriptionKey.forward': boolean;
  'gateway.backendFailure.statusCodes': 'apim' | 'proxy';
  'config.local.path'?: string;
  'config.local.subscriptionKeys'?: string;
  'config.service.endpoint'?: string;
  'config.service.auth'?: string;
  'config.service.auth.tokenFile'?: string;
  'config.service.endpoint.disableCertificateValidation': boolean;
  'config.service.integration.timeout': number;
  'config.service.poll.interval': number;
  'config.service.heartbeat.interval': number;
  'config.backup.dir'?: string;
  'config.backup.keep': number;
  'config.arm.serviceResourceId'?: string;
  'config.service.auth.azureAd.authority': string;
  'net.server.http.host': string;
  'net.server.http.port': number;
  'net.server.http.forwarded.proto.enabled': boolean;
  'net.server.http.maxHeaderSize': number;
  'net.server.http.requestTimeout': number;
  'net.server.http.keepAliveTimeout': number;
  'net.server.shutdown.timeout': number;
  'net.client.timeout': number;
  'net.client.connections': number;
  'admin.host': string;
  'admin.port': number;
  'runtime.workers': number;
  'telemetry.logs.std': 'none' | 'text' | 'json';
  'telemetry.logs.std.level': 'all' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  'telemetry.metrics.local': 'none' | 'statsd';
  'telemetry.metrics.local.statsd.endpoint'?: string;
  'observability.opentelemetry.enabled': boolean;
  'observability.opentelemetry.collector.uri'?: string;
  'cache.redis.connectionString'?: string;
  'runtime.deployment.artifact.source'?: string;
  'runtime.deployment.mechanism'?: string;
  'runtime.deployment.orchestrator.type'?: string;
}

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
