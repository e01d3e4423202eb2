/**
 * `cache.redis.connectionString` in either form an operator will have at
 * hand: the StackExchange.Redis one APIM's external cache and the Azure
 * portal give (`host:port,password=…,ssl=True,abortConnect=False`), or a
 * `redis://` / `rediss://` URL. Problems are reported by option NAME only:
 * the string holds a password, so no part of a value is ever echoed.
 */

export interface RedisEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db: number;
  tls: boolean;
  /** TLS server name when it differs from `host` (`sslHost`). */
  tlsServername?: string;
  /** How long connecting may take (`connectTimeout`, ms). */
  connectTimeoutMs?: number;
  /** How long one call may take before it fails open (`syncTimeout`/`asyncTimeout`, ms). */
  commandTimeoutMs?: number;
  /** `name`: shown by CLIENT LIST. */
  clientName?: string;
}

export class RedisConnectionStringError extends Error {}

const SUPPORTED_OPTIONS = 'password, user, ssl, sslHost, defaultDatabase, connectTimeout, syncTimeout, asyncTimeout, name, abortConnect';
const DEFAULT_PORT = 6379;
const DEFAULT_TLS_PORT = 6380;

/** Parses either form; throws RedisConnectionStringError whose message is safe to show. */
export function parseRedisConnectionString(text: string): RedisEndpoint {
  const trimmed = text.trim();
  return /^rediss?:\/\//i.test(trimmed) ? parseUrl(trimmed) : parseStackExchange(trimmed);
}

/** The parse error's message, or undefined when the string is fine (for the settings schema). */
export function redisConnectionStringProblem(text: string): string | undefined {
  try {
    parseRedisConnectionString(text);
    return undefined;
  } catch (error) {
    if (error instanceof RedisConnectionStringError) return error.message;
    throw error;
  }
}

function parseUrl(text: string): RedisEndpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RedisConnectionStringError('not a valid redis:// URL; expected redis[s]://[:password@]host:port[/db]');
  }
  if (url.search || url.hash) throw new RedisConnectionStringError('a redis:// URL takes no query or fragment; use the host:port,option=value form for options');
  const tls = url.protocol.toLowerCase() === 'rediss:';
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d+$/.test(dbText)) throw new RedisConnectionStringError('the URL path must be a database number (redis://host:6379/0)');
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? DEFAULT_PORT : Number(url.port),
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    db: dbText === '' ? 0 : Number(dbText),
    tls,
  };
}

function parseStackExchange(text: string): RedisEndpoint {
  const [endpointText = '', ...optionTexts] = text.split(',').map((part) => part.trim());
  if (endpointText === '' || endpointText.includes('=')) {
    throw new RedisConnectionStringError('expected host:port first (myredis.redis.cache.windows.net:6380,password=…,ssl=True) or redis[s]://host:port');
  }
  const endpoint: RedisEndpoint = { host: '', port: 0, db: 0, tls: false };
  let port: number | undefined;
  for (const option of optionTexts) {
    if (option === '') continue;
    const equals = option.indexOf('=');
    if (equals === -1) throw new RedisConnectionStringError('one endpoint only: several host:port entries (replicas, clusters) are not supported');
    const name = option.slice(0, equals).trim();
    const value = option.slice(equals + 1).trim();
    applyOption(endpoint, name, value);
  }
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(endpointText);
  if (!match) throw new RedisConnectionStringError('the endpoint must be host or host:port ([::1]:6379 for IPv6)');
  endpoint.host = match[1] ?? match[2]!;
  if (match[3] !== undefined) port = Number(match[3]);
  endpoint.port = port ?? (endpoint.tls ? DEFAULT_TLS_PORT : DEFAULT_PORT);
  if (endpoint.port < 1 || endpoint.port > 65_535) throw new RedisConnectionStringError('the port must be 1-65535');
  return endpoint;
}

function applyOption(endpoint: RedisEndpoint, name: string, value: string): void {
  switch (name.toLowerCase()) {
    case 'password':
      endpoint.password = value;
      return;
    case 'user':
      endpoint.username = value;
      return;
    case 'ssl':
      endpoint.tls = bool(name, value);
      return;
    case 'sslhost':
      endpoint.tlsServername = value;
      return;
    case 'defaultdatabase':
      endpoint.db = whole(name, value);
      return;
    case 'connecttimeout':
      endpoint.connectTimeoutMs = whole(name, value);
      return;
    case 'synctimeout':
    case 'asynctimeout':
      endpoint.commandTimeoutMs = whole(name, value);
      return;
    case 'name':
      endpoint.clientName = value;
      return;
    case 'abortconnect':
      // Accepted because every Azure string carries it; apimgw never gives up
      // on Redis either way: it fails open and keeps reconnecting.
      bool(name, value);
      return;
    default:
      throw new RedisConnectionStringError(`unknown option "${name}"; supported: ${SUPPORTED_OPTIONS}`);
  }
}

function bool(name: string, value: string): boolean {
  const lower = value.toLowerCase();
  if (lower !== 'true' && lower !== 'false') throw new RedisConnectionStringError(`option ${name} must be True or False`);
  return lower === 'true';
}

function whole(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new RedisConnectionStringError(`option ${name} must be a whole number`);
  return Number(value);
}
