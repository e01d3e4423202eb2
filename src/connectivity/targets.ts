import type { LookupFunction } from 'node:net';
import type { Dispatcher } from 'undici';
import { ApimgwError } from '../errors.ts';
import type { Snapshot } from '../config/model.ts';
import type { Settings } from '../settings/schema.ts';
import { parseRedisConnectionString, RedisConnectionStringError } from '../state/redis-connection.ts';
import { armAuth } from '../config/arm/settings.ts';
import { armReadStep, armSignInStep } from './arm.ts';

/**
 * The endpoints this gateway depends on (DESIGN §9), derived from the same
 * settings `apimgw run` reads and, for backends, from its configuration.
 * Each names the setting it comes from, so an operator knows what to fix.
 */

export type Transport = 'tcp' | 'tls' | 'udp';

/** What an auth step may use: a dispatcher already set up with --resolve, --ca and the proxy for this target. */
export interface AuthContext {
  dispatcher: Dispatcher;
  /** For clients that connect by themselves: --resolve applied for this target's port. */
  lookup: LookupFunction;
  timeoutMs: number;
}

export interface AuthOutcome {
  ok: boolean;
  /** A word for the table: `ok`, `TokenExpired`, `InvalidToken`, `unreachable`, `HTTP404`. */
  label: string;
  detail: string;
  /** Passed, but an operator should act soon (a token about to expire). */
  warning?: string;
}

/** An authenticated request after the handshakes; a field so each dependency brings its own (issue 8 adds Entra + ARM). */
export type AuthStep = (context: AuthContext) => Promise<AuthOutcome>;

export interface Target {
  host: string;
  port: number;
  purpose: string;
  /** A required target that fails makes the check fail (exit 1); an optional one only warns. */
  required: boolean;
  transport: Transport;
  /** Set when the gateway reaches it through HTTP(S)_PROXY (its undici clients do): the URL scheme that picks the proxy variable. */
  proxyScheme?: 'http' | 'https';
  /** TLS server name when it is not `host` (Redis `sslHost`). */
  servername?: string;
  /** config.service.endpoint.disableCertificateValidation: certificate problems are shown as warnings, not failures. */
  acceptAnyCertificate?: boolean;
  auth?: AuthStep;
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** host, port and transport of an http(s) URL; IPv6 brackets removed. */
export function urlTarget(url: string): Pick<Target, 'host' | 'port' | 'transport'> & { scheme: 'http' | 'https' } {
  const parsed = new URL(url);
  const scheme = parsed.protocol === 'https:' ? 'https' : 'http';
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? DEFAULT_PORTS[parsed.protocol] ?? 80 : Number(parsed.port),
    transport: scheme === 'https' ? 'tls' : 'tcp',
    scheme,
  };
}

/** The management plane: required, reached through the proxy, its auth step given by the caller (it needs the token). */
export function configEndpointTarget(settings: Settings, auth: AuthStep): Target | undefined {
  const endpoint = settings['config.service.endpoint'];
  if (endpoint === undefined) return undefined;
  const { scheme, ...where } = urlTarget(endpoint);
  return {
    ...where,
    purpose: 'management plane (config.service.endpoint)',
    required: true,
    proxyScheme: scheme,
    ...(settings['config.service.endpoint.disableCertificateValidation'] ? { acceptAnyCertificate: true } : {}),
    auth,
  };
}

export const ARM_PURPOSE = 'Azure Resource Manager (config.arm.endpoint, config.arm.serviceResourceId)';

/**
 * Entra ID and ARM when the configuration comes from an Azure API Management
 * instance: the authority's step signs in, ARM's signs in and reads the
 * gateway resource, both with the credential and client the ARM source uses.
 * The sign-in settings are checked here, so a mistake stops the check (exit 2) as it stops `apimgw run`.
 */
function armTargets(settings: Settings): Target[] {
  if (settings['config.arm.serviceResourceId'] === undefined) return [];
  armAuth(settings);
  const authority = urlTarget(settings['config.service.auth.azureAd.authority']);
  const arm = urlTarget(settings['config.arm.endpoint']);
  return [
    {
      host: authority.host, port: authority.port, transport: authority.transport, proxyScheme: authority.scheme,
      purpose: 'Entra ID token authority (config.service.auth.azureAd.authority)', required: true, auth: armSignInStep(settings),
    },
    {
      host: arm.host, port: arm.port, transport: arm.transport, proxyScheme: arm.scheme,
      purpose: ARM_PURPOSE, required: true, auth: armReadStep(settings),
    },
  ];
}

function telemetryTargets(settings: Settings): Target[] {
  const targets: Target[] = [];
  const collector = settings['observability.opentelemetry.collector.uri'];
  if (settings['observability.opentelemetry.enabled'] && collector !== undefined) {
    const { scheme: _scheme, ...where } = urlTarget(collector);
    targets.push({ ...where, purpose: 'OpenTelemetry collector (observability.opentelemetry.collector.uri)', required: false });
  }
  const eventHub = settings['telemetry.eventhub.endpoint'];
  if (eventHub !== undefined && /^https?:\/\//i.test(eventHub)) {
    // Host and port only: the URL's path or query may carry a token.
    const { scheme: _scheme, ...where } = urlTarget(eventHub);
    targets.push({ ...where, purpose: 'log-to-eventhub endpoint (telemetry.eventhub.endpoint)', required: false });
  }
  const statsd = settings['telemetry.metrics.local.statsd.endpoint'];
  if (settings['telemetry.metrics.local'] === 'statsd' && statsd !== undefined) {
    const at = statsd.lastIndexOf(':');
    targets.push({ host: statsd.slice(0, at), port: Number(statsd.slice(at + 1)), transport: 'udp', purpose: 'StatsD metrics (telemetry.metrics.local.statsd.endpoint)', required: false });
  }
  return targets;
}

/** Redis host and port only: the connection string holds a password, and no part of it but these is ever shown. */
function redisTargets(settings: Settings): Target[] {
  const text = settings['cache.redis.connectionString'];
  if (text === undefined) return [];
  let redis;
  try {
    redis = parseRedisConnectionString(text);
  } catch (error) {
    if (!(error instanceof RedisConnectionStringError)) throw error;
    throw new ApimgwError('APIMGW_E_SETTINGS_INVALID', `setting cache.redis.connectionString=<redacted>: ${error.message}`);
  }
  return [{
    host: redis.host,
    port: redis.port,
    transport: redis.tls ? 'tls' : 'tcp',
    ...(redis.tlsServername ? { servername: redis.tlsServername } : {}),
    purpose: 'Redis shared state (cache.redis.connectionString)',
    required: false,
  }];
}

/** Everything the settings name, in the order an operator reads them: management plane first. */
export function settingsTargets(settings: Settings, configAuth: AuthStep): Target[] {
  const config = configEndpointTarget(settings, configAuth);
  return [...(config ? [config] : []), ...armTargets(settings), ...telemetryTargets(settings), ...redisTargets(settings)];
}

/**
 * Backends (`backends[].url`) and API service URLs of a snapshot, one target
 * per host and port. Required: an unreachable backend fails the APIs using it.
 * The forwarder connects directly, so no proxy applies.
 */
export function backendTargets(snapshot: Snapshot): Target[] {
  const byOrigin = new Map<string, { target: Target; users: string[] }>();
  const add = (url: string, user: string) => {
    const { scheme: _scheme, ...where } = urlTarget(url);
    const key = `${where.transport}:${where.host}:${where.port}`;
    const found = byOrigin.get(key);
    if (found) found.users.push(user);
    else byOrigin.set(key, { target: { ...where, purpose: '', required: true }, users: [user] });
  };
  for (const backend of snapshot.backends) add(backend.url, `backend ${backend.id}`);
  for (const api of snapshot.apis) if (api.serviceUrl !== undefined) add(api.serviceUrl, `API ${api.id}`);
  return [...byOrigin.values()].map(({ target, users }) => ({
    ...target,
    purpose: users.length <= 3 ? users.join(', ') : `${users.slice(0, 3).join(', ')} and ${users.length - 3} more`,
  }));
}

/**
 * `--target host:port` (TCP), `tls://host:port` or `https://host[:port]`
 * (TCP + TLS), `http://host[:port]`; required, since the operator asked for it.
 */
export function parseExtraTarget(text: string): Target {
  const purpose = 'extra target (--target)';
  if (/^https?:\/\//i.test(text)) {
    const { scheme: _scheme, ...where } = urlTarget(text);
    return { ...where, purpose, required: true };
  }
  const tls = /^tls:\/\//i.test(text);
  const rest = tls ? text.slice('tls://'.length) : text;
  const match = /^(?:\[([^\]]+)\]|([^\s:/\[\]]+)):(\d{1,5})$/.exec(rest);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) throw new RangeError(`--target "${text}": expected host:port, tls://host:port or an http(s) URL`);
  return { host: match[1] ?? match[2]!, port, transport: tls ? 'tls' : 'tcp', purpose, required: true };
}
