import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it, test } from 'node:test';
import pino from 'pino';
import { authenticationBasic } from '../../../src/policy/policies/authentication-basic/index.ts';
import { emitMetric } from '../../../src/policy/policies/emit-metric/index.ts';
import { findAndReplace } from '../../../src/policy/policies/find-and-replace/index.ts';
import { logToEventhub } from '../../../src/policy/policies/log-to-eventhub/index.ts';
import { trace } from '../../../src/policy/policies/trace/index.ts';
import { customMetrics } from '../../../src/telemetry/custom-metrics.ts';
import { inbound, startBackend, startListener, type Backend, type EchoAnswer, type Listener } from './listener.ts';
import { compileSection, requestContext, run, services } from './support.ts';

function capture(level = 'debug') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, services: services({ logger: pino({ level }, stream) }) };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test('find-and-replace rewrites every occurrence in the request body inbound and the response body outbound', async () => {
  const context = requestContext({ method: 'POST', body: 'a-b-a' });
  await run(compileSection('<find-and-replace from="a" to="xy" />', [findAndReplace]), context);
  assert.equal(context.request.body!.content.toString(), 'xy-b-xy');
  context.response.body = null;
  await run(compileSection('<find-and-replace from="x" to="" />', [findAndReplace], { section: 'outbound' }), context);
  assert.equal(context.response.body, null);
  const steps = compileSection('<find-and-replace from="http://backend" to="@("https://" + "gw")" />', [findAndReplace], { section: 'outbound' });
  assert.equal(steps[0]!.usesBody, true);
  context.response.reset(200, 'OK', 'see http://backend/a and http://backend/b');
  await run(steps, context);
  assert.equal(context.response.body!.content.toString(), 'see https://gw/a and https://gw/b');
  assert.throws(() => compileSection('<find-and-replace from="a" />', [findAndReplace]), /find-and-replace: attribute "to" is required/);
});

test('authentication-basic sets the Authorization header on the backend request', async () => {
  const context = requestContext({ headers: { Authorization: 'Bearer client' } });
  await run(compileSection('<authentication-basic username="ann" password="p@ss:word" />', [authenticationBasic]), context);
  assert.equal(context.request.headers.joined('authorization'), `Basic ${Buffer.from('ann:p@ss:word').toString('base64')}`);
  assert.throws(() => compileSection('<authentication-basic username="ann" />', [authenticationBasic]), /authentication-basic: attribute "password" is required/);
  assert.throws(() => compileSection('<authentication-basic username="a" password="b" />', [authenticationBasic], { section: 'outbound' }), /not allowed in outbound/);
});

test('trace writes a debug log line with source, severity, metadata and message', async () => {
  const { lines, services: svc } = capture();
  await run(compileSection('<trace source="orders" severity="information"><message>@("saw " + context.Request.Method)</message><metadata name="tenant" value="contoso" /></trace>', [trace], { services: svc }), requestContext());
  await tick();
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.msg, 'saw GET');
  assert.equal(lines[0]!.source, 'orders');
  assert.equal(lines[0]!.severity, 'information');
  assert.deepEqual(lines[0]!.metadata, { tenant: 'contoso' });
  assert.equal(lines[0]!.level, 20);
});

test('trace compile errors', () => {
  assert.throws(() => compileSection('<trace source="s" />', [trace]), /trace: exactly one <message> is required/);
  assert.throws(() => compileSection('<trace source="s" severity="warning"><message>m</message></trace>', [trace]), /trace: severity must be one of verbose, information, error/);
  assert.throws(() => compileSection('<trace severity="error"><message>m</message></trace>', [trace]), /trace: attribute "source" is required/);
});

test('emit-metric records samples, with default dimensions filled from the request', async () => {
  customMetrics.reset();
  const steps = compileSection('<emit-metric name="orders-placed" namespace="shop" value="@(2.5)"><dimension name="API ID" /><dimension name="Client" value="@(context.Request.Headers.GetValueOrDefault("X-Client", "none"))" /></emit-metric>', [emitMetric]);
  await run(steps, requestContext({ headers: { 'X-Client': 'web' } }));
  await run(steps, requestContext({ headers: { 'X-Client': 'web' } }));
  await run(compileSection('<emit-metric name="hits"><dimension name="Gateway ID" /></emit-metric>', [emitMetric]), requestContext());
  assert.deepEqual(customMetrics.snapshot(), [
    { namespace: 'shop', name: 'orders-placed', dimensions: { 'API ID': 'orders', Client: 'web' }, count: 2, sum: 5, min: 2.5, max: 2.5, last: 2.5 },
    { namespace: 'API Management', name: 'hits', dimensions: { 'Gateway ID': 'gw' }, count: 1, sum: 1, min: 1, max: 1, last: 1 },
  ]);
});

test('emit-metric compile errors', () => {
  assert.throws(() => compileSection('<emit-metric name="m" />', [emitMetric]), /emit-metric: at least one <dimension> is required/);
  assert.throws(() => compileSection('<emit-metric name="m"><dimension name="Tenant" /></emit-metric>', [emitMetric]), /emit-metric: dimension "Tenant" needs a value/);
  assert.throws(() => compileSection('<emit-metric name="m" value="lots"><dimension name="API ID" /></emit-metric>', [emitMetric]), /emit-metric: value must be a number, found "lots"/);
  const eleven = Array.from({ length: 11 }, (_, i) => `<dimension name="d${i}" value="v" />`).join('');
  assert.throws(() => compileSection(`<emit-metric name="m">${eleven}</emit-metric>`, [emitMetric]), /emit-metric: at most 10 custom dimensions/);
  assert.throws(() => compileSection('<emit-metric name="@("m")"><dimension name="API ID" /></emit-metric>', [emitMetric]), /emit-metric: name cannot be a policy expression/);
});

test('log-to-eventhub writes the event as a structured info line with the logger id', async () => {
  const { lines, services: svc } = capture('info');
  await run(compileSection('<log-to-eventhub logger-id="audit" partition-key="@(context.Api.Id)">@(context.Request.Method + " " + context.Api.Id)</log-to-eventhub>', [logToEventhub], { services: svc }), requestContext());
  await tick();
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.level, 30);
  assert.equal(lines[0]!.eventHubLoggerId, 'audit');
  assert.equal(lines[0]!.partitionKey, 'orders');
  assert.equal(lines[0]!.event, 'GET orders');
  assert.throws(() => compileSection('<log-to-eventhub logger-id="">x</log-to-eventhub>', [logToEventhub]), /log-to-eventhub: logger-id must not be empty/);
  assert.throws(() => compileSection('<log-to-eventhub logger-id="a" />', [logToEventhub]), /log-to-eventhub: the element must contain the message to log/);
  assert.throws(() => compileSection('<log-to-eventhub logger-id="a" partition-id="1" partition-key="k">x</log-to-eventhub>', [logToEventhub]), /use partition-id or partition-key, not both/);
});

describe('find-and-replace, authentication-basic, trace, emit-metric, log-to-eventhub through the listener', () => {
  let backend: Backend;
  let gateway: Listener;
  const logged = capture();
  before(async () => {
    backend = await startBackend();
    gateway = await startListener({
      namedValues: [{ name: 'backend-password', value: 'p@ss:word', secret: true }],
      apis: [
        {
          path: 'replace',
          serviceUrl: backend.url,
          policy: `<policies>
            <inbound><find-and-replace from="secret" to="[redacted]" /></inbound>
            <outbound><find-and-replace from="POST" to="@(&quot;via &quot; + context.Deployment.GatewayId)" /></outbound>
          </policies>`,
        },
        { path: 'basic', serviceUrl: backend.url, policy: inbound('<authentication-basic username="ann" password="{{backend-password}}" />') },
        {
          path: 'observed',
          serviceUrl: backend.url,
          policy: `<policies>
            <inbound>
              <trace source="listener-test" severity="information"><message>@("saw " + context.Request.Method)</message><metadata name="tenant" value="contoso" /></trace>
              <emit-metric name="listener-hits" namespace="listener-test" value="@(2.0)"><dimension name="API ID" /><dimension name="Client" value="@(context.Request.Headers.GetValueOrDefault(&quot;X-Client&quot;, &quot;none&quot;))" /></emit-metric>
            </inbound>
            <outbound><log-to-eventhub logger-id="audit" partition-key="@(context.Api.Id)">@(context.Request.Method + " " + context.Response.StatusCode)</log-to-eventhub></outbound>
          </policies>`,
        },
      ],
    }, logged.services.logger);
  });
  after(async () => {
    await gateway.close();
    await backend.close();
  });

  it('find-and-replace rewrites the body the backend receives and the one the client gets', async () => {
    const response = await fetch(`${gateway.url}/replace/x`, { method: 'POST', body: 'my secret, your secret' });
    const text = await response.text();
    assert.match(text, /"body": "my \[redacted\], your \[redacted\]"/);
    assert.match(text, /"method": "via listener-test"/);
    assert.equal(response.headers.get('content-length'), String(Buffer.byteLength(text)));
  });

  it('authentication-basic sends Basic credentials (from a secret named value) to the backend', async () => {
    const answer = await (await fetch(`${gateway.url}/basic/x`, { headers: { Authorization: 'Bearer client' } })).json() as EchoAnswer;
    assert.equal(answer.headers.authorization, `Basic ${Buffer.from('ann:p@ss:word').toString('base64')}`);
  });

  it('trace, emit-metric and log-to-eventhub record what the request did', async () => {
    customMetrics.reset();
    for (let i = 0; i < 2; i++) await (await fetch(`${gateway.url}/observed/x`, { method: 'PUT', headers: { 'X-Client': 'web' } })).text();
    await tick();
    const traces = logged.lines.filter((line) => line.source === 'listener-test');
    assert.equal(traces.length, 2);
    assert.equal(traces[0]!.msg, 'saw PUT');
    assert.deepEqual(traces[0]!.metadata, { tenant: 'contoso' });
    const events = logged.lines.filter((line) => line.eventHubLoggerId === 'audit');
    assert.deepEqual(events.map((line) => [line.event, line.partitionKey]), [['PUT 200', 'observed'], ['PUT 200', 'observed']]);
    assert.deepEqual(customMetrics.snapshot().filter((metric) => metric.namespace === 'listener-test'), [
      { namespace: 'listener-test', name: 'listener-hits', dimensions: { 'API ID': 'observed', Client: 'web' }, count: 2, sum: 4, min: 2, max: 2, last: 2 },
    ]);
  });
});
