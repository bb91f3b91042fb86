/**
 * The federation's DNS zone as it changes: informers on the Services, the shard EndpointSlices,
 * the Clusters and the federation's settings (ConfigMap `kubefed-config`: dnsZoneName,
 * federationName, dnsTtl), and a fresh zone shortly after any of them changes (changes arriving
 * together are compiled once). Read-only (the `kubefed-edge` identity reads all of it).
 */
import type { Logger } from 'pino';
import type { KObject } from '../apis/object.js';
import type { Informer, KubeClient } from '../federation/client/kube-client.js';
import { CORE_API_VERSION, KUBEFED_NAMESPACE } from '../federation/crds/federation-crds.js';
import { FEDERATION_CONFIG_MAP } from '../federation/install.js';
import { federationZone, type FederationDnsSettings } from './federation-records.js';
import type { Zone } from './zone.js';

export const DEFAULT_DNS_TTL = 5;

export interface FederationDnsSourceOptions {
  client: KubeClient;
  log: Logger;
  /** Overrides of the settings stored at the federation (e.g. the name servers to announce). */
  settings?: Partial<FederationDnsSettings>;
  namespace?: string;
  coalesceMs?: number;
}

/** The federation's DNS settings from its ConfigMap (undefined: no zone configured). */
export function dnsSettingsFrom(cm: KObject | undefined, over: Partial<FederationDnsSettings> = {}): FederationDnsSettings | undefined {
  const d: Record<string, string> = cm?.data ?? {};
  const domain = over.domain ?? d.dnsZoneName;
  if (!domain) return undefined;
  const ttl = over.ttl ?? (Number(d.dnsTtl) > 0 ? Number(d.dnsTtl) : DEFAULT_DNS_TTL);
  return { federation: over.federation ?? d.federationName ?? 'federation', domain: domain.replace(/\.$/, '').toLowerCase(), ttl, ...(over.nameServers ? { nameServers: over.nameServers } : {}) };
}

export class FederationDnsSource {
  private readonly informers = new Map<string, Informer>();
  private readonly listeners = new Set<(z: Zone | undefined) => void>();
  private zone: Zone | undefined;
  private serial = Math.floor(Date.now() / 1000);
  private timer?: NodeJS.Timeout;
  private started = false;
  private stopped = false;

  constructor(private readonly o: FederationDnsSourceOptions) {}

  async start(): Promise<void> {
    const ns = this.o.namespace ?? KUBEFED_NAMESPACE;
    const kinds: [string, string, string, Record<string, string>][] = [
      ['services', 'v1', 'Service', {}],
      ['slices', 'discovery.k8s.io/v1', 'EndpointSlice', { labelSelector: 'multicluster.kubernetes.io/service-name' }],
      ['clusters', CORE_API_VERSION, 'Cluster', {}],
      ['settings', 'v1', 'ConfigMap', { namespace: ns, fieldSelector: `metadata.name=${FEDERATION_CONFIG_MAP}` }],
    ];
    await Promise.all(
      kinds.map(async ([key, apiVersion, kind, opts]) => {
        const inf = await this.o.client.informer(apiVersion, kind, opts);
        for (const ev of ['add', 'update', 'delete'] as const) inf.on(ev, () => this.changed());
        inf.on('error', (err) => this.o.log.debug({ kind, err: String(err) }, 'watch failed; relisting'));
        await inf.start();
        this.informers.set(key, inf);
      }),
    );
    this.started = true;
    this.compile();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  /** Called with every new zone (undefined: no DNS zone configured at the federation). */
  onZone(fn: (z: Zone | undefined) => void): () => void {
    this.listeners.add(fn);
    if (this.started) fn(this.zone);
    return () => this.listeners.delete(fn);
  }

  current(): Zone | undefined {
    return this.zone;
  }

  /** The objects the zone is compiled from (for status and the CLI). */
  objects(): { services: KObject[]; slices: KObject[]; clusters: KObject[]; settings?: FederationDnsSettings } {
    const list = (k: string) => [...(this.informers.get(k)?.list() ?? [])];
    const settings = dnsSettingsFrom(list('settings')[0], this.o.settings);
    return { services: list('services'), slices: list('slices'), clusters: list('clusters'), ...(settings ? { settings } : {}) };
  }

  private changed(): void {
    if (this.stopped || this.timer || !this.started) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.compile();
    }, this.o.coalesceMs ?? 10);
  }

  private compile(): void {
    const { services, slices, clusters, settings } = this.objects();
    this.zone = settings ? federationZone({ settings: { ...settings, serial: ++this.serial }, services, slices, clusters }) : undefined;
    for (const l of this.listeners) {
      try {
        l(this.zone);
      } catch (e) {
        this.o.log.error({ err: e }, 'DNS zone listener failed');
      }
    }
  }
}
