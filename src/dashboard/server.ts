/**
 * `kubefed dashboard`: serves the dashboard's single-page app (built by `npm run build` into
 * dist/dashboard-app) and everything it asks for, with the user's own kubeconfig credentials, so
 * it shows what RBAC lets that user see and do, and nothing more:
 *
 * - `/k8s/<path>`: the federation API, forwarded as is (requests and streamed answers); exec,
 *   attach, port-forward and proxy subresources are refused, as `kubectl proxy` refuses them.
 * - `/dashboard/api/watch`: one stream of many collections' list-and-watch (watch-mux.ts).
 * - `/dashboard/api/clusters/NAME/taints`: taints and cordon, through the same functions as
 *   `kubefed taint` and `kubefed cordon`.
 * - `/dashboard/api/members/CLUSTER/<path>`: GET of a member's API with the kubeconfig context
 *   named after the cluster, when the user has one (a member's copy of an object), time-limited.
 * - `/dashboard/api/playground/...`: the playground's faults, through its control API, for users
 *   whom RBAC allows to update clusters.
 *
 * It listens on localhost by default. Requests must name this server in Host (no DNS rebinding);
 * anything but GET must carry `X-Kubefed-Dashboard: 1` and, if the browser sends an Origin, ours
 * (no cross-site requests acting with the user's credentials).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { KubeApiError, KubeClient } from '../federation/client/kube-client.js';
import { changeClusterTaints, CORDON, parseTaintArgs, type TaintChange } from '../federation/clusters/cluster-taints.js';
import { CORE_GROUP } from '../federation/crds/federation-crds.js';
import { controlRequest } from '../playground/control.js';
import type { KObject } from '../apis/object.js';
import { parseQuantity } from '../apis/validation/pod.js';
import { specRequests } from '../federation/planning/available-replicas.js';
import { readEdge } from './edge-source.js';
import { statusOf, WatchSession, type KubeStatus, type PolledSource } from './watch-mux.js';

export interface DashboardOptions {
  kubeconfig: string;
  /** The federation's context (default: the kubeconfig's current context). */
  context?: string;
  host: string;
  /** 0: any free port. */
  port: number;
  /** A running playground's state directory: its faults become actions. */
  playgroundStateDir?: string;
  /** The global edge's admin address (host:port): the Traffic view's live split. */
  edgeAdmin?: string;
  /** Where the built app is (default: dist/dashboard-app of this package). */
  appDir?: string;
  logger?: Logger;
}

/** The package's root: the nearest folder up from this module holding package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

export const defaultAppDir = () => join(packageRoot(), 'dist', 'dashboard-app');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** Subresources the dashboard never needs and that would hand a shell or a tunnel to a page. */
const REFUSED = /\/(exec|attach|portforward|proxy)(\/|$)/;
/** Request headers passed on to the API (authentication is the kubeconfig's, never the browser's). */
const FORWARDED_HEADERS = ['accept', 'content-type'];
const FAULT = /^\/(clusters\/[^/]+\/(stop|start|isolate)|zones\/[^/]+\/(fail|restore)|regions\/[^/]+\/(fail|restore))$/;
const MEMBER_TIMEOUT_MS = 3_000;

export class DashboardServer {
  private readonly server: Server;
  private readonly client: KubeClient;
  private readonly members = new Map<string, KubeClient>();
  private readonly sessions = new Map<string, { session: WatchSession; res: ServerResponse }>();
  private readonly files = new Map<string, Buffer>();
  private readonly appDir: string;
  private readonly kc: KubeConfig;
  private allowedHosts: Set<string> | undefined;
  url = '';

  private constructor(private readonly o: DashboardOptions) {
    if (!existsSync(o.kubeconfig)) throw new Error(`kubeconfig ${o.kubeconfig} does not exist: name one with --kubeconfig FILE or $KUBECONFIG`);
    this.kc = new KubeConfig();
    this.kc.loadFromFile(o.kubeconfig);
    if (o.context) {
      if (!this.kc.getContextObject(o.context)) throw new Error(`context "${o.context}" is not in ${o.kubeconfig}`);
      this.kc.setCurrentContext(o.context);
    }
    this.client = new KubeClient(this.kc, { userAgent: 'kubefed-dashboard', maxInFlight: 32 });
    this.appDir = o.appDir ?? defaultAppDir();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        const bad = badRequestStatus(e);
        if (bad && !res.headersSent) return this.status(res, bad);
        o.logger?.warn({ err: e instanceof Error ? e.message : String(e), url: req.url }, 'dashboard request failed');
        if (!res.headersSent) this.status(res, statusOf(500, e instanceof Error ? e.message : String(e), 'InternalError'));
        else res.destroy();
      });
    });
  }

  static async start(o: DashboardOptions): Promise<DashboardServer> {
    const d = new DashboardServer(o);
    await new Promise<void>((resolve, reject) => {
      d.server.once('error', reject);
      d.server.listen(o.port, o.host, () => resolve());
    });
    const addr = d.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : o.port;
    const host = o.host.includes(':') ? `[${o.host}]` : o.host;
    d.url = `http://${host}:${port}/`;
    const wildcard = o.host === '0.0.0.0' || o.host === '::';
    d.allowedHosts = wildcard ? undefined : new Set([`${host}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]);
    return d;
  }

  get port(): number {
    const addr = this.server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  async close(): Promise<void> {
    for (const s of this.sessions.values()) {
      s.session.close();
      s.res.end();
    }
    this.sessions.clear();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    this.client.close();
    for (const m of this.members.values()) m.close();
  }

  // --- requests ------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    if (this.allowedHosts && !this.allowedHosts.has((req.headers.host ?? '').toLowerCase())) return this.status(res, statusOf(403, `Host "${req.headers.host ?? ''}" is not this dashboard`, 'Forbidden'));
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      if (req.headers['x-kubefed-dashboard'] !== '1') return this.status(res, statusOf(403, 'requests that change something need the X-Kubefed-Dashboard: 1 header (the dashboard app sends it)', 'Forbidden'));
      const origin = req.headers.origin;
      if (origin && this.allowedHosts && !this.allowedHosts.has(origin.replace(/^http:\/\//, '').toLowerCase())) return this.status(res, statusOf(403, `Origin ${origin} may not act through this dashboard`, 'Forbidden'));
    }
    if (path.startsWith('/k8s/')) return this.proxy(req, res, req.url!.slice('/k8s'.length));
    if (path === '/dashboard/api/info' && method === 'GET') return this.json(res, 200, this.info());
    if (path === '/dashboard/api/watch' && method === 'GET') return this.openSession(res, url.searchParams.get('session') ?? '');
    let m: RegExpExecArray | null;
    if ((m = /^\/dashboard\/api\/watch\/([^/]+)$/.exec(path)) && method === 'POST') return this.subscribe(req, res, decodeURIComponent(m[1]!));
    if ((m = /^\/dashboard\/api\/clusters\/([^/]+)\/taints$/.exec(path)) && method === 'POST') return this.taints(req, res, decodeURIComponent(m[1]!));
    if ((m = /^\/dashboard\/api\/members\/([^/]+)(\/.*)$/.exec(path)) && method === 'GET') return this.member(res, decodeURIComponent(m[1]!), m[2]! + url.search);
    if (path.startsWith('/dashboard/api/playground/') && method === 'POST') return this.fault(res, path.slice('/dashboard/api/playground'.length));
    if (path.startsWith('/dashboard/api/')) return this.status(res, statusOf(404, `no such dashboard request: ${method} ${path}`, 'NotFound'));
    if (method !== 'GET' && method !== 'HEAD') return this.status(res, statusOf(405, `${method} is not served here`, 'MethodNotAllowed'));
    return this.file(res, path);
  }

  private info(): unknown {
    const ctx = this.kc.getContextObject(this.kc.getCurrentContext());
    return {
      context: this.kc.getCurrentContext(),
      user: ctx?.user ?? '',
      server: this.client.server,
      contexts: this.kc.getContexts().map((c) => c.name),
      playground: !!this.o.playgroundStateDir,
      edge: this.o.edgeAdmin ?? null,
    };
  }

  /** The federation API, with the user's credentials; the answer streams back (watches included). */
  private async proxy(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
    if (!target.startsWith('/') || REFUSED.test(target.split('?')[0]!)) return this.status(res, statusOf(403, `the dashboard does not forward ${target.split('?')[0]}`, 'Forbidden'));
    const ac = new AbortController();
    res.on('close', () => ac.abort());
    const headers: Record<string, string> = {};
    for (const h of FORWARDED_HEADERS) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
    const method = req.method ?? 'GET';
    let up;
    try {
      up = await this.client.stream({ method, path: target, headers, ...(method !== 'GET' && method !== 'HEAD' ? { body: req } : {}), signal: ac.signal });
    } catch (e) {
      if (ac.signal.aborted) return;
      return this.status(res, statusOf(503, `the federation API cannot be reached: ${(e as Error).message}`, 'ServiceUnavailable'));
    }
    const out: Record<string, string> = { 'cache-control': 'no-store' };
    const ct = up.headers['content-type'];
    if (typeof ct === 'string') out['content-type'] = ct;
    res.writeHead(up.statusCode, out);
    res.flushHeaders();
    try {
      for await (const chunk of up.body) res.write(chunk);
      res.end();
    } catch {
      res.destroy();
    }
  }

  private openSession(res: ServerResponse, id: string): void {
    if (!/^[A-Za-z0-9-]{8,64}$/.test(id)) return this.status(res, statusOf(400, 'session must be 8 to 64 letters, digits or dashes', 'BadRequest'));
    this.sessions.get(id)?.session.close();
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.flushHeaders();
    const session = new WatchSession(this.client, (line) => res.write(line + '\n'), (p) => this.polledSource(p));
    this.sessions.set(id, { session, res });
    // Keep-alive line: proxies and the browser see the stream alive while nothing changes.
    const beat = setInterval(() => res.write('\n'), 30_000);
    res.on('close', () => {
      clearInterval(beat);
      session.close();
      if (this.sessions.get(id)?.session === session) this.sessions.delete(id);
    });
  }

  private polledSource(path: string): PolledSource | undefined {
    if (path === 'dashboard:edge' && this.o.edgeAdmin) {
      const admin = this.o.edgeAdmin;
      return { everyMs: 1_000, read: (signal) => readEdge(admin, 10, signal) };
    }
    if (path === 'dashboard:playground' && this.o.playgroundStateDir) {
      const dir = this.o.playgroundStateDir;
      return { everyMs: 2_000, read: () => controlRequest(dir, 'GET', '/status').then((s) => ({ clusters: s.clusters, regions: s.regions, zones: s.zones })) };
    }
    if (path === 'dashboard:readyz') {
      return {
        everyMs: 5_000,
        read: async (signal) => {
          const r = await this.client.stream({ method: 'GET', path: '/readyz?verbose', headers: { accept: 'text/plain' }, signal });
          return { code: r.statusCode, text: (await r.body.text()).slice(0, 4_000) };
        },
      };
    }
    return undefined;
  }

  private async subscribe(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const s = this.sessions.get(id);
    if (!s) return this.status(res, statusOf(404, `no watch session "${id}" (open GET /dashboard/api/watch?session=ID first)`, 'NotFound'));
    const body = (await readJson(req)) as { subscribe?: unknown; unsubscribe?: unknown };
    const list = (v: unknown, field: string) => {
      if (v === undefined) return [];
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new BadRequest(`${field} must be a list of paths`, field);
      return v as string[];
    };
    const add = list(body.subscribe, 'subscribe');
    for (const p of list(body.unsubscribe, 'unsubscribe')) s.session.unsubscribe(p);
    for (const p of add) {
      try {
        s.session.subscribe(p);
      } catch (e) {
        throw new BadRequest((e as Error).message, 'subscribe');
      }
    }
    this.json(res, 200, { paths: s.session.paths });
  }

  /** Taints and cordon, as `kubefed taint` and `kubefed cordon/uncordon` change them, as the user. */
  private async taints(req: IncomingMessage, res: ServerResponse, cluster: string): Promise<void> {
    const body = (await readJson(req)) as { taints?: unknown; overwrite?: unknown; cordon?: unknown };
    let change: TaintChange;
    if (body.cordon === true) change = { add: [CORDON], remove: [] };
    else if (body.cordon === false) change = { add: [], remove: [{ key: CORDON.key, effect: CORDON.effect }] };
    else {
      if (!Array.isArray(body.taints) || body.taints.length === 0 || body.taints.some((t) => typeof t !== 'string')) throw new BadRequest('taints must be a non-empty list of KEY[=VALUE]:EFFECT or KEY[:EFFECT]-', 'taints');
      try {
        change = parseTaintArgs(body.taints as string[]);
      } catch (e) {
        throw new BadRequest((e as Error).message, 'taints');
      }
    }
    try {
      const taints = await changeClusterTaints(this.client, cluster, change, body.cordon !== undefined || body.overwrite === true);
      this.json(res, 200, { cluster, taints });
    } catch (e) {
      if (e instanceof KubeApiError) return this.status(res, { ...statusOf(e.status, e.body?.message ?? e.message, e.reason), ...(e.body ?? {}) } as KubeStatus);
      const msg = (e as Error).message;
      // Uncordoning a cluster that is not cordoned changes nothing (as kubefed uncordon).
      if (body.cordon === false && /^taint .* not found$/.test(msg)) return this.json(res, 200, { cluster, unchanged: true });
      if (/^cluster .* not found/.test(msg)) return this.status(res, statusOf(404, msg, 'NotFound'));
      throw new BadRequest(msg, 'taints');
    }
  }

  /** A GET on a member's API with the user's context for it; a slow member answers 504 after a few seconds. */
  private async member(res: ServerResponse, cluster: string, path: string): Promise<void> {
    if (!this.kc.getContextObject(cluster)) return this.status(res, statusOf(404, `no context "${cluster}" in the kubeconfig: the dashboard reads a member only with your own credentials for it`, 'NotFound'));
    if (REFUSED.test(path.split('?')[0]!)) return this.status(res, statusOf(403, `the dashboard does not forward ${path.split('?')[0]}`, 'Forbidden'));
    let client = this.members.get(cluster);
    if (!client) {
      const kc = new KubeConfig();
      kc.loadFromFile(this.o.kubeconfig);
      kc.setCurrentContext(cluster);
      this.members.set(cluster, (client = new KubeClient(kc, { userAgent: 'kubefed-dashboard', timeoutMs: MEMBER_TIMEOUT_MS })));
    }
    try {
      if (path === '/summary') return this.json(res, 200, await memberSummary(client));
      const up = await client.stream({ method: 'GET', path, signal: AbortSignal.timeout(MEMBER_TIMEOUT_MS) });
      const text = await up.body.text();
      res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/json'), 'cache-control': 'no-store' });
      res.end(text);
    } catch (e) {
      const timedOut = (e as Error).name === 'TimeoutError' || /aborted|timeout/i.test((e as Error).message);
      this.status(res, statusOf(timedOut ? 504 : 503, timedOut ? `cluster ${cluster} did not answer within ${MEMBER_TIMEOUT_MS / 1000} s` : `cluster ${cluster} cannot be reached: ${(e as Error).message}`, timedOut ? 'Timeout' : 'ServiceUnavailable'));
    }
  }

  /** A playground fault, for users RBAC allows to update clusters (the playground's control API has no users of its own). */
  private async fault(res: ServerResponse, path: string): Promise<void> {
    if (!this.o.playgroundStateDir) return this.status(res, statusOf(404, 'this dashboard runs without a playground', 'NotFound'));
    if (!FAULT.test(path)) return this.status(res, statusOf(404, `no such playground fault: ${path}`, 'NotFound'));
    const allowed = await this.allowed('update', CORE_GROUP, 'clusters');
    if (!allowed) return this.status(res, statusOf(403, `not allowed: playground faults need "update" on clusters.${CORE_GROUP}`, 'Forbidden'));
    try {
      this.json(res, 200, await controlRequest(this.o.playgroundStateDir, 'POST', path));
    } catch (e) {
      this.status(res, statusOf(400, (e as Error).message, 'BadRequest'));
    }
  }

  /** SelfSubjectAccessReview as the user. */
  private async allowed(verb: string, group: string, resource: string): Promise<boolean> {
    const r = await this.client.request<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb, group, resource } },
    });
    return r.status?.allowed === true;
  }

  // --- answers -------------------------------------------------------------------------------------

  private file(res: ServerResponse, path: string): void {
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return this.status(res, statusOf(400, `malformed path ${path}`, 'BadRequest'));
    }
    const rel = path === '/' ? 'index.html' : normalize(decoded).replace(/^[/\\]+/, '');
    let full = join(this.appDir, rel);
    if (!full.startsWith(this.appDir + sep) || !existsSync(full) || !statSync(full).isFile()) full = join(this.appDir, 'index.html');
    if (!existsSync(full)) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`The dashboard app is not built (${this.appDir} is missing): run "npm run build".\n`);
      return;
    }
    let data = this.files.get(full);
    if (!data) this.files.set(full, (data = readFileSync(full)));
    const hashed = full.includes(`${sep}assets${sep}`);
    res.writeHead(200, { 'content-type': TYPES[extname(full)] ?? 'application/octet-stream', 'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache', 'x-content-type-options': 'nosniff' });
    res.end(data);
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  }

  private status(res: ServerResponse, s: KubeStatus): void {
    this.json(res, s.code, s);
  }
}

/**
 * A member's nodes (total, Ready) and capacity: allocatable summed over its nodes, and what its
 * pods that have not finished request, counted as the scheduler counts them (the planner's
 * specRequests). CPU in cores, memory in bytes.
 */
async function memberSummary(client: KubeClient): Promise<unknown> {
  const [nodes, pods] = await Promise.all([client.list('v1', 'Node'), client.list('v1', 'Pod', { fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' })]);
  const sum = (into: Record<string, number>, k: string, nano: bigint) => (into[k] = (into[k] ?? 0) + Number(nano) / 1e9);
  const allocatable: Record<string, number> = {};
  const requested: Record<string, number> = {};
  let ready = 0;
  for (const n of nodes.items as KObject[]) {
    if ((n.status?.conditions ?? []).some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True')) ready++;
    for (const [k, v] of Object.entries((n.status?.allocatable ?? n.status?.capacity ?? {}) as Record<string, unknown>)) sum(allocatable, k, parseQuantity(v) ?? 0n);
  }
  const bound = (pods.items as KObject[]).filter((p) => p.spec?.nodeName);
  for (const p of bound) for (const [k, v] of Object.entries(specRequests(p.spec))) sum(requested, k, v);
  return { nodes: { total: nodes.items.length, ready }, allocatable, requested, pods: bound.length };
}

/** A bad request body: answered 400 (or 422 for a field) with a Status naming the field. */
class BadRequest extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += (chunk as Buffer).toString('utf8');
    if (text.length > 1_000_000) throw new BadRequest('request body over 1 MB', 'body');
  }
  try {
    const v = JSON.parse(text || '{}');
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new BadRequest('the request body must be a JSON object', 'body');
  }
}

/** Answers a BadRequest as Kubernetes does: 422 Invalid with the field in details.causes. */
export function badRequestStatus(e: unknown): KubeStatus | undefined {
  if (!(e instanceof BadRequest)) return undefined;
  return { ...statusOf(422, e.message, 'Invalid'), details: { causes: [{ reason: 'FieldValueInvalid', field: e.field, message: e.message }] } };
}
