import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApimgwError } from '../../src/errors.ts';
import { expiryFrom, parseKeyType, readKey } from '../../src/token/options.ts';

const NOW = new Date('2025-03-10T12:00:00Z');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-token-options-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const fails = (fn: () => unknown, code: string, message: RegExp) =>
  assert.throws(fn, (error: unknown) => error instanceof ApimgwError && error.code === code && message.test(error.message));

describe('expiryFrom', () => {
  it('reads relative spans and ISO dates (UTC unless zoned); 30 days by default', () => {
    assert.equal(expiryFrom(undefined, NOW).toISOString(), '2025-04-09T12:00:00.000Z');
    assert.equal(expiryFrom('36h', NOW).toISOString(), '2025-03-12T00:00:00.000Z');
    assert.equal(expiryFrom('90m', NOW).toISOString(), '2025-03-10T13:30:00.000Z');
    assert.equal(expiryFrom('1.5d', NOW).toISOString(), '2025-03-12T00:00:00.000Z');
    assert.equal(expiryFrom('2025-03-20', NOW).toISOString(), '2025-03-20T00:00:00.000Z');
    assert.equal(expiryFrom('2025-03-20T08:15', NOW).toISOString(), '2025-03-20T08:15:00.000Z');
    assert.equal(expiryFrom('2025-03-20T08:15+02:00', NOW).toISOString(), '2025-03-20T06:15:00.000Z');
  });

  it('refuses the past, under a minute, beyond 30 days, and nonsense', () => {
    fails(() => expiryFrom('2025-03-01', NOW), 'APIMGW_E_TOKEN_EXPIRY', /in the past/);
    fails(() => expiryFrom('0m', NOW), 'APIMGW_E_TOKEN_EXPIRY', /in the past/);
    fails(() => expiryFrom('721h', NOW), 'APIMGW_E_TOKEN_EXPIRY', /more than 30 days/);
    fails(() => expiryFrom('2025-02-30T00:00', NOW), 'APIMGW_E_TOKEN_EXPIRY', /not a real date|in the past/);
    fails(() => expiryFrom('next week', NOW), 'APIMGW_E_TOKEN_EXPIRY', /neither/);
  });
});

describe('readKey', () => {
  it('takes the key as given, from a key file (trimmed), or from a config serve keys file by type', () => {
    assert.equal(readKey('raw-key', 'gw1', 'primary'), 'raw-key');
    const keyFile = path.join(dir, 'key');
    fs.writeFileSync(keyFile, '  abc==\n');
    assert.equal(readKey(`@${keyFile}`, 'gw1', 'primary'), 'abc==');
    const keysFile = path.join(dir, 'keys.json');
    fs.writeFileSync(keysFile, JSON.stringify({ gw1: { primary: 'p1', secondary: 's1' } }));
    assert.equal(readKey(`@${keysFile}`, 'gw1', 'secondary'), 's1');
    fails(() => readKey(`@${keysFile}`, 'gw2', 'primary'), 'APIMGW_E_TOKEN_KEY', /no primary key for gateway "gw2"/);
  });

  it('refuses no key, an empty key file and an unreadable one, without echoing a key', () => {
    fails(() => readKey(undefined, 'gw1', 'primary'), 'APIMGW_E_TOKEN_KEY', /no gateway key/);
    const empty = path.join(dir, 'empty');
    fs.writeFileSync(empty, '\n');
    fails(() => readKey(`@${empty}`, 'gw1', 'primary'), 'APIMGW_E_TOKEN_KEY', /is empty/);
    fails(() => readKey(`@${path.join(dir, 'absent')}`, 'gw1', 'primary'), 'APIMGW_E_TOKEN_KEY', /ENOENT/);
  });

  it('accepts only primary or secondary as key type', () => {
    assert.equal(parseKeyType(undefined), 'primary');
    assert.equal(parseKeyType('secondary'), 'secondary');
    fails(() => parseKeyType('tertiary'), 'APIMGW_E_TOKEN_KEY', /primary or secondary/);
  });
});
