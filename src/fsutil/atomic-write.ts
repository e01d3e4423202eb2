import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Permission bits of the written file, applied exactly (not reduced by the umask). Default 0600: these files hold configuration or secrets. */
  mode?: number;
}

/** Temp files are hidden, named after their target and unique per writer, so a reader listing the directory can tell them apart. */
const TEMP_SUFFIX = '.tmp';

export function isAtomicWriteTempFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

function tempPathFor(target: string): string {
  const unique = `${process.pid}.${crypto.randomBytes(6).toString('hex')}`;
  return path.join(path.dirname(target), `.${path.basename(target)}.${unique}${TEMP_SUFFIX}`);
}

/**
 * Replaces `target` with `data` so that a reader — or a restart after a crash
 * or power loss at any moment — sees either the old file or the new one, never
 * a mix: write a temp file in the same directory (rename is atomic only within
 * one filesystem), fsync it, rename it over the target, fsync the directory so
 * the rename itself is durable. On failure the temp file is removed and the
 * target is left as it was.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const mode = options.mode ?? 0o600;
  const temp = tempPathFor(target);
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(temp, 'wx', mode);
    // open() applies the umask; chmod makes the mode exact (a 0644 request under umask 077 stays 0644).
    await handle.chmod(mode);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fsp.rename(temp, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fsp.rm(temp, { force: true });
    throw error;
  }
  await fsyncDirectory(path.dirname(target));
}

/** Some filesystems cannot fsync a directory (EINVAL, EISDIR, EPERM on a few); the rename then is as durable as that filesystem allows. */
const DIRECTORY_FSYNC_UNSUPPORTED = new Set(['EINVAL', 'EISDIR', 'EPERM', 'ENOTSUP']);

async function fsyncDirectory(directory: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(directory, 'r');
    await handle.sync();
  } catch (error) {
    if (!DIRECTORY_FSYNC_UNSUPPORTED.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}
