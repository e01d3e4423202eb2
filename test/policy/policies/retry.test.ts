import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import type { ResponseMessage } from '../../../src/policy/context/message.ts';
import { retryDelayMs } from '../../../src/policy/policies/retry/delay.ts';
import { retryPolicy } from '../../../src/policy/policies/retry/index.ts';
import { sendRequestPolicy } from '../../../src/policy/policies/send-request/index.ts';
import { listen } from '../../helpers.ts';
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
