import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import { SignJWT, exportJWK, type JWTPayload } from 'jose';
import { PolicyCompileError } from '../../../src/policy/diagnostics.ts';
import { Jwt } from '../../../src/policy/expression/dotnet/auth.ts';
import { PolicyFailure } from '../../../src/policy/failure.ts';
import { validateAzureAdTokenPolicy } from '../../../src/policy/policies/validate-azure-ad-token/index.ts';
import { listen } from '../../helpers.ts';
import { inbound, send, startBackend, startListener } from './listener.ts';
import { compileSection, requestContext, run } from './support.ts';

/**
 * A fake Entra ID authority on 127.0.0.1 (the policy's authentication-endpoint):
 * per-tenant v2.0 discovery documents and one JWKS, as login.microsoftonline.com
 * serves them. Tokens are signed here with node:crypto keys through jose.
 */

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const OTHER_TENANT = '00000000-1111-2222-3333-444444444444';
const CLIENT = 'c1a6b1e4-0000-4000-8000-00000000c11e';
const BACKEND = 'bacc0000-0000-4000-8000-0000000000be';

const signing = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...(await exportJWK(signing.publicKey)), kid: 'entra-key-1', use: 'sig' };
const metadataHits: string[] = [];
const authority = http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  const [tenant, ...rest] = req.url!.split('/').filter(Boolean);
  const path = rest.join('/');
  if (path === 'v2.0/.well-known/openid-configuration') {
    metadataHits.push(tenant!);
    const id = tenant === 'common' ? '{tenantid}' : TENANT;
    return void res.end(JSON.stringify({ issuer: `${base}/${id}/v2.0`, jwks_uri: `${base}/${TENANT}/discovery/v2.0/keys` }));
  }
  if (path === 'discovery/v2.0/keys') return void res.end(JSON.stringify({ keys: [jwk] }));
  res.statusCode = 404;
  res.end('{}');
});
const base = `http://127.0.0.1:${await listen(authority)}`;
after(() => {
  authority.closeAllConnections();
  authority.close();
});

const now = (): number => Math.floor(Date.now() / 1000);

function sign(payload: JWTPayload, key: KeyObject = signing.privateKey, kid = 'entra-key-1'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid }).sign(key);
}

/** A v2.0 access token for the backend, from the allowed client. */
const v2 = (claims: JWTPayload = {}) => sign({ iss: `${base}/${TENANT}/v2.0`, tid: TENANT, aud: `api://${BACKEND}`, azp: CLIENT, ver: '2.0', exp: now() + 300, nbf: now() - 60, ...claims });

function policy(attributes = '', children = ''): string {
  return `<validate-azure-ad-token tenant-id="${TENANT}" authentication-endpoint="${base}" ${attributes}><client-application-ids><application-id>${CLIENT}</application-id></client-application-ids>${children}</validate-azure-ad-token>`;
}

async function check(xml: string, init: { headers?: Record<string, string>; url?: string } = {}): Promise<{ error?: PolicyFailure; context: ReturnType<typeof requestContext> }> {
  const context = requestContext(init);
  try {
    await run(compileSection(xml, [validateAzureAdTokenPolicy]), context);
    return { context };
  } catch (error) {
    if (!(error instanceof PolicyFailure)) throw error;
    return { error, context };
  }
}

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

describe('validate-azure-ad-token', () => {
  it('accepts a v2.0 token of the tenant from an allowed client and stores the Jwt', async () => {
    const { error, context } = await check(policy('output-token-variable-name="jwt"', `<backend-application-ids><application-id>${BACKEND}</application-id></backend-application-ids>`), bearer(await v2({ roles: ['Orders.Read'] })));
    assert.equal(error, undefined);
    const jwt = context.variables.get('jwt') as Jwt;
    assert.ok(jwt instanceof Jwt);
    assert.equal(jwt.Claims.GetValueOrDefault('roles', ''), 'Orders.Read');
    assert.deepEqual(metadataHits, [TENANT]);
  });

  it('accepts a v1.0 token (appid, sts-style issuer)', async () => {
    const token = await sign({ iss: `${base}/${TENANT}/`, tid: TENANT, aud: BACKEND, appid: CLIENT, ver: '1.0', exp: now() + 300 });
    assert.equal((await check(policy('', `<backend-application-ids><application-id>${BACKEND}</application-id></backend-application-ids>`), bearer(token))).error, undefined);
  });

  it('refuses a token of another tenant', async () => {
    const { error } = await check(policy(), bearer(await v2({ iss: `${base}/${OTHER_TENANT}/v2.0`, tid: OTHER_TENANT })));
    assert.equal(error?.statusCode, 401);
    assert.equal(error?.message, 'Invalid JWT.');
    assert.equal(error?.reason, 'TokenIssuerNotAllowed');
    assert.match(error!.lastErrorMessage, /^IDX10205: Issuer validation failed\. Issuer: 'http:\/\/127\.0\.0\.1:\d+\/00000000-1111-2222-3333-444444444444\/v2\.0'/);
  });

  it('refuses a client application not in client-application-ids', async () => {
    const { error } = await check(policy(), bearer(await v2({ azp: 'someone-else' })));
    assert.equal(error?.reason, 'TokenClaimValueNotAllowed');
    assert.equal(error?.lastErrorMessage, 'Client application ID someone-else is not allowed. Access denied.');
    const missing = await check(policy(), bearer(await v2({ azp: undefined })));
    assert.equal(missing.error?.reason, 'TokenClaimNotFound');
  });

  it('checks audiences and backend application ids', async () => {
    const audience = await check(policy('', '<audiences><audience>https://orders.example</audience></audiences>'), bearer(await v2()));
    assert.equal(audience.error?.reason, 'TokenAudienceNotAllowed');
    assert.equal((await check(policy('', '<audiences><audience>https://orders.example</audience></audiences>'), bearer(await v2({ aud: 'https://orders.example' })))).error, undefined);
    const backend = await check(policy('', '<backend-application-ids><application-id>another-backend</application-id></backend-application-ids>'), bearer(await v2()));
    assert.equal(backend.error?.reason, 'TokenAudienceNotAllowed');
  });

  it('refuses expired tokens and tokens signed by a key the tenant does not publish', async () => {
    const expired = await check(policy(), bearer(await v2({ exp: now() - 10 })));
    assert.equal(expired.error?.reason, 'TokenExpired');
    const forged = await check(policy(), bearer(await sign({ iss: `${base}/${TENANT}/v2.0`, azp: CLIENT, exp: now() + 300 }, stranger.privateKey, 'unknown-kid')));
    assert.equal(forged.error?.reason, 'TokenSignatureKeyNotFound');
    const wrongKey = await check(policy(), bearer(await sign({ iss: `${base}/${TENANT}/v2.0`, azp: CLIENT, exp: now() + 300 }, stranger.privateKey)));
    assert.equal(wrongKey.error?.reason, 'TokenSignatureInvalid');
  });

  it('requires the token (Bearer in Authorization by default) and honours the failure attributes', async () => {
    const missing = await check(policy());
    assert.equal(missing.error?.statusCode, 401);
    assert.equal(missing.error?.message, 'JWT not present.');
    assert.equal(missing.error?.reason, 'TokenNotPresent');
    assert.equal((await check(policy(), { headers: { Authorization: `Basic ${await v2()}` } })).error?.reason, 'TokenNotPresent');
    const custom = await check(policy('failed-validation-httpcode="403" failed-validation-error-message="Unauthorized. Access token is missing or invalid."'), bearer(await v2({ azp: 'x' })));
    assert.equal(custom.error?.statusCode, 403);
    assert.equal(custom.error?.message, 'Unauthorized. Access token is missing or invalid.');
  });

  it('reads the token from a custom header, a query parameter or token-value', async () => {
    const token = await v2();
    assert.equal((await check(policy('header-name="X-Token"'), { headers: { 'X-Token': token } })).error, undefined);
    assert.equal((await check(policy('query-parameter-name="access_token"'), { url: `http://backend.test/x?access_token=${token}` })).error, undefined);
    assert.equal((await check(policy('token-value="@(context.Request.Headers.GetValueOrDefault(&quot;X-T&quot;, &quot;&quot;))"'), { headers: { 'X-T': token } })).error, undefined);
  });

  it('checks required claims', async () => {
    const claims = '<required-claims><claim name="scp" match="any" separator=" "><value>orders.write</value></claim></required-claims>';
    assert.equal((await check(policy('', claims), bearer(await v2({ scp: 'orders.read orders.write' })))).error, undefined);
    const refused = await check(policy('', claims), bearer(await v2({ scp: 'orders.read' })));
    assert.equal(refused.error?.reason, 'TokenClaimValueNotAllowed');
    assert.equal(refused.error?.lastErrorMessage, 'Claim scp value of orders.read is not allowed. Access denied.');
  });

  it('names the tenant by domain or URL, and a multi-tenant authority takes the token\'s tid', async () => {
    const token = await v2();
    const byDomain = policy().replace(`tenant-id="${TENANT}"`, 'tenant-id="contoso.onmicrosoft.com"');
    assert.equal((await check(byDomain, bearer(token))).error, undefined);
    const byUrl = policy().replace(`tenant-id="${TENANT}"`, 'tenant-id="https://contoso.onmicrosoft.com"');
    assert.equal((await check(byUrl, bearer(token))).error, undefined);
    assert.ok(metadataHits.includes('contoso.onmicrosoft.com'));
    const common = policy().replace(`tenant-id="${TENANT}"`, 'tenant-id="common"');
    assert.equal((await check(common, bearer(token))).error, undefined);
    assert.equal((await check(common, bearer(await v2({ tid: OTHER_TENANT })))).error?.reason, 'TokenIssuerNotAllowed');
    assert.equal((await check(common, bearer(await v2({ tid: undefined })))).error?.reason, 'TokenIssuerNotAllowed');
  });

  it('reports located compile errors', () => {
    const compile = (xml: string) => compileSection(xml, [validateAzureAdTokenPolicy]);
    assert.throws(() => compile(`<validate-azure-ad-token tenant-id="${TENANT}" />`), (error: unknown) => error instanceof PolicyCompileError && /client-application-ids with at least one application-id is required/.test(error.message));
    assert.throws(() => compile(`<validate-azure-ad-token><client-application-ids><application-id>a</application-id></client-application-ids></validate-azure-ad-token>`), /tenant-id/);
    assert.throws(() => compile(policy('', '<decryption-keys><key>AAAA</key></decryption-keys>')), /decryption-keys \(encrypted tokens\) are not supported/);
    assert.throws(() => compile(policy('header-name="A" query-parameter-name="b"')), /only one of header-name/);
    assert.throws(() => compile(policy().replace(`authentication-endpoint="${base}"`, 'authentication-endpoint="ftp://x"')), /authentication-endpoint "ftp:\/\/x" is not usable/);
    assert.throws(() => compile(policy('', '<issuers />')), /unexpected element <issuers>/);
  });

  it('runs through the listener: 401 APIM body without a token, the backend reached with one', async () => {
    const backend = await startBackend();
    const listener = await startListener({ apis: [{ path: 'orders', serviceUrl: backend.url, policy: inbound(policy()) }] });
    try {
      const refused = await send(`${listener.url}/orders/items`);
      assert.equal(refused.status, 401);
      assert.deepEqual(JSON.parse(refused.text), { statusCode: 401, message: 'JWT not present.' });
      const token = await v2();
      const allowed = await send(`${listener.url}/orders/items`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(allowed.status, 200);
      assert.equal(allowed.echo?.headers.authorization, `Bearer ${token}`);
      assert.equal(backend.hits, 1);
    } finally {
      await listener.close();
      await backend.close();
    }
  });
});
