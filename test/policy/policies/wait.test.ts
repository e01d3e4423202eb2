import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ResponseMessage } from '../../../src/policy/context/message.ts';
import { cacheLookupValuePolicy } from '../../../src/policy/policies/cache-lookup-value/index.ts';
import { sendRequestPolicy } from '../../../src/policy/policies/send-request/index.ts';
import { waitPolicy } from '../../../src/policy/policies/wait/index.ts';
import { listen } from '../../helpers.ts';
import { compileSection, requestContext, run } from './support.ts';

describe('wait', () => {
  let base = '';
  const server = http.createServer((req, res) => {
    const delay = Number(new URL(req.url!, 'http://x').searchParams.get('ms'));
    setTimeout(() => res.end(String(delay)), delay).unref();
  });
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
    const started = Date.now();
    await run(steps, context);
    assert.ok(Date.now() - started < 550, 'ran in parallel');
    assert.equal((context.variables.get('a') as ResponseMessage).body!.content.toString(), '300');
    assert.ok(context.variables.has('b'));
    assert.equal(context.variables.get('c'), 'd');
  });

  it('for="any" continues after the first child finishes', async () => {
    const steps = compileSection(`<wait for="any">${call('fast', 50)}${call('slow', 1500)}</wait>`, POLICIES);
    const context = requestContext();
    const started = Date.now();
    await run(steps, context);
    assert.ok(Date.now() - started < 1000);
    assert.ok(context.variables.has('fast'));
    assert.equal(context.variables.has('slow'), false);
  });

  it('allows only send-request, cache-lookup-value and choose', () => {
    assert.throws(() => compileSection('<wait><cache-store-value key="k" value="v" duration="1" /></wait>', POLICIES), /<cache-store-value> cannot run inside wait/);
    assert.throws(() => compileSection('<wait for="some" />', POLICIES), /for must be one of all, any/);
  });
});
