import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import tls from 'node:tls';
import { PolicyCompileError } from '../../../src/policy/diagnostics.ts';
import { backendClientDispatcher } from '../../../src/policy/policies/authentication-certificate/agents.ts';
import { authenticationCertificatePolicy } from '../../../src/policy/policies/authentication-certificate/index.ts';
import { inbound, send, startListener, type Listener } from './listener.ts';
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

/**
 * A CA, a server certificate for 127.0.0.1 and a client certificate (as a
 * password-protected PFX), made with the openssl command line for this run.
 */
function makeCertificates(): { ca: string; serverKey: string; serverCert: string; clientPfx: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'apimgw-mtls-'));
  try {
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=apimgw test CA');
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
    for (const [name, extra] of [['server', ['-extfile', 'server.ext']], ['client', []]] as const) {
      ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name === 'server' ? '127.0.0.1' : 'gateway-client'}`);
      ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', ...extra);
    }
    ssl('pkcs12', '-export', '-inkey', 'client.key', '-in', 'client.pem', '-out', 'client.pfx', '-passout', 'pass:pfx-secret');
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    return { ca: read('ca.pem'), serverKey: read('server.key'), serverCert: read('server.pem'), clientPfx: readFileSync(join(dir, 'client.pfx')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('authentication-certificate through the listener', () => {
  let backend: https.Server;
  let gateway: Listener;
  before(async () => {
    const certificates = makeCertificates();
    // The gateway trusts the test CA the way it trusts any system CA.
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), certificates.ca]);
    backend = https.createServer({ key: certificates.serverKey, cert: certificates.serverCert, ca: certificates.ca, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      const peer = (req.socket as tls.TLSSocket).getPeerCertificate();
      res.end(`hello ${peer.subject.CN}`);
    });
    backend.listen(0, '127.0.0.1');
    await once(backend, 'listening');
    backend.unref();
    const serviceUrl = `https://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    gateway = await startListener({
      namedValues: [{ name: 'client-pfx', value: certificates.clientPfx.toString('base64'), secret: true }],
      apis: [
        { path: 'mtls', serviceUrl, policy: inbound('<authentication-certificate body="{{client-pfx}}" password="pfx-secret" />') },
        { path: 'plain', serviceUrl, policy: inbound('') },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    backend.closeAllConnections();
    backend.close();
  });

  it('the gateway presents the client certificate to a TLS backend that requires one', async () => {
    const response = await send(`${gateway.url}/mtls/x`);
    assert.equal(response.status, 200);
    assert.equal(response.text, 'hello gateway-client');
  });

  it('without the policy the backend refuses the handshake: APIM 500', async () => {
    const response = await send(`${gateway.url}/plain/x`);
    assert.equal(response.status, 500);
    assert.match(response.text, /^\{ "statusCode": 500, "message": "Internal server error", "activityId": "[0-9a-f-]{36}" \}$/);
  });
});
