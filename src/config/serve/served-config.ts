import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../telemetry/logger.ts';
import { ApimgwError } from '../../errors.ts';
import { checkPolicies } from '../../policy/check.ts';
import type { Settings } from '../../settings/schema.ts';
import { loadLocalConfig } from '../source.ts';

export type ServeSettings = Pick<Settings, 'config.local.subscriptionKeys' | 'net.client.timeout' | 'net.client.connections'>;

/** What GET /gateways/{g}/configuration answers, serialised once per change. */
export interface ServedSnapshot {
  revision: string;
  /** Strong ETag (quoted): the SHA-256 of the validated snapshot. */
  etag: string;
  body: Buffer;
}

type BuiltSnapshot = ServedSnapshot & { gatewayName: string | undefined; warnings: string[] };

/** A revision an operator can read: the snapshot's own when it names one, else the start of its hash. */
function revisionOf(declared: string | undefined, hash: string): string {
  return declared ?? `sha256-${hash.slice(0, 16)}`;
}

/**
 * The configuration each gateway is served: an APIOps folder can assign
 * different APIs to different gateways (`gateways/<g>/apis`), so each gateway
 * has its own validated snapshot. A reload that fails keeps the previous one.
 */
export class ServedConfigs {
  readonly #configPath: string;
  readonly #settings: ServeSettings;
  readonly #logger: Logger;
  readonly #byGateway = new Map<string, ServedSnapshot>();

  constructor(configPath: string, settings: ServeSettings, logger: Logger) {
    this.#configPath = configPath;
    this.#settings = settings;
    this.#logger = logger;
  }

  get(gateway: string): ServedSnapshot | undefined {
    return this.#byGateway.get(gateway);
  }

  /**
   * Loads, validates and policy-checks the config as `gateway` will receive
   * it; throws APIMGW_E_CONFIG_INVALID (or _PARSE/_NOT_FOUND) with every error located.
   */
  build(gateway: string | undefined): BuiltSnapshot {
    const config = loadLocalConfig(this.#configPath, { gatewayName: gateway, subscriptionKeysFile: this.#settings['config.local.subscriptionKeys'] });
    checkPolicies(config, this.#settings);
    const revision = revisionOf(config.snapshot.revision, config.hash);
    return {
      revision,
      etag: `"${config.hash}"`,
      body: Buffer.from(JSON.stringify({ ...config.snapshot, revision })),
      gatewayName: config.snapshot.gateway?.name,
      warnings: config.warnings,
    };
  }

  /** Re-reads the config for each gateway; a broken config is logged with its located errors and the previous snapshot stays. */
  reload(gateways: readonly string[]): void {
    for (const gateway of gateways) {
      const previous = this.#byGateway.get(gateway);
      let next: BuiltSnapshot;
      try {
        next = this.build(gateway);
      } catch (error) {
        if (!(error instanceof ApimgwError)) throw error;
        this.#logger.error({ gateway, code: error.code, errors: error.details.length ? error.details : [error.message], serving: previous?.revision ?? null },
          previous ? 'configuration change rejected: still serving the previous revision' : 'configuration invalid: nothing to serve to this gateway yet');
        continue;
      }
      if (previous?.etag === next.etag) continue;
      this.#byGateway.set(gateway, { revision: next.revision, etag: next.etag, body: next.body });
      const warnings = next.warnings.length ? { warnings: next.warnings } : {};
      this.#logger.info({ gateway, revision: next.revision, previousRevision: previous?.revision ?? null, ...warnings }, previous ? 'configuration changed' : 'configuration loaded');
    }
  }

  /** Forgets gateways no longer served (their keys were removed). */
  retain(gateways: ReadonlySet<string>): void {
    for (const gateway of this.#byGateway.keys()) if (!gateways.has(gateway)) this.#byGateway.delete(gateway);
  }
}

/** Gateway names the config itself declares: APIOps `gateways/<name>` folders, or a snapshot's `gateway.name`. */
export function declaredGateways(configPath: string, snapshotGatewayName: string | undefined): string[] {
  const names = new Set<string>();
  if (snapshotGatewayName) names.add(snapshotGatewayName);
  try {
    for (const entry of fs.readdirSync(path.join(configPath, 'gateways'), { withFileTypes: true })) if (entry.isDirectory()) names.add(entry.name);
  } catch {
    // A file, or a folder with no gateways/ assignments: nothing declared there.
  }
  return [...names];
}
