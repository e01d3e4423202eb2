import { test } from 'node:test';
import assert from 'node:assert/strict';
import { operationsFromSpecification } from '../../src/config/openapi.ts';

test('OpenAPI 3: one operation per path and method, path parameters as template parameters, query parameters left out', () => {
  const operations = operationsFromSpecification(`
openapi: 3.0.1
info: { title: t, version: "1" }
paths:
  /orders/{orderId}:
    parameters:
      - { name: orderId, in: path, required: true, schema: { type: integer } }
    get:
      operationId: get-order
      summary: Get an order
      parameters:
        - { name: expand, in: query, required: true, schema: { type: string } }
    delete:
      operationId: delete-order
  /status/{kind}:
    get:
      parameters:
        - { name: kind, in: path, required: true, schema: { type: string, enum: [live, ready] } }
`, 'spec.yaml');
  assert.deepEqual(operations, [
    { id: 'get-order', name: 'Get an order', method: 'GET', urlTemplate: '/orders/{orderId}', templateParameters: [{ name: 'orderId', type: 'integer', required: true }] },
    { id: 'delete-order', name: undefined, method: 'DELETE', urlTemplate: '/orders/{orderId}', templateParameters: [{ name: 'orderId', type: 'integer', required: true }] },
    { id: 'get-status-kind', name: undefined, method: 'GET', urlTemplate: '/status/{kind}', templateParameters: [{ name: 'kind', type: 'string', required: true, values: ['live', 'ready'] }] },
  ]);
});

test('Swagger 2 JSON: basePath stays out of the template', () => {
  const operations = operationsFromSpecification(JSON.stringify({
    swagger: '2.0',
    basePath: '/v1',
    paths: { '/pets/{id}': { put: { operationId: 'updatePet', parameters: [{ name: 'id', in: 'path', type: 'string', required: true }] } } },
  }), 'spec.json');
  assert.deepEqual(operations.map((o) => [o.id, o.method, o.urlTemplate]), [['updatePet', 'PUT', '/pets/{id}']]);
});

test('a document that is not OpenAPI is a located parse error', () => {
  assert.throws(() => operationsFromSpecification('title: not a spec', 'x.yaml'), /x\.yaml: neither an OpenAPI 3 nor a Swagger 2 document/);
  assert.throws(() => operationsFromSpecification('a: [', 'y.yaml'), /y\.yaml: not valid YAML\/JSON/);
});
