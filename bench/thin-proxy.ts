import cluster from 'node:cluster';
import http from 'node:http';
import { Pool } from 'undici';

/**
 * The thinnest Node reverse proxy worth comparing against: node:http plus an
 * undici Pool streaming the answer, N workers. No routing, no checks — the
 * ceiling for a Node gateway on this machine.
 * Usage: node bench/thin-proxy.ts <port> <backend-url> <workers>
 */
const [port = '0', backend = 'http://127.0.0.1:8000', workers = '2'] = process.argv.slice(2);

if (cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  for (let i = 0; i < Number(workers); i++) cluster.fork();
  process.on('SIGTERM', () => process.exit(0));
} else {
  const pool = new Pool(backend, { connections: 128 });
  http.createServer((req, res) => {
    pool.stream({ path: req.url ?? '/', method: req.method ?? 'GET', headers: req.headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req }, ({ statusCode, headers }) => {
      res.writeHead(statusCode, headers as http.OutgoingHttpHeaders);
      return res;
    }).catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  }).listen(Number(port), '127.0.0.1');
}
