import cluster from 'node:cluster';
import type { AddressInfo, Server } from 'node:net';
import { DataPlane } from '../gateway/data-plane.ts';
import type { LoadedConfig } from '../config/loaded.ts';
import type { Settings } from '../settings/schema.ts';
import { ServerCertificates } from '../tls/server-certificates.ts';
import { configureWorkerState } from '../state/worker-state.ts';
import { createLogger, type Logger } from '../telemetry/logger.ts';
import { WorkerMetrics } from '../telemetry/metrics/worker-metrics.ts';
import { startWorkerTelemetry, type WorkerTelemetry } from '../telemetry/worker-telemetry.ts';
import type { PrimaryMessage, WorkerMessage } from './messages.ts';

/**
 * A worker process: serves the data plane on the shared listening socket
 * and takes configuration and drain orders from the primary. It also drains
 * on its own SIGTERM/SIGINT (systemd and Ctrl-C signal the whole group) and
 * when the primary goes away.
 */
export function runWorker(): void {
  let plane: DataPlane | undefined;
  let logger: Logger | undefined;
  let telemetry: WorkerTelemetry | undefined;
  let shutdownTimeout = 30;
  let draining = false;

  const send = (message: WorkerMessage) => process.send?.(message);
  const metrics = new WorkerMetrics(() => plane?.upstreamPoolStats() ?? []);

  const drain = async () => {
    if (draining) return;
    draining = true;
    if (plane) await plane.drain(shutdownTimeout);
    metrics.stop();
    await telemetry?.close();
    logger?.flush();
    process.exit(0);
  };

  process.on('message', (message: PrimaryMessage) => {
    switch (message.type) {
      case 'start': {
        const { settings, config } = message;
        shutdownTimeout = settings['net.server.shutdown.timeout'];
        logger = createLogger(settings, { pid: process.pid, worker: cluster.worker?.id });
        configureWorkerState(settings, logger);
        plane = new DataPlane(settings, logger);
        plane.apply(config);
        metrics.start(settings, logger);
        for (const [listener, server] of [['http', plane.server], ['https', plane.https.server]] as const) {
          server.once('error', (error: NodeJS.ErrnoException) => {
            send({ type: 'listen-failed', listener, code: error.code ?? 'UNKNOWN', message: error.message });
            process.exit(1);
          });
        }
        // Request logs and traces subscribe before the first request can arrive.
        void startWorkerTelemetry(settings, logger).then((started) => {
          telemetry = started;
          void listenAll(plane!, settings, config).then((ports) => send({ type: 'listening', ...ports }));
        });
        break;
      }
      case 'apply':
        // The primary validated this config; should compiling it still fail here, the worker keeps serving the old one.
        try {
          plane?.apply(message.config);
          send({ type: 'applied', hash: message.config.hash });
        } catch (error) {
          logger?.error({ err: error }, 'configuration could not be applied; still serving the previous one');
        }
        break;
      case 'drain':
        void drain();
        break;
      case 'metrics-request':
        send({ type: 'metrics-reply', id: message.id, families: metrics.families() });
        break;
    }
  });
  // A terminal hang-up signals the whole group; reloading is the primary's job.
  process.on('SIGHUP', () => {});
  process.on('SIGTERM', () => void drain());
  process.on('SIGINT', () => void drain());
  process.on('disconnect', () => void drain());
}

/** Binds the HTTP port, and the HTTPS port when there is a certificate to serve on it. */
async function listenAll(plane: DataPlane, settings: Settings, config: LoadedConfig): Promise<{ address: string; port: number; httpsPort?: number }> {
  const bind = (server: Server, port: number, host: string) => new Promise<AddressInfo>((resolve) => {
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
  const http = await bind(plane.server, settings['net.server.http.port'], settings['net.server.http.host']);
  if (!ServerCertificates.configured(settings, config.snapshot)) return { address: http.address, port: http.port };
  const https = await bind(plane.https.server, settings['net.server.https.port'], settings['net.server.https.host']);
  return { address: http.address, port: http.port, httpsPort: https.port };
}
