/**
 * The API server: storage, watch cache, resource registry, authentication and RBAC, the
 * in-process controllers a cluster needs (namespaces, garbage collection, CRDs), and the HTTPS
 * front end that routes each request. One instance is the federation's API; the playground
 * runs one per simulated cluster.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Registry as MetricsRegistry } from 'prom-client';
import type { KObject } from '../apis/object.js';
import { loadOrCreatePki, type Pki } from '../pki/store.js';
import type { StorageBackend } from '../storage/backend.js';
import { describeStorage, openStorage, type StorageConfig } from '../storage/open.js';
import { ObjectStore } from '../storage/object-store.js';
import { WatchCache } from '../storage/watch-cache.js';
import { Authenticator } from './auth/authenticator.js';
import { impersonatedUser } from './auth/impersonation.js';
import { CachedRbacObjects } from './auth/rbac-objects.js';
import { RbacAuthorizer } from './auth/rbac.js';
import { ServiceAccountTokens } from './auth/serviceaccount-tokens.js';
import { anonymousUser, type UserInfo } from './auth/types.js';
import { bootstrap } from './bootstrap.js';
import { GarbageCollector } from './controllers/garbage-collector.js';
import { NamespaceLifecycle } from './controllers/namespace-lifecycle.js';
import { CrdController } from './crd/controller.js';
import { badRequest, forbidden, StatusError, toStatusError } from './errors.js';
import { aggregatedDiscoveryVersion, Discovery } from './handlers/discovery.js';
import { handleResource, type SubresourceHandler } from './handlers/resource.js';
import { answerReview } from './handlers/reviews.js';
import { namespaceFinalize, podBinding, podEviction, podLog, serviceAccountToken, type PodLogSource } from './handlers/subresources.js';
import { readBody } from './http/body.js';
import { ApiServerMetrics } from './http/metrics.js';
import { parseAccept, setWarnings, writeJsonText, writeObject, writeStatus } from './http/respond.js';
import { OpenAPIDocuments } from './openapi/documents.js';
import { OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from './openapi/v2-protobuf.js';
import { checkMatchConditionExpression } from './admission/match-conditions.js';
import { admissionregistrationResources } from './registry/builtin/admissionregistration.js';
import { apiextensionsResources } from './registry/builtin/apiextensions.js';
import { appsResources } from './registry/builtin/apps.js';
import { coreResources } from './registry/builtin/core.js';
import { legacyResources } from './registry/builtin/legacy.js';
import { networkingResources } from './registry/builtin/networking.js';
import { rbacResources, reviewResources } from './registry/builtin/rbac.js';
import { DEFAULT_RANGES, ServiceAllocator, type ServiceRanges } from './registry/builtin/service-allocator.js';
import { Registry } from './registry/registry.js';
import type { ObjectLookup, ResourceType } from './registry/types.js';
import { parseRequestInfo, type RequestInfo } from './request-info.js';
import type { AdmissionPlugin, Api } from './rest/context.js';
import { decodeObject, parseBody } from './rest/decode-body.js';

export const KUBERNETES_VERSION = { major: '1', minor: '33', gitVersion: 'v1.33.0-kubefed' };

export interface ApiServerOptions {
  dataDir: string;
  port?: number;
  bindAddress?: string;
  /** Extra names and addresses for the serving certificate. */
  hosts?: string[];
  tokenFile?: string;
  serviceRanges?: ServiceRanges;
  /** 'full' (default) survives power loss; 'normal' survives process crashes. */
  storageSync?: 'full' | 'normal';
  /** Where state lives: embedded SQLite in dataDir (default) or etcd (shared by several API servers). */
  storage?: StorageConfig;
  /** Recent events kept for watch resumption. */
  historySize?: number;
  bookmarkIntervalMs?: number;
  /** A watcher with more unsent bytes than this is disconnected (default 16 MiB). */
  watchMaxBufferedBytes?: number;
  logger?: Logger;
  /** Extra subresource handlers keyed "group/resource/subresource" ("/pods/log" for core), e.g. from the playground. */
  subresources?: Map<string, SubresourceHandler>;
  podLogs?: PodLogSource;
  /** Validation plug-ins for writes (the federation's checks of its own types). */
  admission?: AdmissionPlugin[];
  /** Whether to run the namespace controller's default ServiceAccount creation. */
  defaultServiceAccounts?: boolean;
  /** The registry /metrics serves (default: the server's own); the control plane adds its controllers' metrics to it. */
  metricsRegistry?: MetricsRegistry;
}

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

export class ApiServer {
  readonly api: Api;
  readonly registry = new Registry();
  readonly log: Logger;
  private server!: Server;
  private pki!: Pki;
  private backend!: StorageBackend;
  private cache!: WatchCache;
  private authenticator!: Authenticator;
  private authorizer!: RbacAuthorizer;
  private rbacObjects!: CachedRbacObjects;
  private tokens!: ServiceAccountTokens;
  private discovery!: Discovery;
  private openapi!: OpenAPIDocuments;
  private gc!: GarbageCollector;
  private namespaces!: NamespaceLifecycle;
  private crds!: CrdController;
  private readonly subresources = new Map<string, SubresourceHandler>();
  private metrics!: ApiServerMetrics;
  private ready = false;
  private readonly sockets = new Set<import('node:stream').Duplex>();
  port = 0;

  private constructor(readonly opts: ApiServerOptions) {
    this.log = opts.logger ?? pino({ level: process.env.KUBEFED_LOG_LEVEL ?? 'info' }, pino.destination(2));
    // Filled in start(); the lookup reads through the cache.
    this.api = { store: undefined as unknown as ObjectStore, registry: this.registry, lookup: this.lookup(), ...(opts.admission ? { admission: opts.admission } : {}) };
  }

  static async start(opts: ApiServerOptions): Promise<ApiServer> {
    const s = new ApiServer(opts);
    await s.init();
    return s;
  }

  get url(): string {
    const host = this.opts.bindAddress && this.opts.bindAddress !== '0.0.0.0' ? this.opts.bindAddress : '127.0.0.1';
    return `https://${host.includes(':') ? `[${host}]` : host}:${this.port}`;
  }

  get caPem(): string {
    return this.pki.ca.certPem;
  }

  get adminCredentials(): { certPem: string; keyPem: string } {
    return { certPem: this.pki.admin.certPem, keyPem: this.pki.admin.keyPem };
  }

  /** A kubeconfig entry for the admin user. */
  kubeconfigEntry(name: string): { name: string; server: string; caPem: string; clientCertPem: string; clientKeyPem: string } {
    return { name, server: this.url, caPem: this.caPem, clientCertPem: this.pki.admin.certPem, clientKeyPem: this.pki.admin.keyPem };
  }

  private lookup(): ObjectLookup {
    return {
      get: (type, ns, name) => this.api.store.get(type, ns, name)?.obj,
      list: (type, ns) => this.api.store.list(type, ns).map((c) => c.obj),
      type: (group, resource) => this.registry.byGroupResource(group, resource),
    };
  }

  private async init(): Promise<void> {
    const o = this.opts;
    const bind = o.bindAddress ?? '127.0.0.1';
    this.pki = await loadOrCreatePki(join(o.dataDir, 'pki'), { hosts: [bind, ...(o.hosts ?? [])].filter((h) => h !== '0.0.0.0') });
    this.backend = await openStorage(o.storage, o.dataDir, o.storageSync ?? 'full', this.log);
    this.cache = new WatchCache(this.backend, {
      historySize: o.historySize ?? 20_000,
      onRelist: (err, revision) => this.log.warn({ err: err.message, revision }, 'watch cache relisted from storage'),
    });
    await this.cache.start();
    (this.api as { store: ObjectStore }).store = new ObjectStore(this.backend, this.cache);

    const allocator = new ServiceAllocator(o.serviceRanges ?? DEFAULT_RANGES);
    for (const t of [
      ...coreResources(allocator),
      ...appsResources(),
      ...networkingResources(),
      ...rbacResources(),
      ...reviewResources(),
      ...apiextensionsResources(),
      ...admissionregistrationResources({ checkExpression: checkMatchConditionExpression }),
    ]) {
      this.registry.add(t);
    }
    for (const t of legacyResources((g, r) => this.registry.byGroupResource(g, r)!)) this.registry.add(t);

    this.tokens = new ServiceAccountTokens({
      privateKeyPem: this.pki.serviceAccountKey.privateKeyPem,
      lookupServiceAccount: (ns, name) => this.identity('', 'serviceaccounts', ns, name),
      lookupBoundObject: (kind, ns, name) =>
        kind === 'Pod' ? this.identity('', 'pods', ns, name) : kind === 'Secret' ? this.identity('', 'secrets', ns, name) : kind === 'Node' ? this.identity('', 'nodes', '', name) : undefined,
    });
    this.authenticator = new Authenticator({ ...(o.tokenFile ? { tokenFile: o.tokenFile } : {}), serviceAccountTokens: this.tokens });
    this.rbacObjects = new CachedRbacObjects(this.cache);
    this.authorizer = new RbacAuthorizer(this.rbacObjects);
    // RBAC writes are checked for privilege escalation against the same authorizer.
    this.api.authorizer = this.authorizer;

    this.subresources.set('/serviceaccounts/token', serviceAccountToken(this.tokens));
    this.subresources.set('/namespaces/finalize', namespaceFinalize);
    this.subresources.set('/pods/binding', podBinding);
    this.subresources.set('/pods/eviction', podEviction);
    this.subresources.set('/pods/log', podLog(o.podLogs));
    for (const [k, v] of o.subresources ?? []) this.subresources.set(k, v);

    this.crds = new CrdController(this.api, this.registry);
    this.crds.loadAll();
    this.discovery = new Discovery(this.registry, () => `${this.opts.bindAddress ?? '127.0.0.1'}:${this.port}`);
    this.openapi = new OpenAPIDocuments(this.registry, KUBERNETES_VERSION.gitVersion);
    this.initMetrics();

    this.server = createServer(
      {
        key: this.pki.serving.keyPem,
        cert: this.pki.serving.certPem,
        ca: this.pki.ca.certPem,
        requestCert: true,
        rejectUnauthorized: false,
        keepAliveTimeout: 60_000,
      },
      (req, res) => void this.handle(req, res),
    );
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await this.listen(o.port ?? 6443);

    await bootstrap(this.api, { address: bind === '0.0.0.0' ? '127.0.0.1' : bind, port: this.port, clusterIP: allocator.firstIp() });
    this.gc = new GarbageCollector(this.api);
    this.gc.start();
    this.namespaces = new NamespaceLifecycle(this.api, { defaultServiceAccount: o.defaultServiceAccounts ?? true, rootCaPem: this.pki.ca.certPem });
    this.namespaces.start();
    this.crds.start();
    this.ready = true;
    this.log.info({ url: this.url, dataDir: o.dataDir, storage: describeStorage(o.storage, o.dataDir) }, 'API server listening');
  }

  private listen(port: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen(port, this.opts.bindAddress ?? '127.0.0.1', () => {
        this.server.off('error', onError);
        this.port = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Whether the API accepts connections (false while suspended). */
  get listening(): boolean {
    return this.server.listening;
  }

  /**
   * Stops accepting connections and drops open ones, while storage and in-process controllers
   * keep running (a cluster whose API is unreachable from outside).
   */
  async suspendListener(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  /** Accepts connections again on the same address and port. */
  async resumeListener(): Promise<void> {
    if (this.server.listening) return;
    await this.listen(this.port);
  }

  private identity(group: string, resource: string, ns: string, name: string) {
    const t = this.registry.byGroupResource(group, resource);
    const o = t ? this.api.store.get(t, ns, name)?.obj : undefined;
    return o ? { uid: o.metadata!.uid!, ...(o.metadata?.deletionTimestamp ? { deletionTimestamp: o.metadata.deletionTimestamp } : {}) } : undefined;
  }

  /** Waits until the in-process controllers have nothing queued (for tests). */
  async settle(): Promise<void> {
    await Promise.all([this.gc.idle(), this.namespaces.idle(), this.crds.idle()]);
  }

  /** kube-apiserver's metrics (http/metrics.ts); stored objects are counted per resource in the watch cache. */
  private initMetrics(): void {
    this.metrics = new ApiServerMetrics(this.opts.metricsRegistry, {
      revision: () => this.cache.currentRevision(),
      objectCounts: () => this.registry.all().flatMap((t) => (t.verbs.includes('list') && this.registry.storageOwner(t.storagePrefix) === t ? [{ group: t.group, resource: t.resource, count: this.cache.count(t.storagePrefix) }] : [])),
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    let info: RequestInfo | undefined;
    let query: URLSearchParams | undefined;
    let inflight: (() => void) | undefined;
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const path = decodedPath(url.pathname);
      query = url.searchParams;
      let user: UserInfo | null = await this.authenticator.authenticate(req);
      if (!user) {
        if (!PUBLIC_PATHS.has(path) && !path.startsWith('/healthz/') && !path.startsWith('/livez/') && !path.startsWith('/readyz/')) {
          throw new StatusError(401, 'Unauthorized', 'Unauthorized');
        }
        user = anonymousUser();
      }
      if (user.username !== 'system:anonymous') user = impersonatedUser(req.headers, user, this.authorizer);
      info = parseRequestInfo(req.method ?? 'GET', path, query);
      inflight = this.metrics.begin(info, res);
      if (user.username !== 'system:anonymous') this.authorize(user, info);
      if (info.isResourceRequest) await this.handleResourceRequest(req, res, info, query, user);
      else await this.handleNonResource(req, res, path, query);
    } catch (e) {
      const err = toStatusError(e);
      if (err.code >= 500) this.log.error({ err: e, url: req.url, method: req.method }, 'request failed');
      if (!res.headersSent) writeStatus(res, err);
      else res.end();
    } finally {
      // A body nobody read (e.g. on a GET) must not be parsed as the next request on this connection.
      if (!req.readableEnded) req.resume();
      inflight?.();
      this.metrics.record(req, res, info, query, started);
    }
  }

  private authorize(user: UserInfo, info: RequestInfo): void {
    const d = this.authorizer.authorize({
      user,
      verb: info.verb,
      isResourceRequest: info.isResourceRequest,
      apiGroup: info.apiGroup,
      resource: info.resource,
      subresource: info.subresource,
      namespace: info.namespace,
      name: info.name,
      path: info.path,
    });
    if (d.allowed) return;
    const who = `User "${user.username}"`;
    if (!info.isResourceRequest) {
      throw forbidden(`forbidden: ${who} cannot ${info.verb} path "${info.path}"`, {});
    }
    const res = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
    const qualified = info.apiGroup ? `${info.resource}.${info.apiGroup}` : info.resource;
    const subject = info.name ? `${qualified} "${info.name}"` : qualified;
    const scope = info.namespace ? `in the namespace "${info.namespace}"` : 'at the cluster scope';
    throw forbidden(`${subject} is forbidden: ${who} cannot ${info.verb} resource "${res}" in API group "${info.apiGroup}" ${scope}${d.reason ? `: ${d.reason}` : ''}`, {
      ...(info.name ? { name: info.name } : {}),
      group: info.apiGroup,
      kind: info.resource,
    });
  }

  private async handleResourceRequest(req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams, user: UserInfo): Promise<void> {
    const resolved = this.registry.find(info.apiGroup, info.apiVersion, info.resource);
    if (!resolved) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const { type, version } = resolved;
    const warnings: string[] = version.deprecationWarning ? [version.deprecationWarning] : [];
    if (type.verbs.length === 1 && type.verbs[0] === 'create' && !info.subresource) {
      // Review kinds: answered, not stored.
      if (info.verb !== 'create') throw new StatusError(405, 'MethodNotAllowed', `${info.verb} is not supported on resources of kind "${type.resource}.${type.group}"`);
      const body = parseBody(await readBody(req), req.headers['content-type']);
      const ctx = { user, now: new Date(), dryRun: false, fieldManager: '', fieldValidation: 'Warn' as const, warnings };
      const obj = decodeObject(body, type, version, ctx);
      const answer = await answerReview({ authorizer: this.authorizer, authenticator: this.authenticator }, type, user, obj as KObject, info.namespace);
      setWarnings(res, warnings);
      writeObject(res, 201, answer);
      return;
    }
    if (warnings.length) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
    await handleResource(
      { api: this.api, subresources: this.subresources, watch: { bookmarkIntervalMs: this.opts.bookmarkIntervalMs ?? 60_000, maxBufferedBytes: this.opts.watchMaxBufferedBytes ?? 16 * 1024 * 1024 } },
      req,
      res,
      info,
      query,
      user,
      resolved,
    );
    if (info.verb === 'watch') this.metrics.longRunning.trackWatch(info, query, res);
  }

  private async handleNonResource(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const accept = parseAccept(req.headers.accept);
    const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    if (p === '/healthz' || p === '/livez' || p === '/readyz' || /^\/(healthz|livez|readyz)\//.test(p)) return await this.health(res, p, query);
    if (p === '/version') return writeObject(res, 200, this.version());
    if (p === '/metrics') return this.metrics.serve(res);
    if (p === '/api' || p === '/apis') {
      const agg = aggregatedDiscoveryVersion(accept);
      if (agg) {
        const legacy = p === '/api';
        const body = this.discovery.aggregated(legacy, agg);
        const etag = this.discovery.etag(legacy, agg);
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, { ETag: etag });
          res.end();
          return;
        }
        res.setHeader('ETag', etag);
        return writeJsonText(res, 200, body, `application/json;g=apidiscovery.k8s.io;v=${agg};as=APIGroupDiscoveryList`);
      }
      return writeJsonText(res, 200, p === '/api' ? this.discovery.apiVersions() : this.discovery.apiGroupList());
    }
    let m = /^\/api\/([^/]+)$/.exec(p);
    if (m) {
      const doc = this.discovery.resourceList('', m[1]!);
      if (doc) return writeJsonText(res, 200, doc);
    }
    m = /^\/apis\/([^/]+)$/.exec(p);
    if (m) {
      const doc = this.discovery.apiGroup(m[1]!);
      if (doc) return writeJsonText(res, 200, doc);
    }
    m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
    if (m) {
      const doc = this.discovery.resourceList(m[1]!, m[2]!);
      if (doc) return writeJsonText(res, 200, doc);
    }
    if (p === '/openapi/v2') {
      // client-go's OpenAPI v2 getter asks only for gnostic protobuf.
      if (accept.some((a) => a.mediaType.startsWith('application/com.github.proto-openapi.spec.v2'))) {
        const body = this.openapi.v2Protobuf();
        res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF_CONTENT_TYPE, 'Content-Length': body.length });
        res.end(body);
        return;
      }
      return writeJsonText(res, 200, this.openapi.v2());
    }
    if (p === '/openapi/v3') return writeJsonText(res, 200, this.openapi.v3Index());
    if (p.startsWith('/openapi/v3/')) {
      const doc = this.openapi.v3(p.slice('/openapi/v3/'.length));
      if (doc) {
        const immutable = query.get('hash') === doc.hash;
        res.setHeader('Cache-Control', immutable ? 'public, immutable' : 'no-cache, private');
        res.setHeader('ETag', `"${doc.hash}"`);
        return writeJsonText(res, 200, doc.json);
      }
    }
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }

  private async health(res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    // Storage answers (kube-apiserver's etcd check); not part of liveness, so replicas are not restarted while etcd is down.
    const storage = this.ready && this.backend.health && !path.startsWith('/livez') ? await this.backend.health() : { ok: this.ready };
    if (!storage.ok && storage.reason) this.log.warn({ reason: storage.reason }, `${path}: storage check failed`);
    const reasons = new Map<string, string>(storage.reason ? [['etcd', storage.reason]] : []);
    const checks: [string, boolean][] = [
      ['ping', true],
      ['etcd', storage.ok],
      ['poststarthook/start-apiextensions-controllers', this.ready],
      ['poststarthook/bootstrap-controller', this.ready],
    ];
    const sub = path.split('/')[2];
    const relevant = sub ? checks.filter(([n]) => n === sub || n === `poststarthook/${sub}`) : checks;
    if (sub && relevant.length === 0) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    const ok = relevant.every(([, v]) => v);
    const kind = path.slice(1).split('/')[0];
    let body = ok ? 'ok' : `[-]${relevant.find(([, v]) => !v)![0]} failed: reason withheld\n${kind} check failed`;
    if (query.has('verbose')) {
      body = relevant.map(([n, v]) => `[${v ? '+' : '-'}]${n} ${v ? 'ok' : `failed${reasons.has(n) ? `: ${reasons.get(n)}` : ''}`}`).join('\n') + `\n${kind} check ${ok ? 'passed' : 'failed'}\n`;
    }
    res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(body);
  }

  private version() {
    return {
      ...KUBERNETES_VERSION,
      gitCommit: '0000000000000000000000000000000000000000',
      gitTreeState: 'clean',
      buildDate: '2026-01-01T00:00:00Z',
      goVersion: `node${process.versions.node}`,
      compiler: 'tsc',
      platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
    };
  }

  /** Types served now (for the playground and tests). */
  resourceType(group: string, resource: string): ResourceType | undefined {
    return this.registry.byGroupResource(group, resource);
  }

  async close(): Promise<void> {
    this.ready = false;
    this.gc?.stop();
    this.namespaces?.stop();
    this.crds?.stop();
    this.rbacObjects?.close();
    await this.suspendListener();
    this.cache.stop();
    await this.backend.close();
  }
}

/** The request path with %xx escapes decoded, as Go's net/http hands it to kube-apiserver. */
function decodedPath(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest(`invalid URL escape in path "${raw}"`);
  }
}
