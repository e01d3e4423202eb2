import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ResponseMessage } from '../../../src/policy/context/message.ts';
import { MessageBody } from '../../../src/policy/context/body.ts';
import { cacheLookupValuePolicy } from '../../../src/policy/policies/cache-lookup-value/index.ts';
import { cacheLookupPolicy } from '../../../src/policy/policies/cache-lookup/index.ts';
import { cacheRemoveValuePolicy } from '../../../src/policy/policies/cache-remove-value/index.ts';
import { cacheStoreValuePolicy } from '../../../src/policy/policies/cache-store-value/index.ts';
import { cacheStorePolicy } from '../../../src/policy/policies/cache-store/index.ts';
import { MemoryStore } from '../../../src/state/memory-store.ts';
import { inbound, send, startBackend, startListener, type Backend, type Listener } from './listener.ts';
import { compileSection, requestContext, run, services, type ContextInit } from './support.ts';

const VALUE_POLICIES = [cacheLookupValuePolicy, cacheStoreValuePolicy, cacheRemoveValuePolicy];

describe('cache-*-value', () => {
  it('stores, looks up, defaults and removes values', async () => {
    const svc = services({ store: new MemoryStore() });
    const section = (xml: string) => compileSection(xml, VALUE_POLICIES, { services: svc });
    const context = requestContext();
    await run(section('<cache-lookup-value key="k" variable-name="missing" /><cache-lookup-value key="k" variable-name="fallback" default-value="none" />'), context);
    assert.equal(context.variables.has('missing'), false);
    assert.equal(context.variables.get('fallback'), 'none');
    await run(section('<cache-store-value key="@(&quot;user-&quot; + context.Request.Headers.GetValueOrDefault(&quot;X-User&quot;, &quot;&quot;))" value="@(42)" duration="60" />'), requestContext({ headers: { 'X-User': 'ann' } }));
    const later = requestContext();
    await run(section('<cache-lookup-value key="user-ann" variable-name="n" caching-type="internal" />'), later);
    assert.equal(later.variables.get('n'), 42);
    await run(section('<cache-remove-value key="user-ann" />'), requestContext());
    const after = requestContext();
    await run(section('<cache-lookup-value key="user-ann" variable-name="n" />'), after);
    assert.equal(after.variables.has('n'), false);
  });

  it('reports located compile errors', () => {
    assert.throws(() => compileSection('<cache-store-value key="k" value="v" />', VALUE_POLICIES), /"duration" is required/);
    assert.throws(() => compileSection('<cache-lookup-value key="k" variable-name="@(&quot;x&quot;)" />', VALUE_POLICIES), /cannot be a policy expression/);
    assert.throws(() => compileSection('<cache-remove-value key="k" caching-type="redis" />', VALUE_POLICIES), /caching-type must be one of/);
  });
});

describe('cache-lookup / cache-store', () => {
  const LOOKUP = '<cache-lookup vary-by-developer="false" vary-by-developer-groups="false" downstream-caching-type="private"><vary-by-header>Accept</vary-by-header><vary-by-query-parameter>id;lang</vary-by-query-parameter></cache-lookup>';

  function pipeline(store: MemoryStore, lookup = LOOKUP, storeXml = '<cache-store duration="60" />') {
    const svc = services({ store });
    const inbound = compileSection(lookup, [cacheLookupPolicy], { services: svc });
    const outbound = compileSection(storeXml, [cachePolicyStore()], { section: 'outbound', services: svc });
    let backendCalls = 0;
    return {
      get backendCalls() {
        return backendCalls;
      },
      async request(init: ContextInit, status = 200, body = 'fresh'): Promise<ResponseMessage> {
        const context = requestContext(init);
        await run(inbound, context);
        if (context.ended) return context.response;
        backendCalls++;
        context.response = new ResponseMessage(status, status === 200 ? 'OK' : 'Error', undefined, MessageBody.of(body));
        context.response.headers.set('Content-Type', ['text/plain']);
        context.section = 'outbound';
        await run(outbound, context);
        return context.response;
      },
    };
  }
  const cachePolicyStore = () => cacheStorePolicy;

  it('answers a repeated GET from the cache with status, headers and body', async () => {
    const p = pipeline(new MemoryStore());
    const first = await p.request({ url: 'http://backend.test/items?id=1&lang=en&noise=1' });
    assert.equal(first.headers.joined('Cache-Control'), 'private, must-revalidate, max-age=60');
    const second = await p.request({ url: 'http://backend.test/items?id=1&lang=en&noise=2' }, 200, 'changed');
    assert.equal(p.backendCalls, 1);
    assert.equal(second.StatusCode, 200);
    assert.equal(second.body!.content.toString(), 'fresh');
    assert.equal(second.headers.joined('Content-Type'), 'text/plain');
    await p.request({ url: 'http://backend.test/items?id=2&lang=en' });
    await p.request({ url: 'http://backend.test/items?id=1&lang=en', headers: { Accept: 'application/xml' } });
    assert.equal(p.backendCalls, 3);
  });

  it('keeps different APIs, operations and products apart', async () => {
    const p = pipeline(new MemoryStore());
    await p.request({ url: 'http://backend.test/items?id=1' });
    await p.request({ url: 'http://backend.test/items?id=1', api: { Id: 'other' } });
    await p.request({ url: 'http://backend.test/items?id=1', operation: { Id: 'other-op' } });
    await p.request({ url: 'http://backend.test/items?id=1', api: { Revision: '2' } });
    assert.equal(p.backendCalls, 4);
  });

  it('caches only 200 unless cache-response, only GET, and not private requests by default', async () => {
    const p = pipeline(new MemoryStore());
    await p.request({ url: 'http://backend.test/a' }, 500);
    await p.request({ url: 'http://backend.test/a' }, 500);
    assert.equal(p.backendCalls, 2);
    await p.request({ method: 'POST', url: 'http://backend.test/b' });
    await p.request({ method: 'POST', url: 'http://backend.test/b' });
    assert.equal(p.backendCalls, 4);
    await p.request({ url: 'http://backend.test/c', headers: { Authorization: 'Bearer x' } });
    await p.request({ url: 'http://backend.test/c', headers: { Authorization: 'Bearer x' } });
    assert.equal(p.backendCalls, 6);

    const any = pipeline(new MemoryStore(), LOOKUP, '<cache-store duration="60" cache-response="true" />');
    await any.request({ url: 'http://backend.test/a' }, 500);
    assert.equal((await any.request({ url: 'http://backend.test/a' })).StatusCode, 500);
    assert.equal(any.backendCalls, 1);
  });

  it('does not cache bodies above 2 MiB', async () => {
    const p = pipeline(new MemoryStore());
    const big = 'x'.repeat(2 * 1024 * 1024 + 1);
    await p.request({ url: 'http://backend.test/big' }, 200, big);
    await p.request({ url: 'http://backend.test/big' }, 200, big);
    assert.equal(p.backendCalls, 2);
  });

  it('reports located compile errors', () => {
    assert.throws(() => compileSection('<cache-lookup vary-by-developer="false" />', [cacheLookupPolicy]), /"vary-by-developer-groups" is required/);
    assert.throws(() => compileSection('<cache-lookup vary-by-developer="false" vary-by-developer-groups="false" downstream-caching-type="shared" />', [cacheLookupPolicy]), /downstream-caching-type must be one of/);
    assert.throws(() => compileSection('<cache-store />', [cacheStorePolicy], { section: 'outbound' }), /"duration" is required/);
  });
});

describe('cache policies through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      apis: [
        {
          path: 'cached',
          serviceUrl: backend.url,
          policy: `<policies>
            <inbound><cache-lookup vary-by-developer="false" vary-by-developer-groups="false"><vary-by-query-parameter>id</vary-by-query-parameter></cache-lookup></inbound>
            <outbound><cache-store duration="60" /></outbound>
          </policies>`,
        },
        {
          path: 'values',
          serviceUrl: backend.url,
          operations: [
            { id: 'put', method: 'PUT', urlTemplate: '/{name}' },
            { id: 'get', method: 'GET', urlTemplate: '/{name}' },
            { id: 'delete', method: 'DELETE', urlTemplate: '/{name}' },
          ],
          policy: inbound(`
            <choose>
              <when condition="@(context.Request.Method == &quot;PUT&quot;)">
                <cache-store-value key="@(&quot;value:&quot; + context.Request.MatchedParameters[&quot;name&quot;])" value="@(context.Request.Body.As&lt;string&gt;())" duration="60" />
              </when>
              <when condition="@(context.Request.Method == &quot;DELETE&quot;)">
                <cache-remove-value key="@(&quot;value:&quot; + context.Request.MatchedParameters[&quot;name&quot;])" />
              </when>
            </choose>
            <cache-lookup-value key="@(&quot;value:&quot; + context.Request.MatchedParameters[&quot;name&quot;])" variable-name="stored" default-value="(none)" />
            <return-response><set-body>@((string)context.Variables["stored"])</set-body></return-response>`),
        },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('cache-lookup serves the second GET from the cache stored by cache-store: the backend is hit once per variant', async () => {
    const first = await send(`${gateway.url}/cached/items?id=1`);
    assert.equal(first.status, 200);
    assert.equal(backend.hits, 1);
    const second = await send(`${gateway.url}/cached/items?id=1`);
    assert.equal(second.status, 200);
    assert.equal(second.text, first.text);
    assert.equal(second.headers.get('content-type'), 'application/json');
    assert.equal(backend.hits, 1, 'served from the cache');
    await send(`${gateway.url}/cached/items?id=2`);
    assert.equal(backend.hits, 2, 'another id is another cache entry');
    await send(`${gateway.url}/cached/items?id=1`, { method: 'POST', body: 'x' });
    assert.equal(backend.hits, 3, 'only GET is cached');
  });

  it('cache-store-value, cache-lookup-value and cache-remove-value keep a value across requests', async () => {
    const hits = backend.hits;
    assert.equal((await send(`${gateway.url}/values/colour`)).text, '(none)');
    assert.equal((await send(`${gateway.url}/values/colour`, { method: 'PUT', body: 'teal' })).text, 'teal');
    assert.equal((await send(`${gateway.url}/values/colour`)).text, 'teal');
    assert.equal((await send(`${gateway.url}/values/other`)).text, '(none)');
    assert.equal((await send(`${gateway.url}/values/colour`, { method: 'DELETE' })).text, '(none)');
    assert.equal((await send(`${gateway.url}/values/colour`)).text, '(none)');
    assert.equal(backend.hits, hits);
  });
});
