import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApimgwError } from '../../src/errors.ts';
import { loadLocalConfig, EMBEDDED_EXAMPLE } from '../../src/config/source.ts';
import { parseConfigText } from '../../src/config/load-file.ts';

function errorsOf(text: string, name = 'c.yaml'): string[] {
  try {
    parseConfigText(text, name);
  } catch (error) {
    assert.ok(error instanceof ApimgwError);
    return error.details.length ? [...error.details] : [error.message];
  }
  assert.fail('expected the configuration to be rejected');
}

test('the embedded example loads with no warnings', () => {
  const config = loadLocalConfig(undefined);
  assert.equal(config.source, EMBEDDED_EXAMPLE);
  assert.deepEqual(config.warnings, []);
  assert.equal(config.snapshot.apis.length, 6);
  assert.match(config.hash, /^[0-9a-f]{64}$/);
});

test('JSON files load too, with the same locations', () => {
  const config = parseConfigText('{"apis":[{"id":"a","path":"a","serviceUrl":"http://x","operations":[{"id":"o","method":"GET","urlTemplate":"/"}]}]}', 'c.json');
  assert.equal(config.snapshot.apis[0]!.subscriptionRequired, true);
  assert.deepEqual(errorsOf('{\n  "apis": [\n    {"id": "a", "path": 5}\n  ]\n}', 'c.json'), ['c.json:3:25 apis[0].path: Invalid input: expected string, received number']);
});

test('defaults follow APIM: key names, protocols, current revision 1', () => {
  const { snapshot } = parseConfigText('apis: [{ id: a, serviceUrl: "http://x" }]', 'c.yaml');
  const api = snapshot.apis[0]!;
  assert.deepEqual(api.subscriptionKeyParameterNames, { header: 'Ocp-Apim-Subscription-Key', query: 'subscription-key' });
  assert.deepEqual(api.protocols, ['http', 'https']);
  assert.equal(api.apiRevision, '1');
  assert.equal(api.isCurrent, true);
});

test('schema errors are located: unknown fields, bad scopes, missing version names', () => {
  const errors = errorsOf(`
apis:
  - { id: v1, path: v, apiVersion: v1, apiVersionSet: { versioningScheme: Query }, serviceUrl: "http://x", color: red }
subscriptions:
  - { id: s, scope: /everything }
`);
  assert.deepEqual(errors, [
    'c.yaml:3:55 apis[0].apiVersionSet.versionQueryName: required with versioningScheme Query',
    'c.yaml:3:5 apis[0]: unknown field "color"',
    'c.yaml:5:21 subscriptions[0].scope: must be "/apis", "/apis/<apiId>" or "/products/<productId>"',
  ]);
});

test('semantic errors each name their place', () => {
  const errors = errorsOf(`
apis:
  - { id: a, path: a, serviceUrl: "http://x", operations: [{ id: o, method: GET, urlTemplate: / }, { id: o, method: POST, urlTemplate: / }] }
  - { id: "a;rev=2", path: a, apiRevision: "2", isCurrent: true, serviceUrl: "http://x" }
  - { id: "a;rev=3", path: a, apiRevision: "4", isCurrent: false, serviceUrl: "http://x" }
products:
  - { id: p, apis: [a, ghost] }
subscriptions:
  - { id: s1, scope: /apis/ghost, primaryKey: same }
  - { id: s2, scope: /apis, primaryKey: same }
`);
  assert.deepEqual(errors, [
    'c.yaml:3:100 apis[0].operations[1]: duplicate operation id "o"',
    'c.yaml:5:44 apis[2].apiRevision: revision id "a;rev=3" does not match apiRevision "4"',
    'c.yaml:3:5 apis[0].isCurrent: API "a" has 2 current revisions; exactly one must be current',
    'c.yaml:7:24 products[0].apis[1]: unknown API "ghost"',
    'c.yaml:9:22 subscriptions[0].scope: unknown API "ghost"',
    'c.yaml:10:41 subscriptions[1].primaryKey: key is already used by subscription "s1"',
  ]);
});

test('warnings do not stop loading: no serviceUrl, no operations, keyless subscriptions', () => {
  const config = parseConfigText(`
policy: "<policies/>"
apis: [{ id: a, path: a }]
subscriptions: [{ id: s, scope: /apis }]
`, 'w.yaml');
  assert.deepEqual(config.warnings, [
    'w.yaml:3:8 apis[0].serviceUrl: no serviceUrl: requests to this API get 500 until a policy sets a backend',
    'w.yaml:3:8 apis[0].operations: no operations: every request to this API gets 404',
    'w.yaml:4:17 subscriptions[0]: no keys: nobody can call with this subscription (APIOps extractors never export keys; see config.local.subscriptionKeys)',
  ]);
});

test('a missing file is APIMGW_E_CONFIG_NOT_FOUND', () => {
  assert.throws(() => loadLocalConfig('/no/such/config.yaml'), (error: unknown) => error instanceof ApimgwError && error.code === 'APIMGW_E_CONFIG_NOT_FOUND');
});
