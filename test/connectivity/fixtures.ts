import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * Certificates made with openssl for each test run (a CA, a server
 * certificate it signs for *.example.test), and small real servers on
 * 127.0.0.1: TLS, plain, and an HTTP CONNECT proxy.
 */
export interface TestPki {
  dir: string;
  caFile: string;
  cert: string;
  key: string;
}

export function makePki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-connectivity-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=apimgw test CA');
  run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=mp.example.test');
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:mp.example.test,DNS:*.example.test\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '90', '-extfile', 'san.ext');
  return {
    dir,
    caFile: path.join(dir, 'ca.pem'),
    cert: fs.readFileSync(path.join(dir, 'server.pem'), 'utf8'),
    key: fs.readFileSync(path.join(dir, 'server.key'), 'utf8'),
  };
}

/** Another certificate from the same CA, for `name`, valid `days`. */
export function makeLeaf(pki: TestPki, name: string, days: number): { cert: string; key: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: pki.dir, stdio: ['ignore', 'ignore', 'pipe'] });
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  fs.writeFileSync(path.join(pki.dir, `${name}.ext`), `subjectAltName=DNS:${name}\n`);
  run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', String(days), '-extfile', `${name}.ext`);
  return { cert: fs.readFileSync(path.join(pki.dir, `${name}.pem`), 'utf8'), key: fs.readFileSync(path.join(pki.dir, `${name}.key`), 'utf8') };
}

export async function listenOn(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** An HTTPS server answering every request with `handler`. */
export async function startHttps(pki: Pick<TestPki, 'cert' | 'key'>, handler: http.RequestListener): Promise<{ server: https.Server; port: number }> {
  const server = https.createServer({ cert: pki.cert, key: pki.key }, handler);
  return { server, port: await listenOn(server) };
}

/** A port that refuses connections: bound, then closed. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listenOn(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A minimal HTTP CONNECT proxy; it records each CONNECT authority and Proxy-Authorization it saw. */
export async function startConnectProxy(): Promise<{ server: http.Server; port: number; seen: Array<{ authority: string; authorization: string | undefined }> }> {
  const seen: Array<{ authority: string; authorization: string | undefined }> = [];
  const server = http.createServer((_request, response) => response.writeHead(405).end());
  server.on('connect', (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const authority = request.url ?? '';
    seen.push({ authority, authorization: request.headers['proxy-authorization'] });
    const at = authority.lastIndexOf(':');
    // Names are the test's fake ones: the proxy resolves *.example.test to loopback as a corporate proxy's DNS would.
    const upstream = net.connect(Number(authority.slice(at + 1)), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  });
  return { server, port: await listenOn(server), seen };
}
