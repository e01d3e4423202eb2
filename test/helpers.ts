import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { createEchoServer } from '../examples/echo-backend.ts';
import { parseConfigText } from '../src/config/load-file.ts';
import type { LoadedConfig } from '../src/config/loaded.ts';
import { DEFAULT_ALLOWED_SUITES } from '../src/tls/cipher-suites.ts';

export const REPO_ROOT = new URL('..', import.meta.url).pathname;

export async function listen(server: http.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** The example echo backend on a free port. */
export async function startEcho(): Promise<{ server: http.Server; port: number; url: string }> {
  const server = createEchoServer();
  const port = await listen(server);
  return { server, port, url: `http://127.0.0.1:${port}` };
}

const DEFAULT_SUITES: readonly string[] = DEFAULT_ALLOWED_SUITES.split(',');

/** Data-plane settings for tests: short timeouts, small pools; override per test with a spread. */
export const DATA_PLANE_SETTINGS = {
  'net.server.http.forwarded.proto.enabled': false,
  'net.server.http.maxHeaderSize': 16384,
  'net.server.http.requestTimeout': 30,
  'net.server.http.keepAliveTimeout': 5,
  'net.client.timeout': 5,
  'net.client.connections': 16,
  'gateway.subscriptionKey.forward': false,
  'gateway.backendFailure.statusCodes': 'apim',
  'gateway.name': 'test-gateway',
  'net.server.tls.ciphers.allowed-suites': DEFAULT_SUITES,
  'net.client.tls.ciphers.allowed-suites': DEFAULT_SUITES,
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls10': false,
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls11': false,
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls12': true,
  'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls13': true,
} as const;

export function configFromYaml(yaml: string): LoadedConfig {
  return parseConfigText(yaml, 'test.yaml');
}

export interface EchoAnswer {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}
