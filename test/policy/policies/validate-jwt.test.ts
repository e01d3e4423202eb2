import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SignJWT, exportJWK, type JWTPayload } from 'jose';
import pino from 'pino';
import { PolicyCompileError } from '../../../src/policy/diagnostics.ts';
import { PolicyFailure } from '../../../src/policy/failure.ts';
import { validateJwtPolicy } from '../../../src/policy/policies/validate-jwt/index.ts';
import { Jwt } from '../../../src/policy/expression/dotnet/auth.ts';
import { OpenIdKeySource } from '../../../src/policy/policies/validate-jwt/openid.ts';
import { listen } from '../../helpers.ts';
import { send, startBackend, startListener, type Backend, type Listener } from './listener.ts';
import { compileSection, requestContext, run } from './support.ts';

const SECRET = Buffer.from('a-shared-secret-of-at-least-32-bytes!!');
const SECRET_BASE64 = SECRET.toString('base64');
const now = (): number => Math.floor(Date.now() / 1000);

async function hs256(payload: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...header }).sign(SECRET);
}

async function check(policyXml: string, headers: Record<string, string>, url?: string): Promise<{ error?: PolicyFailure; context: ReturnType<typeof requestContext> }> {
  const steps = compileSection(policyXml, [validateJwtPolicy]);
  const context = requestContext({ headers, url });
  try {
    await run(steps, context);
    return { context };
  } catch (error) {
    if (!(error instanceof PolicyFailure)) throw error;
    return { error, context };
  }
}

const SYMMETRIC = (extra = '', children = '') => `<validate-jwt header-name="Authorization" ${extra}><issuer-signing-keys><key>${SECRET_BASE64}</key></issuer-signing-keys>${children}</validate-jwt>`;

describe('validate-jwt', () => {
  it('accepts a valid HS256 bearer token and stores the Jwt', async () => {
    const token = await hs256({ sub: 'alice', aud: 'api://orders', iss: 'https://issuer.test/', exp: now() + 60, roles: ['reader', 'writer'] });
    const { error, context } = await check(SYMMETRIC('output-token-variable-name="jwt"', '<audiences><audience>api://orders</audience></audiences><issuers><issuer>https://issuer.test/</issuer></issuers>'), { Authorization: `Bearer ${token}` });
    assert.equal(error, undefined);
    const jwt = context.variables.get('jwt') as Jwt;
    assert.ok(jwt instanceof Jwt);
    assert.equal(jwt.Subject, 'alice');
    assert.equal(jwt.Algorithm, 'HS256');
    assert.deepEqual(jwt.Audiences, ['api://orders']);
    assert.equal(jwt.Claims.GetValueOrDefault('roles', ''), 'reader,writer');
    assert.ok(jwt.ExpirationTime !== null);
  });

  it('refuses a missing token with 401 "JWT not present."', async () => {
    const { error } = await check(SYMMETRIC(), {});
    assert.equal(error?.statusCode, 401);
    assert.equal(error?.reason, 'TokenNotPresent');
    assert.equal(error?.message, 'JWT not present.');
    assert.equal(error?.lastErrorMessage, 'JWT not present.');
    assert.deepEqual(error?.headers, {});
  });

  it('uses failed-validation-httpcode and -error-message, keeping the detail in LastError', async () => {
    const token = await hs256({ exp: now() - 120 });
    const { error } = await check(SYMMETRIC('failed-validation-httpcode="403" failed-validation-error-message="Unauthorized. Access token is missing or invalid."'), { Authorization: `Bearer ${token}` });
    assert.equal(error?.statusCode, 403);
    assert.equal(error?.message, 'Unauthorized. Access token is missing or invalid.');
    assert.equal(error?.reason, 'TokenExpired');
    assert.match(error!.lastErrorMessage, /^IDX10223: Lifetime validation failed\. The token is expired\. ValidTo: '\d\d\/\d\d\/\d{4} \d\d:\d\d:\d\d', Current time: '.+'\. Access denied\.$/);
  });

  it('answers "Invalid JWT." for bad tokens by default', async () => {
    const { error } = await check(SYMMETRIC(), { Authorization: 'Bearer not-a-jwt' });
    assert.equal(error?.message, 'Invalid JWT.');
    assert.equal(error?.reason, 'JwtInvalid');
  });

  it('honours clock-skew', async () => {
    const token = await hs256({ exp: now() - 30 });
    assert.equal((await check(SYMMETRIC('clock-skew="60"'), { Authorization: `Bearer ${token}` })).error, undefined);
    assert.equal((await check(SYMMETRIC(), { Authorization: `Bearer ${token}` })).error?.reason, 'TokenExpired');
  });

  it('requires exp unless require-expiration-time is false', async () => {
    const token = await hs256({ sub: 'x' });
    const { error } = await check(SYMMETRIC(), { Authorization: `Bearer ${token}` });
    assert.equal(error?.reason, 'JwtInvalid');
    assert.match(error!.lastErrorMessage, /^IDX10225: Lifetime validation failed\. The token is missing an Expiration Time\./);
    assert.equal((await check(SYMMETRIC('require-expiration-time="false"'), { Authorization: `Bearer ${token}` })).error, undefined);
  });

  it('rejects a wrong signature and unsigned tokens unless require-signed-tokens is false', async () => {
    const forged = await new SignJWT({ exp: now() + 60 }).setProtectedHeader({ alg: 'HS256' }).sign(Buffer.from('another-secret-of-at-least-32-bytes!!!'));
    assert.equal((await check(SYMMETRIC(), { Authorization: `Bearer ${forged}` })).error?.reason, 'TokenSignatureInvalid');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ exp: now() + 60 })).toString('base64url')}.`;
    const refused = await check(SYMMETRIC(), { Authorization: `Bearer ${unsigned}` });
    assert.equal(refused.error?.reason, 'TokenSignatureInvalid');
    assert.match(refused.error!.lastErrorMessage, /IDX10504/);
    assert.equal((await check(SYMMETRIC('require-signed-tokens="false"'), { Authorization: `Bearer ${unsigned}` })).error, undefined);
  });

  it('checks audiences and issuers', async () => {
    const token = await hs256({ aud: ['a', 'b'], iss: 'https://other/', exp: now() + 60 });
    const audience = await check(SYMMETRIC('', '<audiences><audience>c</audience></audiences>'), { Authorization: `Bearer ${token}` });
    assert.equal(audience.error?.reason, 'TokenAudienceNotAllowed');
    assert.match(audience.error!.lastErrorMessage, /^IDX10214: Audience validation failed\. Audiences: 'a, b'\..*Access denied\.$/);
    const issuer = await check(SYMMETRIC('', '<audiences><audience>b</audience></audiences><issuers><issuer>https://issuer.test/</issuer></issuers>'), { Authorization: `Bearer ${token}` });
    assert.equal(issuer.error?.reason, 'TokenIssuerNotAllowed');
    assert.match(issuer.error!.lastErrorMessage, /^IDX10205: Issuer validation failed\. Issuer: 'https:\/\/other\/'/);
  });

  it('checks required claims: presence, match all / any, separator', async () => {
    const token = await hs256({ scp: 'read write', role: 'admin', exp: now() + 60 });
    const claims = (body: string) => SYMMETRIC('', `<required-claims>${body}</required-claims>`);
    const missing = await check(claims('<claim name="tid" /><claim name="oid" />'), { Authorization: `Bearer ${token}` });
    assert.equal(missing.error?.reason, 'TokenClaimNotFound');
    assert.equal(missing.error?.lastErrorMessage, 'JWT token is missing the following claims: tid, oid. Access denied.');
    const all = await check(claims('<claim name="scp" match="all" separator=" "><value>read</value><value>delete</value></claim>'), { Authorization: `Bearer ${token}` });
    assert.equal(all.error?.reason, 'TokenClaimValueNotAllowed');
    assert.equal(all.error?.lastErrorMessage, 'Claim scp value of read write is not allowed. Access denied.');
    assert.equal((await check(claims('<claim name="scp" match="any" separator=" "><value>read</value><value>delete</value></claim>'), { Authorization: `Bearer ${token}` })).error, undefined);
    assert.equal((await check(claims('<claim name="role" match="all"><value>admin</value></claim>'), { Authorization: `Bearer ${token}` })).error, undefined);
  });

  it('enforces require-scheme on Authorization and reads query parameters and token-value', async () => {
    const token = await hs256({ exp: now() + 60 });
    assert.equal((await check(SYMMETRIC('require-scheme="Bearer"'), { Authorization: `Basic ${token}` })).error?.reason, 'TokenNotPresent');
    assert.equal((await check(SYMMETRIC('require-scheme="Bearer"'), { Authorization: `Bearer ${token}` })).error, undefined);
    const query = `<validate-jwt query-parameter-name="access_token"><issuer-signing-keys><key>${SECRET_BASE64}</key></issuer-signing-keys></validate-jwt>`;
    assert.equal((await check(query, {}, `http://backend.test/x?access_token=${token}`)).error, undefined);
    const value = `<validate-jwt token-value="@(context.Request.Headers.GetValueOrDefault(&quot;X-Token&quot;, &quot;&quot;))"><issuer-signing-keys><key>${SECRET_BASE64}</key></issuer-signing-keys></validate-jwt>`;
    assert.equal((await check(value, { 'X-Token': token })).error, undefined);
  });

  it('verifies RS256 with an n/e key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = await exportJWK(publicKey);
    const token = await new SignJWT({ exp: now() + 60 }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
    const xml = `<validate-jwt header-name="Authorization"><issuer-signing-keys><key id="k1" n="${jwk.n}" e="${jwk.e}" /></issuer-signing-keys></validate-jwt>`;
    assert.equal((await check(xml, { Authorization: `Bearer ${token}` })).error, undefined);
  });

  it('reports located compile errors', () => {
    assert.throws(() => compileSection('<validate-jwt />', [validateJwtPolicy]), (error: unknown) => error instanceof PolicyCompileError && /exactly one of header-name/.test(error.message) && error.location.line === 1);
    assert.throws(() => compileSection('<validate-jwt header-name="A"><issuer-signing-keys><key certificate-id="c" /></issuer-signing-keys></validate-jwt>', [validateJwtPolicy]), /certificate-id keys need certificates/);
    assert.throws(() => compileSection('<validate-jwt header-name="A"><issuer-signing-keys><key>not base64!</key></issuer-signing-keys></validate-jwt>', [validateJwtPolicy]), /invalid signing key/);
    assert.throws(() => compileSection('<validate-jwt header-name="A"><audience>x</audience></validate-jwt>', [validateJwtPolicy]), /unexpected element <audience>/);
  });

  describe('openid-config', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rolled = generateKeyPairSync('rsa', { modulusLength: 2048 });
    let jwks: object[] = [];
    const hits = { config: 0, jwks: 0 };
    const server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') {
        hits.config++;
        res.end(JSON.stringify({ issuer: 'https://issuer.test/', jwks_uri: '/keys' }));
      } else {
        hits.jwks++;
        res.end(JSON.stringify({ keys: jwks }));
      }
    });
    after(() => server.close());

    it('fetches discovery + JWKS once, refetches for an unknown kid at most once per 5 minutes', async () => {
      const port = await listen(server);
      jwks = [{ ...(await exportJWK(publicKey)), kid: 'one', use: 'sig' }];
      const xml = `<validate-jwt header-name="Authorization"><openid-config url="http://127.0.0.1:${port}/.well-known/openid-configuration" /></validate-jwt>`;
      const first = await new SignJWT({ exp: now() + 60 }).setProtectedHeader({ alg: 'RS256', kid: 'one' }).sign(privateKey);
      assert.equal((await check(xml, { Authorization: `Bearer ${first}` })).error, undefined);
      assert.equal((await check(xml, { Authorization: `Bearer ${first}` })).error, undefined);
      assert.deepEqual(hits, { config: 1, jwks: 1 });

      // Key rollover inside the 5-minute window: not refetched yet, the unknown kid is refused.
      jwks.push({ ...(await exportJWK(rolled.publicKey)), kid: 'two' });
      const second = await new SignJWT({ exp: now() + 60 }).setProtectedHeader({ alg: 'RS256', kid: 'two' }).sign(rolled.privateKey);
      const refused = await check(xml, { Authorization: `Bearer ${second}` });
      assert.equal(refused.error?.reason, 'TokenSignatureKeyNotFound');
      assert.match(refused.error!.lastErrorMessage, /^IDX10503: Signature validation failed\. The token's kid is: 'two'/);
      assert.deepEqual(hits, { config: 1, jwks: 1 });
    });
  });
});

describe('OpenIdKeySource timing', () => {
  it('refreshes after an hour and refetches for an unknown kid once the 5-minute guard has passed', async () => {
    let fetches = 0;
    const server = http.createServer((req, res) => {
      if (req.url === '/config') return void res.end(JSON.stringify({ jwks_uri: '/keys' }));
      fetches++;
      res.end(JSON.stringify({ keys: [] }));
    });
    const port = await listen(server);
    try {
      let clock = 0;
      const source = new OpenIdKeySource(`http://127.0.0.1:${port}/config`, pino({ level: 'silent' }), () => clock);
      await source.keys();
      await source.keysIncluding('unknown');
      assert.equal(fetches, 1);
      clock += 5 * 60 * 1000;
      await source.keysIncluding('unknown');
      assert.equal(fetches, 2);
      clock += 30 * 60 * 1000;
      await source.keys();
      assert.equal(fetches, 2);
      clock += 60 * 60 * 1000;
      await source.keys();
      assert.equal(fetches, 3);
    } finally {
      server.close();
    }
  });
});

describe('validate-jwt through the listener', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let identity: Backend;
  let backend: Backend;
  let gateway: Listener;
  const rs256 = (payload: JWTPayload) => new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'listener-key' }).sign(privateKey);
  before(async () => {
    const jwk = { ...(await exportJWK(publicKey)), kid: 'listener-key', use: 'sig', alg: 'RS256' };
    identity = await startBackend((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer: 'https://issuer.test/', jwks_uri: `${identity.url}/keys` }));
      else res.end(JSON.stringify({ keys: [jwk] }));
    });
    backend = await startBackend();
    gateway = await startListener({
      apis: [{
        path: 'secured',
        serviceUrl: backend.url,
        policy: `<policies>
          <inbound>
            <validate-jwt header-name="Authorization" require-scheme="Bearer" output-token-variable-name="jwt">
              <openid-config url="${identity.url}/.well-known/openid-configuration" />
              <audiences><audience>api://orders</audience></audiences>
              <issuers><issuer>https://issuer.test/</issuer></issuers>
            </validate-jwt>
            <set-header name="X-Subject" exists-action="override"><value>@(((Jwt)context.Variables["jwt"]).Subject)</value></set-header>
          </inbound>
          <on-error><set-header name="X-Error" exists-action="override"><value>@(context.LastError.Source + "/" + context.LastError.Reason)</value></set-header></on-error>
        </policies>`,
      }],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
    await identity.close();
  });

  it('a valid RS256 token (keys from a local OpenID configuration) reaches the backend; its claims are readable', async () => {
    const token = await rs256({ sub: 'ann', aud: 'api://orders', iss: 'https://issuer.test/', exp: now() + 300 });
    const response = await send(`${gateway.url}/secured/x`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    assert.equal(response.echo!.headers['x-subject'], 'ann');
    assert.equal(response.echo!.headers.authorization, `Bearer ${token}`);
  });

  it('missing, expired and wrong-audience tokens get 401 with the APIM texts, LastError naming the cause', async () => {
    const hits = backend.hits;
    const missing = await send(`${gateway.url}/secured/x`);
    assert.equal(missing.status, 401);
    assert.equal(missing.text, '{ "statusCode": 401, "message": "JWT not present." }');
    assert.equal(missing.headers.get('x-error'), 'validate-jwt/TokenNotPresent');
    const expired = await send(`${gateway.url}/secured/x`, { headers: { Authorization: `Bearer ${await rs256({ sub: 'ann', aud: 'api://orders', iss: 'https://issuer.test/', exp: now() - 60 })}` } });
    assert.equal(expired.status, 401);
    assert.equal(expired.text, '{ "statusCode": 401, "message": "Invalid JWT." }');
    assert.equal(expired.headers.get('x-error'), 'validate-jwt/TokenExpired');
    const audience = await send(`${gateway.url}/secured/x`, { headers: { Authorization: `Bearer ${await rs256({ sub: 'ann', aud: 'api://other', iss: 'https://issuer.test/', exp: now() + 300 })}` } });
    assert.equal(audience.status, 401);
    assert.equal(audience.headers.get('x-error'), 'validate-jwt/TokenAudienceNotAllowed');
    assert.equal(backend.hits, hits);
  });
});
