import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { PolicyFailure } from '../../../src/policy/failure.ts';
import { checkHeader } from '../../../src/policy/policies/check-header/index.ts';
import { ipFilter } from '../../../src/policy/policies/ip-filter/index.ts';
import { inbound, send, startBackend, startListener, type Backend, type Listener } from './listener.ts';
import { compileSection, requestContext, run } from './support.ts';

const failure = (status: number, reason: string, message: string, lastErrorMessage = message) => (error: unknown) => {
  assert.ok(error instanceof PolicyFailure);
  assert.equal(error.statusCode, status);
  assert.equal(error.reason, reason);
  assert.equal(error.message, message);
  assert.equal(error.lastErrorMessage, lastErrorMessage);
  return true;
};

const check = '<check-header name="X-Key" failed-check-httpcode="401" failed-check-error-message="Not authorized" ignore-case="true"><value>Alpha</value><value>beta</value></check-header>';

test('check-header passes an allowed value, ignoring case when asked', async () => {
  await run(compileSection(check, [checkHeader]), requestContext({ headers: { 'x-key': 'ALPHA' } }));
  await run(compileSection('<check-header name="X-Key" failed-check-httpcode="401" failed-check-error-message="no" ignore-case="false" />', [checkHeader]), requestContext({ headers: { 'X-Key': 'anything' } }));
});

test('check-header refuses a missing header and a value not allowed, with APIM reasons and texts', async () => {
  await assert.rejects(run(compileSection(check, [checkHeader]), requestContext()), failure(401, 'HeaderNotFound', 'Not authorized', 'Header X-Key was not found in the request. Access denied.'));
  await assert.rejects(run(compileSection(check, [checkHeader]), requestContext({ headers: { 'X-Key': 'gamma' } })), failure(401, 'HeaderValueNotAllowed', 'Not authorized', 'Header X-Key value of gamma is not allowed. Access denied.'));
  const exact = check.replace('ignore-case="true"', 'ignore-case="false"');
  await assert.rejects(run(compileSection(exact, [checkHeader]), requestContext({ headers: { 'X-Key': 'alpha' } })), failure(401, 'HeaderValueNotAllowed', 'Not authorized', 'Header X-Key value of alpha is not allowed. Access denied.'));
});

test('check-header compile errors', () => {
  assert.throws(() => compileSection('<check-header name="X" failed-check-error-message="m" />', [checkHeader]), /check-header: attribute "failed-check-httpcode" is required/);
  assert.throws(() => compileSection('<check-header name="X" failed-check-httpcode="x" failed-check-error-message="m" />', [checkHeader]), /check-header: failed-check-httpcode must be an integer/);
});

function from(ip: string) {
  const context = requestContext();
  (context.request as { ipAddress: string }).ipAddress = ip;
  return context;
}

const allow = '<ip-filter action="allow"><address>13.66.201.169</address><address-range from="13.66.140.128" to="13.66.140.143" /><address>2001:db8::1</address><address-range from="fd00::" to="fd00::ffff" /></ip-filter>';

test('ip-filter allow admits listed addresses and ranges, IPv4 (also v4-mapped) and IPv6', async () => {
  for (const ip of ['13.66.201.169', '13.66.140.130', '::ffff:13.66.140.143', '2001:db8::1', 'fd00::abcd']) await run(compileSection(allow, [ipFilter]), from(ip));
  await assert.rejects(run(compileSection(allow, [ipFilter]), from('13.66.140.144')), failure(403, 'CallerIpNotAllowed', 'Caller IP address 13.66.140.144 is not allowed. Access denied.'));
  await assert.rejects(run(compileSection(allow, [ipFilter]), from('fd00::1:0')), failure(403, 'CallerIpNotAllowed', 'Caller IP address fd00::1:0 is not allowed. Access denied.'));
  await assert.rejects(run(compileSection(allow, [ipFilter]), from('unknown')), failure(403, 'FailedToParseCallerIP', 'Failed to establish IP address for the caller. Access denied.'));
});

test('ip-filter forbid blocks listed addresses', async () => {
  const forbid = allow.replace('action="allow"', 'action="forbid"');
  await run(compileSection(forbid, [ipFilter]), from('10.0.0.1'));
  await assert.rejects(run(compileSection(forbid, [ipFilter]), from('13.66.140.128')), failure(403, 'CallerIpBlocked', 'Caller IP address is blocked. Access denied.'));
});

test('ip-filter compile errors', () => {
  assert.throws(() => compileSection('<ip-filter action="deny"><address>1.2.3.4</address></ip-filter>', [ipFilter]), /ip-filter: action must be one of allow, forbid/);
  assert.throws(() => compileSection('<ip-filter action="allow" />', [ipFilter]), /at least one <address> or <address-range> is required/);
  assert.throws(() => compileSection('<ip-filter action="allow"><address>1.2.3</address></ip-filter>', [ipFilter]), /ip-filter: "1.2.3" is not an IPv4 or IPv6 address/);
  assert.throws(() => compileSection('<ip-filter action="allow"><address-range from="10.0.0.9" to="10.0.0.1" /></ip-filter>', [ipFilter]), /from 10.0.0.9 to 10.0.0.1 is empty/);
  assert.throws(() => compileSection('<ip-filter action="allow"><address-range from="10.0.0.1" to="::1" /></ip-filter>', [ipFilter]), /same family/);
});

describe('check-header and ip-filter through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      apis: [
        { path: 'checked', serviceUrl: backend.url, policy: inbound(check) },
        { path: 'presence', serviceUrl: backend.url, policy: inbound('<check-header name="X-Tenant" failed-check-httpcode="400" failed-check-error-message="Tenant header missing" ignore-case="false" />') },
        { path: 'loopback', serviceUrl: backend.url, policy: inbound('<ip-filter action="allow"><address>127.0.0.1</address></ip-filter>') },
        { path: 'elsewhere', serviceUrl: backend.url, policy: inbound('<ip-filter action="allow"><address-range from="10.0.0.0" to="10.0.0.255" /></ip-filter>') },
        { path: 'blocked', serviceUrl: backend.url, policy: inbound('<ip-filter action="forbid"><address-range from="127.0.0.0" to="127.255.255.255" /></ip-filter>') },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('check-header passes allowed values to the backend and refuses others with its own status and message', async () => {
    const passed = await send(`${gateway.url}/checked/x`, { headers: { 'X-Key': 'BETA' } });
    assert.equal(passed.status, 200);
    assert.equal(passed.echo!.headers['x-key'], 'BETA');
    const refused = await send(`${gateway.url}/checked/x`, { headers: { 'X-Key': 'gamma' } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('content-type'), 'application/json');
    assert.equal(refused.text, '{ "statusCode": 401, "message": "Not authorized" }');
    const missing = await send(`${gateway.url}/presence/x`);
    assert.equal(missing.status, 400);
    assert.equal(missing.text, '{ "statusCode": 400, "message": "Tenant header missing" }');
    assert.equal((await send(`${gateway.url}/presence/x`, { headers: { 'X-Tenant': 'any' } })).status, 200);
  });

  it('ip-filter lets 127.0.0.1 through when allowed and answers 403 with the APIM text otherwise', async () => {
    const hits = backend.hits;
    assert.equal((await send(`${gateway.url}/loopback/x`)).status, 200);
    assert.equal(backend.hits, hits + 1);
    const notAllowed = await send(`${gateway.url}/elsewhere/x`);
    assert.equal(notAllowed.status, 403);
    assert.equal(notAllowed.text, '{ "statusCode": 403, "message": "Caller IP address 127.0.0.1 is not allowed. Access denied." }');
    const blocked = await send(`${gateway.url}/blocked/x`);
    assert.equal(blocked.status, 403);
    assert.equal(blocked.text, '{ "statusCode": 403, "message": "Caller IP address is blocked. Access denied." }');
    assert.equal(backend.hits, hits + 1);
  });
});
