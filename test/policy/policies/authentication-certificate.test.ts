import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PolicyCompileError } from '../../../src/policy/diagnostics.ts';
import { backendClientDispatcher } from '../../../src/policy/policies/authentication-certificate/agents.ts';
import { authenticationCertificatePolicy } from '../../../src/policy/policies/authentication-certificate/index.ts';
import { compileSection, requestContext, run } from './support.ts';

describe('authentication-certificate', () => {
  const PFX_BASE64 = Buffer.from('not really a pfx, only its bytes matter here').toString('base64');

  it('records body + password as the backend client certificate, one dispatcher per certificate', async () => {
    const steps = compileSection(`<authentication-certificate body="${PFX_BASE64}" password="secret" />`, [authenticationCertificatePolicy]);
    const first = requestContext();
    const second = requestContext();
    assert.equal(backendClientDispatcher(first), undefined);
    await run(steps, first);
    await run(steps, second);
    const dispatcher = backendClientDispatcher(first);
    assert.ok(dispatcher);
    assert.equal(backendClientDispatcher(second), dispatcher);
  });

  it('takes the bytes from an expression', async () => {
    const steps = compileSection('<authentication-certificate body="@(Convert.FromBase64String(context.Request.Headers.GetValueOrDefault(&quot;X-Cert&quot;, &quot;&quot;)))" />', [authenticationCertificatePolicy]);
    const context = requestContext({ headers: { 'X-Cert': PFX_BASE64 } });
    await run(steps, context);
    assert.ok(backendClientDispatcher(context));
  });

  it('rejects thumbprint and certificate-id with a located error', () => {
    assert.throws(() => compileSection('<authentication-certificate thumbprint="ABC" />', [authenticationCertificatePolicy]), (error: unknown) => error instanceof PolicyCompileError && /certificate store, which is not available yet/.test(error.message) && error.location.column > 1);
    assert.throws(() => compileSection('<authentication-certificate certificate-id="c" />', [authenticationCertificatePolicy]), /certificate-id needs the certificate store/);
    assert.throws(() => compileSection('<authentication-certificate />', [authenticationCertificatePolicy]), /one of thumbprint, certificate-id or body is required/);
  });
});
