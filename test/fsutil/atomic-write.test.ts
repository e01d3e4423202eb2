import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAtomicWriteTempFile, writeFileAtomic } from '../../src/fsutil/atomic-write.ts';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-atomic-'));
}

const modeOf = (file: string) => fs.statSync(file).mode & 0o777;

describe('writeFileAtomic', () => {
  it('writes a new file with mode 0600 by default', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'token');
    await writeFileAtomic(target, 'secret');
    assert.equal(fs.readFileSync(target, 'utf8'), 'secret');
    assert.equal(modeOf(target), 0o600);
    assert.deepEqual(fs.readdirSync(dir), ['token']);
  });

  it('replaces an existing file and its mode (bytes too)', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'data.json');
    fs.writeFileSync(target, 'old old old', { mode: 0o666 });
    fs.chmodSync(target, 0o666);
    await writeFileAtomic(target, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...fs.readFileSync(target)], [1, 2, 3]);
    assert.equal(modeOf(target), 0o600);
  });

  it('applies the requested mode exactly, whatever the umask', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'public.txt');
    const previous = process.umask(0o077);
    try {
      await writeFileAtomic(target, 'x', { mode: 0o644 });
    } finally {
      process.umask(previous);
    }
    assert.equal(modeOf(target), 0o644);
  });

  it('leaves the target untouched and removes its temp file when the rename fails', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'occupied');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'inside'), 'kept');
    await assert.rejects(writeFileAtomic(target, 'new'), (error: NodeJS.ErrnoException) => ['EISDIR', 'ENOTEMPTY', 'EEXIST'].includes(error.code ?? ''));
    assert.equal(fs.readFileSync(path.join(target, 'inside'), 'utf8'), 'kept');
    assert.deepEqual(fs.readdirSync(dir), ['occupied']);
  });

  it('leaves the target untouched and removes its temp file when the data cannot be written', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'config.json');
    fs.writeFileSync(target, 'previous');
    await assert.rejects(writeFileAtomic(target, 42 as unknown as string));
    assert.equal(fs.readFileSync(target, 'utf8'), 'previous');
    assert.deepEqual(fs.readdirSync(dir), ['config.json']);
  });

  it('fails with ENOENT when the directory does not exist', async () => {
    await assert.rejects(writeFileAtomic(path.join(tempDir(), 'missing', 'file'), 'x'), { code: 'ENOENT' });
  });

  it('concurrent writers each replace the file whole: the result is one of them, no temp files remain', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'race');
    const contents = Array.from({ length: 20 }, (_, index) => String(index).repeat(10_000));
    await Promise.all(contents.map((content) => writeFileAtomic(target, content)));
    assert.ok(contents.includes(fs.readFileSync(target, 'utf8')));
    assert.deepEqual(fs.readdirSync(dir), ['race']);
  });

  it('names its temp files so a directory reader can recognise them', () => {
    assert.equal(isAtomicWriteTempFile('.manifest.json.123.abcdef.tmp'), true);
    assert.equal(isAtomicWriteTempFile('manifest.json'), false);
    assert.equal(isAtomicWriteTempFile('snapshot-7.json'), false);
  });
});
