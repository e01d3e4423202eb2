import cluster from 'node:cluster';
import type { Logger } from '../telemetry/logger.ts';
import { IpcStateStore, type StateChannel } from './ipc-store.ts';
import { MemoryStore } from './memory-store.ts';
import type { StateStore } from './store.ts';

let store: StateStore | undefined;
let logger: Pick<Logger, 'warn'> | undefined;

/**
 * The StateStore of this process, for the data plane's policies. In a
 * cluster worker it asks the primary (exact across all workers of the host);
 * in a process of its own (tests, tools) it is a MemoryStore.
 */
export function workerStateStore(): StateStore {
  store ??= cluster.isWorker && process.send
    ? new IpcStateStore(processChannel(), { warn: (fields, message) => logger?.warn(fields, message) })
    : new MemoryStore();
  return store;
}

/** Where the worker's store reports that it is failing open; set once the worker has its logger. */
export function useStateLogger(workerLogger: Pick<Logger, 'warn'>): void {
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
