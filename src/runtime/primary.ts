import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import { once } from 'node:events';
import { ApimgwError } from '../errors.ts';
import { backupDirFromSettings } from '../config/backup/location.ts';
import { BackupStore } from '../config/backup/store.ts';
import type { LoadedConfig } from '../config/loaded.ts';
import { summarise } from '../config/summary.ts';
import { createAdminServer } from '../gateway/admin.ts';
import type { Settings } from '../settings/schema.ts';
import { StateEngine } from '../state/memory-store.ts';
import { StateServer } from '../state/state-server.ts';
import { ClusterMetrics } from '../telemetry/metrics/cluster-metrics.ts';
import type { MetricFamily } from '../telemetry/metrics/families.ts';
import { healthFamilies } from '../telemetry/metrics/health-metrics.ts';
import { statsdOptions } from '../telemetry/metrics/statsd.ts';
import type { Logger } from '../telemetry/logger.ts';
import { checkDefaultCertificate } from '../tls/server-certificates.ts';
import { baseBackendTls } from '../tls/backend-tls.ts';
import { isWorkerMessage, type PrimaryMessage } from './messages.ts';

export interface GatewayOptions {
  settings: Settings;
  logger: Logger;
  config: LoadedConfig;
  /** Re-reads the local configuration source; used on SIGHUP. */
  reload?: () => LoadedConfig;
  /** Federation (src/config/sync): pushes newer configurations, and can hold readiness back. */
  feed?: ConfigFeed;
}

/** A source that delivers configurations while the gateway runs: the management-plane sync. */
export interface ConfigFeed {
  /** From now on, hands each new validated configuration to `apply`. */
  start(apply: (config: LoadedConfig) => void): void;
  /** SIGHUP: look for a new configuration now. */
  pollNow(): void;
  stop(): Promise<void>;
  /** `problem`: why the gateway is not ready although it serves (a refused or expired token); `warning`: ready, but act soon (token expiring). */
  readiness(): { problem?: string; warning?: string };
  /** Redacted status for /config and /readyz; `source` is where the served configuration came from. */
  status(): { source: string } & Record<string, unknown>;
}

/** Restarts of a crashed worker are spaced out so a crash loop cannot spin the CPU. */
const RESPAWN_DELAY_MS = 1000;

/** A worker that has not sent its metrics by then is represented by its last report, so a stuck worker cannot stall a scrape. */
const METRICS_TIMEOUT_MS = 1000;

/**
 * The primary process: owns settings, configuration, signals and the admin
 * listener; forks `runtime.workers` workers that share the data port
 * (SCHED_NONE: the kernel spreads connections, the primary never touches
 * traffic). Resolves with the exit code once the gateway has stopped.
 */
export async function runGateway(options: GatewayOptions): Promise<number> {
  const { settings, logger, feed } = options;
  let config = options.config;
  let appliedAt = new Date();
  let stopping = false;
  const listening = new Set<number>();
  // Backups are written by the management-plane sync only.
  const backups = feed ? BackupStore.open(backupDirFromSettings(settings), settings['config.backup.keep']) : undefined;
  const workerCount = settings['runtime.workers'];
  // Settings only the workers read are checked here, so a mistake is one error at start, not a crash loop of workers.
  statsdOptions(settings);

  checkDefaultCertificate(settings);
  baseBackendTls(settings);
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  // Rate-limit, quota, concurrency and cache state of every worker lives here.
  const state = new StateServer(new StateEngine());
  const metrics = new ClusterMetrics({ timeoutMs: METRICS_TIMEOUT_MS });
  let restarts = 0;
  const fork = (): Worker => {
    const worker = cluster.fork();
    state.attach(worker, String(worker.id));
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      if (message.type === 'listening') listening.add(worker.id);
      if (message.type === 'metrics-reply') metrics.receive(worker.id, message);
    });
    worker.once('exit', () => metrics.retire(worker.id));
    worker.once('online', () => worker.send({ type: 'start', settings, config } satisfies PrimaryMessage));
    return worker;
  };
  const broadcast = (message: PrimaryMessage) => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.send(message);
  };
  const apply = (next: LoadedConfig) => {
    config = next;
    appliedAt = new Date();
    broadcast({ type: 'apply', config });
  };

  const liveWorkers = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  const ownFamilies = (unansweredWorkers: number) => healthFamilies({
    config: { revision: config.snapshot.revision, hash: config.hash, source: feed?.status().source ?? 'local', appliedAt },
    sync: feed?.status(),
    newestBackupAt: backups ? newestBackupAt(backups) : undefined,
    workers: { configured: workerCount, serving: listening.size, restarts },
    unansweredWorkers,
  }, new Date());
  const otlpMetrics = settings['observability.opentelemetry.enabled']
    ? await startOtlpMetrics(settings, logger, () => metrics.families(liveWorkers(), ownFamilies))
    : undefined;

  const admin = createAdminServer({
    readiness: () => {
      if (stopping) return { ready: false, detail: 'shutting down' };
      if (listening.size < workerCount) return { ready: false, detail: `${listening.size}/${workerCount} workers serving` };
      const serving = `${workerCount} workers serving revision ${config.snapshot.revision ?? config.hash.slice(0, 12)} from ${feed?.status().source ?? 'local'}`;
      const { problem, warning } = feed?.readiness() ?? {};
      if (problem) return { ready: false, detail: `${problem} (${serving})`, sync: feed?.status() };
      return { ready: true, detail: warning ? `${serving}; ${warning}` : serving, sync: feed?.status() };
    },
    configSummary: () => ({
      gateway: settings['gateway.name'], source: feed?.status().source ?? 'local', location: config.source, hash: config.hash,
      appliedAt: appliedAt.toISOString(), ageSeconds: Math.round((Date.now() - appliedAt.getTime()) / 1000), sync: feed?.status(), ...summarise(config.snapshot),
    }),
    metrics: async () => metrics.render(liveWorkers(), ownFamilies),
  });

  // Start-up: every worker must bind before the gateway counts as started.
  const started = new Promise<{ address: string; port: number; httpsPort?: number }>((resolve, reject) => {
    for (let i = 0; i < workerCount; i++) {
      const worker = fork();
      worker.on('message', (message: unknown) => {
        if (!isWorkerMessage(message)) return;
        if (message.type === 'listen-failed') {
          const prefix = `net.server.${message.listener}` as const;
          reject(new ApimgwError('APIMGW_E_LISTEN', `cannot listen on ${settings[`${prefix}.host`]}:${settings[`${prefix}.port`]}: ${message.code}`, {
            hint: message.code === 'EADDRINUSE' ? undefined : `Check ${prefix}.host is an address of this machine and the port is allowed.`,
          }));
        }
        if (message.type === 'listening' && listening.size === workerCount) resolve({ address: message.address, port: message.port, httpsPort: message.httpsPort });
      });
      worker.once('exit', (code) => {
        if (listening.size < workerCount) reject(new ApimgwError('APIMGW_E_WORKER_EXIT', `worker ${worker.id} exited with code ${code} during start-up`));
      });
    }
  });

  const stopWorkers = async () => {
    const workers = liveWorkers();
    const exited = workers.map((w) => once(w, 'exit'));
    broadcast({ type: 'drain' });
    await Promise.all(exited);
  };

  try {
    const { address, port, httpsPort } = await started;
    await listen(admin, settings['admin.port'], settings['admin.host']);
    const adminAddress = admin.address();
    logger.info({
      gateway: settings['gateway.name'], address, port, httpsPort, workers: workerCount, adminPort: typeof adminAddress === 'object' && adminAddress ? adminAddress.port : undefined,
      source: feed?.status().source ?? 'local', location: config.source, revision: config.snapshot.revision, apis: config.snapshot.apis.length,
    }, `apimgw listening on http://${address}:${port}${httpsPort === undefined ? '' : ` and https://${settings['net.server.https.host']}:${httpsPort}`}`);
    feed?.start(apply);
  } catch (error) {
    stopping = true;
    await feed?.stop();
    await otlpMetrics?.close();
    await stopWorkers();
    admin.close();
    state.close();
    throw error;
  }

  cluster.on('exit', (worker, code, signal) => {
    listening.delete(worker.id);
    if (stopping) return;
    restarts++;
    logger.error({ worker: worker.id, code, signal }, 'worker stopped unexpectedly; starting a new one');
    setTimeout(() => !stopping && fork(), RESPAWN_DELAY_MS).unref();
  });

  process.on('SIGHUP', () => {
    if (feed) {
      logger.info('SIGHUP: polling the management plane now');
      feed.pollNow();
      return;
    }
    if (!options.reload) return;
    try {
      const next = options.reload();
      if (next.hash === config.hash) {
        logger.info({ source: next.source }, 'configuration unchanged; nothing to apply');
        return;
      }
      for (const warning of next.warnings) logger.warn({ source: next.source }, warning);
      apply(next);
      logger.info({ source: config.source, revision: config.snapshot.revision, hash: config.hash }, 'configuration reloaded');
    } catch (error) {
      const details = error instanceof ApimgwError ? error.details : [];
      logger.error({ err: error instanceof ApimgwError ? undefined : error, details }, `configuration reload rejected, still serving the previous one: ${(error as Error).message}`);
    }
  });

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  stopping = true;
  await feed?.stop();
  logger.info({ signal, timeoutSeconds: settings['net.server.shutdown.timeout'] }, 'shutting down: draining in-flight requests');
  // The last export, while the workers can still report what they counted.
  await otlpMetrics?.close();
  await stopWorkers();
  admin.close();
  state.close();
  logger.info('stopped');
  return 0;
}

function newestBackupAt(store: BackupStore): Date | undefined {
  try {
    const savedAt = store.list().entries[0]?.savedAt;
    return savedAt === undefined ? undefined : new Date(savedAt);
  } catch {
    return undefined;
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new ApimgwError('APIMGW_E_LISTEN', `cannot listen on admin ${host}:${port}: ${error.code ?? error.message}`)));
    server.listen(port, host, () => resolve());
  });
}

/** Loaded only when OpenTelemetry is enabled. */
async function startOtlpMetrics(settings: Settings, logger: Logger, collect: () => Promise<MetricFamily[]>): Promise<{ close(): Promise<void> }> {
  const [{ OtlpMetricsExporter }, { otlpResource }] = await Promise.all([import('../telemetry/metrics/otlp-metrics.ts'), import('../telemetry/otlp.ts')]);
  return new OtlpMetricsExporter({
    collectorUri: settings['observability.opentelemetry.collector.uri']!,
    resource: otlpResource(settings),
    intervalMs: settings['observability.opentelemetry.metrics.interval'] * 1000,
    collect,
    logger,
  });
}
