import crypto from 'node:crypto';
import { ApimgwError } from '../errors.ts';
import type { PolicySources } from '../policy/sources.ts';
import type { Snapshot } from './model.ts';
import { formatPath, parseSnapshot, type ConfigIssue, type Locator } from './validate.ts';

/** A snapshot that passed validation, with where it came from and what is worth a warning. */
export interface LoadedConfig {
  snapshot: Snapshot;
  /** Human description of the source: a file path, a folder, "embedded example". */
  source: string;
  /** Located warnings: the snapshot is applied, but an operator should know. */
  warnings: string[];
  /** SHA-256 of the canonical snapshot: an unchanged config is not re-applied. */
  hash: string;
  /** Where each policy document came from when it was a file of its own (APIOps), for located policy errors. */
  policySources?: PolicySources;
}

export function locatedMessage(issue: ConfigIssue, locate: Locator): string {
  const where = locate(issue.path);
  const path = formatPath(issue.path);
  return `${where}${path ? ` ${path}` : ''}: ${issue.message}`;
}

export function snapshotHash(snapshot: Snapshot): string {
  return crypto.createHash('sha256').update(JSON.stringify(snapshot)).digest('hex');
}

/**
 * Validates raw snapshot data and either returns it loaded or throws one
 * APIMGW_E_CONFIG_INVALID carrying every located error, so an operator fixes
 * them all in one pass.
 */
export function finishLoading(data: unknown, source: string, locate: Locator, extraWarnings: string[] = []): LoadedConfig {
  const { snapshot, errors, warnings } = parseSnapshot(data);
  if (!snapshot) {
    const details = errors.map((issue) => locatedMessage(issue, locate));
    throw new ApimgwError('APIMGW_E_CONFIG_INVALID', `${source}: ${errors.length} error${errors.length === 1 ? '' : 's'} in configuration`, { details });
  }
  return {
    snapshot,
    source,
    warnings: [...extraWarnings, ...warnings.map((issue) => locatedMessage(issue, locate))],
    hash: snapshotHash(snapshot),
  };
}
