import fs from 'node:fs';
import { ApimgwError } from '../errors.ts';
import { embeddedExampleText } from './embedded-example.ts';
import { loadApiopsFolder } from './load-apiops.ts';
import { loadConfigFile, parseConfigText } from './load-file.ts';
import type { LoadedConfig } from './loaded.ts';
import type { Settings } from '../settings/schema.ts';

export const EMBEDDED_EXAMPLE = 'embedded example (examples/gateway.yaml)';

export interface ConfigSourceOptions {
  gatewayName?: string;
  subscriptionKeysFile?: string;
}

/** A snapshot file, an APIOps extractor folder, or — with no path — the embedded example. */
export function loadLocalConfig(path: string | undefined, options: ConfigSourceOptions = {}): LoadedConfig {
  if (path === undefined) return parseConfigText(embeddedExampleText(), EMBEDDED_EXAMPLE);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch (error) {
    throw new ApimgwError('APIMGW_E_CONFIG_NOT_FOUND', `configuration ${path} not found (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return stat.isDirectory() ? loadApiopsFolder(path, options) : loadConfigFile(path);
}

/** The configuration the settings point at; `path` (a command argument) overrides config.local.path. */
export function loadConfigured(settings: Settings, path = settings['config.local.path']): LoadedConfig {
  return loadLocalConfig(path, { gatewayName: settings['gateway.name'], subscriptionKeysFile: settings['config.local.subscriptionKeys'] });
}
