/**
 * The playground's ingress controller. It owns the IngressClass `playground` (controller
 * kubefed.io/playground-ingress, the cluster's default class) and serves every Ingress of that
 * class, of another class naming the same controller, or of no class at all (as the default
 * class's controller does once Kubernetes' admission would have filled the class in).
 *
 * Each Ingress gets its own address from the cluster's range 127.O.201.1-254 (kept across
 * restarts through status.loadBalancer.ingress), and an HTTP reverse proxy listening on
 * ip:80, and on ip:443 when spec.tls is set. Port 443 speaks plain HTTP: the playground does
 * not terminate TLS (certificates in the named Secrets are not used).
 *
 * Routing follows the Ingress spec as ingress-nginx does:
 * - hosts: an exact host rule wins over a `*.wildcard` rule (which matches exactly one more
 *   leading DNS label), which wins over rules without a host (any host); rules with the same
 *   host are merged; the Host header's port is ignored;
 * - paths within the chosen host: Exact matches the whole path, Prefix matches path elements
 *   ("/foo" matches "/foo", "/foo/" and "/foo/bar", not "/foobar"); ImplementationSpecific is
 *   treated as Prefix; the longest path wins, Exact before Prefix on a tie;
 * - no path matches: spec.defaultBackend, else 404 "default backend - 404";
 * - a backend Service with no ready endpoints (or missing, or without that port): 503.
 * Requests go to the Service's ready endpoints round robin (sticky per client IP with
 * sessionAffinity ClientIP) over keep-alive connections, with X-Forwarded-For (appended),
 * X-Forwarded-Proto, X-Forwarded-Host, X-Forwarded-Port and X-Real-IP set. A request without a
 * body using an idempotent method is retried once on another endpoint when the connection to
 * the first fails before a response. WebSocket and other Upgrade requests are tunnelled.
 *
 * Network faults of the cluster (faults.ts): while blackholed, requests (and upgrades) are held
 * unanswered and connections are not closed by the ingress, until the blackhole lifts; the
 * ingress's own answers (404, 503) wait the cluster's latency, proxied answers the pods'.
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { deepEqual, type KObject } from '../../../apis/object.js';
import { INGRESS_CLASSES, INGRESSES, isConflict, SERVICES } from '../client.js';
import { Controller, keyOf, splitKey } from '../controller.js';
import type { ClusterRuntime } from '../runtime.js';
import { ClientAffinity, findServicePort, pickForService, readyBackends, RoundRobin, type Backend } from './backends.js';
import { atLeastAfter, holdWhileBlackholed } from './faults.js';

export const INGRESS_CLASS_NAME = 'playground';
export const INGRESS_CONTROLLER_NAME = 'kubefed.io/playground-ingress';
export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const MANAGER = 'playground-ingress-controller';
const CLASS_KEY = '\x00ingressclass';
const MAX_ADDRESSES = 254;
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

export const NOT_FOUND_BODY = 'default backend - 404';

interface ServiceBackendRef {
  name: string;
  port: number | string;
}

interface PathRoute {
  pathType: 'Exact' | 'Prefix';
  path: string;
  /** Prefix elements (Prefix) or the exact path (Exact). */
  elements: string[];
  /** Longer is more specific. */
  length: number;
  backend: ServiceBackendRef | undefined;
}

interface Routes {
  exact: Map<string, PathRoute[]>;
  wildcard: { suffix: string; paths: PathRoute[] }[];
  any: PathRoute[] | undefined;
  defaultBackend: ServiceBackendRef | undefined;
  hasDefault: boolean;
}

interface Served {
  ip: string;
  servers: Map<number, Server>;
  /** Compiled routes of the Ingress at `resourceVersion`. */
  compiled?: { rv: string; routes: Routes };
  generation?: number;
  errors: Set<string>;
  /** Upgraded (tunnelled) connections, which the HTTP servers no longer track. */
  tunnels: Set<Socket>;
}

const statusIPs = (o: KObject | undefined): string[] => (o?.status?.loadBalancer?.ingress ?? []).map((i: KObject) => i?.ip).filter((ip: unknown): ip is string => typeof ip === 'string');

function backendRef(b: KObject | undefined): ServiceBackendRef | undefined {
  const svc = b?.service;
  if (!svc?.name) return undefined;
  const port = svc.port?.number ?? svc.port?.name;
  if (port === undefined || port === '') return undefined;
  return { name: svc.name, port };
}

const splitElements = (p: string) => p.split('/').filter((s) => s !== '');

export function compileRoutes(ing: KObject): Routes {
  const routes: Routes = { exact: new Map(), wildcard: [], any: undefined, defaultBackend: backendRef(ing.spec?.defaultBackend), hasDefault: !!ing.spec?.defaultBackend };
  for (const rule of ing.spec?.rules ?? []) {
    const host = String(rule?.host ?? '').toLowerCase();
    const paths: PathRoute[] = (rule?.http?.paths ?? []).map((p: KObject): PathRoute => {
      const path = String(p?.path ?? '') || '/';
      if (p?.pathType === 'Exact') return { pathType: 'Exact', path, elements: [path], length: path.length, backend: backendRef(p?.backend) };
      const elements = splitElements(path);
      return { pathType: 'Prefix', path, elements, length: elements.join('/').length + 1, backend: backendRef(p?.backend) };
    });
    if (!host) routes.any = [...(routes.any ?? []), ...paths];
    else if (host.startsWith('*.')) {
      const suffix = host.slice(1);
      const w = routes.wildcard.find((x) => x.suffix === suffix);
      if (w) w.paths.push(...paths);
      else routes.wildcard.push({ suffix, paths });
    } else routes.exact.set(host, [...(routes.exact.get(host) ?? []), ...paths]);
  }
  // Longer wildcard suffixes are more specific.
  routes.wildcard.sort((a, b) => b.suffix.length - a.suffix.length);
  return routes;
}

/** Kubernetes' Prefix match: every element of the prefix equals the request path's element. */
export function prefixMatches(elements: string[], path: string): boolean {
  const req = splitElements(path);
  if (elements.length > req.length) return false;
  for (let i = 0; i < elements.length; i++) if (elements[i] !== req[i]) return false;
  return true;
}

/**
 * Where a request goes: `{backend}` for a matching path or the default backend (`backend`
 * undefined when that is not a Service backend), or undefined when nothing matches (404).
 */
export function route(routes: Routes, host: string, path: string): { backend: ServiceBackendRef | undefined } | undefined {
  let paths: PathRoute[] | undefined = routes.exact.get(host);
  if (!paths) {
    for (const w of routes.wildcard) {
      if (host.endsWith(w.suffix) && host.length > w.suffix.length && !host.slice(0, host.length - w.suffix.length).includes('.')) {
        paths = w.paths;
        break;
      }
    }
  }
  paths ??= routes.any;
  let best: PathRoute | undefined;
  for (const p of paths ?? []) {
    const ok = p.pathType === 'Exact' ? path === p.path : prefixMatches(p.elements, path);
    if (!ok) continue;
    if (!best || p.length > best.length || (p.length === best.length && p.pathType === 'Exact' && best.pathType !== 'Exact')) best = p;
  }
  if (best) return { backend: best.backend };
  if (routes.hasDefault) return { backend: routes.defaultBackend };
  return undefined;
}

function hostOf(req: IncomingMessage): string {
  const h = String(req.headers.host ?? '').toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const i = h.indexOf(':');
  return i < 0 ? h : h.slice(0, i);
}

function pathOf(req: IncomingMessage): string {
  let url = req.url ?? '/';
  // Absolute-form request targets (proxy style): keep the path.
  if (!url.startsWith('/')) {
    try {
      url = new URL(url).pathname;
    } catch {
      url = '/';
    }
  }
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

const clientIP = (s: Socket) => (s.remoteAddress ?? '').replace(/^::ffff:/, '');

function forwardHeaders(req: IncomingMessage, listenPort: number): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = { ...req.headers };
  const listed = String(req.headers.connection ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const h of [...HOP_BY_HOP, ...listed]) delete headers[h];
  const ip = clientIP(req.socket);
  const xff = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = xff ? `${Array.isArray(xff) ? xff.join(', ') : xff}, ${ip}` : ip;
  headers['x-real-ip'] = ip;
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-host'] = req.headers.host ?? '';
  headers['x-forwarded-port'] = String(listenPort);
  return headers;
}

function responseHeaders(res: IncomingMessage): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = { ...res.headers };
  const listed = String(res.headers.connection ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const h of [...HOP_BY_HOP, ...listed]) delete headers[h];
  return headers;
}

function plain(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export class IngressController extends Controller {
  private readonly served = new Map<string, Served>();
  /** Address -> key of the Ingress holding it (or whose status claims it, until synced). */
  private readonly owners = new Map<string, string>();
  private readonly agents = new Map<string, { agent: Agent; used: number }>();
  private readonly rr = new Map<string, RoundRobin>();
  private readonly affinity = new Map<string, ClientAffinity>();
  /** Client connections of every listener (their idle timeouts are lifted while blackholed). */
  private readonly connections = new Set<Socket>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly runtime: ClusterRuntime) {
    super(runtime.client(MANAGER), 'ingress', { concurrency: 2 });
  }

  /** The address an Ingress is served at, if any. */
  addressOf(namespace: string, name: string): string | undefined {
    return this.served.get(`${namespace}/${name}`)?.ip;
  }

  private inRange(ip: string): boolean {
    const prefix = `127.${this.runtime.addresses.octet}.201.`;
    if (!ip.startsWith(prefix)) return false;
    const last = Number(ip.slice(prefix.length));
    return Number.isInteger(last) && last >= 1 && last <= MAX_ADDRESSES && String(last) === ip.slice(prefix.length);
  }

  start(): void {
    this.watch(INGRESSES, (e) => this.queue.add(keyOf(e.obj)));
    this.watch(INGRESS_CLASSES, (e) => {
      if (e.obj.metadata?.name === INGRESS_CLASS_NAME && e.type === 'DELETED') this.queue.add(CLASS_KEY);
      // Which Ingresses are ours may have changed.
      for (const ing of this.client.list(INGRESSES)) this.queue.add(keyOf(ing));
    });
    this.queue.add(CLASS_KEY);
    // A FIN for an idle keep-alive connection would not get out of a blackholed network.
    this.unsubscribe = this.runtime.network?.onChange((on) => {
      if (on) for (const s of this.connections) s.setTimeout(0);
    });
    for (const ing of this.client.list(INGRESSES)) {
      if (this.handles(ing)) for (const ip of statusIPs(ing)) if (this.inRange(ip) && !this.owners.has(ip)) this.owners.set(ip, keyOf(ing));
      this.queue.add(keyOf(ing));
    }
    // Keep-alive pools to backends not used for a while are closed.
    this.every(30_000, () => {
      const cutoff = Date.now() - 60_000;
      for (const [k, a] of this.agents) {
        if (a.used < cutoff) {
          a.agent.destroy();
          this.agents.delete(k);
        }
      }
    });
  }

  override async stop(): Promise<void> {
    super.stop();
    this.unsubscribe?.();
    await this.idle();
    const all = [...this.served.values()];
    this.served.clear();
    this.owners.clear();
    await Promise.all(all.map((s) => this.closeServers(s)));
    for (const a of this.agents.values()) a.agent.destroy();
    this.agents.clear();
  }

  /** Whether this controller implements the Ingress's class. */
  handles(ing: KObject): boolean {
    const cls: string | undefined = ing.spec?.ingressClassName || ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION] || undefined;
    if (cls) return cls === INGRESS_CLASS_NAME || this.client.get(INGRESS_CLASSES, '', cls)?.spec?.controller === INGRESS_CONTROLLER_NAME;
    const defaults = this.client.list(INGRESS_CLASSES).filter((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
    return defaults.length === 0 || defaults.some((c) => c.spec?.controller === INGRESS_CONTROLLER_NAME);
  }

  protected async sync(key: string): Promise<void> {
    if (key === CLASS_KEY) return this.ensureClass();
    const { namespace, name } = splitKey(key);
    const ing = this.client.get(INGRESSES, namespace, name);
    if (!ing || ing.metadata?.deletionTimestamp || !this.handles(ing)) {
      const s = this.served.get(key);
      if (s) await this.teardown(key, s);
      else for (const [ip, k] of [...this.owners]) if (k === key) this.owners.delete(ip);
      // An Ingress handed to another controller loses our address from its status.
      if (ing && !ing.metadata?.deletionTimestamp && statusIPs(ing).some((ip) => this.inRange(ip))) {
        await this.client.modify(
          INGRESSES,
          namespace,
          name,
          (o) => {
            const kept = (o.status?.loadBalancer?.ingress ?? []).filter((i: KObject) => !this.inRange(String(i?.ip ?? '')));
            if (kept.length === (o.status?.loadBalancer?.ingress ?? []).length) return false;
            o.status = { ...(o.status ?? {}), loadBalancer: kept.length ? { ingress: kept } : {} };
          },
          { status: true },
        );
      }
      return;
    }

    const ip = this.allocate(key, ing);
    if (!ip) {
      await this.client.event(ing, 'Warning', 'AddressUnavailable', `no free address left in 127.${this.runtime.addresses.octet}.201.1-${MAX_ADDRESSES}`);
      return;
    }
    let s = this.served.get(key);
    if (s && s.ip !== ip) {
      await this.teardown(key, s);
      this.owners.set(ip, key);
      s = undefined;
    }
    const isNew = !s;
    if (!s) {
      s = { ip, servers: new Map(), errors: new Set(), tunnels: new Set() };
      this.served.set(key, s);
    }
    const ports = ing.spec?.tls?.length ? [80, 443] : [80];
    for (const [port, server] of [...s.servers]) {
      if (ports.includes(port)) continue;
      s.servers.delete(port);
      await closeServer(server);
    }
    for (const port of ports) {
      if (s.servers.has(port)) continue;
      try {
        const server = await this.listen(key, ip, port);
        if (this.stopped || this.served.get(key) !== s) {
          await closeServer(server);
          return;
        }
        s.servers.set(port, server);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const why =
          err.code === 'EACCES'
            ? `cannot listen on ${ip}:${port}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; run the playground as root)`
            : `cannot listen on ${ip}:${port}: ${err.code ?? err.message}`;
        if (!s.errors.has(why)) {
          s.errors.add(why);
          this.runtime.log.error({ ingress: key, address: `${ip}:${port}`, code: err.code }, why);
          await this.client.event(ing, 'Warning', 'ListenFailed', why);
        }
        if (err.code === 'EADDRINUSE') this.queue.addAfter(key, 2_000);
      }
    }

    const want = [{ ip }];
    if (!deepEqual(ing.status?.loadBalancer?.ingress ?? [], want)) {
      await this.client.modify(
        INGRESSES,
        namespace,
        name,
        (o) => {
          if (deepEqual(o.status?.loadBalancer?.ingress ?? [], want)) return false;
          o.status = { ...(o.status ?? {}), loadBalancer: { ingress: want } };
        },
        { status: true },
      );
    }
    if (isNew || s.generation !== ing.metadata?.generation) {
      s.generation = ing.metadata?.generation;
      await this.client.event(ing, 'Normal', 'Sync', 'Scheduled for sync');
    }
  }

  private async ensureClass(): Promise<void> {
    if (this.client.get(INGRESS_CLASSES, '', INGRESS_CLASS_NAME)) return;
    try {
      await this.client.create(INGRESS_CLASSES, '', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'IngressClass',
        metadata: {
          name: INGRESS_CLASS_NAME,
          annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' },
          labels: { 'app.kubernetes.io/name': 'playground-ingress', 'app.kubernetes.io/component': 'controller' },
        },
        spec: { controller: INGRESS_CONTROLLER_NAME },
      });
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
  }

  private allocate(key: string, ing: KObject): string | undefined {
    const held = [...this.owners].filter(([, k]) => k === key).map(([ip]) => ip);
    const claim = (ip: string) => {
      for (const h of held) if (h !== ip) this.owners.delete(h);
      this.owners.set(ip, key);
      return ip;
    };
    const current = this.served.get(key)?.ip;
    if (current && this.owners.get(current) === key) return claim(current);
    for (const ip of statusIPs(ing)) {
      const owner = this.owners.get(ip);
      if (this.inRange(ip) && (!owner || owner === key)) return claim(ip);
    }
    if (held[0]) return claim(held[0]);
    for (let i = 0; i < MAX_ADDRESSES; i++) {
      const ip = this.runtime.addresses.ingress(i);
      if (!this.owners.has(ip)) return claim(ip);
    }
    return undefined;
  }

  private async closeServers(s: Served): Promise<void> {
    const servers = [...s.servers.values()];
    s.servers.clear();
    for (const t of s.tunnels) t.destroy();
    s.tunnels.clear();
    await Promise.all(servers.map(closeServer));
  }

  private async teardown(key: string, s: Served): Promise<void> {
    this.served.delete(key);
    for (const [ip, k] of [...this.owners]) if (k === key) this.owners.delete(ip);
    await this.closeServers(s);
  }

  private routesFor(key: string, ing: KObject): Routes {
    const s = this.served.get(key);
    const rv = ing.metadata?.resourceVersion ?? '';
    if (s?.compiled?.rv === rv) return s.compiled.routes;
    const routes = compileRoutes(ing);
    if (s) s.compiled = { rv, routes };
    return routes;
  }

  /** The Service port and ready endpoints a backend reference names (undefined: 503). */
  private resolve(namespace: string, ref: ServiceBackendRef): { svc: KObject; port: KObject; backends: Backend[] } | undefined {
    const svc = this.client.get(SERVICES, namespace, ref.name);
    if (!svc) return undefined;
    const port = findServicePort(svc, ref.port);
    if (!port) return undefined;
    return { svc, port, backends: readyBackends(this.client, svc, port) };
  }

  private pick(namespace: string, target: { svc: KObject; port: KObject; backends: Backend[] }, client: string, tried: Backend[]): Backend | undefined {
    const k = `${namespace}/${target.svc.metadata!.name}:${target.port.port}`;
    let rr = this.rr.get(k);
    if (!rr) this.rr.set(k, (rr = new RoundRobin()));
    let aff = this.affinity.get(k);
    if (!aff) this.affinity.set(k, (aff = new ClientAffinity()));
    return pickForService(target.svc, target.backends, rr, aff, client, tried);
  }

  private agentFor(b: Backend): Agent {
    const k = `${b.host}:${b.port}`;
    let a = this.agents.get(k);
    if (!a) this.agents.set(k, (a = { agent: new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32, scheduling: 'lifo' }), used: 0 }));
    a.used = Date.now();
    return a.agent;
  }

  /** Routes a request; undefined when the Ingress is no longer served here. */
  private target(key: string, req: IncomingMessage): { status: 404 | 503 } | { namespace: string; target: { svc: KObject; port: KObject; backends: Backend[] } } | undefined {
    const { namespace, name } = splitKey(key);
    const ing = this.client.get(INGRESSES, namespace, name);
    if (!ing) return undefined;
    const r = route(this.routesFor(key, ing), hostOf(req), pathOf(req));
    if (!r) return { status: 404 };
    const t = r.backend ? this.resolve(namespace, r.backend) : undefined;
    if (!t || t.backends.length === 0) return { status: 503 };
    return { namespace, target: t };
  }

  private listen(key: string, ip: string, port: number): Promise<Server> {
    const server = createServer((req, res) => this.handle(key, port, req, res));
    server.keepAliveTimeout = 75_000;
    server.headersTimeout = 60_000;
    server.requestTimeout = 0;
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(key, port, req, socket, head));
    server.on('connection', (s: Socket) => {
      this.connections.add(s);
      s.once('close', () => this.connections.delete(s));
    });
    server.on('clientError', (_err, socket: Socket) =>
      holdWhileBlackholed(this.runtime.network, socket, () => {
        if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        else socket.destroy();
      }),
    );
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        server.removeListener('listening', onListening);
        reject(err);
      };
      const onListening = () => {
        server.removeListener('error', onError);
        server.on('error', (err) => this.runtime.log.warn({ ingress: key, err: err.message }, 'ingress listener error'));
        resolve(server);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen({ host: ip, port, exclusive: true });
    });
  }

  private handle(key: string, listenPort: number, req: IncomingMessage, res: ServerResponse): void {
    const network = this.runtime.network;
    if (network?.blackholed) {
      holdWhileBlackholed(network, res, () => this.handle(key, listenPort, req, res));
      return;
    }
    const t = this.target(key, req);
    if (!t || 'status' in t) {
      req.resume();
      const answer = () => {
        if (t?.status === 503) plain(res, 503, '503 Service Temporarily Unavailable\n');
        else plain(res, 404, NOT_FOUND_BODY);
      };
      if (!network?.latencyMs) answer();
      else {
        const cancel = atLeastAfter(network.latencyMs, () => {
          res.off('close', cancel);
          holdWhileBlackholed(network, res, answer);
        });
        res.once('close', cancel);
      }
      return;
    }
    const method = req.method ?? 'GET';
    const hasBody = (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0') || req.headers['transfer-encoding'] !== undefined;
    const retriable = IDEMPOTENT.has(method) && !hasBody;
    const headers = forwardHeaders(req, listenPort);
    const client = clientIP(req.socket);
    const tried: Backend[] = [];
    let done = false;
    res.on('close', () => {
      done = true;
    });

    const attempt = (): void => {
      const b = this.pick(t.namespace, t.target, client, tried);
      if (!b) {
        plain(res, tried.length ? 502 : 503, tried.length ? '502 Bad Gateway\n' : '503 Service Temporarily Unavailable\n');
        return;
      }
      tried.push(b);
      const up = httpRequest({ host: b.host, port: b.port, method, path: req.url, headers, agent: this.agentFor(b) });
      let responded = false;
      up.on('response', (ures) => {
        responded = true;
        if (done) {
          ures.destroy();
          return;
        }
        res.writeHead(ures.statusCode ?? 502, ures.statusMessage, responseHeaders(ures));
        ures.pipe(res);
        ures.on('error', () => res.destroy());
        ures.on('aborted', () => res.destroy());
      });
      up.on('error', () => {
        if (responded) {
          res.destroy();
          return;
        }
        if (done) return;
        if (retriable && tried.length < 2) attempt();
        else plain(res, 502, '502 Bad Gateway\n');
      });
      res.on('close', () => {
        if (!res.writableFinished) up.destroy();
      });
      if (retriable) up.end();
      else req.pipe(up);
    };
    attempt();
  }

  /** Upgrade requests (WebSocket): tunnel the connection to a backend after forwarding the request head. */
  private upgrade(key: string, listenPort: number, req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => {});
    holdWhileBlackholed(this.runtime.network, socket, () => this.tunnel(key, listenPort, req, socket, head));
  }

  private tunnel(key: string, listenPort: number, req: IncomingMessage, socket: Socket, head: Buffer): void {
    const t = this.target(key, req);
    if (!t || 'status' in t) {
      const status = t?.status === 503 ? '503 Service Temporarily Unavailable' : '404 Not Found';
      const body = t?.status === 503 ? '503 Service Temporarily Unavailable\n' : NOT_FOUND_BODY;
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    const b = this.pick(t.namespace, t.target, clientIP(socket), []);
    if (!b) {
      socket.destroy();
      return;
    }
    const headers = forwardHeaders(req, listenPort);
    headers.connection = 'Upgrade';
    if (req.headers.upgrade) headers.upgrade = req.headers.upgrade;
    const up = connect({ host: b.host, port: b.port });
    const tunnels = this.served.get(key)?.tunnels;
    tunnels?.add(socket).add(up);
    socket.once('close', () => tunnels?.delete(socket));
    up.once('close', () => tunnels?.delete(up));
    up.on('error', () => {
      if (!socket.destroyed) socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    up.once('connect', () => {
      let headText = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
      for (const [k, v] of Object.entries(headers)) {
        if (v === undefined) continue;
        for (const one of Array.isArray(v) ? v : [v]) headText += `${k}: ${one}\r\n`;
      }
      up.write(headText + '\r\n');
      if (head.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
      up.on('error', () => socket.destroy());
      socket.on('error', () => up.destroy());
      socket.on('close', () => up.destroy());
      up.on('close', () => socket.destroy());
    });
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
