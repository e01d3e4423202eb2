import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODE_ENTRY, runCommand } from './gateway-process.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-config-cli-'));

test('config validate: a valid file exits 0 with a summary on stdout', async () => {
  const result = await runCommand([...NODE_ENTRY, 'config', 'validate', 'examples/gateway.yaml']);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /^valid examples\/gateway\.yaml: 5 APIs \(6 versions\/revisions\), 11 operations, 1 products, 3 subscriptions\n$/);
});

test('config validate: every error located, exit 1; --json puts them on stdout', async () => {
  const file = path.join(dir, 'invalid.yaml');
  fs.writeFileSync(file, [
    'apis:',
    '  - id: a',
    '    path: shared',
    '    serviceUrl: http://x',
    '    colour: blue',
    '  - id: b',
    '    path: shared',
    '    serviceUrl: http://x',
    'subscriptions:',
    '  - { id: s, scope: /products/missing, primaryKey: k }',
    '',
  ].join('\n'));
  const human = await runCommand([...NODE_ENTRY, 'config', 'validate', file]);
  assert.equal(human.code, 1);
  assert.match(human.stderr, /invalid\.yaml:2:5 apis\[0\]: unknown field "colour"/);

  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('    colour: blue\n', ''));
  const json = await runCommand([...NODE_ENTRY, 'config', 'validate', '--json', file]);
  assert.equal(json.code, 1);
  const result = JSON.parse(json.stdout) as { valid: boolean; code: string; errors: string[] };
  assert.equal(result.valid, false);
  assert.equal(result.code, 'APIMGW_E_CONFIG_INVALID');
  assert.deepEqual(result.errors.map((e) => e.replace(file, 'F')), [
    'F:6:11 apis[1].path: path "shared" is used by "a", "b" which are not versions of one version set',
    'F:9:21 subscriptions[0].scope: unknown product "missing"',
  ]);
});

test('config validate: broken YAML is a parse error with line and column', async () => {
  const file = path.join(dir, 'broken.yaml');
  fs.writeFileSync(file, 'apis:\n  - id: x\n   path: y\n');
  const result = await runCommand([...NODE_ENTRY, 'config', 'validate', file]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /broken\.yaml: not valid YAML\/JSON \(.*broken\.yaml:3:\d+: .*\) \[APIMGW_E_CONFIG_PARSE\]/);
});

test('config validate: a missing path exits 1 with a hint', async () => {
  const result = await runCommand([...NODE_ENTRY, 'config', 'validate', 'no/such/file.yaml']);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /configuration no\/such\/file\.yaml not found \(ENOENT\) \[APIMGW_E_CONFIG_NOT_FOUND\]/);
  assert.match(result.stderr, /hint Point config\.local\.path/);
});

test('config inspect: a table for people, JSON for tools, never a key', async () => {
  const human = await runCommand([...NODE_ENTRY, 'config', 'inspect', 'examples/gateway.yaml']);
  assert.equal(human.code, 0);
  assert.match(human.stdout, /^API\s+PATH\s+VERSION\s+REV\s+KEY\s+OPS\s+BACKEND$/m);
  assert.match(human.stdout, /^conference-v2\s+\/conference\s+v2 \(Segment\)\s+1\*\s+yes\s+2\s+http:\/\/127\.0\.0\.1:3001\/conference\/v2$/m);
  assert.match(human.stdout, /^orders;rev=2\s+\/orders\s+-\s+2\s+yes/m);
  const json = await runCommand([...NODE_ENTRY, 'config', 'inspect', '--json', 'examples/gateway.yaml']);
  assert.equal(json.code, 0);
  const summary = JSON.parse(json.stdout) as { apis: Array<{ id: string }>; subscriptions: Array<{ id: string; keys: string[] }> };
  assert.deepEqual(summary.apis.map((a) => a.id), ['echo', 'conference-v1', 'conference-v2', 'orders', 'orders;rev=2', 'public']);
  assert.deepEqual(summary.subscriptions[0], { id: 'starter-demo', scope: '/products/starter', state: 'active', keys: ['primary', 'secondary'] });
  for (const output of [human.stdout, json.stdout]) assert.doesNotMatch(output, /primary-key-0/);
});

test('config inspect --operation prints the effective policy; a malformed one is a usage error', async () => {
  const merged = await runCommand([...NODE_ENTRY, 'config', 'inspect', 'examples/gateway.yaml', '--operation', 'public/get-anything']);
  assert.equal(merged.code, 0);
  assert.match(merged.stdout, /^<policies>\n {2}<inbound>\n {4}<!-- api public -->\n {4}<rate-limit-by-key /);
  assert.match(merged.stdout, /<!-- default global policy -->\n {4}<forward-request \/>/);
  const json = await runCommand([...NODE_ENTRY, 'config', 'inspect', 'examples/gateway.yaml', '--operation', 'public/get-anything', '--json']);
  assert.equal((JSON.parse(json.stdout) as { policy: string }).policy, merged.stdout);
  const malformed = await runCommand([...NODE_ENTRY, 'config', 'inspect', 'examples/gateway.yaml', '--operation', 'public']);
  assert.equal(malformed.code, 2);
  assert.match(malformed.stderr, /--operation "public" is not <api id>\/<operation id>/);
});

test('--version, --help with examples, unknown command exits 2', async () => {
  const version = await runCommand([...NODE_ENTRY, '--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  const help = await runCommand([...NODE_ENTRY, 'run', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Examples:/);
  assert.match(help.stdout, /net\.server\.http\.port\s+HTTP data port/);
  const unknown = await runCommand([...NODE_ENTRY, 'frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
});
