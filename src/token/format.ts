/**
 * Gateway tokens: `GatewayKey {gatewayId}&{yyyyMMddHHmm UTC expiry}&{signature}`,
 * the shape of the tokens Azure's `gateways/{g}/generateToken` returns and the
 * self-hosted gateway sends as `Authorization: GatewayKey …`.
 *
 * signature = base64(HMAC-SHA512(key = UTF-8 bytes of the key string,
 *                                data = UTF-8 of gatewayId + "\n" + expiry field))
 *
 * The key is used as text, never base64-decoded: Azure's own SAS samples do the
 * same (`HMACSHA512.Key = Encoding.UTF8.GetBytes(key)`), and its gateway keys
 * are base64-looking strings used that way. The signed expiry is the token's
 * own `yyyyMMddHHmm` field, so a verifier needs nothing beyond the token.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TOKEN_SCHEME = 'GatewayKey';
export const MAX_TOKEN_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
/** Clock skew tolerated between the machine that signed a token and the one verifying it. */
const LIFETIME_SKEW_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export type KeyType = 'primary' | 'secondary';

export interface GatewayKeys {
  primary?: string;
  secondary?: string;
}

export interface ParsedToken {
  gatewayId: string;
  /** The expiry as written in the token: yyyyMMddHHmm, UTC. */
  expiryText: string;
  expiry: Date;
  signature: string;
}

export type VerifyResult =
  | { ok: true; keyType: KeyType; token: ParsedToken }
  | { ok: false; code: 'TokenExpired' | 'InvalidToken'; reason: string };

/** A token that is not even well formed; the message says which part and never repeats the signature. */
export class TokenFormatError extends Error {
  override readonly name = 'TokenFormatError';
}

const EXPIRY_PATTERN = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/;
// 64 HMAC-SHA512 bytes are always 88 base64 characters ending in "==".
const SIGNATURE_PATTERN = /^[A-Za-z0-9+/]{86}==$/;
const GATEWAY_ID_PATTERN = /^[^\s&]{1,80}$/;

export function formatExpiry(expiry: Date): string {
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  return `${pad(expiry.getUTCFullYear(), 4)}${pad(expiry.getUTCMonth() + 1)}${pad(expiry.getUTCDate())}${pad(expiry.getUTCHours())}${pad(expiry.getUTCMinutes())}`;
}

export function parseExpiry(text: string): Date {
  const match = EXPIRY_PATTERN.exec(text);
  if (!match) throw new TokenFormatError(`the expiry "${text}" is not yyyyMMddHHmm (12 digits, UTC)`);
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  const expiry = new Date(Date.UTC(year, month - 1, day, hour, minute));
  if (formatExpiry(expiry) !== text) throw new TokenFormatError(`the expiry "${text}" is not a real date and time`);
  return expiry;
}

function sign(gatewayId: string, expiryText: string, key: string): string {
  return createHmac('sha512', Buffer.from(key, 'utf8')).update(`${gatewayId}\n${expiryText}`, 'utf8').digest('base64');
}

/**
 * Signs a token for `gatewayId` valid until `expiry` (rounded down to the
 * minute, the token's precision). Throws RangeError when the expiry is not in
 * the future or lies more than 30 days after `now`.
 */
export function createToken(gatewayId: string, key: string, expiry: Date, now: Date = new Date()): string {
  if (!GATEWAY_ID_PATTERN.test(gatewayId)) throw new RangeError(`the gateway id "${gatewayId}" must be 1-80 characters without spaces or "&"`);
  if (key.length === 0) throw new RangeError('the gateway key is empty');
  const minute = new Date(Math.floor(expiry.getTime() / 60_000) * 60_000);
  if (minute.getTime() <= now.getTime()) throw new RangeError(`the expiry ${minute.toISOString()} is not in the future`);
  if (minute.getTime() - now.getTime() > MAX_TOKEN_LIFETIME_MS) {
    throw new RangeError(`the expiry ${minute.toISOString()} is more than 30 days away (the maximum a gateway token may live)`);
  }
  const expiryText = formatExpiry(minute);
  return `${TOKEN_SCHEME} ${gatewayId}&${expiryText}&${sign(gatewayId, expiryText, key)}`;
}

/** Parses a token with or without its `GatewayKey ` prefix; surrounding whitespace is ignored. */
export function parseToken(text: string): ParsedToken {
  let body = text.trim();
  if (body.length === 0) throw new TokenFormatError('the token is empty');
  const space = body.indexOf(' ');
  if (space !== -1) {
    const scheme = body.slice(0, space);
    if (scheme !== TOKEN_SCHEME) throw new TokenFormatError(`the token starts with "${scheme.slice(0, 20)}", expected "${TOKEN_SCHEME} " or nothing`);
    body = body.slice(space + 1).trimStart();
  }
  const parts = body.split('&');
  if (parts.length !== 3) throw new TokenFormatError(`a token has 3 parts separated by "&" (gateway&expiry&signature), this one has ${parts.length}`);
  const [gatewayId, expiryText, signature] = parts as [string, string, string];
  if (!GATEWAY_ID_PATTERN.test(gatewayId)) throw new TokenFormatError('the gateway id part is empty, too long or holds spaces');
  const expiry = parseExpiry(expiryText);
  if (!SIGNATURE_PATTERN.test(signature)) throw new TokenFormatError('the signature part is not a base64 HMAC-SHA512 (88 characters)');
  return { gatewayId, expiryText, expiry, signature };
}

function signatureMatches(token: ParsedToken, key: string | undefined): boolean {
  if (!key) return false;
  const expected = Buffer.from(sign(token.gatewayId, token.expiryText, key));
  const actual = Buffer.from(token.signature);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Checks a token for `gatewayId` against both keys. The signature is checked
 * before the expiry so "expired" is only ever said of a genuine token.
 */
export function verifyToken(token: string | ParsedToken, gatewayId: string, keys: GatewayKeys, now: Date = new Date()): VerifyResult {
  let parsed: ParsedToken;
  try {
    parsed = typeof token === 'string' ? parseToken(token) : token;
  } catch (error) {
    if (error instanceof TokenFormatError) return { ok: false, code: 'InvalidToken', reason: `malformed token: ${error.message}` };
    throw error;
  }
  if (parsed.gatewayId !== gatewayId) return { ok: false, code: 'InvalidToken', reason: `the token is for gateway "${parsed.gatewayId}", not "${gatewayId}"` };
  const keyType: KeyType | undefined = signatureMatches(parsed, keys.primary) ? 'primary' : signatureMatches(parsed, keys.secondary) ? 'secondary' : undefined;
  if (!keyType) return { ok: false, code: 'InvalidToken', reason: 'the signature matches neither the primary nor the secondary key (wrong or regenerated key, or altered token)' };
  if (parsed.expiry.getTime() <= now.getTime()) return { ok: false, code: 'TokenExpired', reason: `the token expired at ${parsed.expiry.toISOString()}` };
  if (parsed.expiry.getTime() - now.getTime() > MAX_TOKEN_LIFETIME_MS + LIFETIME_SKEW_MS) {
    return { ok: false, code: 'InvalidToken', reason: `the token expires ${parsed.expiry.toISOString()}, more than 30 days away` };
  }
  return { ok: true, keyType, token: parsed };
}

/** Whole and fractional days until expiry; negative once expired. */
export function daysLeft(expiry: Date, now: Date = new Date()): number {
  return (expiry.getTime() - now.getTime()) / DAY_MS;
}

/** The token for logs and inspect output: gateway and expiry, the signature cut to 4 characters. */
export function redactToken(token: ParsedToken): string {
  return `${TOKEN_SCHEME} ${token.gatewayId}&${token.expiryText}&${token.signature.slice(0, 4)}…`;
}
