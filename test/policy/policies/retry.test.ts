import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { ResponseMessage } from '../../../src/policy/context/message.ts';
import { retryDelayMs } from '../../../src/policy/policies/retry/delay.ts';
import { retryPolicy } from '../../../src/policy/policies/retry/index.ts';
import { sendRequestPolicy } from '../../../src/policy/policies/send-request/index.ts';
import { listen } from '../../helpers.ts';
import { send, startBackend, startListener, type Backend, type Listener } from './listener.ts';
import { compileSection, requestContext, run } from './support.ts';

describe('retry', () => {
  it('waits per the documented fixed, linear and exponential formulas', () => {
    const fixed = { intervalSeconds: 2, deltaSeconds: undefined, maxIntervalSeconds: undefined, firstFastRetry: false };
    assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(n, fixed)), [2000, 2000, 2000]);
    const linear = { ...fixed, deltaSeconds: 3 };
    assert.deepEqual([1, 2, 3].map((n) => retryDelayMs(n, linear)), [2000, 5000, 8000]);
    // The doc's example: interval = delta = 10, max-interval 100 → 10, 20, 40, 80, 100, 100 s (random factor at its middle).
    const exponential = { intervalSeconds: 10, deltaSeconds: 10, maxIntervalSeconds: 100, firstFastRetry: false };
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, exponential, () => 0.5)), [10000, 20000, 40000, 80000, 100000, 100000]);
    assert.equal(retryDelayMs(3, exponential, () => 0), 10000 + 3 * 8000);
    assert.equal(retryDelayMs(1, { ...linear, firstFastRetry: true }), 0);
    assert.equal(retryDelayMs(2, { ...linear, firstFastRetry: true }), 5000);
  });

  it('re-runs its children until the condition is false, re-evaluating it after each attempt', async () => {
    let calls = 0;
    const server = http.createServer((_req, res) => {
      calls++;
      res.statusCode = calls < 3 ? 503 : 200;
      res.end();
    });
    const port = await listen(server);
    after(() => server.close());
    const steps = compileSection(
      `<retry condition="@(((IResponse)context.Variables[&quot;r&quot;]).StatusCode >= 500)" count="5" interval="0" first-fast-retry="true">
        <send-request response-variable-name="r"><set-url>http://127.0.0.1:${port}/</set-url></send-request>
      </retry>`,
      [retryPolicy, sendRequestPolicy],
    );
    assert.equal(steps[0]!.usesBody, true);
    const context = requestContext();
    await run(steps, context);
    assert.equal(calls, 3);
    assert.equal((context.variables.get('r') as ResponseMessage).StatusCode, 200);
  });

  it('stops after count retries', async () => {
    let calls = 0;
    const server = http.createServer((_req, res) => {
      calls++;
      res.statusCode = 500;
      res.end();
    });
    const port = await listen(server);
    after(() => server.close());
    const steps = compileSection(
      `<retry condition="true" count="2" interval="0"><send-request response-variable-name="r"><set-url>http://127.0.0.1:${port}/</set-url></send-request></retry>`,
      [retryPolicy, sendRequestPolicy],
    );
    await run(steps, requestContext());
    assert.equal(calls, 3);
  });

  it('rejects a count outside 1–50 at compile time', () => {
    assert.throws(() => compileSection('<retry condition="true" count="51" interval="1" />', [retryPolicy]), /count must be between 1 and 50/);
    assert.throws(() => compileSection('<retry count="2" interval="1" />', [retryPolicy]), /"condition" is required/);
  });
});

describe('retry through the listener', () => {
  let failures = 0;
  let backend: Backend;
  let gateway: Listener;
  before(async () => {
    // Fails the first two attempts of each request (marked by X-Attempt-Group), then answers what it got.
    const seen = new Map<string, number>();
    backend = await startBackend((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const group = String(req.headers['x-attempt-group']);
        const attempt = (seen.get(group) ?? 0) + 1;
        seen.set(group, attempt);
        if (attempt <= 2) {
          failures++;
          res.writeHead(503, { 'content-type': 'text/plain' });
          res.end(`failure ${attempt}`);
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`attempt ${attempt}: ${req.method} ${Buffer.concat(chunks).toString()}`);
      });
    });
    gateway = await startListener({
      apis: [
        {
          path: 'retried',
          serviceUrl: backend.url,
          policy: `<policies><backend>
            <retry condition="@(context.Response.StatusCode >= 500)" count="3" interval="0" first-fast-retry="true">
              <forward-request timeout="5" />
            </retry>
          </backend></policies>`,
        },
        {
          path: 'too-few',
          serviceUrl: backend.url,
          policy: '<policies><backend><retry condition="@(context.Response.StatusCode >= 500)" count="1" interval="0"><forward-request /></retry></backend></policies>',
        },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('a backend failing twice then succeeding: the client gets the third answer, with the request body sent each time', async () => {
    const response = await send(`${gateway.url}/retried/x`, { method: 'POST', headers: { 'X-Attempt-Group': 'a' }, body: 'payload' });
    assert.equal(response.status, 200);
    assert.equal(response.text, 'attempt 3: POST payload');
    assert.equal(backend.hits, 3);
    assert.equal(failures, 2);
  });

  it('when the retries run out the last backend answer is what the client gets', async () => {
    const response = await send(`${gateway.url}/too-few/x`, { headers: { 'X-Attempt-Group': 'b' } });
    assert.equal(response.status, 503);
    assert.equal(response.text, 'failure 2');
  });
});
