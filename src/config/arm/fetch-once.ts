import { ApimgwError } from '../../errors.ts';
import type { Settings } from '../../settings/schema.ts';
import type { FetchedSnapshot } from '../sync/fetch-once.ts';
import { loadSnapshotJson } from '../sync/snapshot.ts';
import type { ArmTransport } from './client.ts';
import { armAuth } from './settings.ts';
import { ArmConfigClient } from './source.ts';

/** One snapshot built from ARM with the settings `apimgw run` uses, validated the same way (`config fetch --from arm`). */
export async function fetchSnapshotFromArm(settings: Settings, transport?: ArmTransport): Promise<FetchedSnapshot & { armCalls: number; armThrottled: number }> {
  armAuth(settings);
  const client = new ArmConfigClient(settings, transport);
  const result = await client.fetchConfiguration();
  if (result.kind !== 'changed') throw new ApimgwError('APIMGW_E_SYNC_FAILED', 'ARM source answered "unchanged" to a first fetch');
  const config = loadSnapshotJson(result.body, client.configurationUrl, settings);
  return { config, body: result.body, etag: result.etag, url: client.configurationUrl, armCalls: client.lastSync?.calls ?? 0, armThrottled: client.lastSync?.throttled ?? 0 };
}
