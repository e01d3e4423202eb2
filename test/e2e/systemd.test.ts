import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/program.ts';
import { loadSettings, parseEnvFile } from '../../src/settings/load.ts';
import { armAuth, armTarget, checkArmExclusive } from '../../src/config/arm/settings.ts';
import { REPO_ROOT } from '../helpers.ts';
import { NODE_ENTRY, startGateway } from '../cli/gateway-process.ts';

/**
 * The VM packaging in examples/systemd: the units parse (systemd-analyze
 * verify when the machine has it, and a key check of our own always), their
 * commands are ones the CLI accepts, and the gateway starts with the shipped
 * env.conf and serves.
 */

const DIR = path.join(REPO_ROOT, 'examples', 'systemd');
const UNITS = ['apimgw.service', 'apimgw-token-renew.service', 'apimgw-token-renew.timer'];
const BINARY = '/usr/local/bin/apimgw';

type Unit = Map<string, Array<{ key: string; value: string; line: number }>>;

function parseUnit(file: string): Unit {
  const sections: Unit = new Map();
  let current: string | undefined;
  fs.readFileSync(path.join(DIR, file), 'utf8').split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) {
      current = section[1]!;
      sections.set(current, sections.get(current) ?? []);
      return;
    }
    const assignment = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(assignment && current, `${file}:${index + 1}: not a Key=value line inside a section: ${line}`);
    sections.get(current)!.push({ key: assignment[1]!, value: assignment[2]!, line: index + 1 });
  });
  return sections;
}

/** Directives systemd 252+ documents for each section (systemd.unit, .service, .exec, .kill, .resource-control, .timer): a misspelt key is ignored by systemd, so it is caught here. */
const KNOWN_KEYS: Record<string, string[]> = {
  Unit: ['Description', 'Documentation', 'After', 'Before', 'Wants', 'Requires', 'BindsTo', 'PartOf', 'Conflicts', 'StartLimitIntervalSec', 'StartLimitBurst', 'ConditionPathExists'],
  Service: ['Type', 'User', 'Group', 'ExecStart', 'ExecStartPre', 'ExecReload', 'ExecStop', 'Environment', 'EnvironmentFile', 'StateDirectory', 'StateDirectoryMode',
    'WorkingDirectory', 'Restart', 'RestartSec', 'KillSignal', 'KillMode', 'TimeoutStopSec', 'TimeoutStartSec', 'LimitNOFILE', 'NoNewPrivileges', 'ProtectSystem',
    'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectControlGroups', 'ProtectClock',
    'ProtectHostname', 'ProtectProc', 'RestrictAddressFamilies', 'RestrictNamespaces', 'RestrictRealtime', 'RestrictSUIDSGID', 'LockPersonality',
    'SystemCallArchitectures', 'SystemCallFilter', 'SystemCallErrorNumber', 'UMask', 'CapabilityBoundingSet', 'AmbientCapabilities', 'ReadWritePaths'],
  Timer: ['OnCalendar', 'OnBootSec', 'OnUnitActiveSec', 'RandomizedDelaySec', 'Persistent', 'Unit'],
  Install: ['WantedBy', 'RequiredBy', 'Alias'],
};

const value = (unit: Unit, section: string, key: string) => unit.get(section)?.find((entry) => entry.key === key)?.value;

test('every unit key is one systemd knows for its section', () => {
  for (const file of UNITS) {
    for (const [section, entries] of parseUnit(file)) {
      assert.ok(KNOWN_KEYS[section], `${file}: unexpected section [${section}]`);
      for (const { key, line } of entries) assert.ok(KNOWN_KEYS[section]!.includes(key), `${file}:${line}: ${key} is not a [${section}] directive`);
    }
  }
});

test('systemd-analyze verify accepts the units without a warning', (t) => {
  if (spawnSync('systemd-analyze', ['--version']).status !== 0) {
    t.skip('systemd-analyze is not installed here (apt-get install systemd); the key check above still ran');
    return;
  }
  // verify insists the ExecStart program exists: point it at any real executable in a copy.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-units-'));
  for (const file of UNITS) fs.writeFileSync(path.join(dir, file), fs.readFileSync(path.join(DIR, file), 'utf8').replaceAll(BINARY, process.execPath));
  const result = spawnSync('systemd-analyze', ['verify', ...UNITS.map((file) => path.join(dir, file))], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr.trim(), '', 'systemd-analyze printed warnings');
});

test('the unit drains longer than the gateway, runs hardened as apimgw, and names only flags the CLI has', async () => {
  const service = parseUnit('apimgw.service');
  const settings = loadSettings({ envFile: path.join(DIR, 'env.conf') }).settings;
  assert.ok(Number.parseInt(value(service, 'Service', 'TimeoutStopSec')!, 10) > settings['net.server.shutdown.timeout']);
  assert.equal(value(service, 'Service', 'User'), 'apimgw');
  assert.equal(value(service, 'Service', 'StateDirectory'), 'apimgw');
  for (const [key, expected] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['ProtectHome', 'yes'], ['PrivateTmp', 'yes'], ['CapabilityBoundingSet', '']]) {
    assert.equal(value(service, 'Service', key!), expected, key);
  }
  assert.ok(settings['net.server.http.port'] >= 1024 && settings['admin.port'] >= 1024, 'ports below 1024 need CAP_NET_BIND_SERVICE');
  assert.equal(parseUnit('apimgw-token-renew.timer').get('Timer')!.find((entry) => entry.key === 'OnCalendar')?.value, 'daily');

  // Each command line, including the commented alternative, against the CLI's own --help.
  const commands = UNITS.flatMap((file) => fs.readFileSync(path.join(DIR, file), 'utf8').split('\n'))
    .map((line) => /^#?\s*ExecStart=\/usr\/local\/bin\/apimgw (.*)$/.exec(line)?.[1]).filter((line) => line !== undefined);
  assert.equal(commands.length, 4, 'run, token renew --from-endpoint, and the --key and --from-arm --rotate alternatives');
  for (const command of commands) {
    const words = command.split(/\s+/);
    const subcommand = words.filter((word, index) => !word.startsWith('-') && !words[index - 1]?.startsWith('--'));
    let help = '';
    const stdout = new Writable({ write(chunk: Buffer, _encoding, callback) { help += chunk.toString(); callback(); } });
    assert.equal(await main({ argv: [...subcommand, '--help'], env: {}, stdout, stderr: stdout }), 0);
    for (const flag of words.filter((word) => word.startsWith('--'))) assert.match(help, new RegExp(`${flag}\\b`), `${command}: ${flag}`);
  }
});

test('env.conf: as shipped it loads; each commented setting is a real one with a valid value', () => {
  const text = fs.readFileSync(path.join(DIR, 'env.conf'), 'utf8');
  const commented = text.split('\n').filter((line) => /^#[a-z][\w.-]*=/.test(line)).map((line) => line.slice(1)).join('\n');
  const flags = Object.fromEntries(parseEnvFile(commented, 'env.conf').map(({ name, value: setting }) => [name, setting]));
  assert.ok(Object.keys(flags).length >= 3);
  // The three configuration sources are alternatives: each block on its own.
  const arm = Object.fromEntries(Object.entries(flags).filter(([key]) => key.startsWith('config.arm.') || (key.startsWith('config.service.auth') && key !== 'config.service.auth.tokenFile')));
  const { 'config.local.path': local, ...rest } = flags;
  const plane = Object.fromEntries(Object.entries(rest).filter(([key]) => !(key in arm)));
  assert.ok(plane['config.service.endpoint'] !== undefined && !Object.keys(plane).some((key) => key.startsWith('config.arm.')));
  assert.equal(loadSettings({ envFile: path.join(DIR, 'env.conf'), flags: plane }).settings['config.service.auth.tokenFile'], '/var/lib/apimgw/gateway.token');
  assert.equal(loadSettings({ envFile: path.join(DIR, 'env.conf'), flags: { 'config.local.path': local } }).settings['config.local.path'], '/etc/apimgw/gateway.yaml');
  // The ARM block: the secret or the certificate (exactly one), both accepted as ARM mode reads them.
  const { 'config.service.auth.azureAd.certificatePath': certificate, ...withSecret } = arm;
  assert.ok(certificate !== undefined && withSecret['config.service.auth.azureAd.clientSecret'] !== undefined);
  const { 'config.service.auth.azureAd.clientSecret': _secret, ...withCertificate } = arm;
  for (const [block, kind] of [[withSecret, 'secret'], [{ ...withCertificate, 'config.service.auth.azureAd.certificatePath': certificate! }, 'certificate']] as const) {
    const settings = loadSettings({ envFile: path.join(DIR, 'env.conf'), flags: block }).settings;
    checkArmExclusive(settings);
    assert.equal(armAuth(settings).kind, kind);
    assert.equal(armTarget(settings).serviceName, 'contoso-apim');
    assert.equal(settings['config.arm.poll.interval'], 300);
  }
});

test('the gateway starts with the shipped env.conf, serves, and stops on SIGTERM with exit 0', async () => {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-state-'));
  // Only the ports (taken while tests run in parallel) and the worker count differ from the shipped file.
  const gateway = await startGateway([...NODE_ENTRY, 'run', '--env-file', path.join(DIR, 'env.conf')], { STATE_DIRECTORY: state, 'runtime.workers': '1' });
  try {
    const status = await fetch(`http://127.0.0.1:${gateway.port}/status-0123456789abcdef`);
    assert.equal(status.status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${gateway.adminPort}/readyz`)).status, 200);
    assert.ok(gateway.logs.some((line) => String(line.msg).includes('serving the embedded example configuration')));
  } finally {
    gateway.child.kill('SIGTERM');
  }
  assert.equal(await gateway.exited, 0);
  fs.rmSync(state, { recursive: true, force: true });
});
