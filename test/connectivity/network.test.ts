import { test } from 'node:test';
import assert from 'node:assert/strict';
import type dns from 'node:dns';
import { lookupFor, parseResolve, proxyFor, proxySettings } from '../../src/connectivity/network.ts';

test('--resolve host:port:address, IPv6 in brackets; anything else is refused with the expected form', () => {
  const overrides = parseResolve(['MP.example.com:443:10.0.0.5', 'v6.example.com:8443:[::1]']);
  assert.equal(overrides.get('mp.example.com:443'), '10.0.0.5');
  assert.equal(overrides.get('v6.example.com:8443'), '::1');
  for (const bad of ['mp.example.com:443', 'mp.example.com:443:not-an-ip', 'mp.example.com:0:10.0.0.5', 'x']) {
    assert.throws(() => parseResolve([bad]), /expected host:port:address/, bad);
  }
});

test('the lookup answers overridden names for their port only, in both answer shapes', async () => {
  const lookup = lookupFor(parseResolve(['mp.example.test:443:10.0.0.5', 'six.example.test:443:::1']), 443);
  const one = await new Promise<[string, number]>((resolve, reject) => lookup('mp.example.test', {}, (error, address, family) => (error ? reject(error) : resolve([address as string, family!]))));
  assert.deepEqual(one, ['10.0.0.5', 4]);
  const all = await new Promise<dns.LookupAddress[]>((resolve, reject) => lookup('six.example.test', { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses as unknown as dns.LookupAddress[]))));
  assert.deepEqual(all, [{ address: '::1', family: 6 }]);
  const otherPort = lookupFor(parseResolve(['mp.example.test:443:10.0.0.5']), 8443);
  await assert.rejects(new Promise((resolve, reject) => otherPort('mp.example.test', {}, (error, address) => (error ? reject(error) : resolve(address)))));
});

test('proxy variables as undici reads them: lower case first, HTTPS falls back to HTTP, NO_PROXY by host, subdomain and port', () => {
  const proxies = proxySettings({ HTTP_PROXY: 'http://upper:3128', http_proxy: 'http://lower:3128', NO_PROXY: 'internal.example, .corp.example:8443, 10.0.0.5' });
  assert.deepEqual(proxies, { http: 'http://lower:3128', https: 'http://lower:3128', noProxy: 'internal.example, .corp.example:8443, 10.0.0.5' });
  assert.equal(proxyFor(proxies, 'https', 'mp.example.com', 443)?.host, 'lower:3128');
  assert.equal(proxyFor(proxies, 'https', 'internal.example', 443), undefined);
  assert.equal(proxyFor(proxies, 'https', 'api.internal.example', 443), undefined);
  assert.equal(proxyFor(proxies, 'https', 'a.corp.example', 8443), undefined);
  assert.notEqual(proxyFor(proxies, 'https', 'a.corp.example', 443), undefined);
  assert.equal(proxyFor(proxies, 'http', '10.0.0.5', 80), undefined);
  assert.equal(proxyFor(proxySettings({ HTTPS_PROXY: 'proxy:8080', NO_PROXY: '*' }), 'https', 'x', 443), undefined);
  assert.equal(proxyFor(proxySettings({ HTTPS_PROXY: 'proxy:8080' }), 'https', 'x', 443)?.href, 'http://proxy:8080/');
  assert.equal(proxyFor(proxySettings({ HTTPS_PROXY: 'proxy:8080' }), 'http', 'x', 80), undefined);
});
