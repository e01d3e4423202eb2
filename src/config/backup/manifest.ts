import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const MANIFEST_FILE = 'manifest.json';

/** Snapshot files are named by the store; a manifest naming anything else (a path, another file) is not trusted. */
const SNAPSHOT_FILE = /^snapshot-[0-9TZ]+-[0-9a-f]{12}\.json$/;

export function isSnapshotFileName(name: string): boolean {
  return SNAPSHOT_FILE.test(name);
}

/** `snapshot-20250101T120000123Z-<12 hex of the config hash>.json`: sorts by time, tells configs apart at a glance. */
export function snapshotFileName(savedAt: Date, configHash: string): string {
  return `snapshot-${savedAt.toISOString().replace(/[-:.]/g, '')}-${configHash.slice(0, 12)}.json`;
}

const EntrySchema = z.object({
  file: z.string().regex(SNAPSHOT_FILE, 'not a snapshot file name of this store'),
  /** SHA-256 of the file's bytes: what verify() checks, so a torn or edited file is never loaded. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  /** The snapshot's own `revision` field, when it has one. */
  revision: z.string().nullable(),
  /** LoadedConfig.hash of the snapshot: the same value the management plane uses as ETag. */
  configHash: z.string().regex(/^[0-9a-f]{64}$/),
  savedAt: z.iso.datetime(),
  /** Where the snapshot came from: the management plane URL, a restored file, a re-pinned revision. */
  source: z.string(),
});

const ManifestSchema = z.object({
  version: z.literal(1),
  /** Oldest first; the last entry is the newest backup. */
  entries: z.array(EntrySchema),
});

export type BackupEntry = z.infer<typeof EntrySchema>;
export type Manifest = z.infer<typeof ManifestSchema>;

export type ManifestRead =
  | { state: 'ok'; manifest: Manifest }
  | { state: 'missing' }
  | { state: 'unparsable'; reason: string };

/** Reads the manifest without throwing: a missing or garbage manifest is a state the caller reports, not a crash. */
export function readManifest(dir: string): ManifestRead {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'unparsable', reason: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { state: 'unparsable', reason: `not JSON (${(error as Error).message})` };
  }
  const parsed = ManifestSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { state: 'unparsable', reason: `not a backup manifest (${issue.path.join('.') || 'top level'}: ${issue.message})` };
  }
  return { state: 'ok', manifest: parsed.data };
}

export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
