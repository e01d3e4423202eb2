import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { createEchoServer } from '../examples/echo-backend.ts';
import { parseConfigText } from '../src/config/load-file.ts';
import type { LoadedConfig } from '../src/config/loaded.ts';

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

export function configFromYaml(yaml: string): LoadedConfig {
  return parseConfigText(yaml, 'test.yaml');
}

export interface EchoAnswer {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}
