import cluster from 'node:cluster';
import { DataPlane } from '../gateway/data-plane.ts';
import { useStateLogger } from '../state/worker-state.ts';
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
        useStateLogger(logger);
        plane = new DataPlane(settings, logger);
        plane.apply(config);
        metrics.start(settings, logger);
        plane.server.once('error', (error: NodeJS.ErrnoException) => {
          send({ type: 'listen-failed', code: error.code ?? 'UNKNOWN', message: error.message });
          process.exit(1);
        });
        // Request logs and traces subscribe before the first request can arrive.
        void startWorkerTelemetry(settings, logger).then((started) => {
          telemetry = started;
          plane!.server.listen(settings['net.server.http.port'], settings['net.server.http.host'], () => {
            const address = plane!.server.address();
            if (address && typeof address === 'object') send({ type: 'listening', address: address.address, port: address.port });
          });
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
