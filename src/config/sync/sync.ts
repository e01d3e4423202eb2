import crypto from 'node:crypto';
import os from 'node:os';
import { ApimgwError } from '../../errors.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { daysLeft } from '../../token/format.ts';
import { EXPIRY_WARNING_DAYS } from '../../token/token-file.ts';
import { VERSION } from '../../version.ts';
import type { LoadedConfig } from '../loaded.ts';
import { SyncFailure, type FetchResult, type Heartbeat } from './client.ts';
import { jittered, pollDelayMs } from './schedule.ts';
import type { TokenSource } from './token-source.ts';

/**
 * The federation loop of the primary process (DESIGN §5–6): fetch at start,
 * poll with ETag, heartbeat, back off on failure, back up what is applied,
 * fall back to the newest backup when the management plane cannot be reached
 * at start — and whatever happens, keep the last good configuration serving.
 */

export type SourceKind = 'management plane' | 'backup' | 'local';

/** What the sync needs from the backup store (src/config/backup). */
export interface SnapshotBackups {
  /** Keeps an applied snapshot. */
  save(config: LoadedConfig): Promise<void>;
  /** The newest backup that verifies and validates, or undefined when there is none. */
  newest(): LoadedConfig | undefined;
}

/** Where snapshots come from: the management-plane client (client.ts) or the ARM source (src/config/arm). */
export interface SnapshotClient {
  /** Shown in logs and /config as where the configuration comes from. */
  readonly configurationUrl: string;
  fetchConfiguration(etag?: string): Promise<FetchResult>;
  sendHeartbeat(heartbeat: Heartbeat): Promise<void>;
  destroy(): Promise<void>;
  /** Figures of the source's own for /config and /metrics (ARM: calls per sync). */
  status?(): Record<string, number | undefined>;
}

export interface ConfigSyncOptions {
  client: SnapshotClient;
  /** The gateway token the management plane needs; none for ARM, which signs in to Entra ID instead. */
  token: TokenSource | undefined;
  backups: SnapshotBackups | undefined;
  /** Parses and fully validates a fetched body (throws ApimgwError with located details). */
  validate: (body: string, source: string) => LoadedConfig;
  logger: Logger;
  pollIntervalSeconds: number;
  heartbeatIntervalSeconds: number;
}

type Outcome = 'applied' | 'unchanged' | 'rejected' | 'unauthorized' | 'unreachable' | 'failed';

const DAY_MS = 86_400_000;
const MAX_HEARTBEAT_ERROR = 2000;

export class ConfigSync {
  readonly instanceId = crypto.randomUUID();
  readonly startedAt = new Date();
  readonly #options: ConfigSyncOptions;
  #config: LoadedConfig | undefined;
  #kind: SourceKind = 'management plane';
  /** ETag of the last body received, applied or rejected: a rejected snapshot is not re-validated every poll. */
  #etag: string | undefined;
  #lastSyncAt: Date | undefined;
  #lastAttemptAt: Date | undefined;
  #lastOutcome: Outcome | undefined;
  #lastFailure: SyncFailure | undefined;
  /** Why the newest snapshot was refused; cleared when a good one is applied. */
  #rejection: string | undefined;
  #failures = 0;
  #tokenWarnedAt = 0;
  #apply: ((config: LoadedConfig) => void) | undefined;
  #pollTimer: NodeJS.Timeout | undefined;
  #heartbeatTimer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #stopped = false;

  constructor(options: ConfigSyncOptions) {
    this.#options = options;
  }

  /** The configuration to start with: fetched, else the newest backup that verifies, else APIMGW_E_SYNC_NO_CONFIG. */
  async initial(): Promise<LoadedConfig> {
    await this.#poll();
    if (this.#config) return this.#config;
    const { logger, backups } = this.#options;
    const backup = backups?.newest();
    const why = this.#rejection ?? this.#lastFailure?.message ?? 'no answer';
    if (!backup) {
      throw new ApimgwError('APIMGW_E_SYNC_NO_CONFIG', `no configuration to serve: ${why}, and no backup that verifies`, {
        hint: this.#lastFailure?.kind === 'unauthorized' ? this.#lastFailure.hint : undefined,
      });
    }
    this.#config = backup;
    this.#kind = 'backup';
    logger.warn({ file: backup.source, revision: backup.snapshot.revision, hash: backup.hash, reason: why },
      'serving the newest configuration backup until the management plane answers');
    return backup;
  }

  /** Polls and heartbeats from now on; `apply` hands each newly validated configuration to the workers. */
  start(apply: (config: LoadedConfig) => void): void {
    this.#apply = apply;
    this.#schedulePoll();
    void this.#heartbeat();
  }

  /** SIGHUP: poll now rather than at the next tick. */
  pollNow(): void {
    if (this.#stopped || this.#polling) return;
    clearTimeout(this.#pollTimer);
    void this.#pollAndReschedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#pollTimer);
    clearTimeout(this.#heartbeatTimer);
    await this.#options.client.destroy();
    await this.#polling;
  }

  get source(): SourceKind {
    return this.#kind;
  }

  /** `problem`: why the gateway must not count as ready although it serves; `warning`: ready, but an operator must act soon. */
  readiness(): { problem?: string; warning?: string } {
    const token = this.#tokenState();
    if (token.problem) return { problem: token.problem };
    if (this.#lastFailure?.kind === 'unauthorized' && this.#lastOutcome === 'unauthorized') {
      return { problem: `${this.#lastFailure.message}; serving the last configuration` };
    }
    return { warning: token.warning };
  }

  /** For /config and /readyz: where the configuration comes from and how the sync fares. Never holds the token. */
  status() {
    const token = this.#tokenState();
    return {
      source: this.#kind,
      endpoint: this.#options.client.configurationUrl,
      instanceId: this.instanceId,
      lastSyncAt: this.#lastSyncAt?.toISOString(),
      lastAttemptAt: this.#lastAttemptAt?.toISOString(),
      lastResult: this.#lastOutcome,
      lastError: this.#lastError(),
      ...this.#options.client.status?.(),
      token: { gateway: token.gateway, expiresAt: token.expiresAt, daysLeft: token.daysLeft, problem: token.problem, warning: token.warning },
    };
  }

  #lastError(): string | undefined {
    if (this.#rejection) return this.#rejection;
    return this.#lastOutcome === 'applied' || this.#lastOutcome === 'unchanged' ? undefined : this.#lastFailure?.message;
  }

  #tokenState(): { gateway?: string; expiresAt?: string; daysLeft?: number; problem?: string; warning?: string } {
    let token;
    if (!this.#options.token) return {};
    try {
      token = this.#options.token.current();
    } catch (error) {
      return { problem: (error as Error).message };
    }
    const left = daysLeft(token.expiry);
    const state = { gateway: token.gatewayId, expiresAt: token.expiry.toISOString(), daysLeft: Math.round(left * 10) / 10 };
    if (left <= 0) return { ...state, problem: `the gateway token expired at ${state.expiresAt}` };
    if (left < EXPIRY_WARNING_DAYS) return { ...state, warning: `the gateway token expires in ${state.daysLeft} days (${state.expiresAt}); renew it` };
    return state;
  }

  #schedulePoll(): void {
    if (this.#stopped) return;
    // A refused token is not an outage: polling on at the normal pace picks up a renewed token promptly.
    const failures = this.#lastOutcome === 'unauthorized' ? 0 : this.#failures;
    this.#pollTimer = setTimeout(() => void this.#pollAndReschedule(), pollDelayMs(this.#options.pollIntervalSeconds, failures));
    this.#pollTimer.unref();
  }

  async #pollAndReschedule(): Promise<void> {
    this.#polling = this.#poll();
    try {
      await this.#polling;
    } catch (error) {
      this.#options.logger.error({ err: error }, 'configuration poll failed unexpectedly; polling on');
    } finally {
      this.#polling = undefined;
      this.#schedulePoll();
    }
  }

  async #poll(): Promise<void> {
    const { client, logger } = this.#options;
    this.#warnTokenExpiry();
    this.#lastAttemptAt = new Date();
    let result;
    try {
      result = await client.fetchConfiguration(this.#etag);
    } catch (error) {
      // A request aborted by shutdown is no outage worth a warning.
      if (!this.#stopped) this.#failed(error);
      return;
    }
    if (this.#stopped) return;
    this.#reachable();
    this.#lastSyncAt = new Date();
    if (result.kind === 'unchanged') {
      this.#lastOutcome = this.#rejection ? 'rejected' : 'unchanged';
      return;
    }
    this.#etag = result.etag;
    let next: LoadedConfig;
    try {
      next = this.#options.validate(result.body, client.configurationUrl);
    } catch (error) {
      this.#rejected(error);
      return;
    }
    this.#rejection = undefined;
    this.#lastOutcome = 'applied';
    for (const warning of next.warnings) logger.warn({ source: next.source }, warning);
    const same = this.#config?.hash === next.hash;
    const previousKind = this.#kind;
    this.#config = next;
    this.#kind = 'management plane';
    if (same && previousKind === 'management plane') return;
    if (!same) this.#apply?.(next);
    logger.info({ revision: next.snapshot.revision, hash: next.hash, previousSource: previousKind }, same
      ? 'management plane confirms the configuration being served'
      : 'configuration applied from the management plane');
    await this.#backup(next);
  }

  async #backup(config: LoadedConfig): Promise<void> {
    try {
      await this.#options.backups?.save(config);
    } catch (error) {
      this.#options.logger.warn({ err: error, revision: config.snapshot.revision }, 'configuration backup failed; the configuration is applied but an offline start would use an older one');
    }
  }

  #rejected(error: unknown): void {
    const details = error instanceof ApimgwError ? [...error.details] : [];
    const message = error instanceof Error ? error.message : String(error);
    this.#rejection = `snapshot rejected: ${message}${details.length ? `: ${details.join('; ')}` : ''}`;
    this.#lastOutcome = 'rejected';
    this.#options.logger.error({ code: error instanceof ApimgwError ? error.code : undefined, details, servingRevision: this.#config?.snapshot.revision },
      `configuration from the management plane rejected, still serving the previous one: ${message}`);
    void this.#heartbeat(false);
  }

  #failed(error: unknown): void {
    const { logger } = this.#options;
    const failure = error instanceof SyncFailure
      ? error
      : new SyncFailure('rejected', 'Error', `configuration sync failed: ${error instanceof Error ? error.message : String(error)}`);
    const previous = this.#lastOutcome;
    this.#lastFailure = failure;
    if (failure.kind === 'unauthorized') {
      this.#lastOutcome = 'unauthorized';
      // Loud on every poll: an operator must renew the token, and a quiet gateway would look healthy.
      logger.error({ code: failure.code, reason: failure.reason, hint: failure.hint }, `${failure.message}${this.#config ? '; still serving the last configuration' : ''}`);
      return;
    }
    this.#failures++;
    const outcome: Outcome = failure.kind === 'unreachable' ? 'unreachable' : 'failed';
    this.#lastOutcome = outcome;
    if (previous !== outcome) {
      logger.warn({ code: failure.code, reason: failure.reason, hint: failure.hint, retryInSeconds: Math.round(pollDelayMs(this.#options.pollIntervalSeconds, this.#failures, () => 0.5) / 1000) },
        `${failure.message}; ${this.#config ? 'still serving the last configuration, ' : ''}retrying with backoff`);
    }
  }

  #reachable(): void {
    const previous = this.#lastOutcome;
    if (previous === 'unreachable' || previous === 'failed' || previous === 'unauthorized') {
      this.#options.logger.info({ after: previous, failedAttempts: this.#failures }, 'management plane answers again');
    }
    this.#failures = 0;
    this.#lastFailure = undefined;
  }

  #warnTokenExpiry(): void {
    const token = this.#tokenState();
    if (!token.warning || Date.now() - this.#tokenWarnedAt < DAY_MS) return;
    this.#tokenWarnedAt = Date.now();
    this.#options.logger.warn({ expiresAt: token.expiresAt, daysLeft: token.daysLeft }, `${token.warning} (\`apimgw token renew\`)`);
  }

  #heartbeatBody(): Heartbeat {
    const rejected = this.#rejection !== undefined;
    const healthy = this.#kind === 'management plane' && !rejected && (this.#lastOutcome === 'applied' || this.#lastOutcome === 'unchanged');
    const lastError = this.#lastError();
    return {
      instanceId: this.instanceId,
      hostname: os.hostname(),
      version: VERSION,
      configRevision: this.#config?.snapshot.revision ?? this.#config?.hash.slice(0, 12),
      status: healthy ? 'ok' : 'degraded',
      startedAt: this.startedAt.toISOString(),
      lastSyncAt: this.#lastSyncAt?.toISOString(),
      // The instances list is for people: the first located errors say enough.
      ...(lastError ? { lastError: lastError.length > MAX_HEARTBEAT_ERROR ? `${lastError.slice(0, MAX_HEARTBEAT_ERROR - 1)}…` : lastError } : {}),
    };
  }

  /** Heartbeats are best effort: the poll already reports connectivity, so a failed one is only logged at debug. */
  async #heartbeat(reschedule = true): Promise<void> {
    if (this.#stopped) return;
    if (reschedule) {
      this.#heartbeatTimer = setTimeout(() => void this.#heartbeat(), jittered(this.#options.heartbeatIntervalSeconds));
      this.#heartbeatTimer.unref();
    }
    try {
      await this.#options.client.sendHeartbeat(this.#heartbeatBody());
    } catch (error) {
      this.#options.logger.debug({ reason: error instanceof SyncFailure ? error.reason : String(error) }, 'heartbeat not delivered');
    }
  }
}
