import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../src/config/load-file.ts';
import { isApimgwError } from '../../src/errors.ts';
import { effectivePolicy } from '../../src/policy/effective.ts';

const snapshot = parseConfigText(`
policy: |
  <policies>
    <inbound><set-header name="X-Global" exists-action="override"><value>g</value></set-header></inbound>
    <backend><forward-request timeout="10" /></backend>
  </policies>
namedValues: [{ name: secret, value: s3cr3t, secret: true }]
apis:
  - id: orders
    path: orders
    policy: |
      <policies>
        <inbound><check-header name="X-Api" failed-check-httpcode="401" failed-check-error-message="no" ignore-case="true" /><base /></inbound>
        <outbound><set-header name="X-Key" exists-action="override"><value>{{secret}}</value></set-header></outbound>
      </policies>
    operations:
      - id: get
        method: GET
        urlTemplate: /
        policy: |
          <policies>
            <inbound><base /><set-query-parameter name="op" exists-action="override"><value>get</value></set-query-parameter></inbound>
            <outbound><set-status code="202" /></outbound>
          </policies>
products:
  - id: gold
    apis: [orders]
    policy: "<policies><inbound><rate-limit calls=\\"5\\" renewal-period=\\"60\\" /><base /></inbound></policies>"
`, 'effective.yaml').snapshot;

test('the effective policy merges operation, API, product and global at <base/>, naming each scope', () => {
  assert.equal(effectivePolicy(snapshot, { apiId: 'orders', operationId: 'get', productId: 'gold' }), `<policies>
  <inbound>
    <!-- api orders -->
    <check-header name="X-Api" failed-check-httpcode="401" failed-check-error-message="no" ignore-case="true" />
    <!-- product gold -->
    <rate-limit calls="5" renewal-period="60" />
    <!-- global -->
    <set-header name="X-Global" exists-action="override"><value>g</value></set-header>
    <!-- operation get -->
    <set-query-parameter name="op" exists-action="override"><value>get</value></set-query-parameter>
  </inbound>
  <backend>
    <!-- global -->
    <forward-request timeout="10" />
  </backend>
  <outbound>
    <!-- operation get -->
    <set-status code="202" />
  </outbound>
  <on-error>
  </on-error>
</policies>
`);
});

test('without a product the product scope is left out; named values stay unresolved, so secrets never show', () => {
  const merged = effectivePolicy(snapshot, { apiId: 'orders', operationId: 'get' });
  assert.ok(!merged.includes('rate-limit'));
  assert.ok(!merged.includes('s3cr3t'));
});

test('unknown API, operation or product, and a product not holding the API, are clear errors', () => {
  const message = (request: Parameters<typeof effectivePolicy>[1]) => {
    try {
      effectivePolicy(snapshot, request);
    } catch (error) {
      assert.ok(isApimgwError(error));
      return `${error.message} | ${error.hint}`;
    }
    return 'no error';
  };
  assert.equal(message({ apiId: 'nope', operationId: 'get' }), 'API "nope" is not in the configuration | Known: orders.');
  assert.equal(message({ apiId: 'orders', operationId: 'x' }), 'operation "x" of API "orders" is not in the configuration | Known: get.');
  assert.equal(message({ apiId: 'orders', operationId: 'get', productId: 'tin' }), 'product "tin" is not in the configuration | Known: gold.');
});
