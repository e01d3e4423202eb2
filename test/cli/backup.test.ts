import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { NODE_ENTRY, runCommand } from './gateway-process.ts';
import { snapshotText, tempDir } from '../config/backup/fixtures.ts';

function fetchedFile(revision: string): string {
  const file = path.join(tempDir('apimgw-fetched-'), `${revision}.json`);
  fs.writeFileSync(file, snapshotText(revision));
  return file;
}

const backup = (...args: string[]) => runCommand([...NODE_ENTRY, 'backup', ...args]);

interface ListJson { manifest: string; entries: Array<{ revision: string; file: string; source: string }>; untracked: string[] }
interface VerifyJson { ok: boolean; entries: Array<{ revision: string; status: string; reason: string }>; newestValid: string | null }

test('backup restore --from seeds an empty directory; list and verify show it; a second restore of the same file writes nothing', async () => {
  const dir = path.join(tempDir(), 'backup');
  const fetched = fetchedFile('r1');
  const restored = await backup('restore', '--from', fetched, '--dir', dir);
  assert.equal(restored.code, 0, restored.stderr);
  assert.match(restored.stderr, /restored revision r1 is now the newest backup in /);
  const written = restored.stdout.trim();
  assert.equal(path.dirname(written), dir);
  assert.equal(fs.statSync(written).mode & 0o777, 0o600);

  const again = await backup('restore', '--from', fetched, '--dir', dir, '--json');
  assert.equal(again.code, 0);
  assert.equal((JSON.parse(again.stdout) as { written: boolean }).written, false);

  const list = await backup('list', '--dir', dir, '--json');
  assert.equal(list.code, 0);
  const listing = JSON.parse(list.stdout) as ListJson;
  assert.deepEqual(listing.entries.map((entry) => [entry.revision, entry.source]), [['r1', `restored from ${fetched}`]]);

  const human = await backup('list', '--dir', dir);
  assert.match(human.stdout, /^REVISION\s+SAVED\s+SIZE\s+FILE\s+SOURCE\nr1\s+\S+Z\s+[\d.]+ KB\s+snapshot-\S+\.json\s+restored from /);
  const verify = await backup('verify', '--dir', dir);
  assert.equal(verify.code, 0);
  assert.match(verify.stderr, /1 of 1 backups verify; a start without the management plane loads revision r1/);
});

test('backup verify: a truncated newest backup exits 1, names the reason and the previous revision that would load', async () => {
  const dir = path.join(tempDir(), 'backup');
  for (const revision of ['r1', 'r2']) assert.equal((await backup('restore', '--from', fetchedFile(revision), '--dir', dir)).code, 0);
  const listing = JSON.parse((await backup('list', '--dir', dir, '--json')).stdout) as ListJson;
  fs.truncateSync(path.join(dir, listing.entries[0]!.file), 20);

  const human = await backup('verify', '--dir', dir);
  assert.equal(human.code, 1);
  assert.match(human.stdout, /size mismatch\s+r2 .* file is 20 bytes, the manifest recorded \d+ \(truncated\)/);
  assert.match(human.stderr, /1 of 2 backups verify; a start without the management plane loads revision r1/);

  const json = await backup('verify', '--dir', dir, '--json');
  assert.equal(json.code, 1);
  const report = JSON.parse(json.stdout) as VerifyJson;
  assert.equal(report.ok, false);
  assert.deepEqual(report.entries.map((entry) => [entry.revision, entry.status]), [['r2', 'size mismatch'], ['r1', 'ok']]);
  assert.equal(report.newestValid, path.join(dir, listing.entries[1]!.file));
});

test('backup restore --revision re-pins a kept revision; an unknown one exits 1 with a code; neither or both options exit 2', async () => {
  const dir = path.join(tempDir(), 'backup');
  for (const revision of ['r1', 'r2', 'r3']) assert.equal((await backup('restore', '--from', fetchedFile(revision), '--dir', dir)).code, 0);
  const pinned = await backup('restore', '--revision', 'r1', '--dir', dir);
  assert.equal(pinned.code, 0, pinned.stderr);
  const listing = JSON.parse((await backup('list', '--dir', dir, '--json')).stdout) as ListJson;
  assert.deepEqual(listing.entries.map((entry) => entry.revision), ['r1', 'r3', 'r2', 'r1']);
  assert.match(listing.entries[0]!.source, /^re-pinned revision r1 /);

  const unknown = await backup('restore', '--revision', 'r9', '--dir', dir);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no backup of revision r9 in .* \[APIMGW_E_BACKUP_NOT_FOUND\]\n.*hint `apimgw backup list`/s);
  assert.equal((await backup('restore', '--dir', dir)).code, 2);
  assert.equal((await backup('restore', '--dir', dir, '--revision', 'r1', '--from', 'x.json')).code, 2);
});

test('backup restore --from refuses an invalid snapshot with located errors', async () => {
  const file = path.join(tempDir(), 'bad.json');
  fs.writeFileSync(file, '{"apis": [{"id": 1}]}');
  const result = await backup('restore', '--from', file, '--dir', path.join(tempDir(), 'backup'));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /\[APIMGW_E_CONFIG_INVALID\]/);
});

test('backup list and verify: a garbage manifest exits 1 and the snapshot files are shown as untracked', async () => {
  const dir = path.join(tempDir(), 'backup');
  assert.equal((await backup('restore', '--from', fetchedFile('r1'), '--dir', dir)).code, 0);
  fs.writeFileSync(path.join(dir, 'manifest.json'), 'garbage');
  const list = await backup('list', '--dir', dir);
  assert.equal(list.code, 1);
  assert.match(list.stderr, /manifest .*manifest\.json is unusable: not JSON/);
  assert.match(list.stderr, /not in the manifest, never loaded .*: snapshot-\S+\.json/);
  const verify = await backup('verify', '--dir', dir, '--json');
  assert.equal(verify.code, 1);
  assert.equal((JSON.parse(verify.stdout) as { manifest: string }).manifest, 'unparsable');
});

test('backup list reads config.backup.dir from the settings, and an empty directory has no backups', async () => {
  const dir = path.join(tempDir(), 'backup');
  const empty = await backup('list', '--set', `config.backup.dir=${dir}`);
  assert.equal(empty.code, 0);
  assert.equal(empty.stdout, '');
  assert.match(empty.stderr, new RegExp(`no backups in ${dir}`));
  assert.equal((await backup('restore', '--from', fetchedFile('r1'), '--set', `config.backup.dir=${dir}`)).code, 0);
  const list = await backup('list', '--json', '--set', `config.backup.dir=${dir}`);
  assert.equal((JSON.parse(list.stdout) as ListJson).entries.length, 1);
});
