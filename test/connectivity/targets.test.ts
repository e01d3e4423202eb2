import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSettings } from '../../src/settings/load.ts';
import { backendTargets, parseExtraTarget, settingsTargets, type AuthStep } from '../../src/connectivity/targets.ts';
import { configFromYaml } from '../helpers.ts';

const auth: AuthStep = async () => ({ ok: true, label: 'ok', detail: '' });
const targetsFor = (values: Record<string, string>) => settingsTargets(loadSettings({ flags: values }).settings, auth);
const brief = (values: Record<string, string>) => targetsFor(values).map(({ host, port, transport, required, proxyScheme }) => ({ host, port, transport, required, proxyScheme }));

test('local configuration and nothing else configured: no dependencies', () => {
  assert.deepEqual(targetsFor({}), []);
});

test('the management plane is required, reached through the proxy, and carries the auth step; a bare host name means https', () => {
  const [config] = targetsFor({ 'config.service.endpoint': 'mp.example.com', 'config.service.auth.tokenFile': 't' });
  assert.equal(config?.host, 'mp.example.com');
  assert.equal(config?.port, 443);
  assert.equal(config?.transport, 'tls');
  assert.equal(config?.required, true);
  assert.equal(config?.proxyScheme, 'https');
  assert.equal(config?.auth, auth);
  assert.equal(config?.acceptAnyCertificate, undefined);
  const [plain] = targetsFor({ 'config.service.endpoint': 'http://127.0.0.1:8090/prefix', 'config.service.endpoint.disableCertificateValidation': 'true' });
  assert.deepEqual([plain?.port, plain?.transport, plain?.proxyScheme, plain?.acceptAnyCertificate], [8090, 'tcp', 'http', true]);
});

test('ARM federation adds the Entra authority and ARM (config.arm.endpoint, management.azure.com by default), both required', () => {
  assert.deepEqual(brief({
    'config.arm.serviceResourceId': '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim1',
    'config.service.auth.azureAd.authority': 'https://login.microsoftonline.us',
  }), [
    { host: 'login.microsoftonline.us', port: 443, transport: 'tls', required: true, proxyScheme: 'https' },
    { host: 'management.azure.com', port: 443, transport: 'tls', required: true, proxyScheme: 'https' },
  ]);
  const targets = targetsFor({
    'config.arm.serviceResourceId': '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim1',
    'config.arm.endpoint': 'https://arm.example.test:8443',
  });
  assert.deepEqual(targets.map(({ host, port }) => `${host}:${port}`), ['login.microsoftonline.com:443', 'arm.example.test:8443'], 'ARM at config.arm.endpoint');
  assert.ok(targets.every((target) => typeof target.auth === 'function'), 'both carry an authenticated step (sign-in; sign-in and ARM read)');
});

test('telemetry endpoints are optional: OpenTelemetry when enabled, the log-to-eventhub URL, StatsD over UDP', () => {
  assert.deepEqual(brief({ 'observability.opentelemetry.collector.uri': 'http://otel:4318' }), []);
  assert.deepEqual(brief({ 'telemetry.eventhub.endpoint': '/var/log/apimgw/events.jsonl' }), [], 'a file is not a network dependency');
  const targets = targetsFor({
    'observability.opentelemetry.enabled': 'true', 'observability.opentelemetry.collector.uri': 'https://otel.example:4318',
    'telemetry.eventhub.endpoint': 'https://ingest.example/events?sig=secret-signature',
    'telemetry.metrics.local': 'statsd', 'telemetry.metrics.local.statsd.endpoint': 'statsd.example:8125',
  });
  assert.deepEqual(targets.map(({ host, port, transport, required, proxyScheme }) => ({ host, port, transport, required, proxyScheme })), [
    { host: 'otel.example', port: 4318, transport: 'tls', required: false, proxyScheme: undefined },
    { host: 'ingest.example', port: 443, transport: 'tls', required: false, proxyScheme: undefined },
    { host: 'statsd.example', port: 8125, transport: 'udp', required: false, proxyScheme: undefined },
  ]);
  assert.ok(!JSON.stringify(targets).includes('secret-signature'));
});

test('Redis: both connection string forms give host and port, never the password', () => {
  const stackExchange = targetsFor({ 'cache.redis.connectionString': 'cache.redis.cache.windows.net:6380,password=pa55word,ssl=True,sslHost=cache.internal,abortConnect=False' });
  assert.deepEqual(stackExchange.map(({ host, port, transport, servername, required }) => ({ host, port, transport, servername, required })),
    [{ host: 'cache.redis.cache.windows.net', port: 6380, transport: 'tls', servername: 'cache.internal', required: false }]);
  const url = targetsFor({ 'cache.redis.connectionString': 'redis://:pa55word@10.1.2.3:6379/2' });
  assert.deepEqual(url.map(({ host, port, transport }) => ({ host, port, transport })), [{ host: '10.1.2.3', port: 6379, transport: 'tcp' }]);
  assert.equal(targetsFor({ 'cache.redis.connectionString': 'rediss://r.example' })[0]?.transport, 'tls');
  for (const target of [...stackExchange, ...url]) assert.ok(!JSON.stringify(target).includes('pa55word'));
});

test('backends and API service URLs, one target per origin, required, direct', () => {
  const { snapshot } = configFromYaml(`
backends:
  - { id: b1, url: "https://api.example.com/v1" }
apis:
  - { id: a1, path: a1, serviceUrl: "https://api.example.com/other" }
  - { id: a2, path: a2, serviceUrl: "http://10.0.0.7:8080" }
  - { id: a3, path: a3 }
`);
  assert.deepEqual(backendTargets(snapshot).map(({ host, port, transport, required, purpose, proxyScheme }) => ({ host, port, transport, required, purpose, proxyScheme })), [
    { host: 'api.example.com', port: 443, transport: 'tls', required: true, purpose: 'backend b1, API a1', proxyScheme: undefined },
    { host: '10.0.0.7', port: 8080, transport: 'tcp', required: true, purpose: 'API a2', proxyScheme: undefined },
  ]);
});

test('--target forms', () => {
  assert.deepEqual(parseExtraTarget('db.internal:5432'), { host: 'db.internal', port: 5432, transport: 'tcp', purpose: 'extra target (--target)', required: true });
  assert.equal(parseExtraTarget('tls://db.internal:5432').transport, 'tls');
  assert.deepEqual([parseExtraTarget('https://partner.example').port, parseExtraTarget('https://partner.example').transport], [443, 'tls']);
  assert.equal(parseExtraTarget('[::1]:6379').host, '::1');
  for (const bad of ['db.internal', 'db.internal:0', 'db:99999', 'ftp://x:21']) assert.throws(() => parseExtraTarget(bad), RangeError, bad);
});
