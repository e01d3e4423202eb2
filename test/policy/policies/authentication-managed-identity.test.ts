import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import type { AccessToken } from '@azure/identity';
import { PolicyCompileError } from '../../../src/policy/diagnostics.ts';
import { PolicyFailure } from '../../../src/policy/failure.ts';
import { authenticationManagedIdentityPolicy } from '../../../src/policy/policies/authentication-managed-identity/index.ts';
import { ManagedIdentityTokens, type TokenRequest } from '../../../src/policy/policies/authentication-managed-identity/tokens.ts';
import { sendRequestPolicy } from '../../../src/policy/policies/send-request/index.ts';
import { listen } from '../../helpers.ts';
import { inbound, send, startBackend, startListener } from './listener.ts';
import { compileSection, requestContext, run } from './support.ts';

/**
 * A fake App Service / Container Apps identity endpoint on 127.0.0.1: the
 * @azure/identity SDK finds it through IDENTITY_ENDPOINT + IDENTITY_HEADER,
 * exactly as on Azure. Resources under https://fail/ answer 400 (the SDK
 * does not retry a 400; it retries 5xx for seconds). Each test uses its own
 * resource, since the token cache is process-wide.
 */

interface TokenCall { resource: string; clientId: string | null; apiVersion: string | null; identityHeader: string | undefined }

const calls: TokenCall[] = [];
let lifetimeSeconds = 3600;
const identityEndpoint = http.createServer((req, res) => {
  const url = new URL(req.url!, 'http://identity');
  const resource = url.searchParams.get('resource') ?? '';
  calls.push({ resource, clientId: url.searchParams.get('client_id'), apiVersion: url.searchParams.get('api-version'), identityHeader: req.headers['x-identity-header'] as string | undefined });
  res.setHeader('content-type', 'application/json');
  if (resource.startsWith('https://fail/')) {
    res.statusCode = 400;
    return void res.end(JSON.stringify({ error: 'invalid_resource', error_description: 'AADSTS500011: The resource principal was not found.' }));
  }
  const expiresOn = Math.floor(Date.now() / 1000) + lifetimeSeconds;
  res.end(JSON.stringify({ access_token: `token-${calls.length}-for-${resource}`, expires_on: String(expiresOn), resource, token_type: 'Bearer' }));
});
process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${await listen(identityEndpoint)}/msi/token`;
process.env.IDENTITY_HEADER = 'identity-header-secret';
after(() => {
  identityEndpoint.closeAllConnections();
  identityEndpoint.close();
});

const callsFor = (resource: string): TokenCall[] => calls.filter((call) => call.resource === resource);

async function failureOf(promise: Promise<unknown>): Promise<PolicyFailure | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (error instanceof PolicyFailure) return error;
    throw error;
  }
}

describe('authentication-managed-identity', () => {
  it('sets Authorization: Bearer and the output variable, fetching once for many requests', async () => {
    const resource = 'https://storage.azure.com/';
    const steps = compileSection(`<authentication-managed-identity resource="${resource}" output-token-variable-name="msi-token" />`, [authenticationManagedIdentityPolicy]);
    const contexts = Array.from({ length: 20 }, () => requestContext({ headers: { Authorization: 'Basic old' } }));
    // Concurrent first requests share one fetch; later ones reuse the cached token.
    await Promise.all(contexts.slice(0, 10).map((context) => run(steps, context)));
    for (const context of contexts.slice(10)) await run(steps, context);
    assert.equal(callsFor(resource).length, 1);
    const token = `token-${calls.indexOf(callsFor(resource)[0]!) + 1}-for-${resource}`;
    for (const context of contexts) {
      assert.deepEqual(context.request.headers.get('Authorization'), [`Bearer ${token}`]);
      assert.equal(context.variables.get('msi-token'), token);
    }
    const call = callsFor(resource)[0]!;
    assert.equal(call.identityHeader, 'identity-header-secret');
    assert.equal(call.clientId, null);
    assert.equal(call.apiVersion, '2019-08-01');
  });

  it('passes client-id through and caches per (resource, client-id); resource may be an expression', async () => {
    const resource = 'https://vault.azure.net';
    const xml = (clientId: string) => `<authentication-managed-identity resource="@(&quot;https://vault.&quot; + &quot;azure.net&quot;)" client-id="${clientId}" />`;
    const first = requestContext();
    const second = requestContext();
    await run(compileSection(xml('11111111-aaaa-bbbb-cccc-000000000001'), [authenticationManagedIdentityPolicy]), first);
    await run(compileSection(xml('11111111-aaaa-bbbb-cccc-000000000002'), [authenticationManagedIdentityPolicy]), second);
    await run(compileSection(xml('11111111-aaaa-bbbb-cccc-000000000001'), [authenticationManagedIdentityPolicy]), requestContext());
    assert.deepEqual(callsFor(resource).map((call) => call.clientId), ['11111111-aaaa-bbbb-cccc-000000000001', '11111111-aaaa-bbbb-cccc-000000000002']);
    assert.notDeepEqual(first.request.headers.get('Authorization'), second.request.headers.get('Authorization'));
  });

  it('fetches a new token once the cached one nears expiry', async () => {
    const resource = 'https://short-lived.example';
    lifetimeSeconds = 1;
    try {
      const steps = compileSection(`<authentication-managed-identity resource="${resource}" />`, [authenticationManagedIdentityPolicy]);
      const before = requestContext();
      await run(steps, before);
      await run(steps, requestContext());
      assert.equal(callsFor(resource).length, 1);
      // A 1-second token is refreshed half way through its life.
      await new Promise((resolve) => setTimeout(resolve, 700));
      const later = requestContext();
      await run(steps, later);
      assert.equal(callsFor(resource).length, 2);
      assert.notDeepEqual(later.request.headers.get('Authorization'), before.request.headers.get('Authorization'));
    } finally {
      lifetimeSeconds = 3600;
    }
  });

  it('fails the request with 500 and a LastError when no token can be had', async () => {
    const steps = compileSection('<authentication-managed-identity resource="https://fail/one" />', [authenticationManagedIdentityPolicy]);
    const failure = await failureOf(run(steps, requestContext()));
    assert.equal(failure?.statusCode, 500);
    assert.equal(failure?.reason, 'ManagedIdentityTokenUnavailable');
    assert.equal(failure?.message, 'Internal server error');
    assert.match(failure!.lastErrorMessage, /^Unable to obtain a managed identity token for resource 'https:\/\/fail\/one': .*AADSTS500011/);
  });

  it('goes on without the header with ignore-error="true"', async () => {
    const steps = compileSection('<authentication-managed-identity resource="https://fail/two" ignore-error="true" output-token-variable-name="t" />', [authenticationManagedIdentityPolicy]);
    const context = requestContext({ headers: { Authorization: 'Basic kept' } });
    await run(steps, context);
    assert.deepEqual(context.request.headers.get('Authorization'), ['Basic kept']);
    assert.equal(context.variables.ContainsKey('t'), false);
  });

  it('authorizes a send-request it sits in', async () => {
    const seen: (string | undefined)[] = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.end('ok');
    });
    const port = await listen(server);
    try {
      const resource = 'https://management.azure.com/';
      const steps = compileSection(`<send-request mode="new" response-variable-name="r"><set-url>http://127.0.0.1:${port}/x</set-url><set-method>GET</set-method><authentication-managed-identity resource="${resource}" /><set-header name="X-After" exists-action="override"><value>1</value></set-header></send-request>`, [sendRequestPolicy]);
      const context = requestContext();
      await run(steps, context);
      assert.match(seen[0] ?? '', /^Bearer token-\d+-for-https:\/\/management\.azure\.com\/$/);
      assert.equal(context.request.headers.get('Authorization'), undefined);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('reports located compile errors', () => {
    const compile = (xml: string) => compileSection(xml, [authenticationManagedIdentityPolicy]);
    assert.throws(() => compile('<authentication-managed-identity />'), PolicyCompileError);
    assert.throws(() => compile('<authentication-managed-identity resource="r" client-id="@(&quot;x&quot;)" />'), /client-id/);
    assert.throws(() => compile('<authentication-managed-identity resource="r" authentication-provider="Other" />'), /authentication-provider/);
    assert.throws(() => compile('<authentication-managed-identity resource="r" authentication-provider="WorkloadIdentity" client-id="c" />'), /cannot be combined/);
    assert.throws(() => compileSection('<send-request response-variable-name="r"><set-url>http://x</set-url><authentication-managed-identity resource="r" bogus="1" /></send-request>', [sendRequestPolicy]), /unknown attribute "bogus"/);
  });
});

describe('authentication-managed-identity through the listener', () => {
  it('the backend sees the Bearer token; a failure answers 500 with LastError from the child of send-request', async () => {
    const backend = await startBackend();
    const sideService = await startBackend();
    const listener = await startListener({
      apis: [
        { path: 'storage', serviceUrl: backend.url, policy: inbound('<authentication-managed-identity resource="https://listener.example/" />') },
        {
          path: 'broken',
          serviceUrl: backend.url,
          policy: inbound(
            `<send-request response-variable-name="r"><set-url>${sideService.url}/side</set-url><authentication-managed-identity resource="https://fail/listener" /></send-request>`,
            '<on-error><set-header name="X-Source" exists-action="override"><value>@(context.LastError.Source)</value></set-header><set-header name="X-Reason" exists-action="override"><value>@(context.LastError.Reason)</value></set-header></on-error>',
          ),
        },
      ],
    });
    try {
      const ok = await send(`${listener.url}/storage/items`);
      assert.equal(ok.status, 200);
      assert.match(ok.echo!.headers.authorization ?? '', /^Bearer token-\d+-for-https:\/\/listener\.example\/$/);
      await send(`${listener.url}/storage/items`);
      assert.equal(callsFor('https://listener.example/').length, 1);

      const broken = await send(`${listener.url}/broken/items`);
      assert.equal(broken.status, 500);
      assert.equal(JSON.parse(broken.text).message, 'Internal server error');
      assert.equal(broken.headers.get('x-source'), 'authentication-managed-identity');
      assert.equal(broken.headers.get('x-reason'), 'ManagedIdentityTokenUnavailable');
      assert.equal(sideService.hits, 0);
      assert.equal(backend.hits, 2);
    } finally {
      await listener.close();
      await backend.close();
      await sideService.close();
    }
  });
});

describe('ManagedIdentityTokens', () => {
  const request: TokenRequest = { provider: 'ManagedIdentity', resource: 'https://r', clientId: undefined };
  const token = (value: string, expiresOnTimestamp: number, refreshAfterTimestamp?: number): AccessToken => ({ token: value, expiresOnTimestamp, refreshAfterTimestamp });

  it('refreshes five minutes before expiry, or when the endpoint says so', async () => {
    let clock = 0;
    const answers = [token('a', 60 * 60_000), token('b', 2 * 60 * 60_000, 70 * 60_000), token('c', 3 * 60 * 60_000)];
    let fetches = 0;
    const tokens = new ManagedIdentityTokens(async () => answers[fetches++]!, () => clock);
    assert.equal(await tokens.token(request), 'a');
    clock = 55 * 60_000 - 1;
    assert.equal(await tokens.token(request), 'a');
    clock = 55 * 60_000;
    assert.equal(await tokens.token(request), 'b');
    clock = 70 * 60_000 - 1;
    assert.equal(await tokens.token(request), 'b');
    clock = 70 * 60_000;
    assert.equal(await tokens.token(request), 'c');
    assert.equal(fetches, 3);
  });

  it('keeps using a still-valid token when a refresh fails, and fails once it is about to expire', async () => {
    let clock = 0;
    let fail = false;
    const tokens = new ManagedIdentityTokens(async () => {
      if (fail) throw new Error('endpoint down');
      return token('a', 10 * 60_000);
    }, () => clock);
    assert.equal(await tokens.token(request), 'a');
    fail = true;
    clock = 9 * 60_000;
    assert.equal(await tokens.token(request), 'a');
    clock = 10 * 60_000 - 30_000;
    await assert.rejects(tokens.token(request), /endpoint down/);
  });

  it('shares one in-flight fetch between concurrent callers and retries after a failure', async () => {
    let fetches = 0;
    let release!: (value: AccessToken) => void;
    const tokens = new ManagedIdentityTokens(() => {
      fetches++;
      if (fetches === 1) return Promise.reject(new Error('first fails'));
      return new Promise<AccessToken>((resolve) => (release = resolve));
    }, () => 0);
    await assert.rejects(tokens.token(request), /first fails/);
    const waiting = Array.from({ length: 5 }, () => tokens.token(request));
    await new Promise((resolve) => setImmediate(resolve));
    release(token('shared', 60 * 60_000));
    assert.deepEqual(await Promise.all(waiting), Array(5).fill('shared'));
    assert.equal(fetches, 2);
  });
});
