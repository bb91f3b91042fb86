/**
 * How federation controllers talk to a Kubernetes API (the federation's or a member's):
 * @kubernetes/client-node provides the configuration and credentials (KubeConfig), watches
 * and informers (Watch, ListWatch); requests go over one keep-alive connection pool per API
 * (undici, which spends far less CPU per request than node:https — the control plane makes
 * thousands a second) with plain JSON bodies, and a cap on requests in flight per API.
 *
 * Why not client-node's typed clients for requests: version 1.x builds a new TLS agent for every
 * request (a handshake per write), and its typed serializer drops fields its models do not know
 * and turns timestamps into Dates. The federation copies objects of any kind between clusters
 * and must keep them exactly as written.
 */
import type https from 'node:https';
import tls from 'node:tls';
import { Pool, type Dispatcher } from 'undici';
import { KubeConfig, ListWatch, Watch, type KubernetesListObject } from '@kubernetes/client-node';
import type { KObject } from '../../apis/object.js';

export interface ApiResourceInfo {
  group: string;
  version: string;
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

/** A failed request: the HTTP status and the Kubernetes Status it answered with. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: { reason?: string; message?: string; code?: number; details?: unknown } | undefined,
    readonly request: string,
  ) {
    super(`${request}: ${status} ${body?.reason ?? ''} ${body?.message ?? ''}`.trim());
  }
  get reason(): string | undefined {
    return this.body?.reason;
  }
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeApiError && e.status === 404;
export const isConflict = (e: unknown): boolean => e instanceof KubeApiError && e.status === 409 && e.reason === 'Conflict';
export const isAlreadyExists = (e: unknown): boolean => e instanceof KubeApiError && e.status === 409 && e.reason === 'AlreadyExists';

export interface KubeClientOptions {
  /** Requests in flight at once (watches excluded). Default 16. */
  maxInFlight?: number;
  /** Per-request timeout. Default 30 s. */
  timeoutMs?: number;
  userAgent?: string;
  /** Told of every request's outcome (status 0: no response), for metrics. */
  onResponse?: (r: { method: string; status: number; seconds: number }) => void;
}

export interface Credentials {
  server: string;
  caPem?: string;
  token?: string;
  certPem?: string;
  keyPem?: string;
  insecureSkipTlsVerify?: boolean;
}

export type PatchKind = 'merge' | 'strategic' | 'json' | 'apply';
const PATCH_TYPES: Record<PatchKind, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface Informer<T = KObject> {
  on(event: 'add' | 'update' | 'delete', fn: (obj: T) => void): void;
  on(event: 'error', fn: (err: unknown) => void): void;
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True once the initial list has been loaded. */
  readonly synced: boolean;
}

export function kubeConfigFor(name: string, c: Credentials): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name,
        server: c.server,
        ...(c.caPem ? { caData: Buffer.from(c.caPem).toString('base64') } : {}),
        skipTLSVerify: !!c.insecureSkipTlsVerify,
      },
    ],
    users: [
      {
        name,
        ...(c.token ? { token: c.token } : {}),
        ...(c.certPem ? { certData: Buffer.from(c.certPem).toString('base64') } : {}),
        ...(c.keyPem ? { keyData: Buffer.from(c.keyPem).toString('base64') } : {}),
      },
    ],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return kc;
}

/** Where requests go: a keep-alive pool per API, and the headers every request carries. */
interface Connection {
  headers: Record<string, string>;
  pool: Pool;
  probes: Pool;
  /** Streamed requests (proxied requests, watches): no cap on connections, no timeouts. */
  streams: Pool;
}

export class KubeClient {
  private conn: Connection | undefined;
  private readonly discovery = new Map<string, Promise<ApiResourceInfo[]>>();
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  constructor(
    readonly kc: KubeConfig,
    private readonly opts: KubeClientOptions = {},
  ) {}

  static fromKubeconfig(file: string, context?: string, opts?: KubeClientOptions): KubeClient {
    const kc = new KubeConfig();
    kc.loadFromFile(file);
    if (context) {
      if (!kc.getContextObject(context)) throw new Error(`context "${context}" is not in ${file}`);
      kc.setCurrentContext(context);
    }
    return new KubeClient(kc, opts);
  }

  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? '';
  }

  /** TLS material and auth headers from the KubeConfig, resolved once per client. */
  private async connection(): Promise<Connection> {
    if (!this.conn) {
      const o: https.RequestOptions = {};
      await this.kc.applyToHTTPSOptions(o);
      // One SecureContext for every connection: given ca/cert/key, each new socket would parse them again.
      const secureContext = tls.createSecureContext({ ...(o.ca ? { ca: o.ca } : {}), ...(o.cert ? { cert: o.cert } : {}), ...(o.key ? { key: o.key } : {}) });
      const connect = { secureContext, ...(o.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}), ...(o.servername ? { servername: o.servername } : {}) };
      const origin = new URL(this.server).origin;
      this.conn = {
        headers: { accept: 'application/json', ...(o.headers as Record<string, string> | undefined), 'user-agent': this.opts.userAgent ?? 'kubefed-controller-manager' },
        pool: new Pool(origin, { connections: this.opts.maxInFlight ?? 16, connect }),
        // Health probes get their own connection, so a busy pool does not read as an unhealthy cluster.
        probes: new Pool(origin, { connections: 1, connect }),
        streams: new Pool(origin, { connect, headersTimeout: 0, bodyTimeout: 0 }),
      };
    }
    return this.conn;
  }

  private async acquire(): Promise<void> {
    const max = this.opts.maxInFlight ?? 16;
    if (this.inFlight < max) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
  }

  private release(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }

  /** One request; JSON in, JSON out. Throws KubeApiError for HTTP errors. */
  async request<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    if (this.closed) throw new Error('client is closed');
    await this.acquire();
    const started = performance.now();
    let status = 0;
    try {
      const { headers: base, pool } = await this.connection();
      const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const headers = data === undefined ? base : { ...base, 'content-type': contentType };
      const timeout = this.opts.timeoutMs ?? 30_000;
      const res = await pool.request({ method: method as Dispatcher.HttpMethod, path, headers, ...(data !== undefined ? { body: data } : {}), headersTimeout: timeout, bodyTimeout: timeout });
      const text = await res.body.text();
      status = res.statusCode;
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = { message: text };
      }
      if (res.statusCode >= 400) throw new KubeApiError(res.statusCode, json as KubeApiError['body'], `${method} ${path.split('?')[0]}`);
      return json as T;
    } finally {
      this.release();
      this.opts.onResponse?.({ method, status, seconds: (performance.now() - started) / 1000 });
    }
  }

  // --- discovery ------------------------------------------------------------------------------

  private groupVersionResources(apiVersion: string): Promise<ApiResourceInfo[]> {
    let p = this.discovery.get(apiVersion);
    if (!p) {
      const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
      p = this.request<{ resources: { name: string; kind: string; namespaced: boolean; verbs: string[] }[] }>('GET', group ? `/apis/${group}/${version}` : `/api/${version}`).then((l) =>
        l.resources
          .filter((r) => !r.name.includes('/'))
          .map((r) => ({ group: group!, version: version!, apiVersion, kind: r.kind, plural: r.name, namespaced: r.namespaced, verbs: r.verbs })),
      );
      p.catch(() => this.discovery.delete(apiVersion));
      this.discovery.set(apiVersion, p);
    }
    return p;
  }

  /** Forgets discovery (e.g. after a CRD was added). */
  resetDiscovery(): void {
    this.discovery.clear();
  }

  async resource(apiVersion: string, kind: string): Promise<ApiResourceInfo> {
    const r = (await this.groupVersionResources(apiVersion)).find((x) => x.kind === kind);
    if (r) return r;
    // The type may have been added since discovery was cached.
    this.discovery.delete(apiVersion);
    const again = (await this.groupVersionResources(apiVersion)).find((x) => x.kind === kind);
    if (!again) throw new KubeApiError(404, { reason: 'NotFound', message: `the server has no resource for kind ${kind} in ${apiVersion}` }, `discover ${apiVersion} ${kind}`);
    return again;
  }

  /**
   * Resolves once the API serves the kind (a CRD just created becomes served when it is
   * Established); throws after the timeout, or at once when `stopped()` turns true.
   */
  async waitServed(apiVersion: string, kind: string, o: { timeoutMs?: number; stopped?: () => boolean } = {}): Promise<ApiResourceInfo> {
    const timeoutMs = o.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
      try {
        return await this.resource(apiVersion, kind);
      } catch (e) {
        if (e instanceof KubeApiError && (e.status === 401 || e.status === 403)) throw e;
        if (Date.now() + delay > deadline || o.stopped?.()) throw new Error(`${kind} (${apiVersion}) is not served after ${timeoutMs / 1000} s: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  }

  static path(r: ApiResourceInfo, namespace?: string, name?: string, subresource?: string): string {
    const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
    const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${ns}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ''}${subresource ? `/${subresource}` : ''}`;
  }

  // --- objects ----------------------------------------------------------------------------------

  async get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KObject | undefined> {
    const r = await this.resource(apiVersion, kind);
    try {
      return await this.request<KObject>('GET', KubeClient.path(r, namespace, name));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async list(apiVersion: string, kind: string, q: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {}): Promise<KubernetesListObject<any>> {
    const r = await this.resource(apiVersion, kind);
    const params = new URLSearchParams();
    if (q.labelSelector) params.set('labelSelector', q.labelSelector);
    if (q.fieldSelector) params.set('fieldSelector', q.fieldSelector);
    const qs = params.toString();
    return this.request('GET', KubeClient.path(r, q.namespace) + (qs ? `?${qs}` : ''));
  }

  async create(obj: KObject, opts: { fieldManager?: string } = {}): Promise<KObject> {
    const r = await this.resource(obj.apiVersion!, obj.kind!);
    return this.request('POST', KubeClient.path(r, obj.metadata?.namespace) + (opts.fieldManager ? `?fieldManager=${encodeURIComponent(opts.fieldManager)}` : ''), obj);
  }

  /** PUT; the object's metadata.resourceVersion is the precondition. */
  async replace(obj: KObject, opts: { fieldManager?: string; subresource?: 'status' } = {}): Promise<KObject> {
    const r = await this.resource(obj.apiVersion!, obj.kind!);
    return this.request('PUT', KubeClient.path(r, obj.metadata?.namespace, obj.metadata!.name!, opts.subresource) + (opts.fieldManager ? `?fieldManager=${encodeURIComponent(opts.fieldManager)}` : ''), obj);
  }

  async patch(apiVersion: string, kind: string, namespace: string | undefined, name: string, patch: unknown, type: PatchKind, opts: { fieldManager?: string; force?: boolean; subresource?: string } = {}): Promise<KObject> {
    const r = await this.resource(apiVersion, kind);
    const params = new URLSearchParams();
    if (opts.fieldManager) params.set('fieldManager', opts.fieldManager);
    if (opts.force) params.set('force', 'true');
    const qs = params.toString();
    return this.request('PATCH', KubeClient.path(r, namespace, name, opts.subresource) + (qs ? `?${qs}` : ''), patch, PATCH_TYPES[type]);
  }

  /** DELETE; false if the object was already gone. */
  async delete(apiVersion: string, kind: string, namespace: string | undefined, name: string, opts: { propagationPolicy?: 'Background' | 'Foreground' | 'Orphan'; gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string } } = {}): Promise<boolean> {
    const r = await this.resource(apiVersion, kind);
    try {
      await this.request('DELETE', KubeClient.path(r, namespace, name), { apiVersion: 'v1', kind: 'DeleteOptions', ...opts });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  /**
   * A raw request with this client's credentials whose answer is streamed as it comes (a proxy's
   * request, a watch): headers given win over the client's own, except authentication.
   */
  async stream(o: { method: string; path: string; headers?: Record<string, string>; body?: Dispatcher.DispatchOptions['body']; signal?: AbortSignal }): Promise<Dispatcher.ResponseData> {
    if (this.closed) throw new Error('client is closed');
    const { headers, streams } = await this.connection();
    const auth = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() === 'authorization'));
    return streams.request({ method: o.method as Dispatcher.HttpMethod, path: o.path, headers: { ...headers, ...(o.headers ?? {}), ...auth }, ...(o.body !== undefined ? { body: o.body } : {}), ...(o.signal ? { signal: o.signal } : {}) });
  }

  /** GET /healthz (or another health path) with a short timeout. */
  async probe(path = '/healthz', timeoutMs = 3_000): Promise<{ ok: boolean; status?: number; error?: string }> {
    try {
      const { headers, probes } = await this.connection();
      const res = await probes.request({ method: 'GET', path, headers, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs) });
      await res.body.dump();
      return { ok: res.statusCode === 200, status: res.statusCode };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  }

  /**
   * An informer (client-node ListWatch) over one kind, cluster-wide or in one namespace, kept
   * running: after a failed watch it relists and watches again with backoff.
   */
  async informer(apiVersion: string, kind: string, opts: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {}): Promise<Informer> {
    const r = await this.resource(apiVersion, kind);
    const path = KubeClient.path(r, opts.namespace);
    const listFn = () => this.list(apiVersion, kind, opts);
    const lw = new ListWatch<any>(path, new Watch(this.kc), listFn, false, opts.labelSelector, opts.fieldSelector);
    let synced = false;
    let stopped = false;
    let backoff = 200;
    lw.on('connect', () => {
      synced = true;
      backoff = 200;
    });
    lw.on('error', () => {
      if (stopped) return;
      const t = setTimeout(() => {
        if (!stopped) lw.start().catch(() => undefined);
      }, backoff);
      t.unref();
      backoff = Math.min(backoff * 2, 10_000);
    });
    return {
      on: (event: string, fn: (x: any) => void) => lw.on(event as 'add', fn),
      get: (name, namespace) => lw.get(name, namespace),
      list: (namespace) => lw.list(namespace),
      start: async () => {
        stopped = false;
        await lw.start();
        synced = true;
      },
      stop: async () => {
        stopped = true;
        await lw.stop();
      },
      get synced() {
        return synced;
      },
    } as Informer;
  }

  close(): void {
    this.closed = true;
    void this.conn?.pool.destroy().catch(() => undefined);
    void this.conn?.probes.destroy().catch(() => undefined);
    void this.conn?.streams.destroy().catch(() => undefined);
  }
}
