import { ApimgwError } from '../../errors.ts';
import type { Settings } from '../../settings/schema.ts';
import type { LoadedConfig } from '../loaded.ts';
import { createConfigClient } from './federation.ts';
import { loadSnapshotJson } from './snapshot.ts';
import { TokenSource } from './token-source.ts';

export interface FetchedSnapshot {
  config: LoadedConfig;
  /** The body as the management plane sent it. */
  body: string;
  etag: string | undefined;
  url: string;
}

/**
 * One GET of the configuration with the settings `apimgw run` uses, validated
 * the same way (`config fetch`, `config inspect` of the live endpoint).
 */
export async function fetchSnapshotOnce(settings: Settings, onWarning: (message: string) => void): Promise<FetchedSnapshot> {
  if (settings['config.service.endpoint'] === undefined) {
    throw new ApimgwError('APIMGW_E_SETTINGS_INVALID', 'config.service.endpoint is not set: there is no management plane to fetch from', {
      hint: 'Set it in the env file or with --set config.service.endpoint=https://<host>, together with config.service.auth.tokenFile and gateway.name.',
    });
  }
  const client = createConfigClient(settings, new TokenSource(settings, onWarning));
  let result;
  try {
    result = await client.fetchConfiguration();
  } finally {
    await client.close();
  }
  if (result.kind !== 'changed') throw new ApimgwError('APIMGW_E_SYNC_FAILED', `${client.configurationUrl} answered 304 to a request without If-None-Match`);
  const config = loadSnapshotJson(result.body, client.configurationUrl, settings);
  return { config, body: result.body, etag: result.etag, url: client.configurationUrl };
}
