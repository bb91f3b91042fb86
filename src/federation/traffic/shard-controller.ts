/**
 * The shard controller: publishes, at the federation, every federated Service's endpoints in
 * every member cluster (src/federation/traffic/shards.ts says how), and keeps them current.
 *
 * In each member it watches the Services the federation manages (label kubefed.io/managed=true),
 * all EndpointSlices, and, for Services reached through NodePorts, the Nodes. A change there, a
 * cluster's phase or labels, or a change to the published slices queues the Service
 * (`namespace/name`); a sync computes the slices of every cluster and creates, updates or deletes
 * what differs at the federation. A cluster that is not Ready keeps its last known endpoints,
 * published not ready; a cluster that leaves, or a Service gone from a member, loses its slices.
 */
import type { Logger } from 'pino';
import { deepEqual, type KObject } from '../../apis/object.js';
import { isAlreadyExists, isNotFound, KubeApiError, type Informer, type KubeClient } from '../client/kube-client.js';
import type { MemberCluster, MemberRegistry } from '../context.js';
import { MemberInformers } from '../clusters/member-informers.js';
import { MANAGED_LABEL } from '../propagation/intent.js';
import { WorkQueue, type WorkQueueMetricsProvider } from '../../util/work-queue.js';
import { MANAGED_BY_LABEL, MCS_SERVICE_NAME_LABEL, MCS_SOURCE_CLUSTER_LABEL, reachOf, SERVICE_NAME_LABEL, SHARD_MANAGER, shardSlices } from './shards.js';

const SLICES = 'discovery.k8s.io/v1';

export interface ShardControllerOptions {
  federation: KubeClient;
  /** Where the work queues' metrics go. */
  metrics?: WorkQueueMetricsProvider;
  members: MemberRegistry;
  log: Logger;
  fieldManager: string;
  /** Full resync of every Service (against drift at the federation). Default 5 min. */
  resyncMs?: number;
}

const errText = (e: unknown) => (e instanceof KubeApiError ? (e.body?.message ?? e.message) : e instanceof Error ? e.message : String(e));
const key = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;
const serviceOfSlice = (s: KObject) => s.metadata?.labels?.[SERVICE_NAME_LABEL];

export class ShardController {
  private readonly queue: WorkQueue;
  private readonly members: MemberInformers;
  private published?: Informer;
  private stopped = false;
  private resyncTimer?: NodeJS.Timeout;

  constructor(private readonly o: ShardControllerOptions) {
    this.queue = new WorkQueue((k) => this.sync(k), {
      name: 'shards',
      metrics: o.metrics,
      concurrency: 8,
      baseDelayMs: 200,
      maxDelayMs: 10_000,
      onError: (k, err) => o.log.debug({ service: k, err: errText(err) }, 'publishing shards failed; retrying'),
    });
    this.members = new MemberInformers({
      members: o.members,
      kinds: [
        { apiVersion: 'v1', kind: 'Service', opts: { labelSelector: `${MANAGED_LABEL}=true` } },
        { apiVersion: SLICES, kind: 'EndpointSlice' },
      ],
      log: o.log,
      onEvent: (_c, kind, obj) => {
        if (kind === 'Service') this.enqueue(key(obj.metadata?.namespace, obj.metadata?.name));
        else if (kind === 'EndpointSlice') this.enqueue(key(obj.metadata?.namespace, serviceOfSlice(obj)));
        else this.enqueueAll(); // Nodes: addresses of NodePort reach
      },
      // Phase, labels (reach), membership or readiness of its watches: every Service again.
      onCluster: () => this.enqueueAll(),
    });
  }

  async start(): Promise<void> {
    this.published = await this.o.federation.informer(SLICES, 'EndpointSlice', { labelSelector: `${MANAGED_BY_LABEL}=${SHARD_MANAGER}` });
    const enqueueSlice = (s: KObject) => this.enqueue(key(s.metadata?.namespace, s.metadata?.labels?.[MCS_SERVICE_NAME_LABEL]));
    this.published.on('update', enqueueSlice);
    this.published.on('delete', enqueueSlice);
    this.published.on('error', () => undefined);
    await this.published.start();
    this.members.start();
    // Slices published for Services or clusters that went while no controller ran.
    for (const s of this.published.list()) enqueueSlice(s);
    this.resyncTimer = setInterval(() => this.enqueueAll(), this.o.resyncMs ?? 300_000);
    this.resyncTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.queue.shutdown();
    await this.members.stop();
    await this.published?.stop();
    await this.queue.idle();
  }

  /** Resolves when nothing is queued or being published. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private enqueue(k: string): void {
    if (!this.stopped && !k.endsWith('/')) this.queue.add(k);
  }

  /** Every Service any member or the federation knows of. */
  private enqueueAll(): void {
    for (const m of this.o.members.list()) for (const s of this.members.informer(m.name, 'Service')?.list() ?? []) this.enqueue(key(s.metadata?.namespace, s.metadata?.name));
    for (const s of this.published?.list() ?? []) this.enqueue(key(s.metadata?.namespace, s.metadata?.labels?.[MCS_SERVICE_NAME_LABEL]));
  }

  /** Node InternalIPs of a member, watched from the first Service that needs them. */
  private nodeAddresses(cluster: string): Map<string, string> | undefined {
    const nodes = this.members.lazyInformer(cluster, { apiVersion: 'v1', kind: 'Node' });
    if (!nodes) return undefined;
    const out = new Map<string, string>();
    for (const n of nodes.list()) {
      const ip = (n.status?.addresses ?? []).find((a: { type?: string }) => a.type === 'InternalIP')?.address;
      if (ip) out.set(n.metadata!.name!, ip);
    }
    return out;
  }

  /** The slices one cluster should publish for a Service (undefined: its state is not known yet). */
  private desiredFor(m: MemberCluster, namespace: string, name: string): KObject[] | undefined {
    if (!this.members.ready(m.name)) return undefined;
    const service = this.members.informer(m.name, 'Service')!.get(name, namespace);
    if (!service || service.metadata?.deletionTimestamp) return [];
    const slices = this.members.informer(m.name, 'EndpointSlice')!.list(namespace).filter((s) => serviceOfSlice(s) === name);
    const reach = reachOf(service, m.labels);
    const nodeAddresses = reach === 'node' ? this.nodeAddresses(m.name) : undefined;
    return shardSlices({ cluster: m.name, ...(m.region ? { region: m.region } : {}), phase: m.phase, service, slices, ...(nodeAddresses ? { nodeAddresses } : {}), reach });
  }

  private async sync(k: string): Promise<void> {
    const [namespace = '', name = ''] = k.split('/');
    const existing = (this.published?.list(namespace) ?? []).filter((s) => s.metadata?.labels?.[MCS_SERVICE_NAME_LABEL] === name);
    const byCluster = new Map<string, KObject[]>();
    for (const s of existing) {
      const c = s.metadata?.labels?.[MCS_SOURCE_CLUSTER_LABEL] ?? '';
      byCluster.set(c, [...(byCluster.get(c) ?? []), s]);
    }
    const members = new Map(this.o.members.list().map((m) => [m.name, m]));
    const errors: string[] = [];
    for (const cluster of new Set([...members.keys(), ...byCluster.keys()])) {
      const m = members.get(cluster);
      // Unknown yet (the member's watches are starting): leave what is published.
      const desired = m ? this.desiredFor(m, namespace, name) : [];
      if (!desired) continue;
      try {
        await this.reconcileCluster(desired, byCluster.get(cluster) ?? [], namespace);
      } catch (e) {
        errors.push(`${cluster}: ${errText(e)}`);
      }
    }
    if (errors.length) throw new Error(errors.join('; '));
  }

  /** Makes the federation hold exactly `desired` of one cluster's slices. */
  private async reconcileCluster(desired: KObject[], current: KObject[], namespace: string): Promise<void> {
    const cur = new Map(current.map((s) => [s.metadata!.name!, s]));
    for (const d of desired) {
      const c = cur.get(d.metadata!.name!);
      cur.delete(d.metadata!.name!);
      if (!c) {
        try {
          await this.o.federation.create(d, { fieldManager: this.o.fieldManager });
        } catch (e) {
          if (!isAlreadyExists(e)) throw e;
        }
        continue;
      }
      if (sameSlice(c, d)) continue;
      await this.o.federation.replace({ ...d, metadata: { ...d.metadata, resourceVersion: c.metadata?.resourceVersion } }, { fieldManager: this.o.fieldManager });
    }
    for (const gone of cur.values()) {
      try {
        await this.o.federation.delete(SLICES, 'EndpointSlice', namespace, gone.metadata!.name!, { preconditions: { uid: gone.metadata!.uid! } });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
  }
}

/** Equal in what the controller sets (the server adds defaults such as endpoint conditions). */
function sameSlice(a: KObject, b: KObject): boolean {
  const pick = (s: KObject) => ({
    labels: s.metadata?.labels ?? {},
    annotations: s.metadata?.annotations ?? {},
    addressType: s.addressType,
    ports: (s.ports ?? []).map((p: any) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', appProtocol: p.appProtocol })),
    endpoints: (s.endpoints ?? []).map((e: any) => ({ addresses: e.addresses, ready: !!e.conditions?.ready, serving: !!e.conditions?.serving, terminating: !!e.conditions?.terminating, zone: e.zone, hostname: e.hostname, nodeName: e.nodeName })),
  });
  return deepEqual(JSON.parse(JSON.stringify(pick(a))), JSON.parse(JSON.stringify(pick(b))));
}
