import fs from 'node:fs';
import { ApimgwError } from '../errors.ts';
import { SETTINGS, SETTING_KEYS, type SettingKey, type Settings } from './schema.ts';
import { closest } from '../text.ts';

/** Where a value came from, so an error can say which line to fix. */
export type SettingOrigin = 'default' | `env file ${string}` | 'environment' | 'command line';

export interface SettingsInput {
  envFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Values given on the command line, keyed by setting name. */
  flags?: Record<string, string | number | boolean | undefined>;
}

export interface LoadedSettings {
  settings: Settings;
  origins: Record<SettingKey, SettingOrigin>;
}

/** `_`, `-` and case differences are the same key: env vars cannot hold dots in every shell. */
function normalise(name: string): string {
  return name.toLowerCase().replace(/[_-]/g, '.');
}

const BY_NORMALISED_NAME = new Map<string, SettingKey>(SETTING_KEYS.map((key) => [normalise(key), key]));

function resolveKey(name: string, where: string): SettingKey {
  const key = BY_NORMALISED_NAME.get(normalise(name));
  if (key) return key;
  const suggestion = closest(name, SETTING_KEYS);
  throw new ApimgwError('APIMGW_E_SETTINGS_UNKNOWN', `unknown setting "${name}" (${where})`, {
    hint: suggestion ? `Did you mean "${suggestion}"? docs/settings.md lists every setting.` : undefined,
  });
}

/** KEY=VALUE lines, `#` comments, optional `export ` prefix and quotes — what env.conf and systemd EnvironmentFile hold. */
export function parseEnvFile(text: string, fileName: string): Array<{ name: string; value: string; line: number }> {
  const entries: Array<{ name: string; value: string; line: number }> = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][\w.-]*)\s*[=:]\s*(.*)$/.exec(line);
    if (!match) {
      throw new ApimgwError('APIMGW_E_ENV_FILE', `${fileName}:${index + 1}: expected KEY=VALUE, got "${line.slice(0, 60)}"`);
    }
    let value = match[2]!;
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0]) value = value.slice(1, -1);
    entries.push({ name: match[1]!, value, line: index + 1 });
  });
  return entries;
}

/** Environment variables that are ours: any dotted name (the SHGW style) must be known; `_` forms only when they match. */
function fromEnvironment(env: NodeJS.ProcessEnv): Array<[SettingKey, string]> {
  const found: Array<[SettingKey, string]> = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (name.includes('.')) {
      found.push([resolveKey(name, 'environment variable'), value]);
      continue;
    }
    const key = BY_NORMALISED_NAME.get(normalise(name));
    if (key) found.push([key, value]);
  }
  return found;
}

/** defaults < --env-file < environment < command line; every value validated and coerced by the schema. */
export function loadSettings(input: SettingsInput = {}): LoadedSettings {
  const raw = new Map<SettingKey, { value: unknown; origin: SettingOrigin }>();
  for (const key of SETTING_KEYS) {
    if (SETTINGS[key].default !== undefined) raw.set(key, { value: SETTINGS[key].default, origin: 'default' });
  }
  if (input.envFile) {
    let text: string;
    try {
      text = fs.readFileSync(input.envFile, 'utf8');
    } catch (error) {
      throw new ApimgwError('APIMGW_E_ENV_FILE', `cannot read env file ${input.envFile}: ${(error as NodeJS.ErrnoException).code ?? error}`, {
        hint: 'Check the path given to --env-file.',
      });
    }
    for (const entry of parseEnvFile(text, input.envFile)) {
      const key = resolveKey(entry.name, `${input.envFile}:${entry.line}`);
      raw.set(key, { value: entry.value, origin: `env file ${input.envFile}:${entry.line}` });
    }
  }
  for (const [key, value] of fromEnvironment(input.env ?? {})) raw.set(key, { value, origin: 'environment' });
  for (const [name, value] of Object.entries(input.flags ?? {})) {
    if (value === undefined) continue;
    raw.set(resolveKey(name, 'command line'), { value, origin: 'command line' });
  }

  const settings: Record<string, unknown> = {};
  const origins = {} as Record<SettingKey, SettingOrigin>;
  for (const [key, { value, origin }] of raw) {
    const parsed = SETTINGS[key].schema.safeParse(value);
    if (!parsed.success) {
      const shown = SETTINGS[key].secret ? '<redacted>' : JSON.stringify(value);
      const reason = parsed.error.issues[0]?.message ?? 'invalid value';
      throw new ApimgwError('APIMGW_E_SETTINGS_INVALID', `setting ${key}=${shown} from ${origin}: ${reason}`);
    }
    settings[key] = parsed.data;
    origins[key] = origin;
  }
  return { settings: settings as unknown as Settings, origins };
}

/** Settings as printable pairs, secrets replaced. */
export function redactedSettings(settings: Settings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of SETTING_KEYS) {
    const value = settings[key];
    if (value === undefined) continue;
    out[key] = (SETTINGS[key] as { secret?: boolean }).secret ? '<redacted>' : value;
  }
  return out;
}
