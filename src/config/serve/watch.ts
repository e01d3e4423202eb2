import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../telemetry/logger.ts';

/**
 * Calls `onChange` once a burst of file-system events on `target` has been
 * quiet for `debounceMs`: editors and `git pull` write several files, often
 * through temp files and renames, and one reload after the burst sees them all.
 * A folder is watched recursively; a single file through its directory, since
 * a rename-replace (how editors and atomic writers save) ends a watch on the
 * file itself.
 */
export function watchDebounced(target: string, debounceMs: number, onChange: () => void, logger: Logger): () => void {
  const isFolder = fs.statSync(target).isDirectory();
  const directory = isFolder ? target : path.dirname(target);
  const name = path.basename(target);
  let timer: NodeJS.Timeout | undefined;
  const watcher = fs.watch(directory, { recursive: isFolder, persistent: false }, (_event, filename) => {
    if (!isFolder && filename !== null && filename !== name) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  watcher.on('error', (error) => logger.warn({ path: target, err: error.message }, 'watching for changes stopped: send SIGHUP to reload'));
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
