import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { DataPlane } from '../../src/gateway/data-plane.ts';
import { createLogger } from '../../src/telemetry/logger.ts';
import { configFromYaml, DATA_PLANE_SETTINGS, listen } from '../helpers.ts';
import { createPki, type TestPki } from './certs.ts';

const silent = createLogger({ 'telemetry.logs.std': 'none', 'telemetry.logs.std.level': 'info' });
let pki: TestPki;
let backend: https.Server;
let port: number;
const planes: DataPlane[] = [];

before(async () => {
  pki = createPki();
  pki.issue('backend', { subject: '/CN=localhost', dns: ['localhost'] });
  pki.issue('client', { subject: '/CN=gateway-client', client: true, pfxPassword: 'client-secret' });
  // The backend tells who connected: the CN of the client certificate, if one was presented.
  backend = https.createServer({
    cert: fs.readFileSync(pki.file('backend', 'pem')), key: fs.readFileSync(pki.file('backend', 'key')),
    requestCert: true, rejectUnauthorized: false, maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  }, (req, res) => {
    const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN ?? 'none';
    res.end(`client=${cn}`);
  });
  backend.listen(0, '127.0.0.1');
  await new Promise((resolve) => backend.once('listening', resolve));
  port = (backend.address() as AddressInfo).port;
});

after(async () => {
  for (const plane of planes) await plane.drain(1);
  backend.close();
  pki.remove();
});

function config(host: string, backendYaml: string): string {
  return `
apis:
  - id: b
    path: b
    serviceUrl: https://${host}:${port}
    subscriptionRequired: false
    operations: [{ id: get, method: GET, urlTemplate: /* }]
backends:
  - id: tls-backend
    url: https://${host}:${port}
${backendYaml}
certificates:
  - { id: client, path: ${pki.file('client', 'pfx')}, password: client-secret }
`;
}

async function call(settings: Record<string, unknown>, yaml: string): Promise<{ status: number; body: string }> {
  const plane = new DataPlane({ ...DATA_PLANE_SETTINGS, ...settings }, silent);
  planes.push(plane);
  plane.apply(configFromYaml(yaml));
  const gatewayPort = await listen(plane.server);
  const response = await fetch(`http://127.0.0.1:${gatewayPort}/b/x`);
  return { status: response.status, body: await response.text() };
}

test('backend certificates are validated by default: an untrusted one gets APIM\'s 500', async () => {
  const answer = await call({}, config('localhost', ''));
  assert.equal(answer.status, 500);
  assert.match(answer.body, /"message": "Internal server error"/);
});

test('net.client.tls.ca.path trusts a private CA', async () => {
  assert.deepEqual(await call({ 'net.client.tls.ca.path': pki.ca }, config('localhost', '')), { status: 200, body: 'client=none' });
});

test('per backend: validateCertificateChain=false accepts any certificate; validateCertificateName=false only the name', async () => {
  assert.equal((await call({}, config('localhost', '    tls: { validateCertificateChain: false }'))).status, 200);
  // 127.0.0.1 is not the certificate's name: trusted chain, wrong name.
  assert.equal((await call({ 'net.client.tls.ca.path': pki.ca }, config('127.0.0.1', ''))).status, 500);
  assert.equal((await call({ 'net.client.tls.ca.path': pki.ca }, config('127.0.0.1', '    tls: { validateCertificateName: false }'))).status, 200);
});

test('a backend with credentials.certificateIds presents that client certificate (mTLS)', async () => {
  const answer = await call({ 'net.client.tls.ca.path': pki.ca }, config('localhost', '    credentials: { certificateIds: [client] }'));
  assert.deepEqual(answer, { status: 200, body: 'client=gateway-client' });
});

test('net.client.tls.ciphers.allowed-suites and the backend protocol switches limit what is offered', async () => {
  const trusted = { 'net.client.tls.ca.path': pki.ca };
  const noCommonSuite = { ...trusted, 'net.client.tls.ciphers.allowed-suites': ['TLS_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'] };
  assert.equal((await call(noCommonSuite, config('localhost', ''))).status, 500);
  const commonSuite = { ...trusted, 'net.client.tls.ciphers.allowed-suites': ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'] };
  assert.equal((await call(commonSuite, config('localhost', ''))).status, 200);
  // The backend speaks at most TLS 1.2.
  const tls13Only = { ...trusted, 'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls12': false };
  assert.equal((await call(tls13Only, config('localhost', ''))).status, 500);
});
