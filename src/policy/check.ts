import pino from 'pino';
import type { LoadedConfig } from '../config/loaded.ts';
import { Forwarder } from '../gateway/forward.ts';
import type { Settings } from '../settings/schema.ts';
import { MemoryStore } from '../state/memory-store.ts';
import { compilePolicies } from './compile.ts';

/** Validation never reads a body: any bound will do, this one matches the data plane's. */
const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * Compiles a loaded config's policies the way the data plane will, with
 * services that open nothing (the forwarder's pools are created on first
 * use, which never comes), so `apimgw config validate` reports every policy
 * error. Throws APIMGW_E_CONFIG_INVALID with each one located.
 */
export function checkPolicies(config: LoadedConfig, settings: Pick<Settings, 'net.client.timeout' | 'net.client.connections'>): void {
  const { snapshot } = config;
  const store = new MemoryStore();
  try {
    compilePolicies(snapshot, {
      snapshot,
      backends: new Map(snapshot.backends.map((backend) => [backend.id, backend])),
      forwarder: new Forwarder({ connections: settings['net.client.connections'], timeoutSeconds: settings['net.client.timeout'] }),
      logger: pino({ enabled: false }),
      store,
      backendTimeoutSeconds: settings['net.client.timeout'],
      bodyLimitBytes: BODY_LIMIT_BYTES,
    }, undefined, config.policySources);
  } finally {
    store.engine.close();
  }
}
