import fs from 'node:fs';

/**
 * An append-only line file shared by the gateway's workers, rotated by size:
 * `file` → `file.1` → … → `file.{keep}` (the oldest deleted). Lines are
 * buffered and written together every FLUSH_MS (or sooner once
 * FLUSH_BYTES are waiting), each batch in one append write, so lines of
 * different workers never interleave. Whichever worker sees the file over
 * the size rotates it, under a lock directory so two never shift the
 * numbered files at once; the others notice the new file (another inode at
 * the path) at their next write and reopen, as they do after logrotate.
 * A full buffer (the disk too slow or failing) drops lines and counts them,
 * rather than growing the worker's memory.
 */

const FLUSH_MS = 100;
const FLUSH_BYTES = 64 * 1024;
/** A lock older than this was left by a worker that died while rotating. */
const STALE_LOCK_MS = 10_000;

export interface RotatingFileOptions {
  maxBytes: number;
  keep: number;
  /** fdatasync after each batch: a written batch survives a power loss. */
  fsync: boolean;
  /** Most bytes waiting to be written before lines are dropped. */
  bufferBytes: number;
  onError: (error: NodeJS.ErrnoException) => void;
}

export class RotatingFile {
  readonly path: string;
  readonly #options: RotatingFileOptions;
  #pending: string[] = [];
  #pendingBytes = 0;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #fd: fs.promises.FileHandle | undefined;
  #inode = 0;
  #dropped = 0;
  #failing = false;

  constructor(path: string, options: RotatingFileOptions) {
    this.path = path;
    this.#options = options;
  }

  /** Lines refused because the buffer was full. */
  get dropped(): number {
    return this.#dropped;
  }

  write(line: string): void {
    if (this.#pendingBytes + line.length > this.#options.bufferBytes) {
      this.#dropped++;
      return;
    }
    this.#pending.push(line);
    this.#pendingBytes += line.length;
    if (this.#pendingBytes >= FLUSH_BYTES) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }

  /** Writes what is buffered; resolves once it is in the file. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const previous = this.#writing ?? Promise.resolve();
    const writing = previous.then(() => this.#writeBatch());
    this.#writing = writing;
    void writing.finally(() => {
      if (this.#writing === writing) this.#writing = undefined;
    });
    return writing;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.#fd?.close();
    this.#fd = undefined;
  }

  async #writeBatch(): Promise<void> {
    if (this.#pending.length === 0) return;
    const batch = this.#pending.join('');
    this.#pending = [];
    this.#pendingBytes = 0;
    try {
      const fd = await this.#open();
      await fd.appendFile(batch);
      if (this.#options.fsync) await fd.datasync();
      if ((await fd.stat()).size >= this.#options.maxBytes) await this.#rotate();
      this.#failing = false;
    } catch (error) {
      this.#dropped += countLines(batch);
      // One report per outage, not one per batch.
      if (!this.#failing) this.#options.onError(error as NodeJS.ErrnoException);
      this.#failing = true;
      await this.#fd?.close().catch(() => {});
      this.#fd = undefined;
    }
  }

  /** The open file, reopened when the path now names another file (rotated by another worker, or by logrotate). */
  async #open(): Promise<fs.promises.FileHandle> {
    if (this.#fd) {
      const current = await fs.promises.stat(this.path).catch(() => undefined);
      if (current?.ino === this.#inode) return this.#fd;
      await this.#fd.close();
    }
    this.#fd = await fs.promises.open(this.path, 'a', 0o640);
    this.#inode = (await this.#fd.stat()).ino;
    return this.#fd;
  }

  async #rotate(): Promise<void> {
    const lock = `${this.path}.rotating`;
    try {
      await fs.promises.mkdir(lock);
    } catch {
      const age = await fs.promises.stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age < STALE_LOCK_MS) return;
    }
    try {
      // Another worker may have rotated between our size check and the lock.
      const current = await fs.promises.stat(this.path).catch(() => undefined);
      if (current === undefined || current.ino !== this.#inode || current.size < this.#options.maxBytes) return;
      const { keep } = this.#options;
      await fs.promises.rm(`${this.path}.${keep}`, { force: true });
      for (let n = keep - 1; n >= 1; n--) await fs.promises.rename(`${this.path}.${n}`, `${this.path}.${n + 1}`).catch(ignoreMissing);
      await fs.promises.rename(this.path, `${this.path}.1`);
    } finally {
      await fs.promises.rmdir(lock).catch(() => {});
    }
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

function countLines(text: string): number {
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}
