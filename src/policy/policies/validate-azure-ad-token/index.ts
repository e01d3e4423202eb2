import { decodeJwt } from 'jose';
import { PolicyFailure } from '../../failure.ts';
import type { RequestContext } from '../../context/request-context.ts';
import type { PolicyCompiler, PolicyDefinition, PolicyElement, ValueOf } from '../../types.ts';
import { headerToken } from '../validate-jwt/index.ts';
import { openIdKeySource } from '../validate-jwt/openid.ts';
import { NOT_PRESENT_MESSAGE, validateJwt, type JwtOutcome, type RequiredClaim } from '../validate-jwt/validate.ts';
import { authorityOf, DEFAULT_AUTHENTICATION_ENDPOINT, metadataUrl, tenantSegment, validIssuers } from './tenant.ts';

/**
 * validate-azure-ad-token (Microsoft Learn "Validate Microsoft Entra token"):
 * validate-jwt specialised for Entra ID. The signing keys are the tenant's
 * (`<authentication-endpoint>/<tenant-id>/v2.0/.well-known/openid-configuration`,
 * fetched and cached by validate-jwt's OpenID key source), the issuer must be
 * the tenant's (v1.0 or v2.0 form, tenant.ts), the caller's application
 * (`appid` in v1.0 tokens, `azp` in v2.0) must be one of
 * `client-application-ids`, and the audience one of `audiences` or of
 * `backend-application-ids` (as the id or `api://<id>`). Expiry is required
 * and the signature too, with no clock skew (validate-jwt's defaults). Failure
 * texts and LastError reasons are validate-jwt's; a client application not
 * allowed is reported like a claim value not allowed, as APIM documents no
 * reason of its own for it.
 *
 * `authentication-endpoint` (newer docs; national clouds) also lets tests
 * and air-gapped set-ups point at another authority, so apimgw needs no
 * setting of its own for it.
 */

const INVALID_MESSAGE = 'Invalid JWT.';
const CHILDREN = new Set(['client-application-ids', 'backend-application-ids', 'audiences', 'required-claims', 'decryption-keys']);

export const validateAzureAdTokenPolicy: PolicyDefinition = {
  name: 'validate-azure-ad-token',
  sections: ['inbound'],
  attributes: ['tenant-id', 'header-name', 'query-parameter-name', 'token-value', 'authentication-endpoint', 'failed-validation-httpcode', 'failed-validation-error-message', 'output-token-variable-name'],
  compile(element, compiler) {
    const tokenOf = tokenSource(element, compiler);
    const statusCode = compiler.integer(element, 'failed-validation-httpcode', 401);
    const errorMessage = compiler.optionalString(element, 'failed-validation-error-message');
    const outputVariable = compiler.optionalLiteral(element, 'output-token-variable-name');
    const tenant = tenantSegment(compiler.literal(element, 'tenant-id'));
    if (tenant === '') compiler.fail('validate-azure-ad-token: tenant-id is empty', element.attributes.get('tenant-id'));
    const endpoint = compiler.optionalLiteral(element, 'authentication-endpoint') ?? DEFAULT_AUTHENTICATION_ENDPOINT;
    let authority: URL;
    try {
      authority = authorityOf(endpoint);
    } catch (error) {
      return compiler.fail(`validate-azure-ad-token: authentication-endpoint "${endpoint}" is not usable: ${(error as Error).message}`, element.attributes.get('authentication-endpoint'));
    }
    // What validIssuers falls back to when the tenant's id is unknown: the tenant as named, so no token matches by accident.
    const namedIssuer = `${authority.origin}/${tenant}/v2.0`;
    const source = openIdKeySource(metadataUrl(authority, tenant), compiler.services.logger);

    let clientIds: ValueOf<string>[] | undefined;
    let backendIds: ValueOf<string>[] = [];
    let audiences: ValueOf<string>[] = [];
    let claims: { claim: RequiredClaim; values: ValueOf<string>[] }[] = [];
    for (const child of element.children) {
      if (!CHILDREN.has(child.name)) compiler.fail(`validate-azure-ad-token: unexpected element <${child.name}>`, child);
      if (child.name === 'client-application-ids') clientIds = textsOf(child, 'application-id', compiler);
      else if (child.name === 'backend-application-ids') backendIds = textsOf(child, 'application-id', compiler);
      else if (child.name === 'audiences') audiences = textsOf(child, 'audience', compiler);
      else if (child.name === 'required-claims') claims = requiredClaims(child, compiler);
      else compiler.fail('validate-azure-ad-token: decryption-keys (encrypted tokens) are not supported', child);
    }
    if (!clientIds || clientIds.length === 0) return compiler.fail('validate-azure-ad-token: client-application-ids with at least one application-id is required', element);
    const allowedClients = clientIds;

    const lookupKeys = (kid: string | undefined) => (kid === undefined ? source.keys() : source.keysIncluding(kid));

    return async (context) => {
      const token = tokenOf(context);
      if (!token) throw new PolicyFailure(statusCode(context), 'TokenNotPresent', errorMessage?.(context) ?? NOT_PRESENT_MESSAGE, { lastErrorMessage: NOT_PRESENT_MESSAGE });
      // The keys are fetched first: the tenant's issuer comes with them.
      await source.keys();
      const allowedAudiences = [...audiences.map((value) => value(context)), ...backendIds.flatMap((value) => [value(context), `api://${value(context)}`])];
      const outcome = await validateJwt(token, {
        requireExpirationTime: true,
        requireSignedTokens: true,
        clockSkewSeconds: 0,
        audiences: allowedAudiences,
        issuers: validIssuers(source.issuer, authority, tokenTenantId(token)) ?? [namedIssuer],
        requiredClaims: claims.map(({ claim, values }) => ({ claim, values: values.map((value) => value(context)) })),
      }, lookupKeys, Date.now());
      const refusal = outcome.ok ? clientRefusal(outcome.jwt.Claims, allowedClients.map((value) => value(context))) : outcome;
      if (refusal) throw new PolicyFailure(statusCode(context), refusal.reason, errorMessage?.(context) ?? INVALID_MESSAGE, { lastErrorMessage: refusal.message });
      if (outputVariable !== undefined && outcome.ok) context.variables.set(outputVariable, outcome.jwt);
    };
  },
};

type Claims = Extract<JwtOutcome, { ok: true }>['jwt']['Claims'];

/** v1.0 tokens name the calling application in `appid`, v2.0 tokens in `azp`; undefined when it is allowed. */
function clientRefusal(claims: Claims, allowed: readonly string[]): Exclude<JwtOutcome, { ok: true }> | undefined {
  const appId = String(claims.GetValueOrDefault('appid', '') || claims.GetValueOrDefault('azp', ''));
  if (appId === '') return { ok: false, reason: 'TokenClaimNotFound', message: 'JWT token is missing the following claims: appid, azp. Access denied.' };
  if (allowed.some((id) => id.toLowerCase() === appId.toLowerCase())) return undefined;
  return { ok: false, reason: 'TokenClaimValueNotAllowed', message: `Client application ID ${appId} is not allowed. Access denied.` };
}

function tokenTenantId(token: string): string | undefined {
  try {
    const tid = decodeJwt(token).tid;
    return typeof tid === 'string' ? tid : undefined;
  } catch {
    return undefined;
  }
}

/** The token from one of header-name (default Authorization, Bearer scheme), query-parameter-name or token-value. */
function tokenSource(element: PolicyElement, compiler: PolicyCompiler): (context: RequestContext) => string | undefined {
  const given = ['header-name', 'query-parameter-name', 'token-value'].filter((name) => element.attributes.has(name));
  if (given.length > 1) compiler.fail('validate-azure-ad-token: only one of header-name, query-parameter-name or token-value may be given', element);
  const queryName = compiler.optionalString(element, 'query-parameter-name');
  if (queryName) return (context) => context.request.url.query.joined(queryName(context))?.trim() || undefined;
  const value = compiler.optionalString(element, 'token-value');
  if (value) return (context) => value(context)?.trim() || undefined;
  const headerName = compiler.optionalString(element, 'header-name') ?? (() => 'Authorization');
  return (context) => headerToken(context, headerName(context), 'Bearer');
}

function textsOf(element: PolicyElement, childName: string, compiler: PolicyCompiler): ValueOf<string>[] {
  return element.children.map((child) => {
    if (child.name !== childName) compiler.fail(`validate-azure-ad-token: unexpected element <${child.name}> in ${element.name}`, child);
    return compiler.text(child) ?? compiler.fail(`validate-azure-ad-token: <${childName}> needs a value`, child);
  });
}

function requiredClaims(element: PolicyElement, compiler: PolicyCompiler): { claim: RequiredClaim; values: ValueOf<string>[] }[] {
  return element.children.map((child) => {
    if (child.name !== 'claim') compiler.fail(`validate-azure-ad-token: unexpected element <${child.name}> in required-claims`, child);
    const claim: RequiredClaim = {
      name: compiler.literal(child, 'name'),
      match: compiler.choice(child, 'match', ['all', 'any'], 'all'),
      separator: compiler.optionalLiteral(child, 'separator'),
    };
    return { claim, values: textsOf(child, 'value', compiler) };
  });
}
