import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type https from 'node:https';
import { probeTarget, type ProbeOptions } from '../../src/connectivity/probe.ts';
import { parseResolve } from '../../src/connectivity/network.ts';
import { buildReport, ConnectivityReportSchema, renderReport } from '../../src/connectivity/report.ts';
import type { AuthStep, Target } from '../../src/connectivity/targets.ts';
import { Chalk } from 'chalk';
import { closedPort, makeLeaf, makePki, startConnectProxy, startHttps, type TestPki } from './fixtures.ts';

let pki: TestPki;
let server: { server: https.Server; port: number };
let proxy: Awaited<ReturnType<typeof startConnectProxy>>;

before(async () => {
  pki = makePki();
  server = await startHttps(pki, (request, response) => response.end(request.headers['x-probe'] ?? 'ok'));
  proxy = await startConnectProxy();
});

after(() => {
  server.server.close();
  proxy.server.close();
  fs.rmSync(pki.dir, { recursive: true, force: true });
});

function options(overrides: Partial<ProbeOptions> = {}): ProbeOptions {
  return {
    timeoutMs: 2000,
    overrides: parseResolve([`mp.example.test:${server.port}:127.0.0.1`, `other.test:${server.port}:127.0.0.1`]),
    extraCa: [fs.readFileSync(pki.caFile, 'utf8')],
    proxies: { http: undefined, https: undefined, noProxy: '' },
    ...overrides,
  };
}

const tlsTarget = (extra: Partial<Target> = {}): Target => ({ host: 'mp.example.test', port: server.port, purpose: 'test', required: true, transport: 'tls', ...extra });

test('a trusted TLS endpoint: every step ok, certificate facts, ok verdict', async () => {
  const report = await probeTarget(tlsTarget(), options());
  assert.equal(report.verdict, 'ok', report.reasons.join('; '));
  assert.deepEqual(report.dns.addresses, ['127.0.0.1']);
  assert.match(report.dns.detail, /--resolve/);
  assert.equal(report.tcp.status, 'ok');
  assert.equal(report.tls.protocol, 'TLSv1.3');
  assert.match(report.tls.cipher ?? '', /^TLS_/);
  assert.equal(report.tls.certificate?.subject, 'CN=mp.example.test');
  assert.equal(report.tls.certificate?.issuer, 'CN=apimgw test CA');
  assert.ok(report.tls.certificate!.daysToExpiry >= 88 && report.tls.certificate!.daysToExpiry <= 90);
  assert.equal(report.tls.certificate?.hostnameMatch, true);
  assert.equal(report.auth.status, 'none');
});

test('without the CA the chain is untrusted: a failure with the reason; optional targets only warn', async () => {
  const required = await probeTarget(tlsTarget(), options({ extraCa: [] }));
  assert.equal(required.verdict, 'fail');
  assert.equal(required.tls.status, 'fail');
  assert.equal(required.tls.certificate?.chainValid, false);
  assert.equal(required.tls.certificate?.chainError, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  assert.match(required.reasons[0]!, /certificate not trusted: the issuer is not trusted/);
  const optional = await probeTarget(tlsTarget({ required: false }), options({ extraCa: [] }));
  assert.equal(optional.verdict, 'warn');
});

test('a name the certificate does not cover fails; acceptAnyCertificate turns it into a warning and the auth step runs', async () => {
  const mismatch = await probeTarget(tlsTarget({ host: 'other.test' }), options());
  assert.equal(mismatch.verdict, 'fail');
  assert.equal(mismatch.tls.certificate?.hostnameMatch, false);
  assert.match(mismatch.tls.detail, /name mismatch.*other\.test/);

  const auth: AuthStep = async ({ dispatcher }) => {
    const response = await dispatcher.request({ origin: `https://other.test:${server.port}`, path: '/', method: 'GET', headers: { 'x-probe': 'through' } });
    return { ok: true, label: 'ok', detail: await response.body.text() };
  };
  const accepted = await probeTarget(tlsTarget({ host: 'other.test', acceptAnyCertificate: true, auth }), options({ extraCa: [] }));
  assert.equal(accepted.tls.status, 'ok');
  assert.equal(accepted.auth.status, 'ok');
  assert.equal(accepted.auth.detail, 'through');
  assert.equal(accepted.verdict, 'warn');
  assert.ok(accepted.reasons.every((reason) => reason.includes('disableCertificateValidation=true')));
});

test('a certificate with less than 30 days left passes with a warning', async () => {
  const soon = await startHttps(makeLeaf(pki, 'soon.example.test', 10), (_request, response) => response.end());
  try {
    const report = await probeTarget({ host: 'soon.example.test', port: soon.port, purpose: 'x', required: true, transport: 'tls' },
      options({ overrides: parseResolve([`soon.example.test:${soon.port}:127.0.0.1`]) }));
    assert.equal(report.tls.status, 'ok');
    assert.equal(report.verdict, 'warn');
    assert.match(report.reasons[0]!, /^the certificate expires in (9|10) days/);
  } finally {
    soon.server.close();
  }
});

test('DNS and TCP failures say which step and why; later steps are skipped', async () => {
  const unknown = await probeTarget({ host: 'nothing.invalid', port: 443, purpose: 'x', required: true, transport: 'tls' }, options());
  assert.equal(unknown.dns.status, 'fail');
  assert.equal(unknown.tcp.status, 'skipped');
  assert.match(unknown.reasons[0]!, /^DNS: /);
  const port = await closedPort();
  const refused = await probeTarget({ host: '127.0.0.1', port, purpose: 'x', required: true, transport: 'tcp', auth: async () => ({ ok: true, label: 'ok', detail: '' }) }, options());
  assert.equal(refused.tcp.status, 'fail');
  assert.match(refused.tcp.detail, /connection refused \(ECONNREFUSED\)/);
  assert.equal(refused.auth.status, 'skipped');
});

test('UDP targets are checked by name only', async () => {
  const statsd = await probeTarget({ host: 'localhost', port: 8125, purpose: 'statsd', required: false, transport: 'udp' }, options());
  assert.equal(statsd.verdict, 'ok');
  assert.equal(statsd.tcp.status, 'none');
  assert.match(statsd.tcp.detail, /UDP: only DNS/);
});

test('through an HTTP proxy: CONNECT with the proxy credentials, then TLS to the target; NO_PROXY goes direct', async () => {
  const proxied = { http: undefined, https: `http://ops:s3cret@127.0.0.1:${proxy.port}`, noProxy: 'localhost' };
  const auth: AuthStep = async ({ dispatcher }) => {
    const response = await dispatcher.request({ origin: `https://mp.example.test:${server.port}`, path: '/', method: 'GET' });
    return { ok: response.statusCode === 200, label: 'ok', detail: await response.body.text() };
  };
  proxy.seen.length = 0;
  const report = await probeTarget(tlsTarget({ proxyScheme: 'https', auth }), options({ proxies: proxied }));
  assert.equal(report.verdict, 'ok', report.reasons.join('; '));
  assert.equal(report.via, `127.0.0.1:${proxy.port}`);
  assert.match(report.tcp.detail, /tunnel to mp\.example\.test:\d+ through the proxy/);
  assert.equal(report.auth.status, 'ok');
  // The probe's own tunnel and the auth request's both went through the proxy, with the credentials.
  assert.equal(proxy.seen.length, 2);
  for (const seen of proxy.seen) {
    assert.equal(seen.authority, `mp.example.test:${server.port}`);
    assert.equal(seen.authorization, `Basic ${Buffer.from('ops:s3cret').toString('base64')}`);
  }
  assert.ok(!JSON.stringify(report).includes('s3cret'));

  const bypassed = await probeTarget(tlsTarget({ proxyScheme: 'https' }), options({ proxies: { ...proxied, noProxy: '.example.test' } }));
  assert.equal(bypassed.via, null);
  assert.equal(bypassed.verdict, 'ok');
  assert.equal(proxy.seen.length, 2);
});

test('a proxy that refuses the tunnel is a TCP failure naming the proxy answer', async () => {
  const port = await closedPort();
  const report = await probeTarget({ host: 'mp.example.test', port, purpose: 'x', required: true, transport: 'tls', proxyScheme: 'https' },
    options({ proxies: { http: undefined, https: `http://127.0.0.1:${proxy.port}`, noProxy: '' } }));
  assert.equal(report.tcp.status, 'fail');
  assert.match(report.tcp.detail, /the proxy refused the tunnel: 502/);
});

test('the report schema accepts what the probes produce and rejects what it does not describe', async () => {
  const reports = [await probeTarget(tlsTarget(), options()), await probeTarget(tlsTarget({ required: false }), options({ extraCa: [] }))];
  const report = buildReport(reports, ['a note'], new Date());
  assert.deepEqual(ConnectivityReportSchema.parse(JSON.parse(JSON.stringify(report))), report);
  assert.deepEqual(report.summary, { ok: 1, warn: 1, fail: 0 });
  assert.equal(report.ok, true);
  assert.equal(ConnectivityReportSchema.safeParse({ ...report, targets: [{ ...report.targets[0], verdict: 'maybe' }] }).success, false);
  assert.equal(ConnectivityReportSchema.safeParse({ ...report, extra: 1 }).success, false);
  const text = renderReport(report, new Chalk({ level: 0 }));
  assert.match(text.split('\n')[0]!, /^FQDN\s+PORT\s+PURPOSE\s+REQUIRED\s+DNS\s+TCP\s+TLS\s+AUTH\s+LATENCY\s+VERDICT$/);
  assert.match(text, /mp\.example\.test\s+\d+\s+test\s+yes\s+127\.0\.0\.1\s+ok\s+TLSv1\.3\s+-\s+\d+ ms\s+ok/);
  assert.match(text, /subject CN=mp\.example\.test; issuer CN=apimgw test CA; expires in \d+ days; name matches; chain valid/);
});
