import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startEcho } from '../../helpers.ts';
import { NODE_ENTRY, runCommand, startGateway, type GatewayProcess } from '../../cli/gateway-process.ts';
import { parseExposition, select, sum, type Exposition } from './exposition.ts';

/**
 * A real gateway (2 workers) and echo backend: a known mix of requests, then
 * /metrics is scraped and parsed and every count must match what was sent,
 * summed over both workers; the same requests reach a real UDP StatsD
 * receiver. Then a worker is killed: the totals must not drop.
 */

const KEY = 'starter-primary-key-0000000000000001';
let echo: Awaited<ReturnType<typeof startEcho>>;
let gateway: GatewayProcess;
let statsd: dgram.Socket;
const statsdLines: string[] = [];

const config = (backend: string) => `
revision: metrics-1
apis:
  - id: echo
    path: echo
    serviceUrl: ${backend}/echo
    operations:
      - { id: get-item, method: GET, urlTemplate: "/items/{id}" }
  - id: public
    path: public
    subscriptionRequired: false
    serviceUrl: ${backend}/public
    policy: |
      <policies>
        <inbound>
          <base />
          <emit-metric name="hits" namespace="apimgw-test" value="2">
            <dimension name="API ID" />
            <dimension name="Client" value="@(context.Request.Headers.GetValueOrDefault(&quot;X-Client&quot;, &quot;none&quot;))" />
          </emit-metric>
        </inbound>
        <backend><base /></backend>
        <outbound><base /></outbound>
      </policies>
    operations:
      - { id: get-anything, method: GET, urlTemplate: /* }
products:
  - { id: starter, name: Starter, apis: [echo] }
subscriptions:
  - { id: starter-demo, scope: /products/starter, primaryKey: ${KEY} }
`;

/** One request on its own connection, so the kernel may hand it to either worker. */
function request(pathName: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: gateway.port, path: pathName, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    }).on('error', reject);
  });
}

async function scrape(): Promise<{ exposition: Exposition; contentType: string | null }> {
  const response = await fetch(`http://127.0.0.1:${gateway.adminPort}/metrics`);
  assert.equal(response.status, 200);
  return { exposition: parseExposition(await response.text()), contentType: response.headers.get('content-type') };
}

/** Records are published when a response is done, which may be a moment after the client has it. */
async function scrapeUntil(total: number): Promise<Exposition> {
  let exposition: Exposition | undefined;
  for (let i = 0; i < 100; i++) {
    ({ exposition } = await scrape());
    if (sum(exposition, 'apimgw_requests_total') >= total) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return exposition!;
}

before(async () => {
  echo = await startEcho();
  statsd = dgram.createSocket('udp4');
  statsd.bind(0, '127.0.0.1');
  await once(statsd, 'listening');
  statsd.on('message', (message) => statsdLines.push(...message.toString().split('\n')));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-metrics-'));
  const file = path.join(dir, 'gateway.yaml');
  fs.writeFileSync(file, config(echo.url));
  gateway = await startGateway([...NODE_ENTRY, 'run', '--config', file], {
    'telemetry.metrics.local': 'statsd',
    'telemetry.metrics.local.statsd.endpoint': `127.0.0.1:${statsd.address().port}`,
    'telemetry.logs.local': 'none',
  });
});

after(async () => {
  gateway?.child.kill('SIGTERM');
  await gateway?.exited;
  echo.server.close();
  statsd.close();
});

test('/metrics counts every request exactly, summed over the workers, with health gauges and emit-metric values', async () => {
  const sent: Array<Promise<number>> = [];
  for (let i = 0; i < 7; i++) sent.push(request(`/echo/items/${i}`, { 'Ocp-Apim-Subscription-Key': KEY }));
  for (let i = 0; i < 5; i++) sent.push(request(`/public/p${i}`, { 'X-Client': i < 3 ? 'web' : 'cli' }));
  for (let i = 0; i < 3; i++) sent.push(request(`/echo/items/${i}`));
  for (let i = 0; i < 4; i++) sent.push(request(`/nowhere/${i}`));
  const statuses = await Promise.all(sent);
  assert.deepEqual(statuses.sort(), [...Array(12).fill(200), ...Array(3).fill(401), ...Array(4).fill(404)]);

  const scraped = await scrapeUntil(19);
  const { contentType } = await scrape();
  assert.match(contentType ?? '', /^text\/plain; version=0\.0\.4/);
  assert.equal(sum(scraped, 'apimgw_requests_total'), 19);
  assert.equal(sum(scraped, 'apimgw_requests_total', { api: 'echo', operation: 'get-item', product: 'starter', status_class: '2xx' }), 7);
  assert.equal(sum(scraped, 'apimgw_requests_total', { api: 'public', operation: 'get-anything', product: '', status_class: '2xx' }), 5);
  assert.equal(sum(scraped, 'apimgw_requests_total', { api: 'echo', status_class: '4xx' }), 3);
  assert.equal(sum(scraped, 'apimgw_requests_total', { api: '', operation: '', product: '', status_class: '4xx' }), 4);
  assert.ok(select(scraped, 'apimgw_requests_total').every((s) => s.labels.hostname === '127.0.0.1' && !('subscription' in s.labels)));
  assert.equal(sum(scraped, 'apimgw_request_duration_seconds_count'), 19);
  assert.equal(sum(scraped, 'apimgw_request_duration_seconds_bucket', { le: '+Inf' }), 19);
  assert.equal(sum(scraped, 'apimgw_request_client_duration_seconds_count'), 19);
  for (const name of ['apimgw_requests_total', 'apimgw_request_duration_seconds', 'apimgw_request_backend_duration_seconds', 'apimgw_request_client_duration_seconds']) {
    assert.ok(scraped.types.has(name), `${name} has a TYPE line`);
  }

  assert.equal(sum(scraped, 'apimgw_emit_metric_count', { metric_name: 'hits', api_id: 'public', client: 'web' }), 3);
  assert.equal(sum(scraped, 'apimgw_emit_metric_sum', { metric_name: 'hits', metric_namespace: 'apimgw-test', client: 'cli' }), 4);
  assert.equal(sum(scraped, 'apimgw_emit_metric_max', { client: 'web' }), 2);

  assert.deepEqual(select(scraped, 'apimgw_config_info')[0]?.labels.revision, 'metrics-1');
  const age = sum(scraped, 'apimgw_config_age_seconds');
  assert.ok(age >= 0 && age < 60, `config age ${age}`);
  assert.equal(sum(scraped, 'apimgw_workers', { state: 'configured' }), 2);
  assert.equal(sum(scraped, 'apimgw_workers', { state: 'serving' }), 2);
  assert.equal(sum(scraped, 'apimgw_metrics_unanswered_workers'), 0);
  assert.equal(sum(scraped, 'apimgw_worker_restarts_total'), 0);
  assert.equal(sum(scraped, 'apimgw_redis_failed_open_total'), 0);
  assert.ok(select(scraped, 'apimgw_upstream_connections', { origin: echo.url, state: 'idle' }).length === 1, 'pool gauges of the backend origin');

  // StatsD got the same requests, one Requests line each.
  for (let i = 0; i < 100 && statsdLines.filter((l) => l.startsWith('Requests:')).length < 19; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(statsdLines.filter((l) => l.startsWith('Requests:1|c|')).length, 19);
  assert.equal(statsdLines.filter((l) => l.startsWith('Requests:1|c|#api:echo,operation:get-item,product:starter,hostname:127.0.0.1,status_class:2xx')).length, 7);

  // Backend time: the 12 requests that reached the backend, streamed (echo) or through policies (public), and no others.
  assert.equal(sum(scraped, 'apimgw_request_backend_duration_seconds_count'), 12, 'backend durations of the requests that reached the backend');
  assert.equal(statsdLines.filter((l) => l.startsWith('BackendDurationInMS:')).length, 12);
});

test('a killed worker does not break a scrape and its counts stay in the totals', async () => {
  const before = sum(await scrapeUntil(0), 'apimgw_requests_total');
  const workers = execFileSync('pgrep', ['-P', String(gateway.child.pid)]).toString().trim().split('\n').map(Number);
  assert.equal(workers.length, 2);
  process.kill(workers[0]!, 'SIGKILL');
  const replaced = gateway.waitForLog((line) => line.msg === 'worker stopped unexpectedly; starting a new one');
  // Scraped right away (the primary may not have noticed yet) and after the restart: never fewer requests.
  assert.equal(sum((await scrape()).exposition, 'apimgw_requests_total'), before);
  await replaced;
  let exposition: Exposition;
  do {
    await new Promise((resolve) => setTimeout(resolve, 50));
    exposition = (await scrape()).exposition;
  } while (sum(exposition, 'apimgw_workers', { state: 'serving' }) < 2);
  assert.equal(sum(exposition, 'apimgw_requests_total'), before);
  assert.equal(sum(exposition, 'apimgw_worker_restarts_total'), 1);
  await Promise.all([request('/nowhere'), request('/nowhere')]);
  assert.equal(sum(await scrapeUntil(before + 2), 'apimgw_requests_total'), before + 2);
});

test('statsd without an endpoint stops the gateway at start with a settings error', async () => {
  const result = await runCommand([...NODE_ENTRY, 'run', '--port', '0', '--admin-port', '0'], { 'telemetry.metrics.local': 'statsd', 'telemetry.logs.std': 'text' });
  assert.equal(result.code, 2);
  assert.match(result.stderr + result.stdout, /telemetry\.metrics\.local\.statsd\.endpoint is not set/);
});
