import http from 'node:http';
import { PROMETHEUS_CONTENT_TYPE } from '../telemetry/metrics/cluster-metrics.ts';

/**
 * The admin listener (loopback by default): liveness, readiness, a
 * redacted summary of the configuration being served and the Prometheus
 * metrics. Probes and operators
 * use it; API traffic never reaches it.
 */

export interface AdminState {
  /** Ready: a configuration is served by every worker and no shutdown is under way. */
  readiness(): { ready: boolean; detail: string; sync?: unknown };
  /** Safe to show: no keys, no secret named values. */
  configSummary(): unknown;
  /** The Prometheus text exposition of every worker's metrics and the primary's own. */
  metrics(): Promise<string>;
}

export function createAdminServer(state: AdminState): http.Server {
  return http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const json = (statusCode: number, body: unknown) => {
      const text = `${JSON.stringify(body)}\n`;
      res.writeHead(statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { status: 'method not allowed' });
    switch (path) {
      case '/livez':
        return json(200, { status: 'ok' });
      case '/readyz': {
        const { ready, detail, sync } = state.readiness();
        return json(ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', detail, sync });
      }
      case '/config':
        return json(200, state.configSummary());
      case '/metrics':
        state.metrics().then((text) => {
          res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : text);
        }, (error: unknown) => json(500, { status: 'metrics unavailable', detail: (error as Error).message }));
        return;
      default:
        return json(404, { status: 'not found', endpoints: ['/livez', '/readyz', '/config', '/metrics'] });
    }
  });
}
