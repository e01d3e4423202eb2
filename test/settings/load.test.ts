import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApimgwError } from '../../src/errors.ts';
import { loadSettings, parseEnvFile, redactedSettings } from '../../src/settings/load.ts';
import { settingsMarkdown } from '../../src/settings/doc.ts';

function envFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-settings-'));
  const file = path.join(dir, 'env.conf');
  fs.writeFileSync(file, text);
  return file;
}

test('defaults apply when nothing is set', () => {
  const { settings, origins } = loadSettings();
  assert.equal(settings['net.server.http.port'], 8080);
  assert.equal(settings['telemetry.logs.std'], 'json');
  assert.equal(settings['runtime.workers'] >= 1, true);
  assert.equal(origins['net.server.http.port'], 'default');
});

test('defaults < env file < environment < flags', () => {
  const file = envFile('# comment\nnet.server.http.port=9001\nadmin.port = 9100\ntelemetry.logs.std="text"\n');
  const { settings, origins } = loadSettings({
    envFile: file,
    env: { NET_SERVER_HTTP_PORT: '9002', 'telemetry.logs.std.level': 'debug', PATH: '/usr/bin' },
    flags: { 'net.server.http.port': '9003' },
  });
  assert.equal(settings['net.server.http.port'], 9003);
  assert.equal(origins['net.server.http.port'], 'command line');
  assert.equal(settings['admin.port'], 9100);
  assert.equal(origins['admin.port'], `env file ${file}:3`);
  assert.equal(settings['telemetry.logs.std'], 'text');
  assert.equal(settings['telemetry.logs.std.level'], 'debug');
});

test('environment names may use _ for . and - and any case', () => {
  const { settings } = loadSettings({ env: { net_server_http_forwarded_proto_enabled: 'true', RUNTIME_WORKERS: '3' } });
  assert.equal(settings['net.server.http.forwarded.proto.enabled'], true);
  assert.equal(settings['runtime.workers'], 3);
});

test('an unknown key is an error with a did-you-mean hint', () => {
  const file = envFile('net.server.http.prot=1\n');
  assert.throws(() => loadSettings({ envFile: file }), (error: unknown) => {
    assert.ok(error instanceof ApimgwError);
    assert.equal(error.code, 'APIMGW_E_SETTINGS_UNKNOWN');
    assert.match(error.message, /unknown setting "net\.server\.http\.prot" \(.*env\.conf:1\)/);
    assert.match(error.hint, /Did you mean "net\.server\.http\.port"\?/);
    return true;
  });
  assert.throws(() => loadSettings({ env: { 'telemetry.log.std': 'json' } }), /unknown setting "telemetry\.log\.std"/);
  assert.throws(() => loadSettings({ flags: { 'admin.prt': '1' } }), /unknown setting "admin\.prt" \(command line\)/);
});

test('environment variables that are not ours are ignored', () => {
  assert.doesNotThrow(() => loadSettings({ env: { HOME: '/root', NODE_OPTIONS: '', npm_config_cache: 'x' } }));
});

test('an invalid value names the setting, the value and where it came from', () => {
  assert.throws(() => loadSettings({ env: { 'net.server.http.port': 'eighty' } }), (error: unknown) => {
    assert.ok(error instanceof ApimgwError);
    assert.equal(error.code, 'APIMGW_E_SETTINGS_INVALID');
    assert.match(error.message, /net\.server\.http\.port="eighty" from environment/);
    assert.equal(error.exitCode, 2);
    return true;
  });
  assert.throws(() => loadSettings({ flags: { 'telemetry.logs.std': 'xml' } }), /telemetry\.logs\.std="xml" from command line/);
  assert.deepEqual(loadSettings({ flags: { 'observability.opentelemetry.histogram.buckets': '1, 2.5,40' } }).settings['observability.opentelemetry.histogram.buckets'], [1, 2.5, 40]);
  assert.throws(() => loadSettings({ flags: { 'observability.opentelemetry.histogram.buckets': '10,5' } }), /expected ascending positive milliseconds/);
});

test('a malformed env file line is located', () => {
  assert.throws(() => parseEnvFile('ok=1\nthis is not a setting\n', 'env.conf'), /env\.conf:2: expected KEY=VALUE/);
  assert.deepEqual(parseEnvFile('export a.b="x y"\n', 'f'), [{ name: 'a.b', value: 'x y', line: 1 }]);
  assert.throws(() => loadSettings({ envFile: '/nonexistent/env.conf' }), /cannot read env file \/nonexistent\/env\.conf: ENOENT/);
});

test('redacted settings show every value that is set', () => {
  const { settings } = loadSettings({ flags: { 'config.local.path': 'x.yaml' } });
  assert.equal(redactedSettings(settings)['config.local.path'], 'x.yaml');
});

test('docs/settings.md is generated from the schema and up to date (npm run docs)', () => {
  const doc = fs.readFileSync(new URL('../../docs/settings.md', import.meta.url), 'utf8');
  assert.equal(doc, settingsMarkdown());
});
