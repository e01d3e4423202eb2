import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SnapshotSchema } from '../../src/config/model.ts';
import { Router } from '../../src/gateway/router.ts';

const snapshot = SnapshotSchema.parse({
  apis: [
    { id: 'echo', path: 'echo', serviceUrl: 'http://b/echo', operations: [
      { id: 'list', method: 'GET', urlTemplate: '/items' },
      { id: 'get', method: 'GET', urlTemplate: '/items/{id}' },
      { id: 'special', method: 'GET', urlTemplate: '/items/special' },
      { id: 'json', method: 'GET', urlTemplate: '/docs/{name}.json' },
      { id: 'rest', method: 'GET', urlTemplate: '/files/{*path}' },
      { id: 'search-by-date', method: 'GET', urlTemplate: '/search?date={date}' },
      { id: 'search', method: 'GET', urlTemplate: '/search' },
      { id: 'create', method: 'POST', urlTemplate: '/items' },
    ] },
    { id: 'nested', path: 'echo/deep/er', serviceUrl: 'http://b/', operations: [{ id: 'all', method: 'GET', urlTemplate: '/*' }] },
    { id: 'root', path: '', serviceUrl: 'http://b/', operations: [{ id: 'root-get', method: 'GET', urlTemplate: '/hello' }] },
    { id: 'seg-v1', path: 'seg', apiVersion: 'v1', apiVersionSet: { versioningScheme: 'Segment' }, serviceUrl: 'http://b/', operations: [{ id: 'op1', method: 'GET', urlTemplate: '/x' }] },
    { id: 'seg-v2', path: 'seg', apiVersion: 'v2', apiVersionSet: { versioningScheme: 'Segment' }, serviceUrl: 'http://b/', operations: [{ id: 'op2', method: 'GET', urlTemplate: '/x' }] },
    { id: 'q-orig', path: 'q', apiVersionSet: { versioningScheme: 'Query', versionQueryName: 'api-version' }, serviceUrl: 'http://b/', operations: [{ id: 'q0', method: 'GET', urlTemplate: '/x' }] },
    { id: 'q-2024', path: 'q', apiVersion: '2024-01-01', apiVersionSet: { versioningScheme: 'Query', versionQueryName: 'api-version' }, serviceUrl: 'http://b/', operations: [{ id: 'q1', method: 'GET', urlTemplate: '/x' }] },
    { id: 'h-v1', path: 'h', apiVersion: 'v1', apiVersionSet: { versioningScheme: 'Header', versionHeaderName: 'Api-Version' }, serviceUrl: 'http://b/', operations: [{ id: 'h1', method: 'GET', urlTemplate: '/x' }] },
    { id: 'orders', path: 'orders', apiRevision: '1', isCurrent: true, serviceUrl: 'http://b/', operations: [{ id: 'r1', method: 'GET', urlTemplate: '/{id}' }] },
    { id: 'orders;rev=2', path: 'orders', apiRevision: '2', isCurrent: false, serviceUrl: 'http://b/', operations: [{ id: 'r2', method: 'GET', urlTemplate: '/{id}' }] },
    { id: 'offline;rev=3', path: 'orders-off', apiRevision: '3', isCurrent: false, isOnline: false, serviceUrl: 'http://b/', operations: [{ id: 'o', method: 'GET', urlTemplate: '/' }] },
    { id: 'offline', path: 'orders-off', serviceUrl: 'http://b/', operations: [{ id: 'o', method: 'GET', urlTemplate: '/' }] },
    { id: 'secure', path: 'secure', protocols: ['https'], serviceUrl: 'http://b/', operations: [{ id: 's', method: 'GET', urlTemplate: '/' }] },
  ],
});
const router = new Router(snapshot);

function route(url: string, method = 'GET', headers: Record<string, string> = {}, scheme: 'http' | 'https' = 'http') {
  const [path = '', query] = url.split('?');
  const match = router.match({ path, query: query ? new URLSearchParams(query) : undefined, method, scheme, header: (n) => headers[n] });
  return match && { api: match.api.api.id, op: match.operation.operation.id, params: Object.fromEntries(match.params), backendPath: match.backendPath };
}

test('matches the API by longest path prefix, case-insensitively, ignoring a trailing slash', () => {
  assert.deepEqual(route('/echo/items'), { api: 'echo', op: 'list', params: {}, backendPath: '/items' });
  assert.deepEqual(route('/ECHO/Items/'), { api: 'echo', op: 'list', params: {}, backendPath: '/Items' });
  assert.equal(route('/echo/deep/er/anything/at/all')?.api, 'nested');
  assert.equal(route('/echo/deep/items'), undefined);
  assert.equal(route('/echoes/items'), undefined);
});

test('an API with an empty path catches what no other API prefix matches', () => {
  assert.equal(route('/hello')?.api, 'root');
  assert.equal(route('/nothing'), undefined);
});

test('template parameters, literal precedence, mixed segments and rest-of-path wildcards', () => {
  assert.deepEqual(route('/echo/items/42')?.params, { id: '42' });
  assert.equal(route('/echo/items/special')?.op, 'special');
  assert.deepEqual(route('/echo/items/a%20b')?.params, { id: 'a b' });
  assert.deepEqual(route('/echo/docs/readme.json')?.params, { name: 'readme' });
  assert.deepEqual(route('/echo/files/a/b/c.txt')?.params, { path: 'a/b/c.txt' });
  assert.equal(route('/echo/items/1/2'), undefined);
  assert.equal(route('/echo/items', 'POST')?.op, 'create');
  assert.equal(route('/echo/items', 'DELETE'), undefined);
});

test('query parameters in the template discriminate between operations', () => {
  assert.deepEqual(route('/echo/search?date=2024-01-01'), { api: 'echo', op: 'search-by-date', params: { date: '2024-01-01' }, backendPath: '/search' });
  assert.equal(route('/echo/search?q=x')?.op, 'search');
});

test('versions by path segment', () => {
  assert.deepEqual(route('/seg/v1/x'), { api: 'seg-v1', op: 'op1', params: {}, backendPath: '/x' });
  assert.equal(route('/seg/V2/x')?.api, 'seg-v2');
  assert.equal(route('/seg/v3/x'), undefined);
  assert.equal(route('/seg/x'), undefined, 'no Original version: the version segment is required');
});

test('versions by query parameter, with the Original answering without one', () => {
  assert.equal(route('/q/x?api-version=2024-01-01')?.api, 'q-2024');
  assert.equal(route('/q/x')?.api, 'q-orig');
  assert.equal(route('/q/x?api-version=1999'), undefined);
});

test('versions by header', () => {
  assert.equal(route('/h/x', 'GET', { 'api-version': 'v1' })?.api, 'h-v1');
  assert.equal(route('/h/x'), undefined);
});

test('revisions: the current one without ;rev=, others only with it, offline ones never', () => {
  assert.equal(route('/orders/7')?.api, 'orders');
  assert.deepEqual(route('/orders;rev=2/7'), { api: 'orders;rev=2', op: 'r2', params: { id: '7' }, backendPath: '/7' });
  assert.equal(route('/orders;rev=1/7')?.api, 'orders');
  assert.equal(route('/orders;rev=9/7'), undefined);
  assert.equal(route('/orders/7;rev=2'), undefined, ';rev= belongs on the API path segment');
  assert.equal(route('/orders-off;rev=3/'), undefined);
});

test('an API only answers on the protocols it lists', () => {
  assert.equal(route('/secure/'), undefined);
  assert.equal(route('/secure/', 'GET', {}, 'https')?.api, 'secure');
});
