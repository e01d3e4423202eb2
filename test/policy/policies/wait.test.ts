import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ResponseMessage } from '../../../src/policy/context/message.ts';
import { cacheLookupValuePolicy } from '../../../src/policy/policies/cache-lookup-value/index.ts';
import { sendRequestPolicy } from '../../../src/policy/policies/send-request/index.ts';
import { waitPolicy } from '../../../src/policy/policies/wait/index.ts';
import { listen } from '../../helpers.ts';
import { inbound, send, startBackend, startListener, type Backend, type Listener } from './listener.ts';
import { compileSection, requestContext, run } from './support.ts';

/** Counts calls in flight at once: side by side is proven by overlap, not by a stopwatch. */
function overlapCounter() {
  const counter = { inFlight: 0, most: 0 };
  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const delay = Number(new URL(req.url!, 'http://x').searchParams.get('ms'));
    counter.most = Math.max(counter.most, ++counter.inFlight);
    const timer = setTimeout(() => res.end(String(delay)), delay);
    res.once('close', () => {
      counter.inFlight--;
      clearTimeout(timer);
    });
  };
  return { counter, handle };
}

describe('wait', () => {
  let base = '';
  const overlap = overlapCounter();
  const server = http.createServer(overlap.handle);
  before(async () => {
    base = `http://127.0.0.1:${await listen(server)}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const POLICIES = [waitPolicy, sendRequestPolicy, cacheLookupValuePolicy];
  const call = (variable: string, ms: number) => `<send-request response-variable-name="${variable}"><set-url>${base}/?ms=${ms}</set-url></send-request>`;

  it('for="all" runs children side by side and waits for every one', async () => {
    const steps = compileSection(`<wait>${call('a', 300)}${call('b', 300)}<cache-lookup-value key="nothing" variable-name="c" default-value="d" /></wait>`, POLICIES);
    const context = requestContext();
    overlap.counter.most = 0;
    await run(steps, context);
    assert.equal(overlap.counter.most, 2, 'both calls were in flight at once');
    assert.equal((context.variables.get('a') as ResponseMessage).body!.content.toString(), '300');
    assert.ok(context.variables.has('b'));
    assert.equal(context.variables.get('c'), 'd');
  });

  it('for="any" continues after the first child finishes', async () => {
    const steps = compileSection(`<wait for="any">${call('fast', 50)}${call('slow', 3000)}</wait>`, POLICIES);
    const context = requestContext();
    const started = Date.now();
    await run(steps, context);
    assert.ok(Date.now() - started < 2500, 'did not wait for the 3000 ms call');
    assert.ok(context.variables.has('fast'));
    assert.equal(context.variables.has('slow'), false);
  });

  it('allows only send-request, cache-lookup-value and choose', () => {
    assert.throws(() => compileSection('<wait><cache-store-value key="k" value="v" duration="1" /></wait>', POLICIES), /<cache-store-value> cannot run inside wait/);
    assert.throws(() => compileSection('<wait for="some" />', POLICIES), /for must be one of all, any/);
  });
});

describe('wait through the listener', () => {
  let slow: Backend;
  let gateway: Listener;
  const overlap = overlapCounter();
  const call = (variable: string, ms: number) => `<send-request response-variable-name="${variable}"><set-url>${slow.url}/?ms=${ms}</set-url></send-request>`;
  before(async () => {
    slow = await startBackend(overlap.handle);
    gateway = await startListener({
      apis: ['all', 'any'].map((mode) => ({
        path: mode,
        serviceUrl: slow.url,
        policy: inbound(`
          <wait for="${mode}">
            ${call('a', 300)}
            ${call('b', 300)}
            <choose><when condition="@(context.Request.Headers.ContainsKey(&quot;X-Also-Slow&quot;))">${call('c', 2000)}</when></choose>
          </wait>
          <return-response>
            <set-body>@(string.Join(",", new [] { "a", "b", "c" }.Select(name => context.Variables.ContainsKey(name) ? ((IResponse)context.Variables[name]).Body.As&lt;string&gt;() : "-")))</set-body>
          </return-response>`),
      })),
    });
  });
  after(async () => {
    await gateway.close();
    await slow.close();
  });

  it('for="all" runs the calls side by side and waits for both', async () => {
    overlap.counter.most = 0;
    const response = await send(`${gateway.url}/all/x`);
    assert.equal(response.text, '300,300,-');
    assert.equal(overlap.counter.most, 2, 'both calls were in flight at once');
  });

  it('for="any" answers once the first child finishes', async () => {
    const started = performance.now();
    const response = await send(`${gateway.url}/any/x`, { headers: { 'X-Also-Slow': '1' } });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1900, `answered before the 2000 ms call: ${elapsed} ms`);
    assert.match(response.text, /^(300,-,-|-,300,-)$/);
  });
});
