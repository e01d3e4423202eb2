import os from 'node:os';
import { z } from 'zod';
import { redisConnectionStringProblem } from '../state/redis-connection.ts';
import { allowedSuitesSchema, DEFAULT_ALLOWED_SUITES } from '../tls/cipher-suites.ts';

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
/** Checked at start so a typo stops the gateway rather than leave every call failing open; the message never holds the value. */
const redisConnectionString = z.string().trim().min(1).superRefine((value, ctx) => {
  const problem = redisConnectionStringProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `${problem} (StackExchange form host:port,password=…,ssl=True or redis[s]://[:password@]host:port[/db])` });
});
/** Histogram upper bounds in milliseconds, `5,10,25`: positive, ascending. */
const bucketList = z.string().transform((value, ctx) => {
  const bounds = value.split(',').map((part) => Number(part.trim()));
  if (bounds.length === 0 || bounds.some((bound) => !(bound > 0) || !Number.isFinite(bound)) || bounds.some((bound, i) => i > 0 && bound <= bounds[i - 1]!)) {
    ctx.addIssue({ code: 'custom', message: 'expected ascending positive milliseconds separated by commas (5,10,25,50,100)' });
    return z.NEVER;
  }
  return bounds;
});
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
  'gateway.subscriptionKey.forward': setting(bool, true,
    'Forward the subscription key (header or query) to the backend, as APIM does (it strips nothing; policies see the key too). false: removed before policies run and before forwarding.'),
  'gateway.backendFailure.statusCodes': setting(z.enum(['apim', 'proxy']), 'apim',
    'Status when the backend is unreachable or times out: apim = 500 "Internal server error" as APIM answers; proxy = 502 / 504 as nginx, Kong and Envoy do. The cause is in the request log either way.'),
  'config.local.path': setting(z.string().min(1), undefined,
    'Local configuration: a YAML/JSON snapshot file or an APIOps extractor folder. Unset: the embedded example configuration.'),
  'config.local.subscriptionKeys': setting(z.string().min(1), undefined,
    'YAML/JSON file mapping subscription id to {primaryKey, secondaryKey} for an APIOps folder (extractors never export keys).'),
  'config.service.endpoint': setting(endpoint, undefined,
    'Management plane URL (`https://host[/prefix]`; a bare host name means https). Set: the configuration is fetched from `{endpoint}/gateways/{gateway.name}/configuration`, polled, and backed up; config.local.path must then be unset.'),
  'config.service.auth': setting(z.string().trim().min(1), undefined,
    'Gateway token `GatewayKey {gateway}&{expiry}&{signature}` (the `GatewayKey ` prefix may be left out) sent to the management plane; config.service.auth.tokenFile wins when both are set. With config.arm.serviceResourceId: `azureAdApp` signs in to Entra as the app config.service.auth.azureAd.* names; unset, as the managed or workload identity of the host.', { secret: true }),
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
  'config.service.auth.azureAd.tenantId': setting(z.string().trim().min(1), undefined,
    'Entra tenant (directory) ID of the app registration apimgw signs in as, with config.service.auth=azureAdApp.'),
  'config.service.auth.azureAd.clientId': setting(z.string().trim().min(1), undefined,
    'Application (client) ID of the app registration, with config.service.auth=azureAdApp; alone (without a secret or certificate) it picks a user-assigned managed identity.'),
  'config.service.auth.azureAd.clientSecret': setting(z.string().min(1), undefined,
    'Client secret of the app registration (config.service.auth=azureAdApp); config.service.auth.azureAd.certificatePath is the alternative.', { secret: true }),
  'config.service.auth.azureAd.certificatePath': setting(z.string().min(1), undefined,
    'PEM file with the certificate and private key of the app registration (config.service.auth=azureAdApp), instead of a client secret.'),
  'config.arm.endpoint': setting(endpoint, 'https://management.azure.com',
    'Azure Resource Manager endpoint (sovereign clouds use their own, e.g. https://management.chinacloudapi.cn).'),
  'config.arm.poll.interval': setting(seconds, 300,
    'Seconds between syncs from ARM (config.arm.serviceResourceId). Each sync reads every assigned API, operation and policy, and ARM limits reads per principal: see README "Use with an Azure API Management instance" before lowering it.'),
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
  'net.server.https.host': setting(z.string().min(1), '0.0.0.0', 'Address the HTTPS data port binds to.'),
  'net.server.https.port': setting(port, 8081,
    'HTTPS data port (0 picks a free port). It listens only when a certificate is configured: net.server.tls.certificate.path, or gateway hostnames with certificates in the configuration.'),
  'net.server.tls.certificate.path': setting(z.string().min(1), undefined,
    'Default server certificate: a PEM file (certificate chain, and the key unless net.server.tls.certificate.key.path is set) or a PFX/PKCS#12 file (.pfx, .p12). Served to clients whose SNI name matches no gateway hostname, and to clients that send none. Reloaded when the file changes.'),
  'net.server.tls.certificate.key.path': setting(z.string().min(1), undefined,
    'PEM private key of net.server.tls.certificate.path when it is not in the certificate file. Reloaded when the file changes.'),
  'net.server.tls.certificate.password': setting(z.string(), undefined,
    'Password of the PFX file, or passphrase of an encrypted PEM key, of net.server.tls.certificate.path.', { secret: true }),
  'net.server.tls.ciphers.allowed-suites': setting(allowedSuitesSchema, DEFAULT_ALLOWED_SUITES,
    'Comma-separated IANA names of the cipher suites clients may use (the 30 suites of the Azure self-hosted gateway; default: all of them, in the SHGW order).'),
  'net.client.tls.ciphers.allowed-suites': setting(allowedSuitesSchema, DEFAULT_ALLOWED_SUITES,
    'Comma-separated IANA names of the cipher suites offered to HTTPS backends (same 30 names and default as net.server.tls.ciphers.allowed-suites).'),
  'net.client.tls.ca.path': setting(z.string().min(1), undefined,
    'PEM bundle of extra certificate authorities trusted for backend TLS, besides the bundled public roots (a private CA, a self-signed backend).'),
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls10': setting(bool, false, 'Allow TLS 1.0 to backends (needs OpenSSL security level 0, applied only then).'),
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls11': setting(bool, false, 'Allow TLS 1.1 to backends.'),
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls12': setting(bool, true, 'Allow TLS 1.2 to backends.'),
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls13': setting(bool, true, 'Allow TLS 1.3 to backends.'),
  'admin.host': setting(z.string().min(1), '127.0.0.1', 'Address of the admin listener (/livez, /readyz, /config). Loopback by default.'),
  'admin.port': setting(port, 8079, 'Admin listener port (0 picks a free port).'),
  'runtime.workers': setting(z.coerce.number().int().min(1).max(1024), os.availableParallelism(),
    'Worker processes serving traffic; defaults to the number of cores.'),
  'telemetry.logs.std': setting(z.enum(['none', 'text', 'json']), 'json', 'Log format on stdout: json (one object a line), text (human) or none.'),
  'telemetry.logs.std.level': setting(z.enum(['all', 'debug', 'info', 'warn', 'error', 'fatal']), 'info', 'Lowest level logged.'),
  'telemetry.logs.local': setting(z.enum(['none', 'auto', 'json', 'localsyslog', 'rfc5424', 'journal']).superRefine((value, ctx) => {
    if (value === 'localsyslog' || value === 'rfc5424' || value === 'journal') ctx.addIssue({ code: 'custom', message: `${value} is not implemented by apimgw; use json (a file or UDP host:port), auto or none` });
  }), 'auto',
  'Request log, one entry per request with the APIM GatewayLogs field names: auto = a "request" line in the stdout log (at info level); json = one JSON object a line to telemetry.logs.local.json.endpoint; none.'),
  'telemetry.logs.local.json.endpoint': setting(z.string().trim().min(1), '127.0.0.1:8888',
    'Where telemetry.logs.local=json writes: a UDP host:port (one datagram a request, as the Azure self-hosted gateway) or a file path (appended by every worker, rotated by size).'),
  'telemetry.logs.local.json.rotate.size': setting(z.coerce.number().int().min(1024), 104857600,
    'Bytes at which the json request log file is rotated (file → file.1 → …).'),
  'telemetry.logs.local.json.rotate.keep': setting(z.coerce.number().int().min(1).max(1000), 5,
    'Rotated json request log files kept (file.1 … file.N); older ones are deleted.'),
  'telemetry.eventhub.endpoint': setting(z.string().trim().min(1), undefined,
    'Where log-to-eventhub events go (every logger-id): a file path (one JSON object a line, fsynced every 100 ms, rotated by size) or an http(s) URL (JSON arrays POSTed in batches, retried with backoff). Unset: each event is an info line in the stdout log.'),
  'telemetry.eventhub.buffer': setting(z.coerce.number().int().min(1).max(10_000_000), 100_000,
    'log-to-eventhub events each worker holds while the HTTP endpoint is down; further events are dropped and counted.'),
  'telemetry.eventhub.rotate.size': setting(z.coerce.number().int().min(1024), 104857600,
    'Bytes at which the log-to-eventhub file is rotated (file → file.1 → …).'),
  'telemetry.eventhub.rotate.keep': setting(z.coerce.number().int().min(1).max(1000), 5,
    'Rotated log-to-eventhub files kept; older ones are deleted.'),
  'telemetry.metrics.local': setting(z.enum(['none', 'statsd']), 'none',
    'Local metrics sink besides /metrics on the admin listener: none, or statsd (to telemetry.metrics.local.statsd.endpoint).'),
  'telemetry.metrics.local.statsd.endpoint': setting(z.string().trim().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'), undefined,
    'StatsD host:port (UDP) when telemetry.metrics.local=statsd.'),
  'telemetry.metrics.local.statsd.tag-format': setting(z.enum(['librato', 'dogStatsD', 'influxDB']), 'dogStatsD',
    'How StatsD lines carry their tags (api, operation, product, hostname, status_class): dogStatsD (`name:1|c|#k:v`), influxDB (`name,k=v:1|c`) or librato (`name#k=v:1|c`).'),
  'telemetry.metrics.local.statsd.sampling': setting(z.coerce.number().gt(0).max(1), 1,
    'Share of requests sent to StatsD (0 < rate <= 1); lines carry `|@rate` so the server scales the counts back up.'),
  'observability.opentelemetry.enabled': setting(bool, false,
    'Export traces (a server span per request with inbound, backend and outbound children; W3C traceparent continued and sent to the backend) and metrics (the Azure gateway\'s Requests, DurationInMs, BackendDurationInMs, ClientDurationInMs, GatewayDurationInMs, and the /metrics families) over OTLP/HTTP (JSON) to observability.opentelemetry.collector.uri. Off: none of it is loaded.'),
  'observability.opentelemetry.collector.uri': setting(z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }), undefined,
    'OTLP/HTTP collector base URL, e.g. http://collector:4318 (/v1/traces and /v1/metrics are appended).'),
  'observability.opentelemetry.histogram.buckets': setting(bucketList, '5,10,25,50,100,250,500,1000,2500,5000,10000',
    'Upper bounds (ms) of the OTLP duration histograms of the Azure gateway (DurationInMs, BackendDurationInMs, ClientDurationInMs, GatewayDurationInMs).'),
  'observability.opentelemetry.metrics.interval': setting(seconds, 60,
    'Seconds between OTLP metric exports (APIM exports every minute); one more export happens on shutdown.'),
  'cache.redis.connectionString': setting(redisConnectionString, undefined,
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
  'config.service.auth.azureAd.tenantId'?: string;
  'config.service.auth.azureAd.clientId'?: string;
  'config.service.auth.azureAd.clientSecret'?: string;
  'config.service.auth.azureAd.certificatePath'?: string;
  'config.arm.endpoint': string;
  'config.arm.poll.interval': number;
  'net.server.http.host': string;
  'net.server.http.port': number;
  'net.server.http.forwarded.proto.enabled': boolean;
  'net.server.http.maxHeaderSize': number;
  'net.server.http.requestTimeout': number;
  'net.server.http.keepAliveTimeout': number;
  'net.server.shutdown.timeout': number;
  'net.client.timeout': number;
  'net.client.connections': number;
  'net.server.https.host': string;
  'net.server.https.port': number;
  'net.server.tls.certificate.path'?: string;
  'net.server.tls.certificate.key.path'?: string;
  'net.server.tls.certificate.password'?: string;
  'net.server.tls.ciphers.allowed-suites': readonly string[];
  'net.client.tls.ciphers.allowed-suites': readonly string[];
  'net.client.tls.ca.path'?: string;
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls10': boolean;
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls11': boolean;
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls12': boolean;
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls13': boolean;
  'admin.host': string;
  'admin.port': number;
  'runtime.workers': number;
  'telemetry.logs.std': 'none' | 'text' | 'json';
  'telemetry.logs.std.level': 'all' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  'telemetry.logs.local': 'none' | 'auto' | 'json';
  'telemetry.logs.local.json.endpoint': string;
  'telemetry.logs.local.json.rotate.size': number;
  'telemetry.logs.local.json.rotate.keep': number;
  'telemetry.eventhub.endpoint'?: string;
  'telemetry.eventhub.buffer': number;
  'telemetry.eventhub.rotate.size': number;
  'telemetry.eventhub.rotate.keep': number;
  'telemetry.metrics.local': 'none' | 'statsd';
  'telemetry.metrics.local.statsd.endpoint'?: string;
  'telemetry.metrics.local.statsd.tag-format': 'librato' | 'dogStatsD' | 'influxDB';
  'telemetry.metrics.local.statsd.sampling': number;
  'observability.opentelemetry.enabled': boolean;
  'observability.opentelemetry.collector.uri'?: string;
  'observability.opentelemetry.histogram.buckets': readonly number[];
  'observability.opentelemetry.metrics.interval': number;
  'cache.redis.connectionString'?: string;
  'runtime.deployment.artifact.source'?: string;
  'runtime.deployment.mechanism'?: string;
  'runtime.deployment.orchestrator.type'?: string;
}

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
