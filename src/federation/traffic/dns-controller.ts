/**
 * The control plane's side of federated service DNS (the `kubefed dns` server itself only
 * reads): for every Service with DNS names, a DNSEndpoint (ExternalDNS's CRD) in its namespace
 * holding the same records the server answers, so an ExternalDNS installation publishes them at
 * a cloud provider; and an annotation on the Service listing its names and the healthy shards per
 * zone and region (shown by `kubectl describe service` at the federation). Written only when they
 * change.
 */
import type { Logger } from 'pino';
import { deepEqual, type KObject } from '../../apis/object.js';
import { isAlreadyExists, isNotFound, KubeApiError, type KubeClient } from '../client/kube-client.js';
import { EXTERNALDNS_API_VERSION } from '../crds/externaldns-crds.js';
import { DNS_ANNOTATION } from '../propagation/intent.js';
import { federationRecords, hasFederationDns, serviceNames, type ShardHealth } from '../../dns/federation-records.js';
import { FederationDnsSource } from '../../dns/federation-source.js';
import type { DnsRecord } from '../../dns/zone.js';
import { WorkQueue, type WorkQueueMetricsProvider } from '../../util/work-queue.js';

const MANAGED = { 'app.kubernetes.io/managed-by': 'kubefed' };

const errText = (e: unknown) => (e instanceof KubeApiError ? (e.body?.message ?? e.message) : e instanceof Error ? e.message : String(e));
export const dnsEndpointName = (service: string) => `${service}-kubefed`;

/** ExternalDNS endpoints of one Service's records (one per name and type). */
export function dnsEndpoints(records: readonly DnsRecord[]): { dnsName: string; recordType: string; targets: string[]; recordTTL: number }[] {
  const by = new Map<string, { dnsName: string; recordType: string; targets: string[]; recordTTL: number }>();
  for (const r of records) {
    if (r.type !== 'A' && r.type !== 'AAAA' && r.type !== 'CNAME') continue;
    const k = `${r.name}|${r.type}`;
    const e = by.get(k) ?? { dnsName: r.name, recordType: r.type, targets: [], recordTTL: r.ttl };
    e.targets.push(r.data);
    by.set(k, e);
  }
  return [...by.values()].sort((a, b) => a.dnsName.localeCompare(b.dnsName) || a.recordType.localeCompare(b.recordType));
}

/** The annotation text: the global name, then each region and zone with its healthy shards or where it points. */
export function describeDns(records: readonly DnsRecord[], shards: readonly ShardHealth[]): string {
  const names = [...new Set(records.map((r) => r.name))].sort((a, b) => a.split('.').length - b.split('.').length || a.localeCompare(b));
  const lines = names.map((n) => {
    const rs = records.filter((r) => r.name === n);
    const cname = rs.find((r) => r.type === 'CNAME');
    return cname ? `${n} -> ${cname.data}` : `${n} = ${rs.map((r) => r.data).join(',')}`;
  });
  const healthy = shards.filter((s) => s.healthy).map((s) => s.cluster);
  return [...lines, `healthy shards: ${healthy.length ? healthy.join(', ') : 'none'}`].join('\n');
}

export class DnsController {
  private readonly source: FederationDnsSource;
  private readonly queue: WorkQueue;
  private wanted = new Map<string, { records: DnsRecord[]; shards: ShardHealth[] }>();
  private stopped = false;

  constructor(private readonly o: { federation: KubeClient; log: Logger; fieldManager: string; metrics?: WorkQueueMetricsProvider }) {
    this.source = new FederationDnsSource({ client: o.federation, log: o.log });
    this.queue = new WorkQueue((k) => this.sync(k), { name: 'dns', metrics: o.metrics, concurrency: 4, baseDelayMs: 250, onError: (k, err) => o.log.debug({ service: k, err: errText(err) }, 'publishing DNS records failed; retrying') });
  }

  async start(): Promise<void> {
    this.source.onZone(() => this.recompute());
    await this.source.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.shutdown();
    await this.source.stop();
    await this.queue.idle();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private recompute(): void {
    if (this.stopped) return;
    const { services, slices, clusters, settings } = this.source.objects();
    const next = new Map<string, { records: DnsRecord[]; shards: ShardHealth[] }>();
    if (settings) {
      const { records, shards } = federationRecords({ settings, services, slices, clusters });
      for (const svc of services.filter(hasFederationDns)) {
        const ns = svc.metadata!.namespace!;
        const name = svc.metadata!.name!;
        const n = serviceNames(settings, ns, name);
        const mine = records.filter((r) => r.name === n.global || r.name.startsWith(`${name}.${ns}.${settings.federation}.svc.`));
        next.set(`${ns}/${name}`, { records: mine, shards: shards.get(`${ns}/${name}`) ?? [] });
      }
    }
    for (const k of new Set([...this.wanted.keys(), ...next.keys()])) if (!deepEqual(this.wanted.get(k), next.get(k))) this.queue.add(k);
    this.wanted = next;
  }

  private async sync(k: string): Promise<void> {
    const [namespace = '', name = ''] = k.split('/');
    const want = this.wanted.get(k);
    const epName = dnsEndpointName(name);
    const current = await this.o.federation.get(EXTERNALDNS_API_VERSION, 'DNSEndpoint', namespace, epName).catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
    if (!want) {
      if (current?.metadata?.labels?.['app.kubernetes.io/managed-by'] === 'kubefed') await this.o.federation.delete(EXTERNALDNS_API_VERSION, 'DNSEndpoint', namespace, epName);
      return;
    }
    const svc = await this.o.federation.get('v1', 'Service', namespace, name);
    if (!svc) return;
    const spec = { endpoints: dnsEndpoints(want.records) };
    const owner = [{ apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata!.uid!, controller: true, blockOwnerDeletion: false }];
    if (!current) {
      try {
        await this.o.federation.create({ apiVersion: EXTERNALDNS_API_VERSION, kind: 'DNSEndpoint', metadata: { name: epName, namespace, labels: MANAGED, ownerReferences: owner }, spec } as KObject, { fieldManager: this.o.fieldManager });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    } else if (!deepEqual(current.spec, spec)) {
      await this.o.federation.replace({ ...current, spec } as KObject, { fieldManager: this.o.fieldManager });
    }
    const text = describeDns(want.records, want.shards);
    if (svc.metadata?.annotations?.[DNS_ANNOTATION] !== text) {
      await this.o.federation.patch('v1', 'Service', namespace, name, { metadata: { annotations: { [DNS_ANNOTATION]: text } } }, 'merge', { fieldManager: this.o.fieldManager });
    }
  }
}
