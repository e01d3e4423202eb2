import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { isAtomicWriteTempFile } from '../../../src/fsutil/atomic-write.ts';
import { BackupStore } from '../../../src/config/backup/store.ts';
import { tempDir } from './fixtures.ts';

const WRITER = new URL('./fixtures/backup-writer.ts', import.meta.url).pathname;
/** Directories written in parallel (a Node start-up costs about a second), each killed KILLS_PER_DIR times in a row so a writer also starts over a killed one's leftovers. */
const DIRS = 5;
const KILLS_PER_DIR = 2;
const KEEP = 3;

/** Starts the writer, lets it save for a random while after its first save, SIGKILLs it; resolves with the last revision it confirmed. */
async function runAndKill(dir: string, run: string): Promise<string> {
  const child = spawn(process.execPath, [WRITER, dir, String(KEEP), run], { stdio: ['ignore', 'pipe', 'inherit'] });
  let confirmed = '';
  let pending = '';
  const firstSave = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop()!;
      const saved = lines.filter((line) => line.startsWith('saved ')).at(-1);
      if (saved) {
        confirmed = saved.slice('saved '.length);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`writer exited (${code}) before its first save`)));
  });
  await firstSave;
  await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 200));
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
  return confirmed;
}

const sequenceOf = (revision: string) => Number(revision.split('-')[1]);

function assertNewestIsComplete(dir: string, run: string, confirmed: string): number {
  const store = BackupStore.open(dir, KEEP);
  const skipped: string[] = [];
  const loaded = store.loadNewestValid((message) => skipped.push(message));
  assert.deepEqual(skipped, [], `${run}: a backup was skipped`);
  assert.ok(loaded, `${run}: no backup loaded`);
  assert.equal(isAtomicWriteTempFile(path.basename(loaded.source)), false);
  assert.equal(loaded.snapshot.apis.length, 150);
  // A save that resolved is durable; the kill may also have landed after the next save's manifest write.
  const revision = loaded.snapshot.revision ?? '';
  assert.match(revision, new RegExp(`^${run}-\\d+$`));
  const ahead = sequenceOf(revision) - sequenceOf(confirmed);
  assert.ok(ahead === 0 || ahead === 1, `${run}: loaded ${revision}, last confirmed ${confirmed}`);

  const report = store.verify();
  assert.equal(report.manifest, 'ok');
  assert.ok(report.checks.length <= KEEP);
  assert.deepEqual(report.checks.filter((check) => check.status !== 'ok').map((check) => `${check.path}: ${check.status}`), []);
  return fs.readdirSync(dir).filter(isAtomicWriteTempFile).length;
}

it(`kill -9 during backup writes (${DIRS * KILLS_PER_DIR} kills): the newest backup always verifies and is at least the last confirmed save`, { timeout: 60_000 }, async (t) => {
  const leftovers = await Promise.all(Array.from({ length: DIRS }, async (_, index) => {
    const dir = path.join(tempDir(), 'backup');
    let temps = 0;
    for (let kill = 0; kill < KILLS_PER_DIR; kill++) {
      const run = `d${index}k${kill}`;
      temps = assertNewestIsComplete(dir, run, await runAndKill(dir, run));
    }
    return temps;
  }));
  t.diagnostic(`temp files left by kills mid-write: ${leftovers.reduce((a, b) => a + b, 0)} (never loaded)`);
});
