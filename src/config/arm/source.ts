import crypto from 'node:crypto';
import type { FetchResult } from '../sync/client.ts';
import type { SnapshotClient } from '../sync/sync.ts';
import { ArmSnapshotBuilder } from './build.ts';
import { armFailure, createArmClient, type ArmCallCounter, type ArmClientSettings, type ArmTransport } from './client.ts';
import { armTarget, type ArmTarget } from './settings.ts';

/**
 * The ARM config source: plugs into the configuration sync where the
 * management-plane client does (same polling, validation, atomic apply,
 * backups, offline start and readiness), and builds the snapshot from ARM.
 * Its ETag is a hash of the built snapshot, so an unchanged instance is
 * neither re-validated nor re-applied.
 */
export class ArmConfigClient implements SnapshotClient {
  readonly configurationUrl: string;
  readonly target: ArmTarget;
  readonly #settings: ArmClientSettings;
  #builder: ArmSnapshotBuilder | undefined;
  readonly #counter: ArmCallCounter = { calls: 0, throttled: 0 };
  readonly #abort = new AbortController();
  #lastSync: ArmCallCounter | undefined;
  readonly #transport: ArmTransport | undefined;

  /** `transport`: requests through another HTTP client than the SDK's (check-connectivity's probe dispatcher). */
  constructor(settings: ArmClientSettings, transport?: ArmTransport) {
    this.#transport = transport;
    this.target = armTarget(settings);
    this.configurationUrl = `${this.target.url}/gateways/${this.target.gateway}`;
    this.#settings = settings;
  }

  /** ARM requests (retries included) and 429s of the last finished sync: what one sync costs of the principal's read budget. */
  get lastSync(): ArmCallCounter | undefined {
    return this.#lastSync;
  }

  async fetchConfiguration(etag?: string): Promise<FetchResult> {
    this.#counter.calls = 0;
    this.#counter.throttled = 0;
    let data;
    try {
      this.#builder ??= new ArmSnapshotBuilder(await createArmClient(this.#settings, this.target.subscriptionId, this.#counter, this.#abort.signal, this.#transport), this.target);
      data = await this.#builder.build();
    } catch (error) {
      throw armFailure(error, `the configuration of gateway ${this.target.gateway}`);
    } finally {
      this.#lastSync = { ...this.#counter };
    }
    const hash = crypto.createHash('sha256').update(JSON.stringify(data)).digest('hex');
    const tag = `"${hash.slice(0, 32)}"`;
    if (tag === etag) return { kind: 'unchanged' };
    // The revision names the content, so /config and the backups tell two ARM states apart.
    return { kind: 'changed', body: JSON.stringify({ ...data, revision: `arm-${hash.slice(0, 12)}` }), etag: tag };
  }

  /** ARM has no heartbeat for self-hosted instances: this instance's state is on its own /config and /metrics. */
  async sendHeartbeat(): Promise<void> {}

  status(): { armCallsLastSync?: number; armThrottledLastSync?: number } {
    return this.#lastSync ? { armCallsLastSync: this.#lastSync.calls, armThrottledLastSync: this.#lastSync.throttled } : {};
  }

  async close(): Promise<void> {}

  async destroy(): Promise<void> {
    this.#abort.abort();
  }
}
