import cluster from 'node:cluster';
import fastifyHttpProxy from '@fastify/http-proxy';
import Fastify from 'fastify';

/**
 * The Node peer most teams would reach for: fastify + @fastify/http-proxy,
 * N workers. Usage: node bench/fastify-proxy.ts <port> <backend-url> <workers>
 */
const [port = '0', backend = 'http://127.0.0.1:8000', workers = '2'] = process.argv.slice(2);

if (cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  for (let i = 0; i < Number(workers); i++) cluster.fork();
  process.on('SIGTERM', () => process.exit(0));
} else {
  const app = Fastify({ logger: false });
  await app.register(fastifyHttpProxy, { upstream: backend, prefix: '/bench' });
  await app.listen({ port: Number(port), host: '127.0.0.1' });
}
