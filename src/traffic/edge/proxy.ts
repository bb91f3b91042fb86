/**
 * The global ingress edge's proxy engine. It listens for HTTP and HTTPS (SNI) clients, routes each
 * request by the current EdgeConfig snapshot, asks the Balancer for an endpoint, proxies over
 * keep-alive connections, retries failed tries elsewhere, checks endpoints actively and ejects
 * failing ones, and serves metrics, health and the traffic split on its admin address.
 *
 *   const edge = await EdgeProxy.start({ httpAddress: { host: '0.0.0.0', port: 80 }, balancer, locate });
 *   edge.setConfig(cfg);          // atomic; endpoint state survives by Endpoint.id
 *   ...
 *   await edge.close();
 */
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { createSecureContext, createServer as createTlsServer, type SecureContext, type Server as TlsServer, type TLSSocket } from 'node:tls';
import pino, { type Logger } from 'pino';
import type { Balancer } from '../locality/balancer-api.js';
import { emptyEdgeConfig, type EdgeConfig, type Endpoint, type Location } from '../model.js';
import { AccessLog } from './access-log.js';
import { createAdminServer } from './admin.js';
import { ClientConn } from './connection.js';
import { EndpointTable, type EndpointCondition, type EndpointState } from './endpoints.js';
import { TrustedProxies } from './forwarded.js';
import { ActiveChecker, DEFAULT_ACTIVE, type ActiveCheckOptions } from './health/active.js';
import { DEFAULT_OUTLIER, OutlierDetector, type OutlierOptions } from './health/outlier.js';
import { EdgeMetrics } from './metrics.js';
import { DEFAULT_RETRY, type RetryOptions } from './retry.js';
import { Router } from './router.js';
import { DEFAULT_TIMEOUTS, type EdgeRuntime, type Timeouts, type Tunables } from './runtime.js';
import { SplitWindow, type Split } from './split.js';
import { CertificateStore, selfSignedCertificate } from './tls.js';

export interface ListenAddress {
  host: string;
  /** 0: any free port (see EdgeProxy.httpPort and friends). */
  port: number;
}

export interface EdgeProxyOptions {
  httpAddress?: ListenAddress;
  httpsAddress?: ListenAddress;
  adminAddress?: ListenAddress;
  balancer: Balancer;
  /** Where a client address is (the CIDR table of EdgeConfig.locations, or a GeoIP database). Default: nowhere known. */
  locate?: (ip: string) => Location;
  /** The first configuration (default: empty; /readyz fails until one is set). */
  config?: EdgeConfig;
  timeouts?: Partial<Timeouts>;
  retry?: Partial<RetryOptions>;
  outlier?: Partial<OutlierOptions>;
  activeChecks?: Partial<ActiveCheckOptions>;
  /** Largest request or response head (default 64 KiB). */
  maxHeadBytes?: number;
  /** Idle keep-alive connections kept per endpoint (default 256). */
  maxIdlePerEndpoint?: number;
  /** One JSON line per request: true (stdout), a file descriptor or path, or an AccessLog. Default off. */
  accessLog?: boolean | number | string | AccessLog;
  /** Events (configuration problems, ejections, endpoints failing checks). Default: warnings to stderr. */
  logger?: Logger;
  /** How often deadlines and idle timeouts are checked (default 100 ms). */
  sweepIntervalMs?: number;
  /** How far back split() can look (default 300 s). */
  splitSeconds?: number;
}

export interface EndpointStatus {
  id: string;
  cluster: string;
  region?: string;
  zone?: string;
  state: EndpointCondition;
  ejections: number;
  connections: number;
}

export class EdgeProxy {
  private readonly rt: EdgeRuntime;
  private readonly conns = new Set<ClientConn>();
  private readonly handshaking = new Set<Socket>();
  private readonly active: ActiveChecker;
  private readonly log: Logger;
  private http: NetServer | undefined;
  private https: TlsServer | undefined;
  private admin: HttpServer | undefined;
  private certs: CertificateStore | undefined;
  private selfSigned: SecureContext | undefined;
  private defaultCertKey = '';
  private sweeper: NodeJS.Timeout | undefined;
  private generation = 0;
  private readonly sweepEveryMs: number;
  /** The current sweep came about when it was due (the event loop was not held up). */
  private sweepOnTime = true;
  private configured = false;
  private closed = false;

  private constructor(opts: EdgeProxyOptions, tunables: Tunables, accessLog: AccessLog | undefined) {
    this.sweepEveryMs = opts.sweepIntervalMs ?? 100;
    this.log = opts.logger ?? pino({ level: process.env.KUBEFED_LOG_LEVEL ?? 'warn', base: { component: 'edge' } }, pino.destination(2));
    const endpoints = new EndpointTable({ idleTimeoutMs: tunables.timeouts.upstreamIdleMs, maxIdle: tunables.maxIdlePerEndpoint });
    const cfg = emptyEdgeConfig();
    const metrics = new EdgeMetrics({
      endpoints: () => endpoints.values(),
      connections: () => this.conns.size,
      inFlight: () => this.rt.inFlight,
      configGeneration: () => this.generation,
    });
    const outlier = new OutlierDetector(tunables.outlier, endpoints, (st) => {
      metrics.ejected(st.ep.cluster);
      this.log.info({ endpoint: st.ep.id, forMs: Math.round(st.ejectedUntil - performance.now()), ejections: st.ejections }, 'endpoint ejected');
      this.endpointDown(st);
    });
    this.rt = {
      snapshot: { config: cfg, router: new Router(cfg), trust: new TrustedProxies([]), generation: 0 },
      tunables,
      endpoints,
      balancer: opts.balancer,
      locate: opts.locate ?? (() => ({})),
      outlier,
      metrics,
      split: new SplitWindow(opts.splitSeconds ?? 300),
      accessLog,
      refused: (st) => this.active.markDown(st),
      stallMs: tunables.activeChecks.intervalMs > 0 ? tunables.activeChecks.intervalMs + tunables.activeChecks.timeoutMs : 0,
      // Not after a late sweep: what came while the event loop was blocked is not read yet.
      stalled: (st) => this.sweepOnTime && this.active.markDown(st),
      inFlight: 0,
      now: performance.now(),
      clock: () => performance.timeOrigin + this.rt.now,
    };
    this.active = new ActiveChecker(tunables.activeChecks, (st) => {
      this.log.info({ endpoint: st.ep.id, failing: st.activeDown }, st.activeDown ? 'endpoint failing active checks' : 'endpoint passing active checks');
      if (st.activeDown) this.endpointDown(st);
    });
  }

  static async start(opts: EdgeProxyOptions): Promise<EdgeProxy> {
    const tunables: Tunables = {
      timeouts: { ...DEFAULT_TIMEOUTS, ...opts.timeouts },
      retry: { ...DEFAULT_RETRY, ...opts.retry },
      outlier: { ...DEFAULT_OUTLIER, ...opts.outlier },
      activeChecks: { ...DEFAULT_ACTIVE, ...opts.activeChecks },
      maxHeadBytes: opts.maxHeadBytes ?? 64 * 1024,
      maxIdlePerEndpoint: opts.maxIdlePerEndpoint ?? 256,
    };
    const a = opts.accessLog;
    const accessLog = a instanceof AccessLog ? a : a === true ? AccessLog.create() : typeof a === 'number' || typeof a === 'string' ? AccessLog.create(a) : undefined;
    const edge = new EdgeProxy(opts, tunables, accessLog);
    try {
      await edge.listen(opts);
    } catch (e) {
      await edge.close();
      throw e;
    }
    if (opts.config) edge.setConfig(opts.config);
    const every = edge.sweepEveryMs;
    let ticks = 0;
    edge.sweeper = setInterval(() => edge.sweep(++ticks % Math.max(1, Math.round(1000 / every)) === 0), every);
    edge.sweeper.unref();
    return edge;
  }

  private async listen(opts: EdgeProxyOptions): Promise<void> {
    if (opts.httpAddress) {
      this.http = createNetServer({ noDelay: true, allowHalfOpen: true }, (s) => this.accept(s, false));
      await listenOn(this.http, opts.httpAddress);
    }
    if (opts.httpsAddress) {
      const own = await selfSignedCertificate();
      this.selfSigned = createSecureContext({ cert: own.certPem, key: own.keyPem });
      this.certs = new CertificateStore([], this.selfSigned);
      this.defaultCertKey = 'self';
      this.https = createTlsServer(
        {
          cert: own.certPem,
          key: own.keyPem,
          SNICallback: (name, cb) => cb(null, this.certs!.select(name)),
          ALPNProtocols: ['http/1.1'],
          // Not half-open: a TLS client that hangs up during the handshake would stay half open.
          allowHalfOpen: false,
          handshakeTimeout: this.rt.tunables.timeouts.headersMs,
        },
        (s: TLSSocket) => this.accept(s, true),
      );
      this.https.on('tlsClientError', (_e, s) => s.destroy());
      // Connections still in their handshake, to close with the edge.
      this.https.on('connection', (s: Socket) => {
        this.handshaking.add(s);
        s.once('close', () => this.handshaking.delete(s));
      });
      await listenOn(this.https, opts.httpsAddress);
    }
    if (opts.adminAddress) {
      this.admin = createAdminServer({
        registry: this.rt.metrics.registry,
        ready: () => this.configured && !this.closed,
        split: (s) => this.split(s),
        endpoints: () => this.endpoints(),
      });
      await listenOn(this.admin, opts.adminAddress);
    }
  }

  private accept(socket: Socket, https: boolean): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    if (https) socket.setNoDelay(true);
    const c = new ClientConn(socket, https, this.rt, (x) => this.conns.delete(x));
    this.conns.add(c);
  }

  /**
   * Applies a configuration snapshot at once: requests from now on are routed by it; requests in
   * flight finish on the backend they had. Endpoints keep their health and connections by id;
   * endpoints no longer referenced stop being checked and their idle connections close.
   */
  setConfig(cfg: EdgeConfig): void {
    const trust = new TrustedProxies(cfg.trustedProxies);
    if (trust.invalid.length > 0) this.log.warn({ cidrs: trust.invalid }, 'trusted proxies ignored: not CIDRs');
    this.rt.snapshot = { config: cfg, router: new Router(cfg), trust, generation: ++this.generation };
    this.rt.endpoints.update(cfg);
    this.active.sync(this.rt.endpoints);
    if (this.https && this.selfSigned) {
      this.certs = new CertificateStore(cfg.certificates, this.selfSigned, this.certs);
      if (this.certs.errors.length > 0) this.log.warn({ errors: this.certs.errors }, 'TLS certificates not loaded');
      // Clients without SNI get the server's own default context: keep it the store's default.
      const def = cfg.certificates.find((c) => c.hosts.length === 0 && !this.certs!.errors.some((e) => e.startsWith(`${c.source}:`)));
      const key = def ? `${def.certPem}\0${def.keyPem}` : 'self';
      if (key !== this.defaultCertKey) {
        this.defaultCertKey = key;
        if (def) this.https.setSecureContext({ cert: def.certPem, key: def.keyPem });
      }
    }
    this.configured = true;
  }

  get config(): EdgeConfig {
    return this.rt.snapshot.config;
  }

  /** Requests waiting on an endpoint just found dead are retried elsewhere (rare: a walk is fine). */
  private endpointDown(st: EndpointState): void {
    for (const c of this.conns) c.endpointDown(st);
  }

  private sweep(pools: boolean): void {
    const now = performance.now();
    this.sweepOnTime = now - this.rt.now < 3 * this.sweepEveryMs;
    this.rt.now = now;
    for (const c of this.conns) c.sweep(now);
    this.rt.outlier.sweep(now);
    if (pools) this.rt.endpoints.sweep(now);
  }

  /** The combined health the balancer sees for an endpoint. */
  healthy(ep: Endpoint): boolean {
    return this.rt.endpoints.healthy(ep);
  }

  /** Requests per cluster and tier over the last `seconds`. */
  split(seconds = 10): Split {
    return this.rt.split.split(seconds);
  }

  endpoints(): EndpointStatus[] {
    return [...this.rt.endpoints.values()].map((st) => ({
      id: st.ep.id,
      cluster: st.ep.cluster,
      region: st.ep.region,
      zone: st.ep.zone,
      state: st.condition,
      ejections: st.ejections,
      connections: st.pool.size,
    }));
  }

  get metrics(): EdgeMetrics {
    return this.rt.metrics;
  }

  get inFlight(): number {
    return this.rt.inFlight;
  }

  get httpPort(): number | undefined {
    return portOf(this.http);
  }

  get httpsPort(): number | undefined {
    return portOf(this.https);
  }

  get adminPort(): number | undefined {
    return portOf(this.admin);
  }

  /**
   * Stops listening, closes idle connections at once, lets requests in flight finish for up to
   * `graceMs` (default 0), then closes everything.
   */
  async close(graceMs = 0): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const servers = [this.http, this.https, this.admin].filter((s): s is NetServer => s !== undefined);
    const closing = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    for (const c of this.conns) c.closeIfIdle();
    const deadline = Date.now() + graceMs;
    while (this.conns.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      for (const c of this.conns) c.closeIfIdle();
    }
    for (const c of this.conns) c.socket.destroy();
    for (const s of this.handshaking) s.destroy();
    this.admin?.closeAllConnections();
    if (this.sweeper) clearInterval(this.sweeper);
    this.active.close();
    this.rt.endpoints.close();
    await this.rt.accessLog?.flush();
    await Promise.all(closing);
  }
}

function listenOn(server: NetServer, a: ListenAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: a.host, port: a.port, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

const portOf = (s: NetServer | undefined): number | undefined => (s?.address() as AddressInfo | null)?.port;
