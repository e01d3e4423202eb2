import { ApimgwError } from '../../errors.ts';
import { jsonSyntaxReason } from '../../text.ts';
import { checkPolicies } from '../../policy/check.ts';
import type { Settings } from '../../settings/schema.ts';
import { finishLoading, type LoadedConfig } from '../loaded.ts';

/**
 * A snapshot as the management plane sends it (JSON, the model of
 * DESIGN §3), checked exactly as a local file is: schema, references, then
 * every policy compiled. Throws one ApimgwError listing every located error.
 */
export function loadSnapshotJson(body: string, source: string, settings: Pick<Settings, 'net.client.timeout' | 'net.client.connections'>): LoadedConfig {
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (error) {
    throw new ApimgwError('APIMGW_E_CONFIG_PARSE', `${source}: the snapshot is not JSON (${jsonSyntaxReason(error)})`);
  }
  // No file positions in a fetched body: each error is located by its path in the snapshot.
  const config = finishLoading(data, source, () => source);
  checkPolicies(config, settings);
  return config;
}
