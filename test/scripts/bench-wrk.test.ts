import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWrk } from '../../scripts/bench/wrk.ts';

/** The bench's figures come from wrk's report: parsed from real wrk 4.1 output. */

const CLEAN = `Running 1s test @ http://127.0.0.1:18080/x
  1 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    44.41us   74.70us   2.67ms   99.06%
    Req/Sec    82.78k     3.71k   86.37k    90.00%
  Latency Distribution
     50%   39.00us
     75%   42.00us
     90%   51.00us
     99%  116.00us
  82037 requests in 1.00s, 11.66MB read
Requests/sec:  82005.59
Transfer/sec:     11.65MB
`;

const WITH_ERRORS = `Running 5s test @ http://127.0.0.1:8080/policies/hello
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.13ms    6.20ms  54.36ms   82.11%
    Req/Sec     3.23k   410.12     4.01k    71.00%
  Latency Distribution
     50%    8.13ms
     75%   10.02ms
     90%   15.77ms
     99%    1.02s
  32105 requests in 5.00s, 5.30MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 12
Requests/sec:   6421.03
Transfer/sec:      1.06MB
`;

test('requests per second and the p50/p99 latencies, in milliseconds whatever unit wrk chose', () => {
  const measure = parseWrk(CLEAN);
  assert.equal(measure.rps, 82005.59);
  assert.equal(measure.p50, 0.039);
  assert.equal(measure.p99, 0.116);
  assert.deepEqual([measure.errors, measure.non2xx, measure.socketErrors], [0, 0, 0]);
});

test('non-2xx answers and socket errors are counted as errors', () => {
  const measure = parseWrk(WITH_ERRORS);
  assert.equal(measure.rps, 6421.03);
  assert.equal(measure.p50, 8.13);
  assert.equal(measure.p99, 1020);
  assert.deepEqual([measure.errors, measure.non2xx, measure.socketErrors], [17, 12, 5]);
});
