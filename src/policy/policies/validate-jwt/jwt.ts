import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { HostDictionary } from '../../context/dictionary.ts';

/**
 * APIM's `Jwt` type: what `output-token-variable-name` stores and what the
 * expression extension `string.AsJwt()` returns. Claims keep every value
 * as a string array (`Claims["roles"]`), `GetValueOrDefault` joins them with
 * commas as APIM's helper does. Dates are JS Dates (UTC) until the
 * expression runtime settles on a DateTime type; null when the claim is absent.
 */
export class Jwt {
  readonly Id: string | null;
  readonly Algorithm: string | null;
  readonly Type: string | null;
  readonly Issuer: string | null;
  readonly Subject: string | null;
  readonly Audiences: readonly string[];
  readonly Claims: ClaimDictionary;
  readonly ExpirationTime: Date | null;
  readonly NotBefore: Date | null;
  readonly IssuedAt: Date | null;
  /** The decoded payload, for validation. */
  readonly payload: JWTPayload;

  constructor(header: { alg?: string; typ?: string }, payload: JWTPayload) {
    this.payload = payload;
    this.Algorithm = header.alg ?? null;
    this.Type = header.typ ?? null;
    this.Id = typeof payload.jti === 'string' ? payload.jti : null;
    this.Issuer = typeof payload.iss === 'string' ? payload.iss : null;
    this.Subject = typeof payload.sub === 'string' ? payload.sub : null;
    this.Audiences = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud.map(String) : [String(payload.aud)];
    this.ExpirationTime = epochDate(payload.exp);
    this.NotBefore = epochDate(payload.nbf);
    this.IssuedAt = epochDate(payload.iat);
    this.Claims = new ClaimDictionary();
    for (const name of Object.keys(payload)) this.Claims.set(name, claimValues(payload[name]));
  }

  /** A compact JWS (or unsigned JWT); null when the text is not one, as `AsJwt()` answers. */
  static parse(token: string): Jwt | null {
    try {
      return new Jwt(decodeProtectedHeader(token), decodeJwt(token));
    } catch {
      return null;
    }
  }
}

/** Claim name → values; names are case-sensitive as in the token. */
export class ClaimDictionary extends HostDictionary<string[]> {
  constructor() {
    super(false);
  }

  GetValueOrDefault(name: string, defaultValue: string | null = null): string | null {
    return this.get(name)?.join(',') ?? defaultValue;
  }
}

/** A claim's values as strings, as .NET's JwtSecurityToken flattens them (arrays → one value each, objects → JSON). */
export function claimValues(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(claimText);
  return [claimText(value)];
}

function claimText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

function epochDate(seconds: unknown): Date | null {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000) : null;
}
