import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import { NODE_ENTRY, runCommand, startGateway } from '../cli/gateway-process.ts';
import { createPki, type TestPki } from './certs.ts';

let pki: TestPki;

before(() => {
  pki = createPki();
  pki.issue('server', { subject: '/CN=gateway.test', dns: ['gateway.test'] });
});

after(() => pki.remove());

test('apimgw run serves HTTPS on net.server.https.port from every worker; the start-up line names both ports', async () => {
  const gateway = await startGateway([...NODE_ENTRY, 'run'], {
    'net.server.https.port': '0',
    'net.server.https.host': '127.0.0.1',
    'net.server.tls.certificate.path': pki.file('server', 'pem'),
    'net.server.tls.certificate.key.path': pki.file('server', 'key'),
  });
  try {
    const line = gateway.logs.find((l) => String(l.msg).startsWith('apimgw listening'))!;
    const httpsPort = Number(line.httpsPort);
    assert.ok(httpsPort > 0);
    assert.match(String(line.msg), new RegExp(`and https://127\\.0\\.0\\.1:${httpsPort}$`));
    for (let i = 0; i < 4; i++) {
      const status = await new Promise<number>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port: httpsPort, path: '/status-0123456789abcdef', servername: 'gateway.test', ca: fs.readFileSync(pki.ca), agent: false }, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        }).on('error', reject);
      });
      assert.equal(status, 200);
    }
  } finally {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
  }
});

test('without a certificate no HTTPS port is opened; a certificate that does not load stops the start with exit 2', async () => {
  const plain = await startGateway([...NODE_ENTRY, 'run'], { 'runtime.workers': '1' });
  try {
    const line = plain.logs.find((l) => String(l.msg).startsWith('apimgw listening'))!;
    assert.equal(line.httpsPort, undefined);
  } finally {
    plain.child.kill('SIGTERM');
    await plain.exited;
  }
  const broken = await runCommand([...NODE_ENTRY, 'run'], {
    'net.server.http.port': '0', 'admin.port': '0',
    'net.server.tls.certificate.path': pki.file('server', 'pem'), // no key beside it, none in the file
  });
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /APIMGW_E_TLS_CERTIFICATE|holds no private key/);
  assert.doesNotMatch(broken.stderr, /\n\s+at /, 'no stack trace');
});
