/**
 * The edge's view of the federation: informers on everything compileTraffic reads, and a fresh
 * compilation shortly after any of it changes (changes arriving together are compiled once).
 * Read-only: it needs get/list/watch and nothing else (the `kubefed-edge` role).
 */
import type { Logger } from 'pino';
import type { Informer, KubeClient } from '../../federation/client/kube-client.js';
import { CORE_API_VERSION, KUBEFED_NAMESPACE } from '../../federation/crds/federation-crds.js';
import { GATEWAY_API_VERSION, REFERENCE_GRANT_API_VERSION } from '../../federation/crds/gateway-api-crds.js';
import { compileTraffic, TRAFFIC_CONFIG_MAP, type Compiled, type TrafficObjects } from './compile.js';

export interface TrafficSourceOptions {
  client: KubeClient;
  log: Logger;
  /** Namespace of the federation control plane (the settings ConfigMap). */
  namespace?: string;
  /** How long changes are gathered before compiling. Default 10 ms. */
  coalesceMs?: number;
}

interface Watched {
  key: keyof Omit<TrafficObjects, 'settings'> | 'settings';
  apiVersion: string;
  kind: string;
  opts?: { namespace?: string; labelSelector?: string; fieldSelector?: string };
  /** Optional: a type the API may not serve (the compiler then sees none). */
  optional?: boolean;
}

export class TrafficSource {
  private readonly informers = new Map<string, Informer>();
  private readonly listeners = new Set<(c: Compiled) => void>();
  private compiled?: Compiled;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly o: TrafficSourceOptions) {}

  private get watched(): Watched[] {
    const ns = this.o.namespace ?? KUBEFED_NAMESPACE;
    return [
      { key: 'ingresses', apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
      { key: 'ingressClasses', apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass' },
      { key: 'services', apiVersion: 'v1', kind: 'Service' },
      { key: 'slices', apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', opts: { labelSelector: 'multicluster.kubernetes.io/service-name' } },
      { key: 'secrets', apiVersion: 'v1', kind: 'Secret', opts: { fieldSelector: 'type=kubernetes.io/tls' } },
      { key: 'clusters', apiVersion: CORE_API_VERSION, kind: 'Cluster', optional: true },
      { key: 'settings', apiVersion: 'v1', kind: 'ConfigMap', opts: { namespace: ns, fieldSelector: `metadata.name=${TRAFFIC_CONFIG_MAP}` } },
      // Gateway API: optional (the CRDs may not be installed; namespaces only for label selectors).
      { key: 'gatewayClasses', apiVersion: GATEWAY_API_VERSION, kind: 'GatewayClass', optional: true },
      { key: 'gateways', apiVersion: GATEWAY_API_VERSION, kind: 'Gateway', optional: true },
      { key: 'httpRoutes', apiVersion: GATEWAY_API_VERSION, kind: 'HTTPRoute', optional: true },
      { key: 'referenceGrants', apiVersion: REFERENCE_GRANT_API_VERSION, kind: 'ReferenceGrant', optional: true },
      { key: 'namespaces', apiVersion: 'v1', kind: 'Namespace', optional: true },
    ];
  }

  async start(): Promise<void> {
    await Promise.all(
      this.watched.map(async (w) => {
        let inf: Informer | undefined;
        try {
          inf = await this.o.client.informer(w.apiVersion, w.kind, w.opts ?? {});
          for (const ev of ['add', 'update', 'delete'] as const) inf.on(ev, () => this.changed());
          inf.on('error', (err) => this.o.log.debug({ kind: w.kind, err: String(err) }, 'watch failed; relisting'));
          await inf.start();
        } catch (e) {
          if (!w.optional) throw e;
          // Not served, or not readable with these credentials: the compiler sees none.
          this.o.log.debug({ kind: w.kind, err: String(e) }, 'optional kind not watched');
          await inf?.stop().catch(() => undefined);
          return;
        }
        this.informers.set(w.key, inf);
      }),
    );
    this.compile();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  onCompiled(fn: (c: Compiled) => void): () => void {
    this.listeners.add(fn);
    if (this.compiled) fn(this.compiled);
    return () => this.listeners.delete(fn);
  }

  current(): Compiled | undefined {
    return this.compiled;
  }

  private changed(): void {
    if (this.stopped || this.timer || !this.compiled) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.compile();
    }, this.o.coalesceMs ?? 10);
  }

  private compile(): void {
    const list = (k: string) => [...(this.informers.get(k)?.list() ?? [])];
    const settings = list('settings')[0];
    const c = compileTraffic({
      ingresses: list('ingresses'),
      ingressClasses: list('ingressClasses'),
      services: list('services'),
      slices: list('slices'),
      secrets: list('secrets'),
      clusters: list('clusters'),
      gatewayClasses: list('gatewayClasses'),
      gateways: list('gateways'),
      httpRoutes: list('httpRoutes'),
      referenceGrants: list('referenceGrants'),
      namespaces: list('namespaces'),
      ...(settings ? { settings } : {}),
    });
    this.compiled = c;
    for (const l of this.listeners) {
      try {
        l(c);
      } catch (e) {
        this.o.log.error({ err: e }, 'traffic config listener failed');
      }
    }
  }
}
