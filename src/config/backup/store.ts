import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ApimgwError } from '../../errors.ts';
import { isAtomicWriteTempFile, writeFileAtomic } from '../../fsutil/atomic-write.ts';
import { loadConfigFile } from '../load-file.ts';
import type { LoadedConfig } from '../loaded.ts';
import { checkEntry, fileMatches, type EntryCheck } from './verify.ts';
import { MANIFEST_FILE, isSnapshotFileName, readManifest, serializeManifest, snapshotFileName, type BackupEntry, type ManifestRead } from './manifest.ts';

export type { BackupEntry } from './manifest.ts';
export type { EntryCheck, EntryStatus } from './verify.ts';

export interface BackupListing {
  manifest: ManifestRead['state'];
  /** Why the manifest cannot be used; empty unless it is unparsable. */
  manifestReason: string;
  /** Newest first. */
  entries: BackupEntry[];
  /** Snapshot files the manifest does not name (a crash between the two writes, or a lost manifest): never loaded, kept for `restore --from`. */
  untracked: string[];
}

export interface VerifyReport extends Omit<BackupListing, 'entries'> {
  /** Newest first. */
  checks: EntryCheck[];
}

export type RestoreFrom = { file: string } | { revision: string };

/** A temp file this old is a leftover of a killed writer: saves are serialized, and none takes minutes. */
const STALE_TEMP_MS = 10 * 60_000;

/**
 * The backups of applied snapshots in one directory. Crash safety comes from
 * the write order: the snapshot file is written atomically first, then the
 * manifest atomically, then files that fell off the manifest are deleted. A
 * kill at any point leaves the previous manifest (and an ignored extra file)
 * or the new one; a manifest entry whose file does not verify is skipped, so a
 * torn or truncated file is never loaded. One writer per directory: saves
 * within this process are serialized.
 */
export class BackupStore {
  readonly dir: string;
  readonly keep: number;
  #saving: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, keep: number) {
    this.dir = dir;
    this.keep = keep;
  }

  /** Nothing is created until the first save: listing or verifying a directory never changes it. */
  static open(dir: string, keep: number): BackupStore {
    if (!Number.isInteger(keep) || keep < 1) throw new RangeError(`backup keep must be a positive integer, got ${keep}`);
    return new BackupStore(path.resolve(dir), keep);
  }

  get manifestPath(): string {
    return path.join(this.dir, MANIFEST_FILE);
  }

  list(): BackupListing {
    const read = readManifest(this.dir);
    const entries = read.state === 'ok' ? read.manifest.entries.toReversed() : [];
    const tracked = new Set(entries.map((entry) => entry.file));
    return {
      manifest: read.state,
      manifestReason: read.state === 'unparsable' ? read.reason : '',
      entries,
      untracked: this.#snapshotFiles().filter((file) => !tracked.has(file)),
    };
  }

  verify(): VerifyReport {
    const { entries, ...listing } = this.list();
    return { ...listing, checks: entries.map((entry) => checkEntry(this.dir, entry)) };
  }

  /**
   * The newest backup whose file verifies and whose snapshot validates, or
   * undefined. Every backup passed over is reported through onSkip with the
   * file and the reason, so an operator sees why an older one was used.
   */
  loadNewestValid(onSkip: (message: string) => void): LoadedConfig | undefined {
    const listing = this.list();
    if (listing.manifest === 'unparsable') {
      onSkip(`backup manifest ${this.manifestPath} is unusable, no backup loaded: ${listing.manifestReason}`);
      return undefined;
    }
    for (const entry of listing.entries) {
      const check = checkEntry(this.dir, entry);
      if (check.loaded) return check.loaded;
      onSkip(`skipping backup ${check.path} (${describeEntry(entry)}): ${check.status}: ${check.reason}`);
    }
    return undefined;
  }

  /**
   * Backs up an applied snapshot as the newest entry and drops the oldest
   * beyond `keep`. Saving the snapshot that is already newest (same config
   * hash, file intact) writes nothing and returns that entry.
   */
  save(loaded: LoadedConfig, source: string): Promise<BackupEntry> {
    const saved = this.#saving.then(() => this.#save(loaded, source));
    this.#saving = saved.catch(() => undefined);
    return saved;
  }

  /** Seeds the directory from a snapshot file (`apimgw config fetch` output), or makes a kept revision the newest again. */
  async restore(from: RestoreFrom): Promise<BackupEntry> {
    if ('file' in from) {
      const file = path.resolve(from.file);
      return this.save(loadConfigFile(file), `restored from ${file}`);
    }
    const candidates = this.verify().checks.filter((check) => check.entry.revision === from.revision);
    const usable = candidates.find((check) => check.loaded);
    if (!usable?.loaded) {
      const reasons = candidates.map((check) => `${check.path}: ${check.status}: ${check.reason}`);
      const message = candidates.length === 0
        ? `no backup of revision ${from.revision} in ${this.dir}`
        : `no backup of revision ${from.revision} in ${this.dir} verifies`;
      throw new ApimgwError('APIMGW_E_BACKUP_NOT_FOUND', message, { details: reasons });
    }
    return this.save(usable.loaded, `re-pinned revision ${from.revision} (saved ${usable.entry.savedAt} from ${usable.entry.source})`);
  }

  async #save(loaded: LoadedConfig, source: string): Promise<BackupEntry> {
    try {
      await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
      const read = readManifest(this.dir);
      const entries = read.state === 'ok' ? read.manifest.entries : [];
      const newest = entries.at(-1);
      if (newest?.configHash === loaded.hash && fileMatches(this.dir, newest)) return newest;

      const bytes = Buffer.from(`${JSON.stringify(loaded.snapshot, null, 2)}\n`);
      const savedAt = new Date();
      const entry: BackupEntry = {
        file: snapshotFileName(savedAt, loaded.hash),
        sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
        size: bytes.length,
        revision: loaded.snapshot.revision ?? null,
        configHash: loaded.hash,
        savedAt: savedAt.toISOString(),
        source,
      };
      await writeFileAtomic(path.join(this.dir, entry.file), bytes);
      const kept = [...entries.filter((existing) => existing.file !== entry.file), entry].slice(-this.keep);
      await writeFileAtomic(this.manifestPath, serializeManifest({ version: 1, entries: kept }));
      await this.#prune(entries, kept);
      return entry;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new ApimgwError('APIMGW_E_BACKUP_WRITE', `cannot write a backup to ${this.dir}: ${code}`, { cause: error });
    }
  }

  /** Only after the new manifest is durable: files it no longer names, and temp files of killed writers. Untracked snapshot files stay. */
  async #prune(before: readonly BackupEntry[], kept: readonly BackupEntry[]): Promise<void> {
    const keptFiles = new Set(kept.map((entry) => entry.file));
    const dropped = before.filter((entry) => !keptFiles.has(entry.file)).map((entry) => entry.file);
    const now = Date.now();
    const staleTemps = fs.readdirSync(this.dir).filter((name) => isAtomicWriteTempFile(name)
      && now - (fs.statSync(path.join(this.dir, name), { throwIfNoEntry: false })?.mtimeMs ?? now) > STALE_TEMP_MS);
    await Promise.all([...dropped, ...staleTemps].map((name) => fsp.rm(path.join(this.dir, name), { force: true })));
  }

  #snapshotFiles(): string[] {
    try {
      return fs.readdirSync(this.dir).filter(isSnapshotFileName).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}

function describeEntry(entry: BackupEntry): string {
  return `revision ${entry.revision ?? '(none)'}, saved ${entry.savedAt}`;
}
