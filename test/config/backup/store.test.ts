import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BackupStore } from '../../../src/config/backup/store.ts';
import { snapshotConfig, snapshotText, tempDir } from './fixtures.ts';

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

async function storeWith(revisions: string[], keep = 10): Promise<BackupStore> {
  const store = BackupStore.open(path.join(tempDir(), 'backup'), keep);
  for (const revision of revisions) await store.save(snapshotConfig(revision), `https://mp.example/${revision}`);
  return store;
}

function loadNewest(store: BackupStore): { revision?: string; skipped: string[] } {
  const skipped: string[] = [];
  const loaded = store.loadNewestValid((message) => skipped.push(message));
  return { revision: loaded?.snapshot.revision, skipped };
}

const newestFile = (store: BackupStore) => path.join(store.dir, store.list().entries[0]!.file);

describe('BackupStore.save', () => {
  it('creates the directory 0700 and writes the snapshot and manifest 0600, with size, SHA-256, revision, time and source', async () => {
    const store = await storeWith(['r1']);
    assert.equal(modeOf(store.dir), 0o700);
    const [entry] = store.list().entries;
    assert.ok(entry);
    const file = path.join(store.dir, entry.file);
    const bytes = fs.readFileSync(file);
    assert.equal(modeOf(file), 0o600);
    assert.equal(modeOf(store.manifestPath), 0o600);
    assert.equal(entry.size, bytes.length);
    assert.equal(entry.sha256, crypto.createHash('sha256').update(bytes).digest('hex'));
    assert.equal(entry.revision, 'r1');
    assert.equal(entry.configHash, snapshotConfig('r1').hash);
    assert.equal(entry.source, 'https://mp.example/r1');
    assert.ok(Math.abs(Date.parse(entry.savedAt) - Date.now()) < 10_000);
    assert.deepEqual(fs.readdirSync(store.dir).sort(), [entry.file, 'manifest.json'].sort());
  });

  it('writes the snapshot as JSON that loads back to the same config hash', async () => {
    const store = await storeWith(['r1']);
    const loaded = store.loadNewestValid(assert.fail);
    assert.equal(loaded?.hash, snapshotConfig('r1').hash);
    assert.equal(loaded?.source, newestFile(store));
    assert.equal(JSON.parse(fs.readFileSync(newestFile(store), 'utf8')).revision, 'r1');
  });

  it('does not add an entry when the newest backup already holds the same config', async () => {
    const store = await storeWith(['r1', 'r1']);
    assert.equal(store.list().entries.length, 1);
  });

  it('keeps the last N and deletes the files of older ones', async () => {
    const store = await storeWith(['r1', 'r2', 'r3', 'r4', 'r5'], 3);
    const { entries } = store.list();
    assert.deepEqual(entries.map((entry) => entry.revision), ['r5', 'r4', 'r3']);
    assert.deepEqual(fs.readdirSync(store.dir).sort(), [...entries.map((entry) => entry.file), 'manifest.json'].sort());
  });

  it('serializes concurrent saves: every one lands in the manifest', async () => {
    const store = BackupStore.open(path.join(tempDir(), 'backup'), 10);
    await Promise.all(['a', 'b', 'c', 'd'].map((revision) => store.save(snapshotConfig(revision), 'test')));
    assert.deepEqual(store.list().entries.map((entry) => entry.revision), ['d', 'c', 'b', 'a']);
  });

  it('fails with APIMGW_E_BACKUP_WRITE when the directory cannot be created', async () => {
    const blocker = path.join(tempDir(), 'file');
    fs.writeFileSync(blocker, 'not a directory');
    const store = BackupStore.open(path.join(blocker, 'backup'), 3);
    await assert.rejects(store.save(snapshotConfig('r1'), 'test'), { code: 'APIMGW_E_BACKUP_WRITE' });
  });

  it('removes temp files left by a killed writer once they are stale, never a fresh one', async () => {
    const store = await storeWith(['r1']);
    const stale = path.join(store.dir, '.manifest.json.4242.0123456789ab.tmp');
    const fresh = path.join(store.dir, '.snapshot-x.json.4343.0123456789ab.tmp');
    fs.writeFileSync(stale, '{"version":1,"entr');
    fs.writeFileSync(fresh, '{');
    const hourAgo = new Date(Date.now() - 3_600_000);
    fs.utimesSync(stale, hourAgo, hourAgo);
    await store.save(snapshotConfig('r2'), 'test');
    assert.equal(fs.existsSync(stale), false);
    assert.equal(fs.existsSync(fresh), true);
    assert.deepEqual(store.list().untracked, []);
  });

  it('rejects a keep below 1', () => {
    assert.throws(() => BackupStore.open(tempDir(), 0), RangeError);
  });
});

describe('BackupStore.loadNewestValid and verify', () => {
  it('an empty or missing directory has no backup and nothing to warn about', () => {
    const store = BackupStore.open(path.join(tempDir(), 'never-created'), 10);
    assert.deepEqual(loadNewest(store), { revision: undefined, skipped: [] });
    assert.deepEqual(store.verify(), { manifest: 'missing', manifestReason: '', checks: [], untracked: [] });
  });

  it('a truncated newest backup is skipped with a clear message and the previous one loads', async () => {
    const store = await storeWith(['r1', 'r2']);
    const file = newestFile(store);
    fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
    const { revision, skipped } = loadNewest(store);
    assert.equal(revision, 'r1');
    assert.equal(skipped.length, 1);
    assert.match(skipped[0]!, new RegExp(`skipping backup ${file} \\(revision r2, saved .+\\): size mismatch: file is \\d+ bytes, the manifest recorded \\d+ \\(truncated\\)`));
    assert.deepEqual(store.verify().checks.map((check) => check.status), ['size mismatch', 'ok']);
  });

  it('a same-size corruption is a hash mismatch', async () => {
    const store = await storeWith(['r1', 'r2']);
    const file = newestFile(store);
    const bytes = fs.readFileSync(file);
    bytes[10] = bytes[10] === 0x41 ? 0x42 : 0x41;
    fs.writeFileSync(file, bytes);
    assert.equal(loadNewest(store).revision, 'r1');
    const [check] = store.verify().checks;
    assert.equal(check?.status, 'hash mismatch');
    assert.match(check!.reason, /^SHA-256 [0-9a-f]{12}… differs from the recorded [0-9a-f]{12}…/);
  });

  it('a missing file is reported and skipped', async () => {
    const store = await storeWith(['r1', 'r2']);
    fs.rmSync(newestFile(store));
    assert.equal(loadNewest(store).revision, 'r1');
    assert.deepEqual(store.verify().checks.map((check) => [check.status, check.reason]), [['missing', 'file does not exist'], ['ok', '']]);
  });

  it('a file that matches its manifest entry but is not a valid snapshot is unparsable', async () => {
    const store = await storeWith(['r1', 'r2']);
    const manifest = JSON.parse(fs.readFileSync(store.manifestPath, 'utf8'));
    const newest = manifest.entries.at(-1);
    const invalid = Buffer.from(JSON.stringify({ apis: 'not a list' }));
    fs.writeFileSync(path.join(store.dir, newest.file), invalid);
    Object.assign(newest, { size: invalid.length, sha256: crypto.createHash('sha256').update(invalid).digest('hex') });
    fs.writeFileSync(store.manifestPath, JSON.stringify(manifest));
    const { revision, skipped } = loadNewest(store);
    assert.equal(revision, 'r1');
    assert.match(skipped[0]!, /: unparsable: .*error.* in configuration/);
    assert.equal(store.verify().checks[0]?.status, 'unparsable');
  });

  it('when every backup is bad, nothing loads and each one is reported', async () => {
    const store = await storeWith(['r1', 'r2']);
    for (const entry of store.list().entries) fs.truncateSync(path.join(store.dir, entry.file), 3);
    const { revision, skipped } = loadNewest(store);
    assert.equal(revision, undefined);
    assert.equal(skipped.length, 2);
  });

  it('a garbage manifest loads nothing, says why, and the snapshot files show as untracked', async () => {
    const store = await storeWith(['r1', 'r2']);
    const files = store.list().entries.map((entry) => entry.file).sort();
    fs.writeFileSync(store.manifestPath, '{"version":1,"entries":[{"file":"../../etc/passwd"');
    const { revision, skipped } = loadNewest(store);
    assert.equal(revision, undefined);
    assert.match(skipped[0]!, /backup manifest .*manifest\.json is unusable, no backup loaded: not JSON/);
    const report = store.verify();
    assert.equal(report.manifest, 'unparsable');
    assert.deepEqual(report.untracked, files);
  });

  it('a manifest naming a path outside the directory is not trusted', async () => {
    const store = await storeWith(['r1']);
    fs.writeFileSync(store.manifestPath, JSON.stringify({ version: 1, entries: [{ file: '../../etc/passwd', sha256: '0'.repeat(64), size: 1, revision: null, configHash: '0'.repeat(64), savedAt: new Date().toISOString(), source: 'x' }] }));
    assert.match(store.verify().manifestReason, /^not a backup manifest \(entries\.0\.file: not a snapshot file name of this store\)$/);
  });

  it('after a garbage manifest, the next save starts a fresh one and leaves the old files for restore', async () => {
    const store = await storeWith(['r1']);
    const old = store.list().entries[0]!.file;
    fs.writeFileSync(store.manifestPath, 'garbage');
    await store.save(snapshotConfig('r2'), 'test');
    const listing = store.list();
    assert.deepEqual(listing.entries.map((entry) => entry.revision), ['r2']);
    assert.deepEqual(listing.untracked, [old]);
  });

  it('a snapshot file the manifest does not name is ignored, even when newer', async () => {
    const store = await storeWith(['r1']);
    fs.writeFileSync(path.join(store.dir, 'snapshot-20990101T000000000Z-0123456789ab.json'), snapshotText('r9'));
    assert.equal(loadNewest(store).revision, 'r1');
    assert.deepEqual(store.list().untracked, ['snapshot-20990101T000000000Z-0123456789ab.json']);
  });
});

describe('BackupStore.restore', () => {
  it('seeds an empty directory from a fetched snapshot file', async () => {
    const fetched = path.join(tempDir(), 'fetched.json');
    fs.writeFileSync(fetched, snapshotText('r7'));
    const store = BackupStore.open(path.join(tempDir(), 'new-vm', 'backup'), 10);
    const entry = await store.restore({ file: fetched });
    assert.equal(entry.revision, 'r7');
    assert.equal(entry.source, `restored from ${fetched}`);
    assert.equal(loadNewest(store).revision, 'r7');
  });

  it('refuses a file that is not a valid snapshot, writing nothing', async () => {
    const fetched = path.join(tempDir(), 'fetched.json');
    fs.writeFileSync(fetched, '{"apis": [{"id": 1}]}');
    const store = BackupStore.open(path.join(tempDir(), 'backup'), 10);
    await assert.rejects(store.restore({ file: fetched }), { code: 'APIMGW_E_CONFIG_INVALID' });
    await assert.rejects(store.restore({ file: `${fetched}.missing` }), { code: 'APIMGW_E_CONFIG_NOT_FOUND' });
    assert.equal(fs.existsSync(store.dir), false);
  });

  it('re-pins a kept revision as the newest', async () => {
    const store = await storeWith(['r1', 'r2', 'r3']);
    const entry = await store.restore({ revision: 'r1' });
    assert.match(entry.source, /^re-pinned revision r1 \(saved .+ from https:\/\/mp\.example\/r1\)$/);
    assert.deepEqual(store.list().entries.map((e) => e.revision), ['r1', 'r3', 'r2', 'r1']);
    assert.equal(loadNewest(store).revision, 'r1');
  });

  it('re-pinning skips a copy of the revision that does not verify', async () => {
    const store = await storeWith(['r1', 'r2', 'r1', 'r3']);
    fs.truncateSync(path.join(store.dir, store.list().entries[1]!.file), 5);
    await store.restore({ revision: 'r1' });
    assert.equal(loadNewest(store).revision, 'r1');
  });

  it('an unknown or unusable revision is APIMGW_E_BACKUP_NOT_FOUND with the reasons', async () => {
    const store = await storeWith(['r1', 'r2']);
    await assert.rejects(store.restore({ revision: 'nope' }), { code: 'APIMGW_E_BACKUP_NOT_FOUND', message: /no backup of revision nope in / });
    fs.truncateSync(path.join(store.dir, store.list().entries[1]!.file), 5);
    await assert.rejects(store.restore({ revision: 'r1' }), (error: { code: string; message: string; details: string[] }) =>
      error.code === 'APIMGW_E_BACKUP_NOT_FOUND' && /verifies$/.test(error.message) && /size mismatch/.test(error.details[0]!));
  });
});
