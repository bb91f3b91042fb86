/**
 * For the edge's tests: a trivial balancer (round robin over healthy endpoints, avoiding what
 * earlier tries used while anything else can serve), backends that say who they are, and
 * EdgeConfig builders.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Avoid, Balancer, Pick } from '../../src/traffic/locality/balancer-api.js';
import { endpointId, type Backend, type EdgeConfig, type Endpoint, type Route } from '../../src/traffic/model.js';

export class RoundRobinBalancer implements Balancer {
  private next = 0;
  readonly inFlight = new Map<string, number>();
  /** Locations of the clients of the picks so far. */
  readonly clients: unknown[] = [];

  /** `ordered`: always the first eligible endpoint in the backend's order (deterministic tries). */
  constructor(private readonly opts: { ordered?: boolean } = {}) {}

  pick(backend: Backend, client: unknown, healthy: (ep: Endpoint) => boolean, avoid?: Avoid): Pick | undefined {
    this.clients.push(client);
    const eps = backend.endpoints;
    if (eps.length === 0) return undefined;
    const ok = eps.filter(healthy);
    // Healthy endpoints of clusters not tried yet, then healthy endpoints not tried, then any healthy, then anything.
    const tiers = [
      ok.filter((e) => !avoid?.clusters.has(e.cluster) && !avoid?.endpoints.has(e.id)),
      ok.filter((e) => !avoid?.endpoints.has(e.id)),
      ok,
      eps,
    ];
    const list = tiers.find((t) => t.length > 0)!;
    const ep = this.opts.ordered ? list[0]! : list[this.next++ % list.length]!;
    return { endpoint: ep, tier: ok.length === 0 ? 'panic' : 'zone', locality: ep.zone ?? ep.cluster };
  }

  started(ep: Endpoint): void {
    this.inFlight.set(ep.id, (this.inFlight.get(ep.id) ?? 0) + 1);
  }

  finished(ep: Endpoint): void {
    this.inFlight.set(ep.id, (this.inFlight.get(ep.id) ?? 0) - 1);
  }
}

export interface TestBackend {
  cluster: string;
  port: number;
  server: Server;
  /** Requests received (all paths). */
  requests: number;
  endpoint(ready?: boolean): Endpoint;
  close(): Promise<void>;
}

/** A backend answering `{cluster, path, headers...}` as JSON, unless `handler` answers. */
export async function startBackend(cluster: string, handler?: (req: IncomingMessage, res: ServerResponse, b: TestBackend) => boolean | void): Promise<TestBackend> {
  const sockets = new Set<Socket>();
  const server = createServer({ keepAliveTimeout: 30_000 });
  const b: TestBackend = {
    cluster,
    port: 0,
    server,
    requests: 0,
    endpoint: (ready = true) => ({ id: endpointId(cluster, '127.0.0.1', b.port), cluster, zone: `${cluster}-zone`, region: `${cluster}-region`, address: '127.0.0.1', port: b.port, ready }),
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('request', (req, res) => {
    b.requests++;
    if (handler?.(req, res, b)) return;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ cluster, method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  b.port = (server.address() as AddressInfo).port;
  return b;
}

export function backendOf(name: string, endpoints: Endpoint[], extra: Partial<Backend> = {}): Backend {
  return { key: `default/${name}:80`, namespace: 'default', service: name, port: 80, endpoints, ...extra };
}

export function routeTo(backend: Backend, hosts: string[] = [], path: Route['path'] = { type: 'Prefix', value: '/' }, extra: Partial<Route> = {}): Route {
  return { hosts, path, backends: [{ backend, weight: 1 }], source: `Ingress default/${backend.service}`, ...extra };
}

export function configOf(routes: Route[], extra: Partial<EdgeConfig> = {}): EdgeConfig {
  return { routes, certificates: [], locations: [], regions: {}, trustedProxies: [], ...extra };
}

/** A port nothing listens on. */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
