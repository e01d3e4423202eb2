import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { loadSettings } from '../../src/settings/load.ts';
import { IANA_TO_OPENSSL, opensslCiphers } from '../../src/tls/cipher-suites.ts';
import { configFromYaml } from '../helpers.ts';

test('the 30 SHGW suites map to the OpenSSL names OpenSSL itself gives them', () => {
  assert.equal(IANA_TO_OPENSSL.size, 30);
  const known = new Map(execFileSync('openssl', ['ciphers', '-stdname', 'ALL:@SECLEVEL=0'], { encoding: 'utf8' })
    .split('\n').filter(Boolean).map((line) => line.split(/\s+/)).map(([iana, , openssl]) => [iana!, openssl!]));
  for (const [iana, openssl] of IANA_TO_OPENSSL) assert.equal(known.get(iana), openssl, iana);
});

test('allowed-suites: IANA names in, OpenSSL names out; @SECLEVEL=0 only with TLS 1.0/1.1', () => {
  const { settings } = loadSettings({ env: { 'net.server.tls.ciphers.allowed-suites': 'TLS_AES_128_GCM_SHA256, TLS_RSA_WITH_AES_128_CBC_SHA' } });
  assert.deepEqual(settings['net.server.tls.ciphers.allowed-suites'], ['TLS_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_128_CBC_SHA']);
  assert.equal(opensslCiphers(settings['net.server.tls.ciphers.allowed-suites']), 'TLS_AES_128_GCM_SHA256:AES128-SHA');
  assert.equal(opensslCiphers(['TLS_RSA_WITH_AES_128_CBC_SHA'], true), 'AES128-SHA:@SECLEVEL=0');
  assert.equal(loadSettings({ env: {} }).settings['net.client.tls.ciphers.allowed-suites'].length, 30);
});

test('an unknown suite name is a settings error that lists the valid ones', () => {
  assert.throws(() => loadSettings({ env: { 'net.client.tls.ciphers.allowed-suites': 'TLS_AES_128_GCM_SHA256,ECDHE-RSA-AES128-SHA' } }), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'APIMGW_E_SETTINGS_INVALID');
    assert.match(error.message, /unknown cipher suite ECDHE-RSA-AES128-SHA; valid IANA names: TLS_AES_256_GCM_SHA384, .*TLS_RSA_WITH_AES_128_CBC_SHA/);
    return true;
  });
});

test('hostnames, certificate authorities and backend client certificates must name a certificate', () => {
  assert.throws(() => configFromYaml(`
gateway:
  hostnames: [{ hostname: api.test, certificateId: /subscriptions/x/resourceGroups/y/providers/Microsoft.ApiManagement/service/z/certificates/missing }]
  certificateAuthorities: [{ certificateId: ca }]
backends:
  - { id: b, url: 'https://b.test', credentials: { certificateIds: [nope] } }
  - { id: c, url: 'https://b.test', tls: { validateCertificateChain: false } }
certificates:
  - { id: ca, data: AAAA }
`), (error: Error & { details?: string[] }) => {
    const details = error.details!.join('\n');
    assert.match(details, /gateway\.hostnames\[0\]\.certificateId: unknown certificate "missing"/);
    assert.match(details, /backends\[0\]\.credentials\.certificateIds\[0\]: unknown certificate "nope"/);
    assert.match(details, /backends\[1\]: TLS settings differ from backends\[0\] with the same origin https:\/\/b\.test/);
    assert.doesNotMatch(details, /"ca"/);
    return true;
  });
});
