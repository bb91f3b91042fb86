/**
 * The Multi-Cluster Services controller (KEP-1645): the clusterset is every joined cluster.
 *
 * In every member it installs the ServiceExport and ServiceImport CRDs (when the cluster joins,
 * when it is Ready again after being away, and at every resync), and watches Services,
 * EndpointSlices, Namespaces, ServiceExports and ServiceImports. A ServiceExport, created in a
 * member or at the federation and propagated there, exports that cluster's Service of the same
 * namespace and name. For each exported namespaced name (`namespace/name`, one work-queue key)
 * a sync:
 * 1. reads the exports of every member whose state is known (its informers are listed) and
 *    resolves them (resolve.ts): validity, precedence, merged ports, conflicts;
 * 2. in every reachable member where the namespace exists, makes the ServiceImport (type,
 *    ports, ClusterSetIP from that cluster's range, session affinity and the other derived
 *    properties; `status.clusters` the exporting clusters) and, per exporting cluster, the
 *    EndpointSlices of its endpoints, owned by the import (import-slices.ts); with no valid
 *    export left it deletes them;
 * 3. writes Valid, Conflict and Ready on every ServiceExport in the members, and a summary of
 *    its copies' conditions on a ServiceExport at the federation.
 *
 * An unreachable (Offline) cluster keeps its exports and its last known endpoints in the
 * imports for `endpointTimeoutMs`; after that its endpoints leave every import (its export
 * still shapes the import, which stays). Nothing is written to an unreachable cluster, and
 * nothing in it is deleted: its endpoints return when it does. While a reachable member's
 * watches are starting (the control plane just started, the cluster just joined) syncs wait for
 * them, up to `startupGraceMs`. A member whose state stays unknown beyond that (or that is
 * Offline since before the start) keeps the endpoints it published until it times out, and an
 * import it is listed in is not deleted for lack of exports.
 */
import type { Logger } from 'pino';
import { deepEqual, nowTimestamp, type KObject } from '../../apis/object.js';
import { isAlreadyExists, isConflict, isNotFound, KubeApiError, type Informer, type KubeClient } from '../client/kube-client.js';
import { MemberInformers } from '../clusters/member-informers.js';
import type { MemberCluster, MemberRegistry } from '../context.js';
import { CORE_API_VERSION } from '../crds/federation-crds.js';
import { MCS_API_VERSION } from '../crds/mcs-crds.js';
import { MANAGED_BY_LABEL, MCS_SERVICE_NAME_LABEL, MCS_SOURCE_CLUSTER_LABEL, SERVICE_NAME_LABEL } from '../traffic/shards.js';
import { WorkQueue, type WorkQueueMetricsProvider } from '../../util/work-queue.js';
import { allocateIP, CLUSTERSET_IP_CIDR_ANNOTATION, clusterSetIPRange, DEFAULT_CLUSTERSET_IP_RANGE, ipv4ToNumber } from './clusterset-ip.js';
import { IMPORT_MANAGED_BY_LABEL, MCS_MANAGER, ownedBy, serviceImport, sliceView, sourceSlices } from './import-slices.js';
import { ensureMcsCrds } from './install.js';
import { CONDITION_READY, resolveExports, summarize, type ClusterExport, type DerivedService, type McsCondition } from './resolve.js';

const SLICES = 'discovery.k8s.io/v1';

export interface McsControllerOptions {
  federation: KubeClient;
  /** Where the work queues' metrics go. */
  metrics?: WorkQueueMetricsProvider;
  members: MemberRegistry;
  log: Logger;
  fieldManager: string;
  /** How long an unreachable cluster's endpoints stay in the imports. Default 30 s. */
  endpointTimeoutMs?: number;
  /** ClusterSetIP range of clusters with neither an annotation nor the playground's plan. */
  defaultClusterSetIPRange?: string;
  /** Full resync (drift, CRDs deleted in a member). Default 5 min. */
  resyncMs?: number;
  /** How long syncs wait for a reachable member's watches to list (a join, a restart). Default 30 s. */
  startupGraceMs?: number;
}

const errText = (e: unknown) => (e instanceof KubeApiError ? (e.body?.message ?? e.message) : e instanceof Error ? e.message : String(e));
const keyOf = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;
const isOurs = (o: KObject | undefined) => o?.metadata?.labels?.[IMPORT_MANAGED_BY_LABEL] === MCS_MANAGER;
const isOurSlice = (s: KObject) => s.metadata?.labels?.[MANAGED_BY_LABEL] === MCS_MANAGER;
const norm = (v: unknown) => JSON.parse(JSON.stringify(v ?? null));

/** Per source cluster: its slices, or `keep` (its state is unknown: leave what it published). */
type Sources = Map<string, KObject[] | 'keep'>;

export class McsController {
  private readonly queue: WorkQueue;
  private readonly crdQueue: WorkQueue;
  private readonly members: MemberInformers;
  private clusterObjects?: Informer;
  private fedExports?: Informer;
  /** The client each member's CRDs were last installed with, and its phase as last seen. */
  private readonly installed = new Map<string, KubeClient>();
  private readonly phases = new Map<string, string>();
  /** Since when each member's watches (with its current client) have been starting. */
  private readonly seen = new Map<string, { client: KubeClient; since: number }>();
  /** ClusterSetIPs handed out per cluster (key -> ip), until the informers show them. */
  private readonly reserved = new Map<string, Map<string, string>>();
  private readonly ranges = new Map<string, string | undefined>();
  private resyncTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly timeoutMs: number;
  private readonly startupGraceMs: number;

  constructor(private readonly o: McsControllerOptions) {
    this.timeoutMs = o.endpointTimeoutMs ?? 30_000;
    this.startupGraceMs = o.startupGraceMs ?? 30_000;
    this.queue = new WorkQueue((k) => this.sync(k), {
      name: 'mcs',
      metrics: o.metrics,
      concurrency: 8,
      baseDelayMs: 200,
      maxDelayMs: 10_000,
      onError: (k, err) => o.log.debug({ service: k, err: errText(err) }, 'syncing the multi-cluster service failed; retrying'),
    });
    this.crdQueue = new WorkQueue((c) => this.installCrds(c), {
      name: 'mcs-crds',
      metrics: o.metrics,
      concurrency: 4,
      baseDelayMs: 500,
      maxDelayMs: 30_000,
      onError: (c, err) => o.log.warn({ cluster: c, err: errText(err) }, 'installing the MCS CRDs in the member failed; retrying'),
    });
    this.members = new MemberInformers({
      members: o.members,
      kinds: [
        { apiVersion: 'v1', kind: 'Service' },
        { apiVersion: SLICES, kind: 'EndpointSlice' },
        { apiVersion: 'v1', kind: 'Namespace' },
        { apiVersion: MCS_API_VERSION, kind: 'ServiceExport' },
        { apiVersion: MCS_API_VERSION, kind: 'ServiceImport' },
      ],
      log: o.log,
      onEvent: (_c, kind, obj) => this.memberEvent(kind, obj),
      onCluster: (c) => this.clusterChanged(c),
    });
  }

  async start(): Promise<void> {
    this.clusterObjects = await this.o.federation.informer(CORE_API_VERSION, 'Cluster');
    const rangeChanged = (c: KObject) => {
      const name = c.metadata?.name ?? '';
      const v = c.metadata?.annotations?.[CLUSTERSET_IP_CIDR_ANNOTATION];
      if (this.ranges.has(name) && this.ranges.get(name) === v) return;
      this.ranges.set(name, v);
      this.enqueueAll();
    };
    for (const ev of ['add', 'update'] as const) this.clusterObjects.on(ev, rangeChanged);
    this.clusterObjects.on('error', () => undefined);
    this.fedExports = await this.o.federation.informer(MCS_API_VERSION, 'ServiceExport');
    for (const ev of ['add', 'update'] as const) this.fedExports.on(ev, (se: KObject) => this.enqueue(keyOf(se.metadata?.namespace, se.metadata?.name)));
    this.fedExports.on('error', () => undefined);
    await Promise.all([this.clusterObjects.start(), this.fedExports.start()]);
    this.members.start();
    this.resyncTimer = setInterval(() => {
      for (const m of this.o.members.list()) this.crdQueue.add(m.name);
      this.enqueueAll();
    }, this.o.resyncMs ?? 300_000);
    this.resyncTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.queue.shutdown();
    this.crdQueue.shutdown();
    await this.members.stop();
    await Promise.all([this.clusterObjects?.stop(), this.fedExports?.stop()]);
    await Promise.all([this.queue.idle(), this.crdQueue.idle()]);
  }

  /** Resolves when nothing is queued or being synced. */
  async idle(): Promise<void> {
    await this.crdQueue.idle();
    await this.queue.idle();
  }

  // --- events -------------------------------------------------------------------------------------

  private enqueue(k: string): void {
    if (!this.stopped && !k.endsWith('/') && !k.startsWith('/')) this.queue.add(k);
  }

  private inf(cluster: string, kind: string): Informer | undefined {
    return this.members.informer(cluster, kind);
  }

  /** Whether any member exports or imports the name, or the federation exports it. */
  private tracked(ns: string, name: string): boolean {
    if (this.fedExports?.get(name, ns)) return true;
    return this.o.members.list().some((m) => this.inf(m.name, 'ServiceExport')?.get(name, ns) || this.inf(m.name, 'ServiceImport')?.get(name, ns));
  }

  private memberEvent(kind: string, obj: KObject): void {
    const ns = obj.metadata?.namespace;
    switch (kind) {
      case 'EndpointSlice': {
        if (isOurSlice(obj)) this.enqueue(keyOf(ns, obj.metadata?.labels?.[MCS_SERVICE_NAME_LABEL]));
        const svc = obj.metadata?.labels?.[SERVICE_NAME_LABEL];
        if (svc && ns && this.tracked(ns, svc)) this.enqueue(keyOf(ns, svc));
        return;
      }
      case 'Namespace':
        for (const k of this.allKeys()) if (k.startsWith(`${obj.metadata?.name}/`)) this.enqueue(k);
        return;
      case 'Service':
        if (ns && this.tracked(ns, obj.metadata?.name ?? '')) this.enqueue(keyOf(ns, obj.metadata?.name));
        return;
      default:
        this.enqueue(keyOf(ns, obj.metadata?.name));
    }
  }

  /** Every namespaced name some export, import or imported slice names. */
  private allKeys(): Set<string> {
    const keys = new Set<string>();
    for (const se of this.fedExports?.list() ?? []) keys.add(keyOf(se.metadata?.namespace, se.metadata?.name));
    for (const m of this.o.members.list()) {
      for (const kind of ['ServiceExport', 'ServiceImport']) for (const o of this.inf(m.name, kind)?.list() ?? []) keys.add(keyOf(o.metadata?.namespace, o.metadata?.name));
      for (const s of this.inf(m.name, 'EndpointSlice')?.list() ?? []) if (isOurSlice(s)) keys.add(keyOf(s.metadata?.namespace, s.metadata?.labels?.[MCS_SERVICE_NAME_LABEL]));
    }
    return keys;
  }

  private enqueueAll(): void {
    for (const k of this.allKeys()) this.enqueue(k);
  }

  private clusterChanged(cluster: string): void {
    const m = this.o.members.get(cluster);
    if (!m) {
      this.installed.delete(cluster);
      this.phases.delete(cluster);
      this.seen.delete(cluster);
      this.reserved.delete(cluster);
    } else {
      const back = this.phases.get(cluster) !== 'Ready' && m.phase === 'Ready';
      this.phases.set(cluster, m.phase);
      if (this.seen.get(cluster)?.client !== m.client) this.seen.set(cluster, { client: m.client, since: Date.now() });
      if (m.phase === 'Ready' && (back || this.installed.get(cluster) !== m.client)) this.crdQueue.add(cluster);
    }
    this.enqueueAll();
  }

  /** The CRDs in a member: when it joins, when it comes back, at every resync. */
  private async installCrds(cluster: string): Promise<void> {
    const m = this.o.members.get(cluster);
    if (!m || m.phase !== 'Ready' || this.stopped) return;
    const wrote = await ensureMcsCrds(m.client, this.o.fieldManager);
    if (wrote.length) this.o.log.info({ cluster, crds: wrote }, 'MCS CRDs installed in the member');
    this.installed.set(cluster, m.client);
  }

  // --- sync -----------------------------------------------------------------------------------------

  private async sync(key: string): Promise<void> {
    const slash = key.indexOf('/');
    const ns = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const now = Date.now();
    const members = this.o.members.list();
    const known = members.filter((m) => this.members.ready(m.name));
    const isKnown = new Set(known.map((m) => m.name));
    // A reachable member whose watches are still starting (the control plane just started, or
    // the cluster just joined) may hold exports: wait for it (at most startupGraceMs), rather
    // than write imports and conditions that its exports would change a moment later.
    const starting = members.filter((m) => !isKnown.has(m.name) && m.phase !== 'Offline').map((m) => (this.seen.get(m.name)?.since ?? now) + this.startupGraceMs - now);
    const wait = Math.max(0, ...starting);
    if (wait > 0) {
      this.queue.addAfter(key, wait);
      return;
    }
    const expired = new Set<string>();
    for (const m of members) {
      if (m.phase !== 'Offline') continue;
      const left = (m.phaseSince ?? 0) + this.timeoutMs - now;
      if (left <= 0) expired.add(m.name);
      else this.queue.addAfter(key, left + 50);
    }

    const exports: ClusterExport[] = [];
    for (const m of known) {
      const se = this.inf(m.name, 'ServiceExport')!.get(name, ns);
      if (!se || se.metadata?.deletionTimestamp) continue;
      const service = this.inf(m.name, 'Service')!.get(name, ns);
      exports.push({ cluster: m.name, export: se, ...(service ? { service } : {}) });
    }
    const { conditions, derived } = resolveExports(exports);

    // A member whose state is unknown keeps what it published until it times out; an import it
    // is listed in is not deleted for want of exports.
    const unknown = members.filter((m) => !isKnown.has(m.name)).map((m) => m.name);
    const listed = new Set(known.flatMap((m) => ((this.inf(m.name, 'ServiceImport')!.get(name, ns)?.status?.clusters ?? []) as { cluster?: string }[]).map((c) => c.cluster ?? '')));
    const hold = !derived && unknown.some((u) => listed.has(u));
    const sources: Sources = new Map();
    for (const u of unknown) if (!expired.has(u)) sources.set(u, 'keep');
    for (const c of derived?.clusters ?? []) {
      if (expired.has(c)) continue;
      const service = this.inf(c, 'Service')!.get(name, ns)!;
      const own = this.inf(c, 'EndpointSlice')!.list(ns).filter((s) => s.metadata?.labels?.[SERVICE_NAME_LABEL] === name && !isOurSlice(s));
      sources.set(c, sourceSlices(c, service, own));
    }

    const errors: string[] = [];
    let imported = 0;
    let stale = false;
    for (const m of known) {
      if (m.phase === 'Offline') continue;
      try {
        if (await this.syncCluster(m, ns, name, derived, sources, hold)) imported++;
      } catch (e) {
        stale ||= isConflict(e) || isAlreadyExists(e);
        errors.push(`${m.name}: ${errText(e)}`);
      }
    }
    // A write based on a cache that had not caught up yet: simply done again, not reported.
    if (stale) throw new Error(errors.join('; '));

    const byCluster = new Map(members.map((m) => [m.name, m]));
    for (const e of exports) {
      if (byCluster.get(e.cluster)?.phase === 'Offline') continue;
      const c = conditions.get(e.cluster)!;
      const ready: McsCondition =
        c.valid.status !== 'True'
          ? { type: CONDITION_READY, status: 'False', reason: 'Failed', message: `not exported: ${c.valid.message}` }
          : errors.length
            ? { type: CONDITION_READY, status: 'Unknown', reason: 'Pending', message: `importing failed in ${errors.join('; ')}` }
            : { type: CONDITION_READY, status: 'True', reason: 'Exported', message: `imported in ${imported} cluster(s)` };
      try {
        await this.writeConditions(byCluster.get(e.cluster)!.client, e.export, [c.valid, c.conflict, ready]);
      } catch (err) {
        if (!isNotFound(err)) errors.push(`${e.cluster}: status of the ServiceExport: ${errText(err)}`);
      }
    }
    const fed = this.fedExports?.get(name, ns);
    if (fed && !fed.metadata?.deletionTimestamp) {
      const copies = exports.filter((e) => conditions.has(e.cluster)).map((e) => ({ cluster: e.cluster, ...conditions.get(e.cluster)! }));
      try {
        await this.writeConditions(this.o.federation, fed, summarize(copies));
      } catch (err) {
        if (!isNotFound(err)) errors.push(`federation: status of the ServiceExport: ${errText(err)}`);
      }
    }
    if (errors.length) throw new Error(errors.join('; '));
  }

  /** One importing cluster; returns whether it now holds the import. */
  private async syncCluster(m: MemberCluster, ns: string, name: string, derived: DerivedService | undefined, sources: Sources, hold: boolean): Promise<boolean> {
    const current = this.inf(m.name, 'ServiceImport')!.get(name, ns);
    if (current && !isOurs(current)) {
      if (derived) throw new Error(`ServiceImport ${ns}/${name} exists and is not managed by the federation; it was left as it is`);
      return false;
    }
    const namespace = this.inf(m.name, 'Namespace')!.get(ns);
    const ours = this.inf(m.name, 'EndpointSlice')!.list(ns).filter((s) => isOurSlice(s) && s.metadata?.labels?.[MCS_SERVICE_NAME_LABEL] === name);
    if (!derived || !namespace || namespace.metadata?.deletionTimestamp) {
      if (hold) return !!current;
      if (current) await m.client.delete(MCS_API_VERSION, 'ServiceImport', ns, name, { preconditions: { uid: current.metadata!.uid! } });
      for (const s of ours) await this.deleteSlice(m.client, s);
      this.reserved.get(m.name)?.delete(`${ns}/${name}`);
      return false;
    }
    const ips = derived.type === 'ClusterSetIP' ? [this.clusterSetIP(m, ns, name, current)] : [];
    if (derived.type !== 'ClusterSetIP') this.reserved.get(m.name)?.delete(`${ns}/${name}`);
    let imp = current;
    if (!imp) {
      try {
        imp = await m.client.create(serviceImport(ns, name, derived, ips), { fieldManager: this.o.fieldManager });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
        imp = await m.client.get(MCS_API_VERSION, 'ServiceImport', ns, name);
        if (!isOurs(imp)) throw new Error(`ServiceImport ${ns}/${name} exists and is not managed by the federation; it was left as it is`);
      }
    }
    const desired = serviceImport(ns, name, derived, ips, imp);
    const view = (o: KObject) => norm({ labels: o.metadata?.labels ?? {}, annotations: o.metadata?.annotations ?? {}, spec: o.spec });
    if (!deepEqual(view(imp!), view(desired))) {
      imp = await m.client.replace({ ...imp!, metadata: { ...imp!.metadata, ...desired.metadata }, spec: desired.spec }, { fieldManager: this.o.fieldManager });
    }
    const clusters = derived.clusters.map((cluster) => ({ cluster }));
    if (!deepEqual(norm(imp!.status?.clusters ?? []), clusters)) {
      imp = await m.client.patch(MCS_API_VERSION, 'ServiceImport', ns, name, { status: { clusters } }, 'merge', { subresource: 'status', fieldManager: this.o.fieldManager });
    }
    await this.syncSlices(m.client, imp!, ours, sources);
    return true;
  }

  /** Makes one cluster hold exactly the sources' slices, owned by its import. */
  private async syncSlices(client: KubeClient, imp: KObject, current: KObject[], sources: Sources): Promise<void> {
    const cur = new Map(current.map((s) => [s.metadata!.name!, s]));
    for (const slices of sources.values()) {
      if (slices === 'keep') continue;
      for (const d of slices.map((s) => ownedBy(s, imp))) {
        const c = cur.get(d.metadata!.name!);
        cur.delete(d.metadata!.name!);
        if (c && deepEqual(sliceView(c), sliceView(d))) continue;
        if (!c) {
          try {
            await client.create(d, { fieldManager: this.o.fieldManager });
            continue;
          } catch (e) {
            if (!isAlreadyExists(e)) throw e;
          }
        }
        const stored = c ?? (await client.get(SLICES, 'EndpointSlice', d.metadata!.namespace, d.metadata!.name!));
        if (stored && !isOurSlice(stored)) throw new Error(`EndpointSlice ${d.metadata!.namespace}/${d.metadata!.name} exists and is not managed by the federation`);
        // Labels and annotations others added (a data plane's) stay.
        const metadata = { ...d.metadata, labels: { ...stored?.metadata?.labels, ...d.metadata!.labels }, ...(stored?.metadata?.annotations ? { annotations: stored.metadata.annotations } : {}), resourceVersion: stored?.metadata?.resourceVersion };
        await client.replace({ ...d, metadata }, { fieldManager: this.o.fieldManager });
      }
    }
    for (const gone of cur.values()) {
      if (sources.get(gone.metadata?.labels?.[MCS_SOURCE_CLUSTER_LABEL] ?? '') === 'keep') continue;
      await this.deleteSlice(client, gone);
    }
  }

  private async deleteSlice(client: KubeClient, s: KObject): Promise<void> {
    await client.delete(SLICES, 'EndpointSlice', s.metadata!.namespace, s.metadata!.name!, { preconditions: { uid: s.metadata!.uid! } });
  }

  /** The import's ClusterSetIP in one cluster: kept while the import is ClusterSetIP, else allocated. */
  private clusterSetIP(m: MemberCluster, ns: string, name: string, current: KObject | undefined): string {
    const key = `${ns}/${name}`;
    let mine = this.reserved.get(m.name);
    if (!mine) this.reserved.set(m.name, (mine = new Map()));
    const kept = current?.spec?.type === 'ClusterSetIP' ? (current.spec.ips?.[0] as string | undefined) : undefined;
    if (kept && ipv4ToNumber(kept) !== undefined) {
      mine.set(key, kept);
      return kept;
    }
    const reserved = mine.get(key);
    if (reserved) return reserved;
    const used = new Set<string>([...mine.values()]);
    for (const si of this.inf(m.name, 'ServiceImport')?.list() ?? []) for (const ip of si.spec?.ips ?? []) used.add(ip);
    const range = clusterSetIPRange({ annotation: this.clusterObjects?.get(m.name)?.metadata?.annotations?.[CLUSTERSET_IP_CIDR_ANNOTATION], apiServer: m.client.server, fallback: this.o.defaultClusterSetIPRange ?? DEFAULT_CLUSTERSET_IP_RANGE });
    const ip = allocateIP(range, used, key);
    if (!ip) throw new Error(`no ClusterSetIP left in ${range.cidr} for ${key}`);
    mine.set(key, ip);
    return ip;
  }

  /** Sets the given conditions (lastTransitionTime kept while a status holds); writes only on change. */
  private async writeConditions(client: KubeClient, obj: KObject, conds: McsCondition[]): Promise<void> {
    const current: KObject[] = obj.status?.conditions ?? [];
    const now = nowTimestamp();
    const next = conds.map((c) => {
      const prev = current.find((x) => x.type === c.type);
      return { ...c, observedGeneration: obj.metadata?.generation ?? 0, lastTransitionTime: prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now };
    });
    const others = current.filter((x) => !conds.some((c) => c.type === x.type));
    const conditions = [...next, ...others];
    if (deepEqual(norm(current), norm(conditions))) return;
    await client.patch(MCS_API_VERSION, 'ServiceExport', obj.metadata!.namespace, obj.metadata!.name!, { status: { conditions } }, 'merge', { subresource: 'status', fieldManager: this.o.fieldManager });
  }
}
