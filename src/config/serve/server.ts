import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { ApimgwError } from '../../errors.ts';
import type { Logger } from '../../telemetry/logger.ts';
import type { KeyType } from '../../token/format.ts';
import { getConfiguration, getInstances, issueToken, postHeartbeat, regenerateKey, type GatewayRequest, type HandlerContext } from './handlers.ts';
import { RequestBodyError, sendError } from './http.ts';
import { InstanceRegistry } from './instances.ts';
import { KeyStore } from './keys.ts';
import { declaredGateways, ServedConfigs, type ServeSettings } from './served-config.ts';
import { watchDebounced } from './watch.ts';

export const DEFAULT_SERVE_PORT = 8090;
export const DEFAULT_SERVE_HOST = '127.0.0.1';

export interface ManagementServerOptions {
  /** A snapshot file (YAML/JSON) or an APIOps extractor folder. */
  configPath: string;
  /** The 0600 keys file; created when missing. */
  keysFile: string;
  /** Serve only these gateways (their keys are created when missing); empty = every gateway with keys, plus those the config declares. */
  gateways?: readonly string[];
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  settings: ServeSettings;
  logger: Logger;
  /** Quiet time after a file change before re-reading (default 200 ms). */
  debounceMs?: number;
  /** The clock tokens are checked against. */
  now?: () => Date;
}

export interface ManagementServer {
  url: string;
  port: number;
  keys: KeyStore;
  /** Re-reads the keys file and the configuration (SIGHUP does this). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

const ROUTE = /^\/gateways\/([^/]+)\/(configuration|heartbeat|instances|token|keys\/(primary|secondary)\/regenerate)$/;

function methodFor(endpoint: string): string {
  return endpoint === 'configuration' || endpoint === 'instances' ? 'GET' : 'POST';
}

async function route(context: HandlerContext, isServed: (gateway: string) => boolean, request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const pathname = (request.url ?? '/').split('?', 1)[0]!;
  const match = ROUTE.exec(pathname);
  if (!match) {
    sendError(response, 404, 'NotFound', `no such endpoint: ${request.method} ${pathname} (see README "Reference management plane")`);
    return;
  }
  const [, encodedGateway, endpoint, keyKind] = match as unknown as [string, string, string, KeyType | undefined];
  const method = methodFor(endpoint);
  if (request.method !== method && !(method === 'GET' && request.method === 'HEAD')) {
    sendError(response, 405, 'MethodNotAllowed', `${pathname} answers ${method} only`, { allow: method });
    return;
  }
  let gateway: string;
  try {
    gateway = decodeURIComponent(encodedGateway);
  } catch {
    sendError(response, 400, 'InvalidRequest', 'the gateway name is not valid percent-encoding');
    return;
  }
  if (!isServed(gateway)) {
    sendError(response, 404, 'GatewayNotFound', `gateway "${gateway}" is not served here: it has no keys (apimgw config serve --print-token ${gateway} creates them)`);
    return;
  }
  const call: GatewayRequest = { gateway, request, response };
  if (endpoint === 'configuration') getConfiguration(context, call);
  else if (endpoint === 'instances') getInstances(context, call);
  else if (endpoint === 'heartbeat') await postHeartbeat(context, call);
  else if (endpoint === 'token') await issueToken(context, call);
  else await regenerateKey(context, call, keyKind!);
}

/**
 * The reference management plane (DESIGN §5): serves each gateway its
 * configuration with ETag/304, records heartbeats, lists instances, issues
 * tokens and regenerates keys, and re-reads the config and keys files when
 * they change. Throws when the configuration cannot be served at start.
 */
export async function startManagementServer(options: ManagementServerOptions): Promise<ManagementServer> {
  const { logger } = options;
  const restrict = options.gateways?.length ? new Set(options.gateways) : undefined;
  const keys = await KeyStore.open(options.keysFile);
  const configs = new ServedConfigs(options.configPath, options.settings, logger);
  const declared = declaredGateways(options.configPath, configs.build(undefined).gatewayName);
  const served = (): string[] => (restrict ? [...restrict] : [...new Set([...keys.gateways(), ...declared])]);
  await keys.ensure(served());
  // At start every gateway must get a valid config: a located error now beats a 503 later.
  for (const gateway of served()) configs.build(gateway);
  configs.reload(served());

  const isServed = (gateway: string) => keys.get(gateway) !== undefined && (!restrict || restrict.has(gateway));
  const context: HandlerContext = { keys, configs, instances: new InstanceRegistry(), logger, now: options.now ?? (() => new Date()) };
  const server = http.createServer((request, response) => {
    route(context, isServed, request, response).catch((error: unknown) => {
      if (error instanceof RequestBodyError) {
        sendError(response, error.status, error.code, error.message);
        return;
      }
      logger.error({ err: error instanceof Error ? error.message : String(error), path: request.url }, 'management plane request failed');
      if (!response.headersSent) sendError(response, 500, 'InternalError', 'the management plane failed; its log says why');
      else response.destroy();
    });
  });

  const reloadKeys = async () => {
    try {
      await keys.reload();
    } catch (error) {
      logger.error({ file: keys.file, err: error instanceof ApimgwError ? error.message : String(error) }, 'keys file change rejected: still using the previous keys');
      return;
    }
    logger.info({ file: keys.file, gateways: keys.gateways() }, 'keys file re-read');
    const names = served().filter(isServed);
    configs.retain(new Set(names));
    configs.reload(names.filter((gateway) => !configs.get(gateway)));
  };
  const reloadConfig = () => configs.reload(served().filter(isServed));
  const debounceMs = options.debounceMs ?? 200;
  const unwatch = [
    watchDebounced(options.configPath, debounceMs, reloadConfig, logger),
    watchDebounced(options.keysFile, debounceMs, () => void reloadKeys(), logger),
  ];

  server.listen(options.port ?? DEFAULT_SERVE_PORT, options.host ?? DEFAULT_SERVE_HOST);
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
  } catch (error) {
    for (const stop of unwatch) stop();
    throw new ApimgwError('APIMGW_E_LISTEN', `cannot listen on ${options.host ?? DEFAULT_SERVE_HOST}:${options.port ?? DEFAULT_SERVE_PORT} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { hint: 'Another process holds the port: stop it or choose another with --port.' });
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    keys,
    async reload() {
      await reloadKeys();
      reloadConfig();
    },
    async close() {
      for (const stop of unwatch) stop();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
