import type { Command } from 'commander';
import { backupDirFromSettings } from '../config/backup/location.ts';
import { BackupStore, type BackupEntry } from '../config/backup/store.ts';
import { addSettingsOptions, settingsFrom, type SettingsFlags } from './settings-options.ts';

/** Options every `backup` command accepts. */
export interface BackupFlags extends SettingsFlags {
  dir?: string;
  json?: boolean;
}

export function addBackupOptions(command: Command): Command {
  return addSettingsOptions(command
    .option('--dir <dir>', 'backup directory (default: config.backup.dir, see docs/settings.md)')
    .option('--json', 'print the result as JSON on stdout'));
}

/** The store the running gateway would use, unless --dir points elsewhere. */
export function backupStoreFrom(flags: BackupFlags, env: NodeJS.ProcessEnv): BackupStore {
  const { settings } = settingsFrom(flags, env);
  return BackupStore.open(flags.dir ?? backupDirFromSettings(settings, env), settings['config.backup.keep']);
}

/** A short, stable row for tables: sizes in KB, time to the second. */
export function entryRow(entry: BackupEntry): string[] {
  return [entry.revision ?? '-', entry.savedAt.replace(/\.\d+Z$/, 'Z'), `${(entry.size / 1024).toFixed(1)} KB`];
}
