import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { ApimgwError } from '../../src/errors.ts';
import { writeFileAtomic } from '../../src/fsutil/atomic-write.ts';
import { createToken } from '../../src/token/format.ts';
import { expiryNotice, readTokenFile, TokenFile } from '../../src/token/token-file.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-token-file-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDir = () => fs.mkdtempSync(path.join(root, `${counter++}-`));
const DAY = 24 * 60 * 60 * 1000;
const tokenFor = (days: number, gateway = 'gw1') => createToken(gateway, 'key', new Date(Date.now() + days * DAY));

function withTimeout<T>(promise: Promise<T>, ms = 3000): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms).unref())]);
}

describe('readTokenFile', () => {
  it('reads a trimmed token and says nothing for a 0600 file', () => {
    const file = path.join(freshDir(), 'token');
    const token = tokenFor(10);
    fs.writeFileSync(file, `\n${token}  \n`, { mode: 0o600 });
    const content = readTokenFile(file);
    assert.equal(content.text, token);
    assert.equal(content.token.gatewayId, 'gw1');
    assert.deepEqual(content.warnings, []);
  });

  it('warns when group or others can read the file', { skip: process.platform === 'win32' }, () => {
    const file = path.join(freshDir(), 'token');
    fs.writeFileSync(file, tokenFor(10).slice('GatewayKey '.length));
    fs.chmodSync(file, 0o644);
    assert.match(readTokenFile(file).warnings.join(), /can be read by other users \(mode 0644\); run chmod 600/);
  });

  it('names a missing file, a directory, and a file holding no token', () => {
    const dir = freshDir();
    const cases: [string, string, RegExp][] = [
      [path.join(dir, 'absent'), 'APIMGW_E_TOKEN_FILE', /does not exist/],
      [dir, 'APIMGW_E_TOKEN_FILE', /is a directory/],
    ];
    const junk = path.join(dir, 'junk');
    fs.writeFileSync(junk, 'not a token at all', { mode: 0o600 });
    cases.push([junk, 'APIMGW_E_TOKEN_INVALID', /does not hold a gateway token: .*starts with "not"/]);
    for (const [file, code, message] of cases) {
      assert.throws(() => readTokenFile(file), (error: unknown) => error instanceof ApimgwError && error.code === code && message.test(error.message));
    }
  });
});

describe('TokenFile', () => {
  it('notices a file replaced by rename (fs.watch on the directory)', async () => {
    const file = path.join(freshDir(), 'token');
    fs.writeFileSync(file, tokenFor(5), { mode: 0o600 });
    // A poll interval far beyond the timeout: only fs.watch can deliver this change.
    const tokenFile = new TokenFile(file, { pollIntervalMs: 60_000 });
    try {
      const renewed = tokenFor(20);
      const changed = once(tokenFile, 'change');
      await writeFileAtomic(file, `${renewed}\n`);
      const [content] = await withTimeout(changed);
      assert.equal(content.text, renewed);
      assert.equal(tokenFile.current.text, renewed);
      // A second renewal after the rename is noticed too (the watch survives the inode change).
      const again = tokenFor(25);
      const changedAgain = once(tokenFile, 'change');
      await writeFileAtomic(file, again);
      assert.equal((await withTimeout(changedAgain))[0].text, again);
    } finally {
      tokenFile.close();
    }
  });

  it('the stat poll catches changes on its own', async () => {
    const file = path.join(freshDir(), 'token');
    fs.writeFileSync(file, tokenFor(5), { mode: 0o600 });
    const tokenFile = new TokenFile(file, { pollIntervalMs: 50, watch: false });
    try {
      const renewed = tokenFor(9);
      const changed = once(tokenFile, 'change');
      fs.writeFileSync(file, renewed);
      assert.equal((await withTimeout(changed))[0].text, renewed);
    } finally {
      tokenFile.close();
    }
  });

  it('keeps the last good token when the file breaks or vanishes, reporting each problem once', async () => {
    const file = path.join(freshDir(), 'token');
    const good = tokenFor(5);
    fs.writeFileSync(file, good, { mode: 0o600 });
    const tokenFile = new TokenFile(file, { pollIntervalMs: 40 });
    const problems: ApimgwError[] = [];
    tokenFile.on('problem', (problem) => problems.push(problem));
    try {
      const broken = once(tokenFile, 'problem');
      await writeFileAtomic(file, 'GatewayKey gw1&2025');
      assert.equal((await withTimeout(broken))[0].code, 'APIMGW_E_TOKEN_INVALID');
      const missing = once(tokenFile, 'problem');
      fs.rmSync(file);
      assert.match((await withTimeout(missing))[0].message, /does not exist/);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(problems.length, 2, problems.map((p) => p.message).join('\n'));
      assert.equal(tokenFile.current.text, good);
      const restored = tokenFor(6);
      const changed = once(tokenFile, 'change');
      await writeFileAtomic(file, restored);
      assert.equal((await withTimeout(changed))[0].text, restored);
    } finally {
      tokenFile.close();
    }
  });

  it('ignores rewrites with the same token and other files in the directory', async () => {
    const dir = freshDir();
    const file = path.join(dir, 'token');
    const token = tokenFor(5);
    fs.writeFileSync(file, token, { mode: 0o600 });
    const tokenFile = new TokenFile(file, { pollIntervalMs: 30 });
    let changes = 0;
    tokenFile.on('change', () => changes++);
    try {
      await writeFileAtomic(file, `${token}\n`);
      fs.writeFileSync(path.join(dir, 'other'), tokenFor(7));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(changes, 0);
    } finally {
      tokenFile.close();
    }
  });
});

describe('expiryNotice', () => {
  const now = new Date('2025-05-01T00:00:00Z');
  const token = (days: number) => readTokenFromText(createToken('gw1', 'k', new Date(now.getTime() + days * DAY), new Date(now.getTime() - 1)));
  function readTokenFromText(text: string) {
    const file = path.join(freshDir(), 'token');
    fs.writeFileSync(file, text, { mode: 0o600 });
    return readTokenFile(file).token;
  }

  it('is silent more than 7 days out, warns from 7 days, errors once expired', () => {
    assert.equal(expiryNotice(token(7.5), now), undefined);
    assert.deepEqual(expiryNotice(token(7), now)?.level, 'warn');
    assert.match(expiryNotice(token(2.5), now)?.message ?? '', /expires in 2\.5 days/);
    const expired = expiryNotice(token(1), new Date(now.getTime() + 2 * DAY));
    assert.equal(expired?.level, 'error');
    assert.match(expired?.message ?? '', /expired at 2025-05-02T00:00:00.000Z/);
  });
});
