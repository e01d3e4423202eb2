import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { DataPlane } from '../../src/gateway/data-plane.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { configFromYaml, DATA_PLANE_SETTINGS, startEcho } from '../helpers.ts';
import { createPki, type TestPki } from './certs.ts';

const silent = createLogger({ 'telemetry.logs.std': 'none', 'telemetry.logs.std.level': 'info' });
let pki: TestPki;
let echo: Awaited<ReturnType<typeof startEcho>>;
const planes: DataPlane[] = [];

before(async () => {
  pki = createPki();
  pki.issue('a', { subject: '/CN=a.test', dns: ['a.test', 'legacy.test', 'mtls.test'] });
  pki.issue('b', { subject: '/CN=b.test', dns: ['b.test', '*.b.test'], pfxPassword: 'pfx-secret' });
  pki.issue('default', { subject: '/CN=default.test', dns: ['default.test'] });
  pki.issue('rotated', { subject: '/CN=rotated.test', dns: ['default.test'] });
  pki.issue('client', { subject: '/O=Contoso/CN=client-1', client: true });
  echo = await startEcho();
});

after(async () => {
  for (const plane of planes) await plane.drain(1);
  echo.server.close();
  pki.remove();
});

function gatewayYaml(extra = ''): string {
  return `
gateway:
  hostnames:
    - { hostname: a.test, certificateId: a }
    - { hostname: '*.b.test', certificateId: b }
    - { hostname: legacy.test, certificateId: a, tls11Enabled: true }
    - { hostname: mtls.test, certificateId: a, negotiateClientCertificate: true }
  certificateAuthorities:
    - { certificateId: ca }
certificates:
  - { id: a, path: ${pki.file('a', 'pem')}, keyPath: ${pki.file('a', 'key')} }
  - { id: b, path: ${pki.file('b', 'pfx')}, password: pfx-secret }
  - { id: ca, data: ${JSON.stringify(fs.readFileSync(pki.ca, 'utf8'))} }
apis:
  - id: echo
    path: echo
    serviceUrl: ${echo.url}
    subscriptionRequired: false
    operations: [{ id: get, method: GET, urlTemplate: /* }]
    policy: |
      <policies>
        <inbound>
          <base />
          <return-response>
            <set-header name="X-Subject" exists-action="override"><value>@(context.Request.Certificate == null ? "none" : context.Request.Certificate.Subject)</value></set-header>
            <set-header name="X-Verified" exists-action="override"><value>@(context.Request.Certificate == null ? "none" : context.Request.Certificate.Verify().ToString())</value></set-header>
            <set-header name="X-Scheme" exists-action="override"><value>@(context.Request.OriginalUrl.Scheme)</value></set-header>
          </return-response>
        </inbound>
      </policies>
${extra}`;
}

async function startPlane(settings: Partial<Record<string, unknown>> = {}, yaml = gatewayYaml()): Promise<number> {
  const plane = new DataPlane({ ...DATA_PLANE_SETTINGS, ...settings }, silent);
  planes.push(plane);
  plane.apply(configFromYaml(yaml));
  plane.https.server.listen(0, '127.0.0.1');
  await new Promise((resolve) => plane.https.server.once('listening', resolve));
  return (plane.https.server.address() as AddressInfo).port;
}

/** Handshakes only: the subject CN the server presented, or the error. */
function handshake(port: number, options: tls.ConnectionOptions): Promise<{ cn?: string; protocol?: string | null; cipher?: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
      const cn = socket.getPeerX509Certificate()?.subject.split('\n').find((l) => l.startsWith('CN='))?.slice(3);
      resolve({ cn, protocol: socket.getProtocol(), cipher: socket.getCipher().standardName });
      socket.end();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

function get(port: number, servername: string, options: https.RequestOptions = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const request = https.get({ host: '127.0.0.1', port, path: '/echo/x', servername, headers: { host: servername }, ca: fs.readFileSync(pki.ca), agent: false, ...options }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    request.on('error', reject);
  });
}

test('SNI picks the hostname certificate (PEM pair, PFX with password, wildcard); other names get the default', async () => {
  const port = await startPlane({ 'net.server.tls.certificate.path': pki.file('default', 'pem'), 'net.server.tls.certificate.key.path': pki.file('default', 'key') });
  assert.equal((await handshake(port, { servername: 'a.test' })).cn, 'a.test');
  assert.equal((await handshake(port, { servername: 'api.b.test' })).cn, 'b.test');
  assert.equal((await handshake(port, { servername: 'other.test' })).cn, 'default.test');
  assert.equal((await handshake(port, {})).cn, 'default.test');
  // A real HTTPS request, verified against the test CA.
  const answer = await get(port, 'a.test');
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['x-scheme'], 'https');
});

test('without a default certificate an unknown SNI name fails the handshake', async () => {
  const port = await startPlane();
  assert.equal((await handshake(port, { servername: 'a.test' })).cn, 'a.test');
  assert.ok((await handshake(port, { servername: 'unknown.test' })).error);
});

test('TLS 1.2 is the floor unless the hostname enables 1.1; TLS 1.3 is on', async () => {
  const port = await startPlane();
  const tls11 = { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;
  assert.ok((await handshake(port, { servername: 'a.test', ...tls11 })).error, 'TLS 1.1 refused by default');
  assert.equal((await handshake(port, { servername: 'legacy.test', ...tls11 })).protocol, 'TLSv1.1');
  assert.equal((await handshake(port, { servername: 'a.test' })).protocol, 'TLSv1.3');
  assert.equal((await handshake(port, { servername: 'a.test', maxVersion: 'TLSv1.2' })).protocol, 'TLSv1.2');
});

test('net.server.tls.ciphers.allowed-suites: a client offering only a disallowed suite fails', async () => {
  const port = await startPlane({ 'net.server.tls.ciphers.allowed-suites': ['TLS_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'] });
  const allowed = await handshake(port, { servername: 'a.test', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
  assert.equal(allowed.cipher, 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384');
  assert.ok((await handshake(port, { servername: 'a.test', maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).error);
  // node:tls takes TLS 1.3 suites in `ciphers` too.
  assert.ok((await handshake(port, { servername: 'a.test', minVersion: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' })).error);
  assert.equal((await handshake(port, { servername: 'a.test', minVersion: 'TLSv1.3' })).cipher, 'TLS_AES_256_GCM_SHA384');
});

test('a hostname with negotiateClientCertificate asks for one; policies see it as context.Request.Certificate', async () => {
  const port = await startPlane();
  const client = { cert: fs.readFileSync(pki.file('client', 'pem')), key: fs.readFileSync(pki.file('client', 'key')) };
  const withCert = await get(port, 'mtls.test', client);
  assert.equal(withCert.headers['x-subject'], 'CN=client-1, O=Contoso');
  assert.equal(withCert.headers['x-verified'], 'True', 'chains to the gateway certificate authority');
  const without = await get(port, 'mtls.test');
  assert.equal(without.headers['x-subject'], 'none');
  // Hostnames that do not negotiate never ask, so the client's certificate is not sent.
  assert.equal((await get(port, 'a.test', client)).headers['x-subject'], 'none');
});

test('a rewritten certificate file is served to new handshakes without a restart; a broken one keeps the old', async () => {
  const certFile = `${pki.dir}/live.pem`;
  fs.copyFileSync(pki.file('default', 'pem'), certFile);
  fs.appendFileSync(certFile, fs.readFileSync(pki.file('default', 'key')));
  const port = await startPlane({ 'net.server.tls.certificate.path': certFile });
  assert.equal((await handshake(port, { servername: 'default.test' })).cn, 'default.test');

  fs.writeFileSync(certFile, 'not a certificate\n');
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal((await handshake(port, { servername: 'default.test' })).cn, 'default.test', 'broken file: the previous certificate stays');

  fs.writeFileSync(certFile, Buffer.concat([fs.readFileSync(pki.file('rotated', 'pem')), fs.readFileSync(pki.file('rotated', 'key'))]));
  const deadline = Date.now() + 8000;
  let cn: string | undefined;
  while (Date.now() < deadline && (cn = (await handshake(port, { servername: 'default.test' })).cn) !== 'rotated.test') {
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.equal(cn, 'rotated.test');
});
