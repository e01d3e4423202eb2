import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApimgwError } from '../../src/errors.ts';
import { loadApiopsFolder } from '../../src/config/load-apiops.ts';
import { REPO_ROOT } from '../helpers.ts';

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

test('the real APIOps sample: APIs, revisions, the Segment version set', () => {
  const { snapshot } = loadApiopsFolder(SAMPLE);
  assert.deepEqual(snapshot.apis.map((a) => [a.id, a.path, a.apiRevision, a.isCurrent, a.apiVersion ?? null]), [
    ['basic-api', 'basic-api', '1', true, null],
    ['revisioned-api', 'revisioned-api', '1', true, null],
    ['revisioned-api;rev=2', 'revisioned-api', '2', false, null],
    ['versioned-api-v1', 'versioned-api', '1', true, 'v1'],
    ['versioned-api-v2', 'versioned-api', '1', true, 'v2'],
  ]);
  const basic = snapshot.apis[0]!;
  assert.deepEqual(basic.operations.map((o) => `${o.id} ${o.method} ${o.urlTemplate}`), ['get-items GET /items', 'create-item POST /items']);
  assert.match(basic.operations[0]!.policy ?? '', /<policies>/);
  assert.match(basic.policy ?? '', /set-backend-service backend-id="backend1"/);
  assert.deepEqual(snapshot.apis[3]!.apiVersionSet, { name: 'versionSet1', versioningScheme: 'Segment' });
  assert.deepEqual(snapshot.apis[0]!.protocols, ['https']);
});

test('the real APIOps sample: products, subscriptions, named values, backends, fragments, global policy', () => {
  const { snapshot } = loadApiopsFolder(SAMPLE);
  assert.deepEqual(snapshot.products.map((p) => [p.id, p.subscriptionRequired, p.apis]), [
    ['product1', true, ['basic-api', 'revisioned-api', 'versioned-api-v1']],
    ['product2', false, ['versioned-api-v2']],
  ]);
  assert.deepEqual(snapshot.subscriptions.map((s) => [s.id, s.scope, s.state]), [
    ['subscription1', '/products/product1', 'active'],
    ['subscription2', '/apis/basic-api', 'active'],
  ]);
  assert.deepEqual(snapshot.namedValues.find((n) => n.name === 'environment-name'), { name: 'environment-name', value: 'scenario', secret: false });
  assert.deepEqual(snapshot.backends.map((b) => [b.id, b.url]), [['backend1', 'https://httpbin.org'], ['backend2', 'https://postman-echo.com']]);
  assert.deepEqual(snapshot.policyFragments.map((f) => f.id), ['policyFragment1', 'policyFragment2']);
  assert.match(snapshot.policy ?? '', /include-fragment fragment-id="policyFragment1"/);
});

test('the real APIOps sample: every skipped part is named with its reason', () => {
  const { warnings } = loadApiopsFolder(SAMPLE);
  const text = warnings.join('\n');
  for (const expected of [
    /loggers: skipped: loggers and diagnostics/,
    /tags: skipped: tags are portal metadata/,
    /apis\/graphql-api: skipped: graphql APIs are not supported/,
    /apis\/soap-api: skipped: soap APIs are not supported/,
    /apis\/wadl-api: skipped: specification\.wadl specifications are not supported/,
    /products\/product2\/apis: graphql-api, soap-api, wadl-api not loaded/,
    /versioned-api-v1\/apiInformation\.json: path "versioned-api\/v1" ends with its version "v1"/,
    /subscription1\/subscriptionInformation\.json subscriptions\[0\]: no keys/,
  ]) assert.match(text, expected);
});

test('subscription keys come from a separate file; full ARM scopes are shortened', () => {
  const dir = tempFolder({
    'apis/a/apiInformation.json': info({ path: 'a', serviceUrl: 'http://x' }),
    'apis/a/specification.yaml': SPEC,
    'subscriptions/s/subscriptionInformation.json': info({ scope: '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc/apis/a', state: 'active' }),
    'subscriptions/all/subscriptionInformation.json': info({ scope: '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/svc/apis', state: 'suspended' }),
  });
  const keys = path.join(dir, 'keys.yaml');
  fs.writeFileSync(keys, 's: { primaryKey: p1, secondaryKey: s1 }\nghost: { primaryKey: g }\n');
  const { snapshot, warnings } = loadApiopsFolder(dir, { subscriptionKeysFile: keys });
  assert.deepEqual(snapshot.subscriptions.map((s) => [s.id, s.scope, s.state, s.primaryKey ?? null]), [
    ['all', '/apis', 'suspended', null],
    ['s', '/apis/a', 'active', 'p1'],
  ]);
  assert.ok(warnings.some((w) => w.includes('keys for "ghost"')));
  assert.deepEqual(snapshot.apis[0]!.operations[0]!.templateParameters, [{ name: 'id', type: 'string', required: true }]);
});

test('a gateways/<name> folder limits the APIs to those assigned to this gateway', () => {
  const dir = tempFolder({
    'apis/a/apiInformation.json': info({ path: 'a', serviceUrl: 'http://x' }),
    'apis/b/apiInformation.json': info({ path: 'b', serviceUrl: 'http://x' }),
    'gateways/edge/apis/b/gatewayApiInformation.json': '{}',
  });
  assert.deepEqual(loadApiopsFolder(dir, { gatewayName: 'edge' }).snapshot.apis.map((a) => a.id), ['b']);
  const other = loadApiopsFolder(dir, { gatewayName: 'apimgw' });
  assert.deepEqual(other.snapshot.apis.map((a) => a.id), ['a', 'b']);
  assert.ok(other.warnings.some((w) => w.includes('lists edge but not "apimgw"')));
});

test('malformed JSON names the file; invalid values point at their file', () => {
  const broken = tempFolder({ 'apis/a/apiInformation.json': '{ "properties": { "path": "a", } }' });
  assert.throws(() => loadApiopsFolder(broken), (error: unknown) => {
    assert.ok(error instanceof ApimgwError);
    assert.equal(error.code, 'APIMGW_E_CONFIG_PARSE');
    assert.match(error.message, /apis\/a\/apiInformation\.json: not valid JSON/);
    return true;
  });
  const invalid = tempFolder({
    'apis/a/apiInformation.json': info({ path: 'a', serviceUrl: 'ftp://x' }),
    'products/p/productInformation.json': info({ state: 'retired' }),
  });
  assert.throws(() => loadApiopsFolder(invalid), (error: unknown) => {
    assert.ok(error instanceof ApimgwError);
    assert.equal(error.code, 'APIMGW_E_CONFIG_INVALID');
    assert.match(error.details[0]!, /apis\/a\/apiInformation\.json apis\[0\]\.serviceUrl: /);
    assert.match(error.details[1]!, /products\/p\/productInformation\.json products\[0\]\.state: /);
    return true;
  });
});

test('a version set that does not exist is an error naming the API file', () => {
  const dir = tempFolder({ 'apis/a/apiInformation.json': info({ path: 'a', apiVersion: 'v1', apiVersionSetId: '/apiVersionSets/nope' }) });
  assert.throws(() => loadApiopsFolder(dir), /apis\/a\/apiInformation\.json: apiVersionSetId "\/apiVersionSets\/nope" has no folder "version sets\/nope"/);
});
