import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { ApimgwError } from '../../../src/errors.ts';
import { loadSettings } from '../../../src/settings/load.ts';
import { MAX_DATAGRAM_BYTES, packDatagrams, requestLines, StatsdSink, statsdOptions } from '../../../src/telemetry/metrics/statsd.ts';
import type { MeasuredRequest } from '../../../src/telemetry/metrics/request-metrics.ts';

const request: MeasuredRequest = { apiId: 'echo', operationId: 'get item', productId: 'starter', hostname: 'GW.example', responseCode: 200, totalTime: 12.4, backendTime: 7.6, clientTime: 0.2 };

test('the four SHGW metrics in each tag format', () => {
  assert.deepEqual(requestLines(request, 'dogStatsD', 1), [
    'Requests:1|c|#api:echo,operation:get_item,product:starter,hostname:gw.example,status_class:2xx',
    'DurationInMS:12|ms|#api:echo,operation:get_item,product:starter,hostname:gw.example,status_class:2xx',
    'BackendDurationInMS:8|ms|#api:echo,operation:get_item,product:starter,hostname:gw.example,status_class:2xx',
    'ClientDurationInMS:0|ms|#api:echo,operation:get_item,product:starter,hostname:gw.example,status_class:2xx',
  ]);
  assert.equal(requestLines(request, 'influxDB', 1)[0], 'Requests,api=echo,operation=get_item,product=starter,hostname=gw.example,status_class=2xx:1|c');
  assert.equal(requestLines(request, 'librato', 0.25)[1], 'DurationInMS#api=echo,operation=get_item,product=starter,hostname=gw.example,status_class=2xx:12|ms|@0.25');
  // No API matched and no backend called: empty tags are left out, and there is no backend timer.
  const unmatched = requestLines({ hostname: 'gw', responseCode: 404, totalTime: 1, clientTime: 0 }, 'dogStatsD', 0.5);
  assert.deepEqual(unmatched.map((line) => line.split(':')[0]), ['Requests', 'DurationInMS', 'ClientDurationInMS']);
  assert.equal(unmatched[0], 'Requests:1|c|@0.5|#hostname:gw,status_class:4xx');
});

test('lines are packed into datagrams of at most 1432 bytes without splitting a line', () => {
  const lines = Array.from({ length: 100 }, (_, i) => `DurationInMS,api=a${i}:${i}|ms`);
  const datagrams = packDatagrams(lines);
  assert.ok(datagrams.length > 1);
  for (const datagram of datagrams) assert.ok(datagram.length <= MAX_DATAGRAM_BYTES);
  assert.deepEqual(datagrams.flatMap((d) => d.toString().split('\n')), lines);
});

test('a real UDP receiver gets every request of one event-loop turn batched', async (t) => {
  const receiver = dgram.createSocket('udp4');
  t.after(() => receiver.close());
  receiver.bind(0, '127.0.0.1');
  await once(receiver, 'listening');
  const datagrams: string[] = [];
  receiver.on('message', (message) => datagrams.push(message.toString()));
  const errors: string[] = [];
  const sink = new StatsdSink({ host: '127.0.0.1', port: receiver.address().port, tagFormat: 'dogStatsD', sampling: 1 }, (message) => errors.push(message));
  t.after(() => sink.close());
  // Recorded before the socket is connected: kept until it is.
  for (let i = 0; i < 50; i++) sink.record(request);
  await sink.start();
  while (datagrams.join('\n').split('\n').length < 200) await once(receiver, 'message');
  const lines = datagrams.join('\n').split('\n');
  assert.equal(lines.filter((line) => line.startsWith('Requests:1|c')).length, 50);
  assert.equal(lines.filter((line) => line.startsWith('BackendDurationInMS:8|ms')).length, 50);
  assert.ok(datagrams.length < 50, `batched: ${datagrams.length} datagrams`);
  assert.ok(datagrams.every((d) => Buffer.byteLength(d) <= MAX_DATAGRAM_BYTES));
  assert.deepEqual(errors, []);
});

test('sampling sends the given share of requests', async (t) => {
  const receiver = dgram.createSocket('udp4');
  t.after(() => receiver.close());
  receiver.bind(0, '127.0.0.1');
  await once(receiver, 'listening');
  const lines: string[] = [];
  receiver.on('message', (message) => lines.push(...message.toString().split('\n')));
  let draw = 0;
  // Deterministic draws 0, 0.1, …, 0.9: with rate 0.3, three of every ten go out.
  const sink = new StatsdSink({ host: '127.0.0.1', port: receiver.address().port, tagFormat: 'influxDB', sampling: 0.3 }, () => {}, () => (draw++ % 10) / 10);
  t.after(() => sink.close());
  await sink.start();
  for (let i = 0; i < 20; i++) sink.record(request);
  while (lines.filter((line) => line.startsWith('Requests')).length < 6) await once(receiver, 'message');
  assert.equal(lines.filter((line) => line.startsWith('Requests')).length, 6);
  assert.ok(lines.every((line) => line.includes('|@0.3')));
});

test('statsd without an endpoint is a settings error; an unresolvable host is reported once, not thrown', async () => {
  const settings = loadSettings({ env: {}, flags: { 'telemetry.metrics.local': 'statsd' } }).settings;
  assert.throws(() => statsdOptions(settings), (error: unknown) => error instanceof ApimgwError && error.code === 'APIMGW_E_SETTINGS_INVALID' && /statsd\.endpoint/.test(error.message));
  const configured = loadSettings({ env: {}, flags: { 'telemetry.metrics.local': 'statsd', 'telemetry.metrics.local.statsd.endpoint': 'stats.invalid:8125', 'telemetry.metrics.local.statsd.tag-format': 'librato' } }).settings;
  assert.deepEqual(statsdOptions(configured), { host: 'stats.invalid', port: 8125, tagFormat: 'librato', sampling: 1 });
  const errors: string[] = [];
  const sink = new StatsdSink(statsdOptions(configured)!, (message) => errors.push(message));
  sink.record(request);
  await sink.start();
  sink.record(request);
  sink.close();
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /cannot reach stats\.invalid:8125/);
});
