/**
 * Host-cluster mode, as KubeFed ran: the federation controllers (controllers.ts) against an
 * existing Kubernetes API server, which holds the federation's CRDs and calls this process's
 * admission webhooks (webhooks.ts) where our own API server would run the checks in-process.
 * Besides the controllers, one process serves:
 * - the webhooks over HTTPS (`/validate`, `/mutate`; AdmissionReview v1), registered in the host
 *   API with the caBundle of their certificate;
 * - `/metrics` over HTTPS, protected like a Kubernetes component's (delegated-auth.ts: a bearer
 *   token allowed to get the non-resource URL /metrics), and `/healthz`, `/livez`, `/readyz`
 *   (ready once the controllers run) without credentials, for probes.
 * Several replicas share the work through the controllers' leases; every replica answers webhooks.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { processMetrics } from '../apiserver/http/metrics.js';
import { serveAdmissionPlugins, type AdmissionWebhookServer } from '../apiserver/admission/webhook-server.js';
import { isAlreadyExists, KubeClient } from './client/kube-client.js';
import { FederationControllers, FIELD_MANAGER, type ControllerOptions } from './controllers.js';
import { KUBEFED_NAMESPACE } from './crds/federation-crds.js';
import { DelegatedAuth } from './delegated-auth.js';
import { FederationMetrics } from './metrics.js';
import { DEFAULT_TARGET_TYPES, typeInfo } from './types.js';
import { federationWebhookRules, registerWebhooks, servingCertificateFromDir, servingCertificateFromSecret, webhookHosts, type ServingCertificate, type WebhookRegistration } from './webhooks.js';

export interface WebhookServingOptions {
  /** Listen address (default 0.0.0.0) and port (default 9443; 0 picks a free one). */
  host?: string;
  port?: number;
  /** How the host API server reaches the webhooks: a base URL, or a Service (in-cluster). Default: https://host:port as listened. */
  url?: string;
  service?: { namespace: string; name: string; port?: number };
  /** tls.crt, tls.key and ca.crt from here; otherwise kept in the Secret `certSecret` of the federation's namespace. */
  certDir?: string;
  certSecret?: string;
  /** For configurations this process creates (default Fail, 10 s). */
  failurePolicy?: 'Fail' | 'Ignore';
  timeoutSeconds?: number;
}

export interface ControllerManagerOptions extends ControllerOptions {
  /** The host cluster's API (kubeconfig context, or in-cluster configuration). */
  kubeConfig: KubeConfig;
  webhook: WebhookServingOptions;
  /** The HTTPS endpoint of /metrics and the probes (default 0.0.0.0:8443; port 0 picks a free one); false: none. */
  metrics?: { host?: string; port?: number } | false;
  /** How often the certificate and the webhook configurations are looked at again. Default 1 h. */
  refreshMs?: number;
}

const urlOf = (host: string, port: number) => `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
const UNSPECIFIED = new Set(['0.0.0.0', '::', '']);

function text(res: ServerResponse, code: number, body: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${body}\n`);
}

async function listen(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export class ControllerManager {
  private ready = false;
  private timer?: NodeJS.Timeout;
  private refreshing: Promise<void> = Promise.resolve();
  private controllersRef?: FederationControllers;
  private unsubscribeTypes?: () => void;

  private constructor(
    private readonly o: ControllerManagerOptions,
    private readonly client: KubeClient,
    private cert: ServingCertificate,
    private readonly webhooks: AdmissionWebhookServer,
    private readonly target: WebhookRegistration['target'],
    private readonly metricsServer: Server | undefined,
    /** Where /metrics and the probes are served (undefined without). */
    readonly metricsUrl: string | undefined,
  ) {}

  /** The controllers (set once started). */
  get controllers(): FederationControllers {
    if (!this.controllersRef) throw new Error('the controllers have not started');
    return this.controllersRef;
  }

  /** Where the webhook server listens. */
  get webhookUrl(): string {
    return this.webhooks.url;
  }

  static async start(o: ControllerManagerOptions): Promise<ControllerManager> {
    const log = o.logger;
    const w = o.webhook;
    const listenHost = w.host ?? '0.0.0.0';
    if (!w.url && !w.service && UNSPECIFIED.has(listenHost)) throw new Error(`webhooks listening on ${listenHost || 'every address'} need the address the API server reaches them at (--webhook-url or --webhook-service)`);
    const metrics = new FederationMetrics();
    processMetrics(metrics.registry);
    const server = o.kubeConfig.getCurrentCluster()?.server ?? '';
    const client = new KubeClient(o.kubeConfig, { maxInFlight: 64, userAgent: FIELD_MANAGER, onResponse: metrics.clientObserver(server) });
    const opened: { close(): Promise<void> | void }[] = [client];
    try {
      try {
        await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: KUBEFED_NAMESPACE } });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
      const hosts = webhookHosts(w.url ? { url: w.url } : w.service ? { service: w.service } : { url: urlOf(listenHost, 0) });
      const cert = w.certDir ? servingCertificateFromDir(w.certDir) : await servingCertificateFromSecret(client, hosts, w.certSecret);
      const ref: { cm?: ControllerManager } = {};
      const webhooks = await serveAdmissionPlugins([FederationControllers.admission(() => ref.cm?.controllersRef)], { tls: cert, host: listenHost, port: w.port ?? 9443 });
      opened.push(webhooks);
      const target: WebhookRegistration['target'] = w.service ? { service: w.service } : { url: w.url ?? webhooks.url };
      let metricsServer: Server | undefined;
      let metricsUrl: string | undefined;
      if (o.metrics !== false) {
        const auth = new DelegatedAuth(client);
        metricsServer = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => (ref.cm ? void ref.cm.serveMetrics(req, res, auth, metrics) : text(res, 503, 'starting')));
        opened.push({ close: () => new Promise<void>((r) => metricsServer!.close(() => r())) });
        const host = o.metrics?.host ?? '0.0.0.0';
        metricsUrl = urlOf(UNSPECIFIED.has(host) ? '127.0.0.1' : host, await listen(metricsServer, host, o.metrics?.port ?? 8443));
      }
      const cm = (ref.cm = new ControllerManager(o, client, cert, webhooks, target, metricsServer, metricsUrl));
      // Registered before the controllers write: a configuration left with another certificate would refuse their writes.
      await cm.register();
      cm.controllersRef = await FederationControllers.startAgainst(client, metrics, {
        ...o,
        plainTemplates: o.plainTemplates ?? false,
        leaderElection: { identity: `${hostname()}_${randomUUID()}`, ...o.leaderElection },
      });
      if (o.plainTemplates) cm.unsubscribeTypes = cm.controllersRef.types.onChange(() => void cm.refresh());
      cm.timer = setInterval(() => void cm.refresh(), o.refreshMs ?? 3_600_000).unref();
      cm.ready = true;
      log.info({ webhooks: webhooks.url, metrics: metricsUrl, leading: cm.controllersRef.leading }, 'controller manager started');
      return cm;
    } catch (e) {
      for (const c of opened.reverse()) await Promise.resolve(c.close()).catch(() => undefined);
      throw e;
    }
  }

  private rules(): WebhookRegistration['rules'] {
    if (!this.o.plainTemplates) return federationWebhookRules();
    return federationWebhookRules((this.controllersRef?.types.list() ?? DEFAULT_TARGET_TYPES.map((t) => typeInfo(t))).filter((t) => t.propagation === 'Enabled'));
  }

  private async register(): Promise<void> {
    const w = this.o.webhook;
    await registerWebhooks(this.client, {
      target: this.target,
      caPem: this.cert.caPem,
      rules: this.rules(),
      ...(w.failurePolicy ? { failurePolicy: w.failurePolicy } : {}),
      ...(w.timeoutSeconds ? { timeoutSeconds: w.timeoutSeconds } : {}),
    });
  }

  /** Takes a renewed certificate (Secret mode) and brings the configurations up to date. */
  private refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(async () => {
      try {
        const w = this.o.webhook;
        if (!w.certDir) {
          const cert = await servingCertificateFromSecret(this.client, webhookHosts('url' in this.target ? { url: this.target.url } : this.target), w.certSecret);
          if (cert.certPem !== this.cert.certPem) {
            this.webhooks.setCertificate(cert);
            this.metricsServer?.setSecureContext({ cert: cert.certPem, key: cert.keyPem });
            this.cert = cert;
            this.o.logger.info('webhook serving certificate renewed');
          }
        }
        await this.register();
      } catch (e) {
        this.o.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'cannot refresh the webhook configurations; retrying later');
      }
    });
    return this.refreshing;
  }

  private async serveMetrics(req: IncomingMessage, res: ServerResponse, auth: DelegatedAuth, metrics: FederationMetrics): Promise<void> {
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(res, 405, 'method not allowed');
    if (path === '/healthz' || path === '/livez') return text(res, 200, 'ok');
    if (path === '/readyz') return this.ready ? text(res, 200, 'ok') : text(res, 503, 'the controllers are starting');
    if (path !== '/metrics') return text(res, 404, 'not found');
    const decision = await auth.check(req, path);
    if (decision.code !== 200) return text(res, decision.code, decision.message);
    try {
      const body = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(body);
    } catch (e) {
      text(res, 500, (e as Error).message);
    }
  }

  async close(): Promise<void> {
    this.ready = false;
    clearInterval(this.timer);
    this.unsubscribeTypes?.();
    await this.refreshing;
    // Closes the client too.
    await this.controllersRef?.close();
    if (!this.controllersRef) this.client.close();
    await this.webhooks.close();
    if (this.metricsServer) {
      const s = this.metricsServer;
      await new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      });
    }
  }
}
