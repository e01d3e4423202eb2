import type { Command } from 'commander';
import { loadSettings, type LoadedSettings } from '../settings/load.ts';
import { SETTINGS, SETTING_KEYS } from '../settings/schema.ts';

/** Options every command that reads settings accepts. */
export interface SettingsFlags {
  envFile?: string;
  set?: string[];
}

export function addSettingsOptions(command: Command): Command {
  return command
    .option('--env-file <file>', 'read settings from an env.conf file (KEY=VALUE lines)')
    .option('--set <key=value...>', 'set any setting, e.g. --set net.server.http.port=9000 (repeatable)');
}

/** Settings from defaults, --env-file, the environment, then --set and the command's shortcut flags. */
export function settingsFrom(flags: SettingsFlags, env: NodeJS.ProcessEnv, shortcuts: Record<string, string | number | undefined> = {}): LoadedSettings {
  const fromFlags: Record<string, string | undefined> = {};
  for (const pair of flags.set ?? []) {
    const at = pair.indexOf('=');
    fromFlags[at === -1 ? pair : pair.slice(0, at)] = at === -1 ? '' : pair.slice(at + 1);
  }
  for (const [key, value] of Object.entries(shortcuts)) if (value !== undefined) fromFlags[key] = String(value);
  return loadSettings({ envFile: flags.envFile, env, flags: fromFlags });
}

/** The settings reference for `--help`, generated from the schema like docs/settings.md. */
export function settingsHelp(): string {
  const width = Math.max(...SETTING_KEYS.map((k) => k.length));
  const lines = SETTING_KEYS.map((key) => {
    const definition = SETTINGS[key];
    const fallback = definition.default === undefined ? '' : ` (default: ${key === 'runtime.workers' ? 'number of cores' : String(definition.default)})`;
    return `  ${key.padEnd(width)}  ${definition.description}${fallback}`;
  });
  return `\nSettings (env.conf lines, environment variables — "_" may stand for "." — or --set key=value):\n${lines.join('\n')}\n`;
}
