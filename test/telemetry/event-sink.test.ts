import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import pino from 'pino';
import { logToEventhub } from '../../src/policy/policies/log-to-eventhub/index.ts';
import { eventSinks, startEventSink, type HubEvent } from '../../src/telemetry/event-sink.ts';
import { listen } from '../helpers.ts';
import { compileSection, requestContext, run } from '../policy/policies/support.ts';

/** log-to-eventhub events reaching the configured sink: a file, or an HTTP endpoint that may be down for a while. */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-event-sink-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function captureLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

const SETTINGS = { 'telemetry.eventhub.buffer': 100, 'telemetry.eventhub.rotate.size': 1024 * 1024, 'telemetry.eventhub.rotate.keep': 2 } as const;

function event(message: string): HubEvent {
  return { time: new Date().toISOString(), loggerId: 'audit', requestId: 'r', message };
}

test('no endpoint: no sink, the policy keeps logging to stdout', async () => {
  assert.equal(await startEventSink({ ...SETTINGS, 'telemetry.eventhub.endpoint': undefined }, captureLogger().logger), undefined);
});

test('a file endpoint: the policy\'s events as JSON lines, each with its logger id, partition and request id', async () => {
  const file = path.join(dir, 'events.jsonl');
  const { lines, logger } = captureLogger();
  const sink = (await startEventSink({ ...SETTINGS, 'telemetry.eventhub.endpoint': file }, logger))!;
  eventSinks.current = sink;
  try {
    const steps = compileSection('<log-to-eventhub logger-id="audit" partition-key="@(context.Api.Id)">@(context.Request.Method + " " + context.Api.Id)</log-to-eventhub>', [logToEventhub]);
    const first = requestContext();
    const second = requestContext({ method: 'POST' });
    await run(steps, first);
    await run(steps, second);
    await run(compileSection('<log-to-eventhub logger-id="billing" partition-id="3">line one\nline two</log-to-eventhub>', [logToEventhub]), first);
  } finally {
    eventSinks.current = undefined;
    await sink.close();
  }
  const events = fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as HubEvent);
  assert.equal(events.length, 3);
  assert.deepEqual(events.map((e) => [e.loggerId, e.partitionKey ?? e.partitionId, e.message]), [
    ['audit', 'orders', 'GET orders'], ['audit', 'orders', 'POST orders'], ['billing', '3', 'line one\nline two'],
  ]);
  assert.ok(events.every((e) => typeof e.requestId === 'string' && e.requestId !== '' && !Number.isNaN(Date.parse(e.time))));
  assert.equal(sink.dropped, 0);
  assert.equal(lines.length, 0, 'nothing in the stdout log');
});

test('an HTTP endpoint: JSON arrays POSTed; while it fails the events wait and are delivered in order when it is back', async () => {
  const received: HubEvent[] = [];
  let failing = true;
  let attempts = 0;
  const endpoint = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      attempts++;
      if (failing) return void res.writeHead(503).end();
      assert.equal(req.headers['content-type'], 'application/json');
      received.push(...(JSON.parse(body) as HubEvent[]));
      res.writeHead(204).end();
    });
  });
  const port = await listen(endpoint);
  const { lines, logger } = captureLogger();
  const sink = (await startEventSink({ ...SETTINGS, 'telemetry.eventhub.endpoint': `http://127.0.0.1:${port}/ingest?sig=secret-signature` }, logger))!;
  try {
    for (let i = 0; i < 5; i++) sink.send(event(`e${i}`));
    for (let i = 0; attempts === 0 && i < 200; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(attempts >= 1 && received.length === 0);
    failing = false;
    sink.send(event('e5'));
    for (let i = 0; received.length < 6 && i < 300; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(received.map((e) => e.message), ['e0', 'e1', 'e2', 'e3', 'e4', 'e5']);
  } finally {
    await sink.close();
    endpoint.close();
  }
  const warning = lines.find((line) => line.msg === 'log-to-eventhub endpoint failed; events are kept and retried');
  assert.ok(warning, 'one warning for the outage');
  assert.equal(warning.endpoint, `http://127.0.0.1:${port}`);
  assert.ok(lines.some((line) => line.msg === 'log-to-eventhub endpoint takes events again'));
  assert.ok(!JSON.stringify(lines).includes('secret-signature'), 'the URL\'s query never reaches the log');
});

test('an HTTP endpoint that stays down: the buffer holds `buffer` events, the rest are counted as dropped, close reports them', async () => {
  const endpoint = http.createServer((_req, res) => res.writeHead(500).end());
  const port = await listen(endpoint);
  const { lines, logger } = captureLogger();
  const sink = (await startEventSink({ ...SETTINGS, 'telemetry.eventhub.buffer': 3, 'telemetry.eventhub.endpoint': `http://127.0.0.1:${port}/` }, logger))!;
  for (let i = 0; i < 5; i++) sink.send(event(`e${i}`));
  assert.equal(sink.dropped, 2);
  endpoint.close();
  await sink.close();
  assert.ok(lines.some((line) => line.msg === 'log-to-eventhub buffer full; new events are dropped until the endpoint takes them'));
  const report = lines.find((line) => line.msg === 'log-to-eventhub events not delivered');
  assert.equal(report?.undelivered, 3);
  assert.equal(report?.dropped, 2);
});
