import type { Snapshot } from '../config/model.ts';
import type { Forwarder } from '../gateway/forward.ts';
import type { StateStore } from '../state/store.ts';
import type { Logger } from '../telemetry/logger.ts';

/**
 * What policies reach beyond the request at compile time: the snapshot's
 * entities, the backend connection pools, the logger. Handed to each
 * policy's compile function, so steps capture what they need once.
 */
export interface PolicyServices {
  readonly snapshot: Snapshot;
  /** Backend entities by id (set-backend-service backend-id). */
  readonly backends: ReadonlyMap<string, Snapshot['backends'][number]>;
  readonly forwarder: Forwarder;
  readonly logger: Logger;
  /** Default backend timeout (net.client.timeout), seconds. */
  readonly backendTimeoutSeconds: number;
  /** Rate-limit, quota, concurrency and cache state, exact across the host's workers. */
  readonly store: StateStore;
  /** The most a policy may read of a body into memory, bytes. */
  readonly bodyLimitBytes: number;
}
