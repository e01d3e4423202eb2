import { DotNetException, type OutRef } from '../host.ts';
import { Dictionary } from '../runtime/collections.ts';
import { DateTime, DateTimeKind } from '../runtime/datetime.ts';
import type { ExtensionMethod } from './index.ts';

/**
 * APIM's string extensions for Authorization header values: `AsJwt()` /
 * `TryParseJwt(out jwt)` decode (never validate) a JWT, with or without the
 * `Bearer ` scheme; `AsBasic()` / `TryParseBasic(out creds)` decode
 * `Basic base64(user:password)`, with or without the scheme. Both give null
 * for anything else.
 */

/** Jwt.Claims: claim name → values; GetValueOrDefault joins several values with commas, as APIM does. */
export class JwtClaims extends Dictionary {
  override GetValueOrDefault(key: unknown, fallback: unknown = null): unknown {
    return this.ContainsKey(key) ? (this.get_Item(key) as string[]).join(',') : fallback;
  }
}

export class Jwt {
  readonly Algorithm: string | null;
  readonly Type: string | null;
  readonly Claims: JwtClaims;
  readonly #payload: Record<string, unknown>;

  constructor(header: Record<string, unknown>, payload: Record<string, unknown>) {
    this.Algorithm = stringOrNull(header.alg);
    this.Type = stringOrNull(header.typ);
    this.#payload = payload;
    this.Claims = new JwtClaims();
    for (const [name, value] of Object.entries(payload)) this.Claims.Add(name, claimValues(value));
  }

  get Audiences(): string[] {
    return this.#payload.aud === undefined ? [] : claimValues(this.#payload.aud);
  }

  get Id(): string | null {
    return stringOrNull(this.#payload.jti);
  }

  get Issuer(): string | null {
    return stringOrNull(this.#payload.iss);
  }

  get Subject(): string | null {
    return stringOrNull(this.#payload.sub);
  }

  get ExpirationTime(): DateTime | null {
    return unixTime(this.#payload.exp);
  }

  get IssuedAt(): DateTime | null {
    return unixTime(this.#payload.iat);
  }

  get NotBefore(): DateTime | null {
    return unixTime(this.#payload.nbf);
  }
}

export class BasicAuthCredentials {
  readonly UserId: string;
  readonly Password: string | null;
  constructor(userId: string, password: string | null) {
    this.UserId = userId;
    this.Password = password;
  }
}

function stringOrNull(value: unknown): string | null {
  return value === undefined || value === null ? null : typeof value === 'string' ? value : JSON.stringify(value);
}

/** Claim values as strings: arrays give one value per item, objects their JSON. */
function claimValues(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
}

function unixTime(value: unknown): DateTime | null {
  const seconds = typeof value === 'string' ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) ? DateTime.of(Math.trunc(seconds) * 1000, DateTimeKind.Utc) : null;
}

const BEARER = /^\s*bearer\s+/i;
const BASIC = /^\s*basic\s+/i;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function decodeSegment(segment: string): Record<string, unknown> | null {
  if (!BASE64URL.test(segment)) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The Jwt in a token or an Authorization header value, or null. */
export function parseJwt(input: string | null | undefined): Jwt | null {
  if (typeof input !== 'string') return null;
  const parts = input.replace(BEARER, '').trim().split('.');
  if (parts.length !== 3 || !BASE64URL.test(parts[2]!)) return null;
  const header = decodeSegment(parts[0]!);
  const payload = header && decodeSegment(parts[1]!);
  return header && payload ? new Jwt(header, payload) : null;
}

/** The credentials in `Basic base64(user:password)` (scheme optional), or null. */
export function parseBasic(input: string | null | undefined): BasicAuthCredentials | null {
  if (typeof input !== 'string') return null;
  const encoded = input.replace(BASIC, '').trim();
  if (encoded === '' || encoded.length % 4 !== 0 || !BASE64.test(encoded)) return null;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? new BasicAuthCredentials(decoded, null) : new BasicAuthCredentials(decoded.slice(0, colon), decoded.slice(colon + 1));
}

const onString = (target: unknown): boolean => typeof target === 'string';

function tryParse(parse: (input: string) => unknown): ExtensionMethod['invoke'] {
  return (target, _typeArguments, args) => {
    const out = args[0] as OutRef | undefined;
    if (!out) throw new DotNetException('ArgumentNullException', "Value cannot be null. (Parameter 'result')");
    out.value = parse(target as string);
    return out.value !== null;
  };
}

export const AUTH_EXTENSIONS: Record<string, readonly ExtensionMethod[]> = {
  AsJwt: [{ appliesTo: onString, invoke: (target) => parseJwt(target as string) }],
  TryParseJwt: [{ appliesTo: onString, invoke: tryParse(parseJwt) }],
  AsBasic: [{ appliesTo: onString, invoke: (target) => parseBasic(target as string) }],
  TryParseBasic: [{ appliesTo: onString, invoke: tryParse(parseBasic) }],
};
