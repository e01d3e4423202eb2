import { PolicyCompileError } from '../../diagnostics.ts';
import { PolicyFailure } from '../../failure.ts';
import type { PolicyCompiler, PolicyDefinition, PolicyElement, ValueOf } from '../../types.ts';
import type { RequestContext } from '../../context/request-context.ts';
import { rsaKey, symmetricKey, type SigningKey } from './keys.ts';
import { openIdKeySource, type OpenIdKeySource } from './openid.ts';
import { NOT_PRESENT_MESSAGE, validateJwt, type JwtRules, type RequiredClaim } from './validate.ts';

/**
 * validate-jwt (APIM-REFERENCE §4): takes the token from a header, a query
 * parameter or an expression, checks it (validate.ts) and refuses the request
 * with `failed-validation-httpcode` (401). What the caller reads: the
 * `failed-validation-error-message` when given, else `JWT not present.` for a
 * missing token (error-handling doc) and `Invalid JWT.` for a bad one
 * (observed; APIM-REFERENCE §1.2); LastError.Message always holds the detailed
 * reason. No WWW-Authenticate header: the docs mention none and no capture shows one.
 */

const INVALID_MESSAGE = 'Invalid JWT.';

const CHILDREN = new Set(['openid-config', 'issuer-signing-keys', 'decryption-keys', 'audiences', 'issuers', 'required-claims']);

type TokenSource = (context: RequestContext) => string | undefined;

export const validateJwtPolicy: PolicyDefinition = {
  name: 'validate-jwt',
  sections: ['inbound'],
  attributes: ['header-name', 'query-parameter-name', 'token-value', 'failed-validation-httpcode', 'failed-validation-error-message', 'require-expiration-time', 'require-scheme', 'require-signed-tokens', 'clock-skew', 'output-token-variable-name'],
  compile(element, compiler) {
    const tokenOf = tokenSource(element, compiler);
    const statusCode = compiler.integer(element, 'failed-validation-httpcode', 401);
    const errorMessage = compiler.optionalString(element, 'failed-validation-error-message');
    const requireExpirationTime = compiler.boolean(element, 'require-expiration-time', true);
    const requireSignedTokens = compiler.boolean(element, 'require-signed-tokens', true);
    const clockSkew = compiler.integer(element, 'clock-skew', 0);
    const outputVariable = compiler.optionalLiteral(element, 'output-token-variable-name');

    const inlineKeys: SigningKey[] = [];
    const sources: OpenIdKeySource[] = [];
    let audiences: ValueOf<string>[] = [];
    let issuers: ValueOf<string>[] = [];
    let claims: { claim: RequiredClaim; values: ValueOf<string>[] }[] = [];
    for (const child of element.children) {
      if (!CHILDREN.has(child.name)) compiler.fail(`validate-jwt: unexpected element <${child.name}>`, child);
      if (child.name === 'openid-config') sources.push(openIdKeySource(compiler.literal(child, 'url'), compiler.services.logger));
      else if (child.name === 'issuer-signing-keys') inlineKeys.push(...signingKeys(child, compiler));
      else if (child.name === 'decryption-keys') compiler.fail('validate-jwt: decryption-keys (encrypted tokens) are not supported yet', child);
      else if (child.name === 'audiences') audiences = textsOf(child, 'audience', compiler);
      else if (child.name === 'issuers') issuers = textsOf(child, 'issuer', compiler);
      else claims = requiredClaims(child, compiler);
    }

    const lookupKeys = async (kid: string | undefined): Promise<readonly SigningKey[]> => {
      if (sources.length === 0) return inlineKeys;
      const known = kid === undefined || inlineKeys.some((key) => key.id === kid);
      const fetched = await Promise.all(sources.map((source) => (known ? source.keys() : source.keysIncluding(kid))));
      return [...inlineKeys, ...fetched.flat()];
    };

    return async (context) => {
      const token = tokenOf(context);
      if (!token) throw new PolicyFailure(statusCode(context), 'TokenNotPresent', errorMessage?.(context) ?? NOT_PRESENT_MESSAGE, { lastErrorMessage: NOT_PRESENT_MESSAGE });
      const rules: JwtRules = {
        requireExpirationTime: requireExpirationTime(context),
        requireSignedTokens: requireSignedTokens(context),
        clockSkewSeconds: clockSkew(context),
        audiences: audiences.map((value) => value(context)),
        issuers: issuers.map((value) => value(context)),
        requiredClaims: claims.map(({ claim, values }) => ({ claim, values: values.map((value) => value(context)) })),
      };
      const outcome = await validateJwt(token, rules, lookupKeys, Date.now());
      if (!outcome.ok) throw new PolicyFailure(statusCode(context), outcome.reason, errorMessage?.(context) ?? INVALID_MESSAGE, { lastErrorMessage: outcome.message });
      if (outputVariable !== undefined) context.variables.set(outputVariable, outcome.jwt);
    };
  },
};

function tokenSource(element: PolicyElement, compiler: PolicyCompiler): TokenSource {
  const given = ['header-name', 'query-parameter-name', 'token-value'].filter((name) => element.attributes.has(name));
  if (given.length !== 1) compiler.fail('validate-jwt: exactly one of header-name, query-parameter-name or token-value is required', element);
  const headerName = compiler.optionalString(element, 'header-name');
  if (headerName) {
    const scheme = compiler.optionalString(element, 'require-scheme');
    return (context) => headerToken(context, headerName(context), scheme?.(context));
  }
  const queryName = compiler.optionalString(element, 'query-parameter-name');
  if (queryName) return (context) => context.request.url.query.joined(queryName(context))?.trim() || undefined;
  const value = compiler.string(element, 'token-value');
  return (context) => value(context)?.trim() || undefined;
}

/**
 * The token in a header. `Bearer eyJ…` is how Authorization carries it, so a
 * leading scheme word is dropped; `require-scheme` only applies to
 * Authorization (doc) and a different scheme there counts as no token.
 */
export function headerToken(context: RequestContext, name: string, scheme: string | undefined): string | undefined {
  const value = context.request.headers.get(name)?.[0]?.trim();
  if (!value) return undefined;
  const space = value.search(/\s/);
  const givenScheme = space < 0 ? undefined : value.slice(0, space);
  const token = space < 0 ? value : value.slice(space).trim();
  if (scheme && name.toLowerCase() === 'authorization' && givenScheme?.toLowerCase() !== scheme.toLowerCase()) return undefined;
  return token || undefined;
}

function signingKeys(element: PolicyElement, compiler: PolicyCompiler): SigningKey[] {
  return element.children.map((key) => {
    if (key.name !== 'key') compiler.fail(`validate-jwt: unexpected element <${key.name}> in issuer-signing-keys`, key);
    const id = compiler.optionalLiteral(key, 'id');
    if (key.attributes.has('certificate-id')) compiler.fail('validate-jwt: certificate-id keys need certificates, which snapshots do not carry yet', key.attributes.get('certificate-id'));
    const n = compiler.optionalLiteral(key, 'n');
    const e = compiler.optionalLiteral(key, 'e');
    try {
      if (n !== undefined || e !== undefined) {
        if (n === undefined || e === undefined) compiler.fail('validate-jwt: an RSA key needs both n and e', key);
        return rsaKey(id, n, e);
      }
      const text = key.text;
      if (!text) return compiler.fail('validate-jwt: a key needs a Base64 value, n and e, or certificate-id', key);
      if (text.value.startsWith('@')) compiler.fail('validate-jwt: signing keys cannot be policy expressions', text);
      return symmetricKey(id, text.value);
    } catch (error) {
      if (error instanceof PolicyCompileError) throw error;
      return compiler.fail(`validate-jwt: invalid signing key: ${(error as Error).message}`, key);
    }
  });
}

function textsOf(element: PolicyElement, childName: string, compiler: PolicyCompiler): ValueOf<string>[] {
  return element.children.map((child) => {
    if (child.name !== childName) compiler.fail(`validate-jwt: unexpected element <${child.name}> in ${element.name}`, child);
    return compiler.text(child) ?? compiler.fail(`validate-jwt: <${childName}> needs a value`, child);
  });
}

function requiredClaims(element: PolicyElement, compiler: PolicyCompiler): { claim: RequiredClaim; values: ValueOf<string>[] }[] {
  return element.children.map((child) => {
    if (child.name !== 'claim') compiler.fail(`validate-jwt: unexpected element <${child.name}> in required-claims`, child);
    const claim: RequiredClaim = {
      name: compiler.literal(child, 'name'),
      match: compiler.choice(child, 'match', ['all', 'any'], 'all'),
      separator: compiler.optionalLiteral(child, 'separator'),
    };
    return { claim, values: textsOf(child, 'value', compiler) };
  });
}
