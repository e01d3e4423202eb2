import cluster from 'node:cluster';
import type { Settings } from '../settings/schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { IpcStateStore, type StateChannel } from './ipc-store.ts';
import { MemoryStore } from './memory-store.ts';
import { parseRedisConnectionString } from './redis-connection.ts';
import { RedisStore } from './redis-store.ts';
import type { StateStore } from './store.ts';

let store: StateStore | undefined;
let logger: Pick<Logger, 'warn'> | undefined;
let redisConnectionString: string | undefined;

/**
 * The StateStore of this process, for the data plane's policies. With
 * `cache.redis.connectionString` every process talks to Redis itself
 * (exact across hosts). Otherwise, in a cluster worker it asks the primary
 * (exact across all workers of the host); in a process of its own (tests,
 * tools) it is a MemoryStore.
 */
export function workerStateStore(): StateStore {
  const warn = (fields: { failedOpen: number; reason: string }, message: string) => logger?.warn(fields, message);
  store ??= redisConnectionString ? new RedisStore(parseRedisConnectionString(redisConnectionString), { warn })
    : cluster.isWorker && process.send ? new IpcStateStore(processChannel(), { warn })
      : new MemoryStore();
  return store;
}

/** Set once the worker has its settings and logger: which store to use, and where it reports failing open. */
export function configureWorkerState(settings: Pick<Settings, 'cache.redis.connectionString'>, workerLogger: Pick<Logger, 'warn'>): void {
  redisConnectionString = settings['cache.redis.connectionString'];
  logger = workerLogger;
}

/** This process's IPC channel to its parent (a cluster primary, or a test that forked it). */
export function processChannel(): StateChannel {
  return {
    send: (message, callback) => process.send?.(message, undefined, undefined, callback),
    on: (event, listener) => process.on(event, listener),
    get connected() {
      return process.connected;
    },
  };
}
