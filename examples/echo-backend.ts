import http from 'node:http';

/**
 * A tiny backend for the example configuration and the tests: answers every
 * request with a JSON description of what it received, so a caller can see
 * exactly what the gateway forwarded.
 */
export function createEchoServer(): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answer = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }, null, 2);
      res.writeHead(200, { 'content-type': 'application/json', 'x-echo-backend': 'apimgw-example' });
      res.end(`${answer}\n`);
    });
  });
}

if (import.meta.main) {
  const port = Number(process.env.ECHO_PORT ?? 3001);
  createEchoServer().listen(port, '127.0.0.1', () => process.stderr.write(`echo backend listening on http://127.0.0.1:${port}\n`));
}
