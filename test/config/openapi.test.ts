import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseOperationName, operationsFromSpecification } from '../../src/config/openapi.ts';

const ORDERS = `
openapi: 3.0.1
info: { title: t, version: "1" }
components:
  parameters:
    expand: { name: expand, in: query, required: true, description: what to embed, schema: { type: string, enum: [lines, customer] } }
paths:
  /orders/{orderId}:
    parameters:
      - { name: orderId, in: path, required: true, schema: { type: integer } }
      - { name: page, in: query, required: true, schema: { type: integer } }
    get:
      operationId: get-order
      summary: Get an order
      parameters:
        - $ref: '#/components/parameters/expand'
        - { name: page, in: query, required: false, schema: { type: integer } }
        - { name: trace, in: query, schema: { type: boolean } }
    delete:
      operationId: delete-order
  /status/{kind}:
    get:
      parameters:
        - { name: kind, in: path, required: true, schema: { type: string, enum: [live, ready] } }
    trace:
      operationId: trace-status
`;

test('OpenAPI 3: one operation per path and method; path and required query parameters are template parameters, as APIM imports them by default', () => {
  assert.deepEqual(operationsFromSpecification(ORDERS, 'spec.yaml'), [
    {
      id: 'get-order',
      name: 'Get an order',
      method: 'GET',
      // page is required only at path level: the operation's own, optional page overrides it.
      urlTemplate: '/orders/{orderId}?expand={expand}',
      templateParameters: [
        { name: 'orderId', type: 'integer', required: true },
        { name: 'expand', type: 'string', required: true, values: ['lines', 'customer'], description: 'what to embed' },
      ],
    },
    {
      id: 'delete-order',
      name: 'delete-order',
      method: 'DELETE',
      urlTemplate: '/orders/{orderId}?page={page}',
      templateParameters: [{ name: 'orderId', type: 'integer', required: true }, { name: 'page', type: 'integer', required: true }],
    },
    // No operationId: APIM names it from method and path; trace is not imported by APIM.
    { id: 'get-status-kind', name: undefined, method: 'GET', urlTemplate: '/status/{kind}', templateParameters: [{ name: 'kind', type: 'string', required: true, values: ['live', 'ready'] }] },
  ]);
});

test('translateRequiredQueryParameters "query" keeps required query parameters out of the template', () => {
  const operations = operationsFromSpecification(ORDERS, 'spec.yaml', { requiredQueryParameters: 'query' });
  assert.deepEqual(operations.map((o) => o.urlTemplate), ['/orders/{orderId}', '/orders/{orderId}', '/status/{kind}']);
  assert.deepEqual(operations[0]!.templateParameters.map((p) => p.name), ['orderId']);
});

test('Swagger 2 JSON: basePath stays out of the template, operationId is normalised into the name APIM gives the operation', () => {
  const operations = operationsFromSpecification(JSON.stringify({
    swagger: '2.0',
    host: 'contoso.azure-api.net',
    basePath: '/petstore',
    paths: {
      '/pets/{id}': {
        put: { operationId: 'updatePet', parameters: [{ name: 'id', in: 'path', type: 'string', required: true }] },
        get: { operationId: 'Pets_Get', parameters: [{ $ref: '#/parameters/id' }, { name: 'fields', in: 'query', type: 'array', required: true }] },
      },
    },
    parameters: { id: { name: 'id', in: 'path', type: 'integer', required: true } },
  }), 'spec.json');
  assert.deepEqual(operations.map((o) => [o.id, o.name, o.method, o.urlTemplate, o.templateParameters.map((p) => `${p.name}:${p.type}`).join(',')]), [
    ['pets-get', 'Pets_Get', 'GET', '/pets/{id}?fields={fields}', 'id:integer,fields:array'],
    ['updatepet', 'updatePet', 'PUT', '/pets/{id}', 'id:string'],
  ]);
});

test('operation names follow APIM: normalised, truncated to 76 characters, de-duplicated with -1, -2', () => {
  assert.equal(normaliseOperationName('GET-/foo/{bar}?buzz={quix}'), 'get-foo-bar-buzz-quix');
  assert.equal(normaliseOperationName('x'.repeat(90)).length, 76);
  const operations = operationsFromSpecification(`
openapi: 3.1.0
info: { title: t, version: "1" }
paths:
  /a: { get: { operationId: Get Item }, post: { operationId: get-item } }
  /b: { get: { operationId: get_item } }
x-ms-paths:
  /a?op=export: { get: { operationId: export } }
`, 'spec.yaml');
  assert.deepEqual(operations.map((o) => `${o.id} ${o.method} ${o.urlTemplate}`), ['get-item GET /a', 'get-item-1 POST /a', 'get-item-2 GET /b', 'export GET /a?op=export']);
});

test('a document that is not OpenAPI 2/3 is a located parse error', () => {
  assert.throws(() => operationsFromSpecification('title: not a spec', 'x.yaml'), { code: 'APIMGW_E_CONFIG_PARSE', message: /^x\.yaml: neither an OpenAPI 3 nor a Swagger 2 document/ });
  assert.throws(() => operationsFromSpecification('a: [', 'y.yaml'), { code: 'APIMGW_E_CONFIG_PARSE', message: /^y\.yaml: not valid YAML\/JSON/ });
  assert.throws(() => operationsFromSpecification('swagger: "1.2"\npaths: {}', 'z.yaml'), { code: 'APIMGW_E_CONFIG_PARSE', message: /^z\.yaml: swagger version "1\.2" is not supported/ });
});
