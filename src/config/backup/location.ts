import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../../settings/schema.ts';

/** The volume the Azure self-hosted gateway container backs its configuration up to; reusing it keeps an existing deployment's mount meaningful. */
const CONTAINER_BACKUP_DIR = '/apim/config';

/**
 * Where backups go when config.backup.dir is unset, first match wins:
 * the container volume when it exists, systemd's StateDirectory= (it sets
 * STATE_DIRECTORY, colon-separated when several are configured), the XDG state
 * home, then ~/.local/state. A state directory, not a cache: losing it loses
 * the ability to start offline.
 */
export function defaultBackupDir(env: NodeJS.ProcessEnv = process.env, containerDir = CONTAINER_BACKUP_DIR): string {
  if (fs.statSync(containerDir, { throwIfNoEntry: false })?.isDirectory()) return containerDir;
  const systemdState = env.STATE_DIRECTORY?.split(':')[0];
  if (systemdState) return path.join(systemdState, 'backup');
  const stateHome = env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(stateHome, 'apimgw', 'backup');
}

export function backupDirFromSettings(settings: Pick<Settings, 'config.backup.dir'>, env: NodeJS.ProcessEnv = process.env): string {
  return settings['config.backup.dir'] ?? defaultBackupDir(env);
}
