import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * Signing keys the token's signature is checked against: inline
 * `issuer-signing-keys/key` (Base64 symmetric, or RSA `n` + `e`) or the
 * JWKS of an `openid-config`. `id` is matched against the token's `kid`.
 */
export interface SigningKey {
  readonly id: string | undefined;
  readonly key: KeyObject | Uint8Array;
  /** JWS algorithms this key may verify. */
  readonly algorithms: readonly string[];
}

const SYMMETRIC = ['HS256', 'HS384', 'HS512'];
const RSA = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC = ['ES256', 'ES384', 'ES512'];

/** `<key>Base64</key>`: a shared secret; throws when the text is not Base64. */
export function symmetricKey(id: string | undefined, base64: string): SigningKey {
  const compact = base64.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/\-_]*={0,2}$/.test(compact)) throw new Error('the key is not a Base64 string');
  return { id, key: new Uint8Array(Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64')), algorithms: SYMMETRIC };
}

/** `<key n="…" e="…"/>`: an RSA public key from Base64url modulus and exponent; throws when they do not form one. */
export function rsaKey(id: string | undefined, n: string, e: string): SigningKey {
  return { id, key: createPublicKey({ key: { kty: 'RSA', n: toBase64Url(n), e: toBase64Url(e) }, format: 'jwk' }), algorithms: RSA };
}

/** A JWKS entry usable for signatures; undefined for encryption keys and key types we cannot verify with. */
export function jwkKey(jwk: JsonWebKey & { kid?: unknown; use?: unknown }): SigningKey | undefined {
  if (jwk.use !== undefined && jwk.use !== 'sig') return undefined;
  const id = typeof jwk.kid === 'string' ? jwk.kid : undefined;
  try {
    if (jwk.kty === 'RSA' && typeof jwk.n === 'string' && typeof jwk.e === 'string') return { id, key: createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }), algorithms: RSA };
    if (jwk.kty === 'EC' && typeof jwk.x === 'string' && typeof jwk.y === 'string') return { id, key: createPublicKey({ key: { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' }), algorithms: EC };
    if (jwk.kty === 'RSA' && Array.isArray(jwk.x5c) && typeof jwk.x5c[0] === 'string') {
      const pem = `-----BEGIN CERTIFICATE-----\n${jwk.x5c[0]}\n-----END CERTIFICATE-----`;
      return { id, key: createPublicKey(pem), algorithms: RSA };
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function toBase64Url(value: string): string {
  return value.trim().replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
