/**
 * The edge's admin endpoint: /metrics (Prometheus), /healthz (the process serves), /readyz (it
 * has a configuration and its listeners are up), /split?seconds=N (requests per cluster and tier
 * recently, JSON) and /endpoints (each endpoint's state, JSON).
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Split } from './split.js';

export interface AdminSource {
  registry: Registry;
  ready(): boolean;
  split(seconds: number): Split;
  endpoints(): unknown;
}

export function createAdminServer(src: AdminSource): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const text = (status: number, body: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'method not allowed\n');
    switch (url.pathname) {
      case '/metrics':
        src.registry.metrics().then(
          (m) => {
            res.writeHead(200, { 'content-type': src.registry.contentType });
            res.end(m);
          },
          (e: Error) => text(500, `${e.message}\n`),
        );
        return;
      case '/healthz':
        return text(200, 'ok\n');
      case '/readyz':
        return src.ready() ? text(200, 'ok\n') : text(503, 'no configuration yet\n');
      case '/split': {
        const seconds = Number(url.searchParams.get('seconds') ?? 10);
        return json(200, src.split(Number.isFinite(seconds) && seconds > 0 ? seconds : 10));
      }
      case '/endpoints':
        return json(200, src.endpoints());
      default:
        return text(404, 'not found\n');
    }
  });
}
