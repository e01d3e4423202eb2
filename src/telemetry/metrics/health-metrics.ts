import { counter, gauge, type MetricFamily, type MetricValue } from './families.ts';

/**
 * Gateway health as the primary knows it, computed at each scrape: which
 * configuration is served and for how long, how the last management-plane
 * sync went, when the gateway token expires, how old the newest backup is,
 * and the workers.
 */
export interface GatewayHealth {
  config: { revision?: string; hash: string; source: string; appliedAt: Date };
  /** The management-plane sync's status (ConfigFeed.status()); absent with a local configuration. */
  sync?: Record<string, unknown>;
  /** When the newest configuration backup was written; absent when there is none (or no backups are kept). */
  newestBackupAt?: Date;
  workers: { configured: number; serving: number; restarts: number };
  /** Workers that did not answer this scrape in time (their last reported counts were used). */
  unansweredWorkers: number;
}

/** Sync outcomes after which the gateway serves the management plane's current configuration. */
const GOOD_SYNC_RESULTS = new Set(['applied', 'unchanged']);

export function healthFamilies(health: GatewayHealth, now: Date): MetricFamily[] {
  const seconds = (date: Date) => date.getTime() / 1000;
  const one = (value: number, labels: Record<string, string> = {}): MetricValue[] => [{ labels, value }];
  const { config, sync, workers } = health;
  const families = [
    gauge('config_info', 'The configuration being served (value 1): its revision, the first 12 hex digits of its hash, and where it came from (local, management plane, …).',
      one(1, { revision: config.revision ?? '', hash: config.hash.slice(0, 12), source: config.source })),
    gauge('config_applied_timestamp_seconds', 'When the configuration being served was applied (Unix time).', one(seconds(config.appliedAt))),
    gauge('config_age_seconds', 'Seconds since the configuration being served was applied.', one(Math.max(0, seconds(now) - seconds(config.appliedAt)))),
    gauge('workers', 'Worker processes by state: configured (runtime.workers) and serving (listening now).',
      [{ labels: { state: 'configured' }, value: workers.configured }, { labels: { state: 'serving' }, value: workers.serving }]),
    counter('worker_restarts_total', 'Workers that stopped unexpectedly and were replaced.', one(workers.restarts)),
    gauge('metrics_unanswered_workers', 'Workers that did not answer this scrape in time; their last reported counters were used.', one(health.unansweredWorkers)),
  ];
  if (health.newestBackupAt) {
    families.push(gauge('config_backup_age_seconds', 'Seconds since the newest configuration backup was written.', one(Math.max(0, seconds(now) - seconds(health.newestBackupAt)))));
  }
  if (sync) families.push(...syncFamilies(sync, now));
  return families;
}

function syncFamilies(sync: Record<string, unknown>, now: Date): MetricFamily[] {
  const families: MetricFamily[] = [];
  const time = (value: unknown) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? Date.parse(value) / 1000 : undefined);
  const lastResult = typeof sync.lastResult === 'string' ? sync.lastResult : undefined;
  if (lastResult !== undefined) {
    families.push(gauge('config_sync_success', 'Whether the last management-plane poll left the gateway on its current configuration (1: applied or unchanged; 0: failed, refused, rejected); the result label says which.',
      [{ labels: { result: lastResult }, value: GOOD_SYNC_RESULTS.has(lastResult) ? 1 : 0 }]));
  }
  const lastAttempt = time(sync.lastAttemptAt);
  if (lastAttempt !== undefined) families.push(gauge('config_sync_last_attempt_timestamp_seconds', 'When the management plane was last polled (Unix time).', [{ labels: {}, value: lastAttempt }]));
  const lastSync = time(sync.lastSyncAt);
  if (lastSync !== undefined) families.push(gauge('config_sync_last_success_timestamp_seconds', 'When a poll last succeeded (Unix time).', [{ labels: {}, value: lastSync }]));
  // Only the ARM source reports these (ArmConfigClient.status()): what one sync costs of the principal's ARM read budget.
  if (typeof sync.armCallsLastSync === 'number') {
    families.push(gauge('config_arm_calls_last_sync', 'ARM requests the last configuration sync sent, retries included (ARM mode only): multiply by syncs per hour to compare with ARM\'s read limit per principal.',
      [{ labels: {}, value: sync.armCallsLastSync }]));
  }
  if (typeof sync.armThrottledLastSync === 'number') {
    families.push(gauge('config_arm_throttled_last_sync', 'ARM requests of the last configuration sync answered 429 (throttled) and retried after Retry-After (ARM mode only).',
      [{ labels: {}, value: sync.armThrottledLastSync }]));
  }
  const token = sync.token as { expiresAt?: unknown } | undefined;
  const expiry = time(token?.expiresAt);
  if (expiry !== undefined) {
    families.push(gauge('token_expiry_seconds', 'Seconds until the gateway token expires (negative once expired).', [{ labels: {}, value: Math.round(expiry - now.getTime() / 1000) }]));
  }
  return families;
}
