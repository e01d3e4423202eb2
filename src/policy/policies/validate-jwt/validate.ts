import { compactVerify, decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import { parseJwt, type Jwt } from '../../expression/dotnet/auth.ts';
import type { SigningKey } from './keys.ts';

/**
 * The checks of validate-jwt, in the order .NET's JwtSecurityTokenHandler
 * (which APIM uses) runs them: format, signature, lifetime, audience,
 * issuer; then APIM's required claims. Failures carry APIM's LastError
 * reasons (error-handling doc, "Predefined errors for policies") and the
 * handler's IDX messages, which the doc says APIM passes on as
 * "<message from jwt library>. Access denied." (JwtInvalid: without the suffix).
 */

export type JwtFailureReason =
  | 'TokenNotPresent' | 'TokenSignatureInvalid' | 'TokenAudienceNotAllowed' | 'TokenIssuerNotAllowed'
  | 'TokenExpired' | 'TokenSignatureKeyNotFound' | 'TokenClaimNotFound' | 'TokenClaimValueNotAllowed' | 'JwtInvalid';

export type JwtOutcome = { ok: true; jwt: Jwt } | { ok: false; reason: JwtFailureReason; message: string };

export interface RequiredClaim {
  readonly name: string;
  readonly match: 'all' | 'any';
  readonly separator: string | undefined;
}

export interface JwtRules {
  readonly requireExpirationTime: boolean;
  readonly requireSignedTokens: boolean;
  readonly clockSkewSeconds: number;
  /** Empty: any audience. */
  readonly audiences: readonly string[];
  /** Empty: any issuer. */
  readonly issuers: readonly string[];
  readonly requiredClaims: readonly { claim: RequiredClaim; values: readonly string[] }[];
}

/** Where signing keys come from; `kid` lets an OpenID source refetch for a key it has not seen. */
export type KeyLookup = (kid: string | undefined) => Promise<readonly SigningKey[]>;

export const NOT_PRESENT_MESSAGE = 'JWT not present.';

export async function validateJwt(token: string, rules: JwtRules, lookupKeys: KeyLookup, nowMs: number): Promise<JwtOutcome> {
  const segments = token.split('.');
  if (segments.length === 5) return invalid('IDX10609: Decryption failed. Encrypted tokens (JWE) are not supported by this gateway.');
  if (segments.length !== 3) return invalid('IDX12741: JWT must have three segments (JWS) or five segments (JWE).');
  const decoded = decode(token);
  const jwt = decoded && parseJwt(token);
  if (!decoded || !jwt) return invalid('IDX12709: CanReadToken() returned false. JWT is not well formed. The token needs to be in JWS or JWE Compact Serialization Format.');

  const { payload } = decoded;
  const unsigned = segments[2] === '' || jwt.Algorithm === 'none';
  if (unsigned) {
    if (rules.requireSignedTokens) return denied('TokenSignatureInvalid', 'IDX10504: Unable to validate signature, token does not have a signature.');
  } else {
    const signature = await verifySignature(token, lookupKeys);
    if (signature) return signature;
  }

  const lifetime = checkLifetime(payload, rules, nowMs);
  if (lifetime) return lifetime;

  const audiences = payload.aud === undefined ? [] : claimValues(payload.aud);
  if (rules.audiences.length > 0) {
    if (audiences.length === 0) return denied('TokenAudienceNotAllowed', "IDX10206: Unable to validate audience. The 'audiences' parameter is empty.");
    if (!audiences.some((audience) => rules.audiences.includes(audience))) {
      return denied('TokenAudienceNotAllowed', `IDX10214: Audience validation failed. Audiences: '${audiences.join(', ')}'. Did not match: validationParameters.ValidAudience: 'null' or validationParameters.ValidAudiences: '${rules.audiences.join(', ')}'.`);
    }
  }

  const issuer = typeof payload.iss === 'string' ? payload.iss : undefined;
  if (rules.issuers.length > 0) {
    if (!issuer) return denied('TokenIssuerNotAllowed', "IDX10211: Unable to validate issuer. The 'issuer' parameter is null or whitespace");
    if (!rules.issuers.includes(issuer)) {
      return denied('TokenIssuerNotAllowed', `IDX10205: Issuer validation failed. Issuer: '${issuer}'. Did not match: validationParameters.ValidIssuer: 'null' or validationParameters.ValidIssuers: '${rules.issuers.join(', ')}'.`);
    }
  }

  return checkClaims(payload, rules) ?? { ok: true, jwt };
}

async function verifySignature(token: string, lookupKeys: KeyLookup): Promise<JwtOutcome | undefined> {
  const kid = headerKid(token);
  const keys = await lookupKeys(kid);
  if (keys.length === 0) return denied('TokenSignatureKeyNotFound', 'IDX10500: Signature validation failed. No security keys were provided to validate the signature.');
  const matching = kid === undefined ? [] : keys.filter((key) => key.id === kid);
  // As the handler does: keys whose id matches the kid first; with none, every key is tried.
  for (const key of matching.length > 0 ? matching : keys) {
    if (await verifies(token, key)) return undefined;
  }
  const tried = `${matching.length > 0 ? matching.length : keys.length} key(s)`;
  if (matching.length > 0) return denied('TokenSignatureInvalid', `IDX10511: Signature validation failed. Keys tried: '${tried}'. kid: '${kid}'.`);
  if (kid !== undefined) {
    return denied('TokenSignatureKeyNotFound', `IDX10503: Signature validation failed. The token's kid is: '${kid}', but did not match any keys in TokenValidationParameters or Configuration. Keys tried: '${tried}'.`);
  }
  return denied('TokenSignatureInvalid', `IDX10503: Signature validation failed. Token does not have a kid. Keys tried: '${tried}'.`);
}

async function verifies(token: string, key: SigningKey): Promise<boolean> {
  try {
    await compactVerify(token, key.key, { algorithms: [...key.algorithms] });
    return true;
  } catch {
    return false;
  }
}

function headerKid(token: string): string | undefined {
  const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as { kid?: unknown };
  return typeof header.kid === 'string' ? header.kid : undefined;
}

function checkLifetime(payload: JWTPayload, rules: JwtRules, nowMs: number): JwtOutcome | undefined {
  const skewMs = rules.clockSkewSeconds * 1000;
  const expires = epochDate(payload.exp);
  const notBefore = epochDate(payload.nbf);
  if (!expires && rules.requireExpirationTime) {
    return invalid("IDX10225: Lifetime validation failed. The token is missing an Expiration Time. Tokentype: 'System.IdentityModel.Tokens.Jwt.JwtSecurityToken'.");
  }
  if (notBefore && notBefore.getTime() > nowMs + skewMs) {
    return invalid(`IDX10222: Lifetime validation failed. The token is not yet valid. ValidFrom: '${dotNetDate(notBefore)}', Current time: '${dotNetDate(new Date(nowMs))}'.`);
  }
  if (expires && expires.getTime() < nowMs - skewMs) {
    return denied('TokenExpired', `IDX10223: Lifetime validation failed. The token is expired. ValidTo: '${dotNetDate(expires)}', Current time: '${dotNetDate(new Date(nowMs))}'.`);
  }
  return undefined;
}

function checkClaims(payload: JWTPayload, rules: JwtRules): JwtOutcome | undefined {
  const missing = rules.requiredClaims.filter(({ claim }) => payload[claim.name] === undefined).map(({ claim }) => claim.name);
  if (missing.length > 0) return { ok: false, reason: 'TokenClaimNotFound', message: `JWT token is missing the following claims: ${missing.join(', ')}. Access denied.` };
  for (const { claim, values } of rules.requiredClaims) {
    if (values.length === 0) continue;
    const raw = claimValues(payload[claim.name]);
    const present = claim.separator ? raw.flatMap((value) => value.split(claim.separator!)) : raw;
    const allowed = claim.match === 'all' ? values.every((value) => present.includes(value)) : values.some((value) => present.includes(value));
    if (!allowed) return { ok: false, reason: 'TokenClaimValueNotAllowed', message: `Claim ${claim.name} value of ${raw.join(',')} is not allowed. Access denied.` };
  }
  return undefined;
}

/** `DateTime.ToString()` in the invariant culture, which the IDX messages use: `01/02/2024 03:04:05`. */
function dotNetDate(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}/${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

function denied(reason: JwtFailureReason, libraryMessage: string): JwtOutcome {
  return { ok: false, reason, message: `${libraryMessage.replace(/\.$/, '')}. Access denied.` };
}

function invalid(libraryMessage: string): JwtOutcome {
  return { ok: false, reason: 'JwtInvalid', message: libraryMessage };
}

function decode(token: string): { payload: JWTPayload } | undefined {
  try {
    decodeProtectedHeader(token);
    return { payload: decodeJwt(token) };
  } catch {
    return undefined;
  }
}

/** A claim's values as strings, as .NET's JwtSecurityToken flattens them (arrays → one value each, objects → JSON). */
function claimValues(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
}

function epochDate(seconds: unknown): Date | undefined {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000) : undefined;
}
