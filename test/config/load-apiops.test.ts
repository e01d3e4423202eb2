import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApimgwError } from '../../src/errors.ts';
import { loadApiopsFolder } from '../../src/config/load-apiops.ts';
import { Router } from '../../src/gateway/router.ts';
import { REPO_ROOT } from '../helpers.ts';

// The Azure/apiops sample, copied unchanged from the shared corpus so a clean clone tests against it (test/fixtures/README.md).
const SAMPLE = path.join(REPO_ROOT, 'test', 'fixtures', 'apiops-sample');

function tempFolder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-apiops-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

const info = (properties: Record<string, unknown>) => JSON.stringify({ properties });
const SPEC = 'openapi: 3.0.1\ninfo: { title: t, version: "1" }\npaths:\n  /things/{id}:\n    get: { operationId: get-thing }\n';
const API = { 'apis/a/apiInformation.json': info({ path: 'a', serviceUrl: 'http://x' }), 'apis/a/specification.yaml': SPEC };

function apimgwError(code: string, check: (error: ApimgwError) => void) {
  return (error: unknown) => {
    assert.ok(error instanceof ApimgwError, String(error));
    assert.equal(error.code, code);
    check(error);
    return true;
  };
}

test('the real APIOps sample: APIs, revisions, versions, operations with their policies', () => {
  const { snapshot } = loadApiopsFolder(SAMPLE);
  assert.deepEqual(snapshot.apis.map((a) => [a.id, a.path, a.apiRevision, a.isCurrent, a.apiVersion ?? null]), [
    ['basic-api', 'basic-api', '1', true, null],
    ['revisioned-api', 'revisioned-api', '1', true, null],
    ['revisioned-api;rev=2', 'revisioned-api', '2', false, null],
    ['versioned-api-v1', 'versioned-api', '1', true, 'v1'],
    ['versioned-api-v2', 'versioned-api', '1', true, 'v2'],
  ]);
  const operations = (id: string) => snapshot.apis.find((a) => a.id === id)!.operations.map((o) => `${o.id} ${o.method} ${o.urlTemplate}${o.policy ? ' +policy' : ''}`);
  assert.deepEqual(operations('basic-api'), ['get-items GET /items +policy', 'create-item POST /items +policy']);
  assert.deepEqual(operations('revisioned-api'), ['get-revision GET /revision +policy']);
  assert.deepEqual(operations('revisioned-api;rev=2'), ['get-revision-v2 GET /revision +policy', 'get-revision-details GET /revision/details']);
  assert.deepEqual(operations('versioned-api-v2'), ['get-version-v2 GET /version']);
  const basic = snapshot.apis[0]!;
  assert.equal(basic.name, 'basic-api');
  assert.deepEqual(basic.protocols, ['https']);
  assert.equal(basic.serviceUrl, 'https://httpbin.org');
  assert.match(basic.policy ?? '', /set-backend-service backend-id="backend1"/);
  assert.deepEqual(snapshot.apis[3]!.apiVersionSet, { id: 'versionSet1', name: 'versionSet1', versioningScheme: 'Segment' });
  assert.equal(snapshot.apis[1]!.policy, undefined);
  assert.match(snapshot.apis[2]!.policy ?? '', /<policies>/);
});

test('the real APIOps sample routes as APIM would: /versioned-api/v1/…, /revisioned-api;rev=2/…', () => {
  const router = new Router(loadApiopsFolder(SAMPLE).snapshot);
  const route = (url: string) => {
    const [pathPart = '', query] = url.split('?');
    const found = router.match({ path: pathPart, query: new URLSearchParams(query), method: 'GET', scheme: 'https', header: () => undefined });
    return found && `${found.api.api.id} ${found.operation.operation.id}`;
  };
  assert.equal(route('/versioned-api/v1/version'), 'versioned-api-v1 get-version-v1');
  assert.equal(route('/versioned-api/v2/version'), 'versioned-api-v2 get-version-v2');
  assert.equal(route('/versioned-api/v1/v1/version'), undefined);
  assert.equal(route('/revisioned-api/revision'), 'revisioned-api get-revision');
  assert.equal(route('/revisioned-api;rev=2/revision/details'), 'revisioned-api;rev=2 get-revision-details');
  assert.equal(route('/revisioned-api/revision/details'), undefined);
  assert.equal(route('/basic-api/items'), 'basic-api get-items');
});

test('the real APIOps sample: products, subscriptions, named values, backends, fragments, global policy', () => {
  const { snapshot } = loadApiopsFolder(SAMPLE);
  assert.deepEqual(snapshot.products.map((p) => [p.id, p.state, p.subscriptionRequired, p.apis, /<policies>/.test(p.policy ?? '')]), [
    ['product1', 'published', true, ['basic-api', 'revisioned-api', 'versioned-api-v1'], true],
    ['product2', 'published', false, ['versioned-api-v2'], true],
  ]);
  assert.deepEqual(snapshot.subscriptions.map((s) => [s.id, s.name, s.scope, s.state, s.primaryKey ?? null]), [
    ['subscription1', 'subscription1', '/products/product1', 'active', null],
    ['subscription2', 'subscription2', '/apis/basic-api', 'active', null],
  ]);
  assert.deepEqual(snapshot.namedValues, [
    { name: 'allowed-ip-address', value: '10.0.0.1', secret: false },
    { name: 'environment-name', value: 'scenario', secret: false },
    { name: 'intranet-proxy-url', value: 'https://httpbin.org', secret: false },
    { name: 'rewrite-search-term', value: 'legacy', secret: false },
  ]);
  assert.deepEqual(snapshot.backends.map((b) => [b.id, b.url, b.protocol]), [['backend1', 'https://httpbin.org', 'http'], ['backend2', 'https://postman-echo.com', 'http']]);
  assert.deepEqual(snapshot.policyFragments.map((f) => f.id), ['policyFragment1', 'policyFragment2']);
  assert.ok(snapshot.policyFragments.every((f) => f.policy.includes('<fragment>')));
  assert.match(snapshot.policy ?? '', /include-fragment fragment-id="policyFragment1"/);
});

test('the real APIOps sample: every skipped part is one warning naming the file and the reason', () => {
  const { warnings } = loadApiopsFolder(SAMPLE);
  const at = (relative: string) => `${path.join(SAMPLE, relative)}: `;
  const expected = [
    `${at('diagnostics')}skipped: it configures Azure Monitor`,
    `${at('loggers')}skipped: it configures Azure Monitor`,
    `${at('tags')}skipped: tags are portal metadata`,
    `${at('apis/basic-api/diagnostics')}skipped: it configures Azure Monitor`,
    `${at('apis/graphql-api')}skipped: a graphql API: apimgw serves HTTP APIs`,
    `${at('apis/soap-api')}skipped: a soap API: apimgw serves HTTP APIs`,
    `${at('apis/versioned-api-v1/apiInformation.json')}path "versioned-api/v1" ends with its version "v1": serving it as path "versioned-api"`,
    `${at('apis/versioned-api-v2/apiInformation.json')}path "versioned-api/v2" ends with its version "v2"`,
    `${at('apis/wadl-api')}skipped: described by specification.wadl only: apimgw serves HTTP APIs`,
    `${at('products/product2/apis/graphql-api')}skipped: API "graphql-api" is not loaded (a graphql API)`,
    `${at('products/product2/apis/soap-api')}skipped: API "soap-api" is not loaded (a soap API)`,
    `${at('products/product2/apis/wadl-api')}skipped: API "wadl-api" is not loaded (described by specification.wadl only)`,
    `${path.join(SAMPLE, 'subscriptions/subscription1/subscriptionInformation.json')} subscriptions[0]: no keys`,
    `${path.join(SAMPLE, 'subscriptions/subscription2/subscriptionInformation.json')} subscriptions[1]: no keys`,
  ];
  assert.equal(warnings.length, expected.length, warnings.join('\n'));
  expected.forEach((start, i) => assert.ok(warnings[i]!.startsWith(start), `${warnings[i]}\ndoes not start with\n${start}`));
});

test('subscription keys come from a separate file, located there when wrong; full ARM scopes are shortened', () => {
  const arm = '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc';
  const dir = tempFolder({
    ...API,
    'subscriptions/s/subscriptionInformation.json': info({ scope: `${arm}/apis/a`, state: 'active' }),
    'subscriptions/all/subscriptionInformation.json': info({ scope: `${arm}/apis`, state: 'suspended' }),
    'subscriptions/service/subscriptionInformation.json': info({ scope: `${arm}/` }),
    'subscriptions/p/subscriptionInformation.json': info({ scope: `${arm}/products/starter` }),
    'products/starter/productInformation.json': info({ displayName: 'Starter' }),
  });
  const keys = path.join(dir, 'keys.yaml');
  fs.writeFileSync(keys, 's: { primaryKey: p1, secondaryKey: s1 }\nghost: { primaryKey: g }\n');
  const { snapshot, warnings } = loadApiopsFolder(dir, { subscriptionKeysFile: keys });
  assert.deepEqual(snapshot.subscriptions.map((s) => [s.id, s.scope, s.state, s.primaryKey ?? null, s.secondaryKey ?? null]), [
    ['all', '/apis', 'suspended', null, null],
    ['p', '/products/starter', 'active', null, null],
    ['s', '/apis/a', 'active', 'p1', 's1'],
    ['service', '/apis', 'active', null, null],
  ]);
  assert.ok(warnings.includes(`${keys}: keys for "ghost", which is not a loaded subscription`));

  fs.writeFileSync(keys, 's: { primaryKey: 42 }\n');
  assert.throws(() => loadApiopsFolder(dir, { subscriptionKeysFile: keys }), apimgwError('APIMGW_E_CONFIG_INVALID', (error) => {
    assert.deepEqual(error.details, [`${keys} subscriptions[2].primaryKey: Invalid input: expected string, received number`]);
  }));
  fs.writeFileSync(keys, '- s\n');
  assert.throws(() => loadApiopsFolder(dir, { subscriptionKeysFile: keys }), { code: 'APIMGW_E_CONFIG_PARSE', message: `${keys}: expected { <subscriptionId>: { primaryKey, secondaryKey } }` });
  assert.throws(() => loadApiopsFolder(dir, { subscriptionKeysFile: path.join(dir, 'nope.yaml') }), { code: 'APIMGW_E_CONFIG_NOT_FOUND' });
});

test('a gateways/<name> folder limits the APIs to those assigned to this gateway, and says so', () => {
  const dir = tempFolder({
    'apis/a/apiInformation.json': info({ path: 'a', serviceUrl: 'http://x' }),
    'apis/b/apiInformation.json': info({ path: 'b', serviceUrl: 'http://x' }),
    'apis/b;rev=2/apiInformation.json': info({ path: 'b', serviceUrl: 'http://x', apiRevision: '2' }),
    'gateways/edge/gatewayInformation.json': info({ locationData: { name: 'factory' } }),
    'gateways/edge/apis/b/gatewayApiInformation.json': '{}',
    'gateways/edge/apis/gone/gatewayApiInformation.json': '{}',
    'products/p/apis/a/productApiInformation.json': '{}',
    'products/p/apis/b/productApiInformation.json': '{}',
    'subscriptions/sa/subscriptionInformation.json': info({ scope: '/apis/a' }),
  });
  const edge = loadApiopsFolder(dir, { gatewayName: 'edge' });
  assert.deepEqual(edge.snapshot.apis.map((a) => [a.id, a.isCurrent]), [['b', true], ['b;rev=2', false]]);
  assert.deepEqual(edge.snapshot.products[0]!.apis, ['b']);
  assert.deepEqual(edge.snapshot.subscriptions, []);
  for (const warning of [
    `${path.join(dir, 'gateways/edge/apis')}: serving only the APIs assigned to gateway "edge"; left out: a`,
    `${path.join(dir, 'gateways/edge/apis/gone')}: skipped: no folder apis/gone`,
    `${path.join(dir, 'products/p/apis/a')}: skipped: API "a" is not loaded (not assigned to gateway "edge")`,
    `${path.join(dir, 'subscriptions/sa')}: skipped: its API "a" is not loaded (not assigned to gateway "edge")`,
  ]) assert.ok(edge.warnings.includes(warning), `missing: ${warning}\n${edge.warnings.join('\n')}`);

  const other = loadApiopsFolder(dir, { gatewayName: 'apimgw' });
  assert.deepEqual(other.snapshot.apis.map((a) => a.id), ['a', 'b', 'b;rev=2']);
  assert.ok(other.warnings.includes(`${path.join(dir, 'gateways')}: assigns APIs to edge, none of them gateway.name ("apimgw"): loading every API`));
});

test('malformed JSON names the file; invalid values point at the file they came from', () => {
  const broken = tempFolder({ 'apis/a/apiInformation.json': '{ "properties": { "path": "a", } }' });
  assert.throws(() => loadApiopsFolder(broken), apimgwError('APIMGW_E_CONFIG_PARSE', (error) => {
    assert.ok(error.message.startsWith(`${path.join(broken, 'apis/a/apiInformation.json')}: not valid JSON (`), error.message);
  }));
  const invalid = tempFolder({
    'apis/a/apiInformation.json': info({ path: 'a', serviceUrl: 'ftp://x', apiVersion: 'v1', apiVersionSetId: '/apiVersionSets/vs' }),
    'apis/a/specification.yaml': 'swagger: "2.0"\npaths:\n  /x: { get: { operationId: x } }\n',
    'apis/a/operations/x/policy.xml': '<policies/>',
    'version sets/vs/versionSetInformation.json': info({ versioningScheme: 'Query' }),
    'products/p/productInformation.json': info({ state: 'retired' }),
    'subscriptions/s/subscriptionInformation.json': info({ state: 'active' }),
  });
  assert.throws(() => loadApiopsFolder(invalid), apimgwError('APIMGW_E_CONFIG_INVALID', (error) => {
    const at = (relative: string) => path.join(invalid, relative);
    assert.deepEqual(error.details.map((d) => d.replace(/: .*/, '')), [
      `${at('apis/a/apiInformation.json')} apis[0].serviceUrl`,
      `${at('version sets/vs/versionSetInformation.json')} apis[0].apiVersionSet.versionQueryName`,
      `${at('products/p/productInformation.json')} products[0].state`,
      `${at('subscriptions/s/subscriptionInformation.json')} subscriptions[0].scope`,
    ]);
  }));
});

test('revisions: an explicit isCurrent wins over the folder name; translateRequiredQueryParameters is honoured', () => {
  const dir = tempFolder({
    'apis/a/apiInformation.json': info({ path: 'a', serviceUrl: 'http://x', translateRequiredQueryParameters: 'query' }),
    'apis/a/specification.json': JSON.stringify({ swagger: '2.0', basePath: '/a', paths: { '/find': { get: { operationId: 'FindThings', parameters: [{ name: 'q', in: 'query', required: true, type: 'string' }] } } } }),
    'apis/a/operations/findthings/policy.xml': '<policies><inbound><base /></inbound></policies>',
    'apis/a;rev=3/apiInformation.json': info({ path: 'a', serviceUrl: 'http://x', isCurrent: true }),
    'apis/a;rev=3/specification.yml': 'openapi: 3.0.1\npaths:\n  /find:\n    get: { operationId: get-thing, parameters: [{ name: q, in: query, required: true }] }\n',
  });
  const { snapshot } = loadApiopsFolder(dir);
  assert.deepEqual(snapshot.apis.map((a) => [a.id, a.apiRevision, a.isCurrent, a.operations.map((o) => `${o.id} ${o.urlTemplate}${o.policy ? ' +policy' : ''}`)]), [
    ['a', '1', false, ['findthings /find +policy']],
    ['a;rev=3', '3', true, ['get-thing /find?q={q}']],
  ]);
});

test('Key Vault named values, secrets without a value and pool backends are named in warnings', () => {
  const dir = tempFolder({
    ...API,
    'named values/kv/namedValueInformation.json': info({ displayName: 'KvSecret', secret: true, keyVault: { secretIdentifier: 'https://v.vault.azure.net/secrets/s' } }),
    'named values/hidden/namedValueInformation.json': info({ displayName: 'Hidden', secret: true }),
    'backends/pool/backendInformation.json': info({ type: 'Pool', pool: { services: [{ id: '/backends/one' }] } }),
    'policy fragments/empty/policyFragmentInformation.json': info({ description: 'no policy' }),
  });
  const { snapshot, warnings } = loadApiopsFolder(dir);
  assert.deepEqual(snapshot.namedValues, [{ name: 'Hidden', value: '', secret: true }, { name: 'KvSecret', value: '', secret: true }]);
  assert.deepEqual(snapshot.backends, []);
  assert.deepEqual(snapshot.policyFragments, []);
  for (const warning of [
    `${path.join(dir, 'named values/kv')}: Key Vault secret https://v.vault.azure.net/secrets/s is not fetched: the named value is empty`,
    `${path.join(dir, 'named values/hidden')}: secret value not exported by the extractor: the named value is empty`,
    `${path.join(dir, 'backends/pool')}: skipped: load-balanced pool backends are not supported yet`,
    `${path.join(dir, 'policy fragments/empty')}: skipped: no policy.xml`,
  ]) assert.ok(warnings.includes(warning), `missing: ${warning}\n${warnings.join('\n')}`);
});

test('a missing version set, a missing folder and a folder that is not an extract are errors', () => {
  const dir = tempFolder({ 'apis/a/apiInformation.json': info({ path: 'a', apiVersion: 'v1', apiVersionSetId: '/apiVersionSets/nope' }) });
  assert.throws(() => loadApiopsFolder(dir), {
    code: 'APIMGW_E_CONFIG_INVALID',
    message: `${path.join(dir, 'apis/a/apiInformation.json')}: apiVersionSetId "/apiVersionSets/nope" has no folder "version sets/nope"`,
  });
  assert.throws(() => loadApiopsFolder(path.join(dir, 'missing')), { code: 'APIMGW_E_CONFIG_NOT_FOUND' });
  assert.throws(() => loadApiopsFolder(tempFolder({ 'src/index.ts': '' })), { code: 'APIMGW_E_CONFIG_NOT_FOUND', message: /is not an APIOps extractor folder/ });
});
