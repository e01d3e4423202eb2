import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { escapeRegExp } from '../text.ts';
import type { CompiledApi } from './router.ts';

/** Reading an incoming request: header values, the caller's address, the query without the key, and the key kept out of logs. */

export function headerValue(req: IncomingMessage, lowerName: string): string | undefined {
  const value = req.headers[lowerName];
  return Array.isArray(value) ? value[0] : value;
}

export function clientIp(req: IncomingMessage): string {
  return addressOf(req.socket);
}

/** The peer's address, IPv4-mapped IPv6 shown as IPv4. */
export function addressOf(socket: Socket): string {
  const address = socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** The subscription key is a secret: never log it, even when it came in the query string. */
export function redactKeyInUrl(url: string, api: CompiledApi | undefined, anyKey: RegExp | undefined): string {
  if (api === undefined) return anyKey && url.includes('?') ? url.replace(anyKey, '$1<redacted>') : url;
  if (!url.includes(`${api.keyQuery}=`)) return url;
  return url.replace(api.keyInUrl, '$1<redacted>');
}

/** The query string without one parameter (the subscription key), untouched when it is not there. */
export function withoutParameter(query: string, name: string): string {
  if (query === '' || !query.includes(`${name}=`)) return query;
  const params = new URLSearchParams(query);
  params.delete(name);
  return params.toString();
}

/** Every key query parameter name (and APIM's default), case-insensitively, for requests no API claimed. */
export function keyQueryPattern(names: readonly string[]): RegExp {
  const alternatives = [...new Set(['subscription-key', ...names])].map(escapeRegExp).join('|');
  return new RegExp(`([?&](?:${alternatives})=)[^&]*`, 'gi');
}
