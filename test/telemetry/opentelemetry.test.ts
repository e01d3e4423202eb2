import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { listen } from '../helpers.ts';
import { NODE_ENTRY, runCommand, startGateway, type GatewayProcess } from '../cli/gateway-process.ts';

/**
 * A real gateway with observability.opentelemetry on, a local OTLP/HTTP
 * receiver and a backend that notes the traceparent it is sent: spans per
 * request with the server → inbound / backend / outbound structure, the
 * client's trace continued, the backend told its parent, and metrics pushed
 * on the interval and once more on shutdown.
 */

interface Span { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; startTimeUnixNano: string; endTimeUnixNano: string; attributes: Array<{ key: string; value: Record<string, unknown> }> }
interface DataPoint { attributes: Array<{ key: string; value: { stringValue?: string } }>; asDouble?: number; count?: string; sum?: number; bucketCounts?: string[]; explicitBounds?: number[] }
interface Metric { name: string; sum?: { dataPoints: DataPoint[]; isMonotonic: boolean; aggregationTemporality: number }; gauge?: { dataPoints: DataPoint[] }; histogram?: { dataPoints: DataPoint[] } }

const spans: Span[] = [];
const metricExports: Metric[][] = [];
const resources: unknown[] = [];
const backendTraceparents: Array<string | undefined> = [];
let receiver: http.Server;
let backend: http.Server;
let gateway: GatewayProcess;
let dir: string;

const config = (backendUrl: string) => `
revision: otel-1
apis:
  - id: orders
    path: orders
    subscriptionRequired: false
    serviceUrl: ${backendUrl}
    operations:
      - { id: get-order, method: GET, urlTemplate: "/{id}" }
`;

function attribute(span: Span, key: string): unknown {
  const found = span.attributes.find((a) => a.key === key)?.value;
  return found === undefined ? undefined : Object.values(found)[0];
}

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function get(pathName: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${gateway.port}${pathName}`, { headers });
  await response.arrayBuffer();
  return response.status;
}

before(async () => {
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      assert.equal(req.headers['content-type'], 'application/json');
      const payload = JSON.parse(body) as Record<string, Array<{ resource: unknown; scopeSpans?: Array<{ spans: Span[] }>; scopeMetrics?: Array<{ metrics: Metric[] }> }>>;
      if (req.url === '/otlp/v1/traces') {
        for (const resourceSpans of payload.resourceSpans!) {
          resources.push(resourceSpans.resource);
          for (const scope of resourceSpans.scopeSpans!) spans.push(...scope.spans);
        }
      } else if (req.url === '/otlp/v1/metrics') {
        metricExports.push(payload.resourceMetrics!.flatMap((r) => r.scopeMetrics!.flatMap((s) => s.metrics)));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  const receiverPort = await listen(receiver);
  backend = http.createServer((req, res) => {
    backendTraceparents.push(req.headers.traceparent as string | undefined);
    res.writeHead(200, { 'content-type': 'text/plain' }).end('order');
  });
  const backendPort = await listen(backend);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-otel-'));
  fs.writeFileSync(path.join(dir, 'gateway.yaml'), config(`http://127.0.0.1:${backendPort}`));
  gateway = await startGateway([...NODE_ENTRY, 'run', '--config', path.join(dir, 'gateway.yaml')], {
    'observability.opentelemetry.enabled': 'true',
    'observability.opentelemetry.collector.uri': `http://127.0.0.1:${receiverPort}/otlp`,
    'observability.opentelemetry.metrics.interval': '1',
    'telemetry.logs.local': 'none',
    'gateway.name': 'otel-test',
  });
});

after(async () => {
  if (gateway.child.exitCode === null) gateway.child.kill('SIGKILL');
  receiver.close();
  backend.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a request gets a server span with inbound, backend and outbound children; the backend is told the backend span is its parent', async () => {
  assert.equal(await get('/orders/1'), 200);
  const server = await waitFor(() => spans.find((span) => span.kind === 2 && attribute(span, 'url.path') === '/orders/1'), 'the server span');
  const children = await waitFor(() => {
    const found = spans.filter((span) => span.parentSpanId === server.spanId);
    return found.length === 3 ? found : undefined;
  }, 'three child spans');
  assert.equal(server.parentSpanId, undefined, 'a new trace: the server span is its root');
  assert.match(server.traceId, /^[0-9a-f]{32}$/);
  assert.match(server.spanId, /^[0-9a-f]{16}$/);
  assert.equal(server.name, 'GET orders/get-order');
  assert.equal(attribute(server, 'http.response.status_code'), '200');
  assert.equal(attribute(server, 'apim.api.id'), 'orders');
  assert.deepEqual(children.map((span) => span.name).sort(), ['backend', 'inbound', 'outbound']);
  for (const child of children) {
    assert.equal(child.traceId, server.traceId);
    assert.ok(BigInt(child.startTimeUnixNano) >= BigInt(server.startTimeUnixNano) && BigInt(child.endTimeUnixNano) <= BigInt(server.endTimeUnixNano), `${child.name} lies within the request`);
  }
  const backendSpan = children.find((span) => span.name === 'backend')!;
  assert.equal(backendSpan.kind, 3);
  assert.equal(attribute(backendSpan, 'http.response.status_code'), '200');
  assert.equal(backendTraceparents.at(-1), `00-${server.traceId}-${backendSpan.spanId}-01`);
  assert.ok(resources.some((resource) => JSON.stringify(resource).includes('"otel-test"')), 'the resource names the gateway');
});

test('a client traceparent is continued; an unsampled one is passed on and not exported', async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  assert.equal(await get('/orders/2', { traceparent: `00-${traceId}-00f067aa0ba902b7-01` }), 200);
  const server = await waitFor(() => spans.find((span) => span.traceId === traceId && span.kind === 2), 'the continued trace');
  assert.equal(server.parentSpanId, '00f067aa0ba902b7');
  assert.match(backendTraceparents.at(-1)!, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

  const unsampled = '0af7651916cd43dd8448eb211c80319c';
  assert.equal(await get('/orders/3', { traceparent: `00-${unsampled}-b7ad6b7169203331-00` }), 200);
  assert.match(backendTraceparents.at(-1)!, new RegExp(`^00-${unsampled}-[0-9a-f]{16}-00$`));
  // A malformed traceparent starts a new trace instead.
  assert.equal(await get('/orders/4', { traceparent: 'not-a-traceparent' }), 200);
  const fresh = await waitFor(() => spans.find((span) => span.kind === 2 && attribute(span, 'url.path') === '/orders/4'), 'the fresh trace');
  assert.equal(fresh.parentSpanId, undefined);
  await new Promise((resolve) => setTimeout(resolve, 1200));
  assert.equal(spans.filter((span) => span.traceId === unsampled).length, 0);
});

function requestsTotal(metrics: Metric[]): number {
  const family = metrics.find((metric) => metric.name === 'apimgw_requests_total');
  return family?.sum?.dataPoints.reduce((total, point) => total + point.asDouble!, 0) ?? 0;
}

test('metrics are pushed every interval, summed over the workers, with the /metrics names', async () => {
  for (let i = 0; i < 6; i++) assert.equal(await get(`/orders/m${i}`), 200);
  // 4 requests from the tests before, 6 here.
  const exported = await waitFor(() => metricExports.find((metrics) => requestsTotal(metrics) === 10), 'an export counting 10 requests');
  const total = exported.find((metric) => metric.name === 'apimgw_requests_total')!;
  assert.equal(total.sum!.isMonotonic, true);
  assert.equal(total.sum!.aggregationTemporality, 2);
  const point = total.sum!.dataPoints[0]!;
  assert.deepEqual(Object.fromEntries(point.attributes.map((a) => [a.key, a.value.stringValue])), { api: 'orders', operation: 'get-order', product: '', hostname: '127.0.0.1', status_class: '2xx' });
  const duration = exported.find((metric) => metric.name === 'apimgw_request_duration_seconds')!;
  const histogram = duration.histogram!.dataPoints[0]!;
  assert.equal(histogram.count, '10');
  assert.equal(histogram.bucketCounts!.length, histogram.explicitBounds!.length + 1);
  assert.equal(histogram.bucketCounts!.reduce((total, count) => total + Number(count), 0), 10);
  assert.ok(exported.some((metric) => metric.name === 'apimgw_workers' && metric.gauge !== undefined), 'health gauges too');

  // The Azure gateway's own instruments, with its dimension names.
  const requests = exported.find((metric) => metric.name === 'Requests')!;
  assert.equal(requests.sum!.dataPoints.reduce((total, p) => total + p.asDouble!, 0), 10);
  assert.deepEqual(Object.fromEntries(requests.sum!.dataPoints[0]!.attributes.map((a) => [a.key, a.value.stringValue])), {
    BackendResponseCode: '200', BackendResponseCodeCategory: '2xx', Cache: 'None', GatewayId: 'otel-test', Hostname: '127.0.0.1',
    LastErrorReason: 'None', ResponseCode: '200', ResponseCodeCategory: '2xx', Status: 'Successful',
  });
  for (const name of ['DurationInMs', 'BackendDurationInMs', 'ClientDurationInMs', 'GatewayDurationInMs']) {
    const point = exported.find((metric) => metric.name === name)!.histogram!.dataPoints[0]!;
    assert.equal(point.count, '10', name);
    assert.deepEqual(point.explicitBounds, [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000], `${name} in ms, APIM's default buckets`);
    assert.deepEqual(point.attributes.map((a) => a.key), ['Hostname']);
  }
  const scrape = await (await fetch(`http://127.0.0.1:${gateway.adminPort}/metrics`)).text();
  assert.ok(scrape.includes('apimgw_requests_total'));
  assert.ok(!/^(Requests|DurationInMs)/m.test(scrape), 'Azure\'s instrument names go over OTLP only');
});

test('shutdown pushes the last counts', async () => {
  for (let i = 0; i < 3; i++) assert.equal(await get(`/orders/s${i}`), 200);
  const before = metricExports.length;
  gateway.child.kill('SIGTERM');
  assert.equal(await gateway.exited, 0);
  assert.ok(metricExports.length > before);
  assert.equal(requestsTotal(metricExports.at(-1)!), 13);
});

test('tracing enabled without a collector is refused at start with the setting named', async () => {
  const result = await runCommand([...NODE_ENTRY, 'run', '--config', path.join(dir, 'gateway.yaml')], {
    'observability.opentelemetry.enabled': 'true',
    'net.server.http.port': '0',
    'admin.port': '0',
  });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /observability\.opentelemetry\.collector\.uri is not set/);
});

test('a collector that is down costs one warning; requests are served', async () => {
  const down = await startGateway([...NODE_ENTRY, 'run', '--config', path.join(dir, 'gateway.yaml')], {
    'observability.opentelemetry.enabled': 'true',
    // Nothing listens there: and 4317 is the port of OTLP/gRPC, which the warning names.
    'observability.opentelemetry.collector.uri': 'http://127.0.0.1:4317',
    'observability.opentelemetry.metrics.interval': '1',
    'runtime.workers': '1',
    'telemetry.logs.local': 'none',
  });
  try {
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`http://127.0.0.1:${down.port}/orders/${i}`);
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    }
    const warning = await down.waitForLog((line) => line.msg === 'trace export failed; spans are dropped until the collector answers');
    assert.match(String(warning.hint), /4317 is OTLP\/gRPC/);
    await down.waitForLog((line) => line.msg === 'metric export failed; retried at the next interval');
    await new Promise((resolve) => setTimeout(resolve, 2200));
    assert.equal(down.logs.filter((line) => String(line.msg).startsWith('trace export failed')).length, 1);
    assert.equal(down.logs.filter((line) => String(line.msg).startsWith('metric export failed')).length, 1);
  } finally {
    down.child.kill('SIGTERM');
    await down.exited;
  }
});
