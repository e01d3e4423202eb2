import crypto from 'node:crypto';
import { jsonSyntaxReason } from '../../text.ts';
import fs from 'node:fs';
import path from 'node:path';
import { isApimgwError } from '../../errors.ts';
import { finishLoading, type LoadedConfig } from '../loaded.ts';
import type { BackupEntry } from './manifest.ts';

export type EntryStatus = 'ok' | 'missing' | 'size mismatch' | 'hash mismatch' | 'unparsable';

export interface EntryCheck {
  entry: BackupEntry;
  path: string;
  status: EntryStatus;
  /** One line an operator can act on; empty when ok. */
  reason: string;
  /** The validated snapshot, only when status is ok. */
  loaded?: LoadedConfig;
}

/**
 * Checks one manifest entry the way a start-up would load it: the bytes are
 * read once, so what is hashed is exactly what is parsed. Size and SHA-256
 * catch truncated and torn files before any parsing; the snapshot then goes
 * through the same validation (finishLoading) as a fetched or local one.
 */
export function checkEntry(dir: string, entry: BackupEntry): EntryCheck {
  const file = path.join(dir, entry.file);
  const result = (status: EntryStatus, reason: string): EntryCheck => ({ entry, path: file, status, reason });
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return result('missing', code === 'ENOENT' ? 'file does not exist' : `cannot read the file (${code})`);
  }
  if (bytes.length !== entry.size) {
    return result('size mismatch', `file is ${bytes.length} bytes, the manifest recorded ${entry.size}${bytes.length < entry.size ? ' (truncated)' : ''}`);
  }
  const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== entry.sha256) {
    return result('hash mismatch', `SHA-256 ${sha256.slice(0, 12)}… differs from the recorded ${entry.sha256.slice(0, 12)}… (file changed or corrupted)`);
  }
  let data: unknown;
  try {
    data = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return result('unparsable', `not JSON (${jsonSyntaxReason(error)})`);
  }
  try {
    // JSON.parse, not the YAML parser that gives line numbers: a backup is JSON this store wrote and hashed, and start-up must not wait seconds on a large one.
    const loaded = finishLoading(data, file, () => file);
    return { ...result('ok', ''), loaded };
  } catch (error) {
    if (!isApimgwError(error)) throw error;
    const first = error.details[0];
    return result('unparsable', first ? `${error.message}: ${first}` : error.message);
  }
}

/** Size and SHA-256 only: enough to know an intact copy of a snapshot is already stored. */
export function fileMatches(dir: string, entry: BackupEntry): boolean {
  try {
    const bytes = fs.readFileSync(path.join(dir, entry.file));
    return bytes.length === entry.size && crypto.createHash('sha256').update(bytes).digest('hex') === entry.sha256;
  } catch {
    return false;
  }
}
