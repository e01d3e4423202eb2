import dns from 'node:dns';
import net, { type LookupFunction } from 'node:net';

/**
 * Name resolution and proxy choice as the gateway's own clients make them,
 * with curl's `--resolve host:port:addr` overrides on top.
 */

/** `host:port` (lower-case host) → address. */
export type ResolveOverrides = ReadonlyMap<string, string>;

export function resolveKey(host: string, port: number): string {
  return `${host.toLowerCase()}:${port}`;
}

/** curl's `--resolve host:port:addr`; an IPv6 address may be bracketed. Throws RangeError with the reason. */
export function parseResolve(entries: readonly string[]): ResolveOverrides {
  const overrides = new Map<string, string>();
  for (const entry of entries) {
    const match = /^([^:\s]+):(\d{1,5}):(?:\[([^\]]+)\]|(\S+))$/.exec(entry);
    const address = match?.[3] ?? match?.[4];
    const port = Number(match?.[2]);
    if (!match || address === undefined || port < 1 || port > 65535 || net.isIP(address) === 0) {
      throw new RangeError(`--resolve "${entry}": expected host:port:address with an IP address (api.example.com:443:10.0.0.5)`);
    }
    overrides.set(resolveKey(match[1]!, port), address);
  }
  return overrides;
}

/**
 * A `lookup` for net/tls/undici connections to `port`: an overridden name
 * answers with its address, anything else goes to the system resolver.
 * Node asks with `all: true` when it races IPv4 and IPv6, so both answer shapes are given.
 */
export function lookupFor(overrides: ResolveOverrides, port: number): LookupFunction {
  return (hostname, options, callback) => {
    const address = overrides.get(resolveKey(hostname, port));
    if (address === undefined) {
      dns.lookup(hostname, options, callback);
      return;
    }
    const family = net.isIPv6(address) ? 6 : 4;
    if (options.all) (callback as (error: null, addresses: dns.LookupAddress[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

export interface ProxySettings {
  http: string | undefined;
  https: string | undefined;
  noProxy: string;
}

/** The variables as undici's EnvHttpProxyAgent reads them: lower case first. */
export function proxySettings(env: NodeJS.ProcessEnv): ProxySettings {
  const pick = (name: string) => (env[name.toLowerCase()] ?? env[name.toUpperCase()]) || undefined;
  return { http: pick('http_proxy'), https: pick('https_proxy') ?? pick('http_proxy'), noProxy: pick('no_proxy') ?? '' };
}

/** NO_PROXY as undici applies it: `*` alone, or entries `host[:port]` matching the host or a subdomain (a leading `.` or `*.` is ignored). */
function bypassesProxy(noProxy: string, host: string, port: number): boolean {
  if (noProxy.trim() === '*') return true;
  const name = host.toLowerCase();
  for (const raw of noProxy.split(/[,\s]/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    const match = /^(.+?)(?::(\d+))?$/.exec(entry.replace(/^\*?\./, ''))!;
    if (match[2] !== undefined && Number(match[2]) !== port) continue;
    if (name === match[1] || name.endsWith(`.${match[1]}`)) return true;
  }
  return false;
}

/** The proxy URL for a connection to host:port made for a URL of `scheme`, or undefined when it goes direct. */
export function proxyFor(proxies: ProxySettings, scheme: 'http' | 'https', host: string, port: number): URL | undefined {
  const proxy = scheme === 'https' ? proxies.https : proxies.http;
  if (proxy === undefined || bypassesProxy(proxies.noProxy, host, port)) return undefined;
  return new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
}
