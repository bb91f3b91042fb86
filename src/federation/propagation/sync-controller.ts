/**
 * The sync controller: makes every member cluster hold what the federation's objects say.
 *
 * Sources are watched at the federation (plain objects of every enabled type, and their
 * Federated<Kind>); member copies through the member cache; a change to either, to a cluster's
 * health or labels, or to a replica plan queues the target object's key. One sync compiles the
 * intent, divides replicas, and then, for every cluster at once, creates, updates or removes the
 * copy; it records what it wrote (PropagationRecord) and reports status. The finalizer
 * kubefed.io/sync-controller holds a deleted source until every member copy is gone.
 *
 * Dependencies follow their workloads (dependencies.ts): every workload's references and clusters
 * are kept in an index, and a ConfigMap, Secret, ServiceAccount or PersistentVolumeClaim goes to
 * its workloads' clusters as well as its own. Dependencies are synced only once every workload
 * type is listed and indexed, so a restart never takes one away from a cluster that needs it.
 */
import type { KObject } from '../../apis/object.js';
import { isAlreadyExists, isConflict, isNotFound, KubeApiError, type Informer } from '../client/kube-client.js';
import type { ClusterPropagation, FederationContext, Intent, MemberCluster, ReplicaScheduler } from '../context.js';
import { EventRecorder } from '../events.js';
import { placedClusters, v1Clusters, type ClusterInfo } from '../placement/placement.js';
import { StatusWriter } from '../status/status-writer.js';
import type { FederatedTypeInfo } from '../types.js';
import { WorkQueue } from '../../util/work-queue.js';
import { alreadyApplied, desiredObject, intentHash, memberVersion } from './desired.js';
import { DependencyIndex, followerPlacement, followsMessage, isDependencyKind, isWorkloadKind, referencedObjects, type ObjectKey } from './dependencies.js';
import {
  ADOPT_ANNOTATION,
  ADOPTED_ANNOTATION,
  federatedClusters,
  federatedIntent,
  intentKey,
  isClusterLocal,
  MANAGED_LABEL,
  parseIntentKey,
  plainClusters,
  plainIntent,
  SYNC_FINALIZER,
  targetOfFederated,
} from './intent.js';
import { MemberCache } from './member-cache.js';
import { PropagationRecords, type ClusterRecord } from './records.js';

export interface SyncControllerOptions {
  /** Objects synced at once. Default 16. */
  workers?: number;
  /** Take over objects that already exist in a member without the managed label. Default true. */
  adoptResources?: boolean;
  scheduler?: ReplicaScheduler & { onReplan?(fn: (key: { namespace: string; name: string; kind: string }) => void): () => void };
  /** How often an object waiting on an unready cluster is looked at again. Default 5 s. */
  retryMs?: number;
  /**
   * Whether plain objects are templates (default true). Off (host-cluster mode): only
   * Federated<Kind> objects are propagated; plain objects are the host cluster's own.
   */
  plainTemplates?: boolean;
  /** Whether the federation's role in a member grants a type yet (writes wait for it). */
  access?: { granted(cluster: string, typeName: string): boolean | undefined; onChange(fn: (cluster: string) => void): () => void };
}

interface TypeWatch {
  type: FederatedTypeInfo;
  plain?: Informer;
  federated?: Informer;
  /** Both informers hold their initial lists: before that an absent object means nothing. */
  ready?: boolean;
  /** A workload type whose objects are all in the dependency index. */
  indexed?: boolean;
}

/** One cluster's outcome: what to report and what to remember. */
interface ClusterOutcome {
  result: ClusterPropagation;
  /** The record entry to keep (undefined: the cluster holds no copy). */
  record?: ClusterRecord;
  /** A copy still has to go (removal waits for an unready cluster, or is in progress). */
  pendingRemoval?: boolean;
  /** What was done, for the event. */
  action?: 'created' | 'updated' | 'adopted' | 'deleted' | 'orphaned';
  /** A failure worth retrying with backoff. */
  retry?: boolean;
}

const isNamespaceType = (t: FederatedTypeInfo) => t.target.kind === 'Namespace' && t.target.group === '';
const isWorkloadType = (t: FederatedTypeInfo) => isWorkloadKind(t.target.group, t.target.kind);
const isDependencyType = (t: FederatedTypeInfo) => isDependencyKind(t.target.group, t.target.kind);
const hasFinalizer = (o: KObject) => !!o.metadata?.finalizers?.includes(SYNC_FINALIZER);
const errText = (e: unknown) => (e instanceof KubeApiError ? (e.body?.message ?? e.message) : e instanceof Error ? e.message : String(e));

export class SyncController {
  private readonly queue: WorkQueue;
  private readonly cache: MemberCache;
  private readonly records: PropagationRecords;
  private readonly status: StatusWriter;
  private readonly events: EventRecorder;
  private readonly watches = new Map<string, TypeWatch>();
  private readonly clients = new Map<string, MemberCluster['client']>();
  private readonly unsubscribe: (() => void)[] = [];
  /** uid → resourceVersion of our last finalizer patch, until its update event arrives. */
  private readonly ownWrites = new Map<string, string>();
  /** Which workloads reference each dependency, and their clusters. */
  private readonly dependencies = new DependencyIndex();
  /** Per dependency key: the clusters it was last in only for its workloads (FollowsWorkload events). */
  private readonly followerOnly = new Map<string, string[]>();
  private stopped = false;

  constructor(
    private readonly ctx: FederationContext,
    private readonly opts: SyncControllerOptions = {},
  ) {
    this.queue = new WorkQueue((k) => this.sync(k), {
      name: 'sync',
      metrics: ctx.metrics,
      concurrency: opts.workers ?? 16,
      baseDelayMs: 200,
      maxDelayMs: 30_000,
      onError: (key, err) => ctx.log.debug({ key, err: errText(err) }, 'sync failed; retrying'),
    });
    this.cache = new MemberCache(ctx.log);
    this.records = new PropagationRecords(ctx.federation);
    this.status = new StatusWriter(ctx.federation, ctx.fieldManager);
    this.events = new EventRecorder(ctx.federation, ctx.fieldManager, ctx.log);
  }

  async start(): Promise<void> {
    await this.records.start();
    this.cache.onEvent((_cluster, type, obj) => this.enqueueMemberObject(type, obj));
    for (const c of this.ctx.members.list()) this.clients.set(c.name, c.client);
    this.unsubscribe.push(this.ctx.members.onChange((c) => this.clusterChanged(c)));
    this.unsubscribe.push(this.ctx.types.onChange(() => void this.watchTypes()));
    // A cluster's role now grants (or no longer grants) a type: its objects are looked at again.
    if (this.opts.access) this.unsubscribe.push(this.opts.access.onChange(() => this.enqueueAll()));
    if (this.opts.scheduler?.onReplan) {
      this.unsubscribe.push(
        this.opts.scheduler.onReplan(({ namespace, name, kind }) => {
          const type = this.ctx.types.list().find((t) => t.target.kind === kind || t.federated.kind === kind);
          if (type) this.queue.add(intentKey(type, namespace, name));
        }),
      );
    }
    await this.watchTypes();
    // Records whose source went away while no controller was running.
    for (const rec of this.records.list()) {
      const t = rec.target as { apiVersion?: string; kind?: string; namespace?: string; name?: string } | undefined;
      const type = t?.apiVersion && t.kind ? this.ctx.types.byTarget(t.apiVersion, t.kind) : undefined;
      if (type && t?.name) this.queue.add(intentKey(type, t.namespace ?? '', t.name));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const u of this.unsubscribe) u();
    this.queue.shutdown();
    await Promise.all([...this.watches.values()].flatMap((w) => [w.plain?.stop(), w.federated?.stop()]));
    this.watches.clear();
    await this.cache.stop();
    await this.records.stop();
  }

  /**
   * Whether this controller will propagate a new object of the given group and kind (so its
   * finalizer may be set when it is created): its type's informers are running, and the object
   * is neither cluster-local nor the container of a Federated<Kind> of the same name.
   */
  propagates(group: string, kind: string, obj: KObject): boolean {
    for (const w of this.watches.values()) {
      if (!w.ready) continue;
      if (w.type.federated.group === group && w.type.federated.kind === kind) return true;
      if (w.type.target.group !== group || w.type.target.kind !== kind) continue;
      if (this.opts.plainTemplates === false || isClusterLocal(w.type, obj)) return false;
      const name = obj.metadata?.name ?? '';
      return !(name && this.federatedSource(w, obj.metadata?.namespace ?? '', name));
    }
    return false;
  }

  /** Resolves when no sync is queued or running (for tests and benchmarks). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Starts informers for enabled types, stops them for types that went. */
  private async watchTypes(): Promise<void> {
    if (this.stopped) return;
    const enabled = this.ctx.types.list().filter((t) => t.propagation === 'Enabled');
    const names = new Set(enabled.map((t) => t.name));
    for (const [name, w] of this.watches) {
      if (names.has(name)) continue;
      this.watches.delete(name);
      await Promise.all([w.plain?.stop(), w.federated?.stop()]);
      // Workloads no longer propagated no longer hold their dependencies anywhere.
      if (isWorkloadType(w.type)) {
        for (const d of this.dependencies.deleteKind(w.type.target.kind)) this.enqueueDependency(d);
        if (this.dependenciesIndexed()) this.enqueueDependencies();
      }
    }
    await Promise.all(enabled.filter((t) => !this.watches.has(t.name)).map((t) => this.watchType(t)));
  }

  private async watchType(type: FederatedTypeInfo): Promise<void> {
    const w: TypeWatch = { type };
    this.watches.set(type.name, w);
    const enqueue = (obj: KObject, federated: boolean) => {
      this.ctx.metrics?.propagation.observed(obj);
      if (federated) {
        const t = targetOfFederated(type, obj);
        // A workload's dependencies learn where it goes before it is synced.
        if (w.indexed) this.indexWorkload(w, t.namespace, t.name);
        this.queue.add(intentKey(type, t.namespace, t.name));
        // A FederatedNamespace places the objects in its namespace.
        if (type.target.kind === 'Namespace' && type.target.group === '') this.enqueueNamespaceContents(t.name);
      } else {
        if (w.indexed) this.indexWorkload(w, obj.metadata?.namespace ?? '', obj.metadata?.name ?? '');
        this.queue.add(intentKey(type, obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''));
        if (type.target.kind === 'Namespace' && type.target.group === '') this.enqueueNamespaceContents(obj.metadata?.name ?? '');
      }
    };
    const start = async (apiVersion: string, kind: string, federated: boolean): Promise<Informer | undefined> => {
      for (let attempt = 0; !this.stopped && this.watches.get(type.name) === w; attempt++) {
        try {
          this.ctx.federation.resetDiscovery();
          const inf = await this.ctx.federation.informer(apiVersion, kind);
          inf.on('add', (o: KObject) => enqueue(o, federated));
          inf.on('delete', (o: KObject) => {
            if (o.metadata?.uid) this.ownWrites.delete(o.metadata.uid);
            enqueue(o, federated);
            this.ctx.metrics?.propagation.forget(o);
          });
          // Our own finalizer patch coming back changes nothing the sync that made it did not know.
          inf.on('update', (o: KObject) => {
            if (!this.isOwnEcho(o)) enqueue(o, federated);
          });
          inf.on('error', () => undefined);
          await inf.start();
          return inf;
        } catch (err) {
          if (attempt % 10 === 0) this.ctx.log.warn({ type: type.name, kind, err: errText(err) }, 'cannot watch type yet; retrying');
          await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5_000)));
        }
      }
      return undefined;
    };
    const [plain, federated] = await Promise.all([start(type.target.apiVersion, type.target.kind, false), start(type.federated.apiVersion, type.federated.kind, true)]);
    if (this.watches.get(type.name) !== w) {
      await Promise.all([plain?.stop(), federated?.stop()]);
      return;
    }
    if (plain) w.plain = plain;
    if (federated) w.federated = federated;
    w.ready = true;
    this.indexWorkloadTypes();
    // Keys seen while the lists were loading were skipped: look at every object now. Objects of
    // every type wait for the Namespace type (namespace placement), so its readiness wakes all.
    if (isNamespaceType(type)) this.enqueueAll();
    else this.enqueueType(w);
  }

  /**
   * Whether objects of this type can be synced: its informers and the namespaces' are loaded;
   * for dependencies, every workload type's too, and the workloads indexed.
   */
  private canSync(w: TypeWatch): boolean {
    if (!w.ready) return false;
    if (!w.type.target.namespaced) return true;
    const ns = [...this.watches.values()].find((x) => isNamespaceType(x.type));
    if (ns && !ns.ready) return false;
    return !isDependencyType(w.type) || this.dependenciesIndexed();
  }

  /** Every workload type's objects are in the dependency index. */
  private dependenciesIndexed(): boolean {
    for (const w of this.watches.values()) if (isWorkloadType(w.type) && !w.indexed) return false;
    return true;
  }

  /** Indexes the workload types that can be synced now; dependencies skipped meanwhile are synced once all are. */
  private indexWorkloadTypes(): void {
    let indexed = false;
    for (const w of this.watches.values()) {
      if (!isWorkloadType(w.type) || w.indexed || !this.canSync(w)) continue;
      w.indexed = true;
      this.indexWorkloads(w);
      indexed = true;
    }
    if (indexed && this.dependenciesIndexed()) this.enqueueDependencies();
  }

  /** Re-reads where a type's workloads (those of one namespace, if given) go. */
  private indexWorkloads(w: TypeWatch, namespace?: string): void {
    const infos = this.clusterInfos();
    for (const o of w.plain?.list(namespace) ?? []) this.indexWorkload(w, o.metadata?.namespace ?? '', o.metadata?.name ?? '', infos);
    for (const o of w.federated?.list(namespace) ?? []) {
      const t = targetOfFederated(w.type, o);
      this.indexWorkload(w, t.namespace, t.name, infos);
    }
  }

  /**
   * Records in the dependency index what a workload references and where it goes (its intent's
   * clusters, computed from the informers alone), and queues the dependencies whose follower
   * clusters changed. A workload being deleted keeps its dependencies until it is gone.
   */
  private indexWorkload(w: TypeWatch, namespace: string, name: string, infos = this.clusterInfos()): void {
    const type = w.type;
    const key: ObjectKey = { kind: type.target.kind, namespace, name };
    const fed = this.federatedSource(w, namespace, name);
    const source = fed ?? this.plainSource(w, namespace, name);
    let changed: ObjectKey[];
    if (!source || (source.metadata?.deletionTimestamp && !hasFinalizer(source))) {
      changed = this.dependencies.delete(key);
    } else {
      const nsClusters = this.namespaceClusters(namespace, infos);
      let clusters: string[];
      try {
        clusters = fed ? federatedClusters(type, fed, infos, nsClusters) : plainClusters(source, infos, nsClusters);
      } catch {
        return; // a placement that cannot be read: the sync reports it; the index keeps what it had
      }
      changed = this.dependencies.set(key, referencedObjects(type.target.kind, fed ? fed.spec?.template : source), clusters);
    }
    for (const d of changed) this.enqueueDependency(d);
  }

  private enqueueDependency(d: ObjectKey): void {
    for (const w of this.watches.values()) if (isDependencyType(w.type) && w.type.target.kind === d.kind) this.queue.add(intentKey(w.type, d.namespace, d.name));
  }

  /** Every dependency, and the records of dependencies whose source is gone. */
  private enqueueDependencies(): void {
    const types = new Set<string>();
    for (const w of this.watches.values()) {
      if (!isDependencyType(w.type)) continue;
      types.add(w.type.target.kind);
      this.enqueueType(w);
    }
    for (const rec of this.records.list()) {
      const t = rec.target as { apiVersion?: string; kind?: string; namespace?: string; name?: string } | undefined;
      const type = t?.apiVersion && t.kind && types.has(t.kind) ? this.ctx.types.byTarget(t.apiVersion, t.kind) : undefined;
      if (type && t?.name) this.queue.add(intentKey(type, t.namespace ?? '', t.name));
    }
  }

  /**
   * Adds to a dependency's clusters those of the workloads referencing it, and records a
   * FollowsWorkload event when the clusters it holds only for them change.
   */
  private addFollowers(intent: Intent, namespaceClusters: string[] | undefined): void {
    const { type, namespace, name } = intent;
    const followers = this.dependencies.followers({ kind: type.target.kind, namespace, name });
    const key = intentKey(type, namespace, name);
    if (!followers.length && !this.followerOnly.has(key)) return;
    const own = intent.clusters;
    const placement = followerPlacement(own, followers, namespaceClusters);
    intent.clusters = placement.clusters;
    let before = this.followerOnly.get(key);
    if (!before) {
      // First look since the controller started: the copies it already holds were announced before.
      const held = this.records.clusters(this.records.get(type, namespace, name));
      before = placement.extra.filter((c) => held.has(c));
    }
    const message = followsMessage(before, placement.extra, followers, own);
    if (message) this.events.record(intent.source, 'Normal', 'FollowsWorkload', message);
    if (placement.extra.length) this.followerOnly.set(key, placement.extra);
    else this.followerOnly.delete(key);
  }

  private clusterInfos(): ClusterInfo[] {
    return this.ctx.members.list().map((c) => ({ name: c.name, labels: c.labels }));
  }

  private enqueueNamespaceContents(namespace: string): void {
    if (!namespace) return;
    for (const w of this.watches.values()) {
      if (!w.type.target.namespaced) continue;
      // The namespace's placement limits its workloads': their dependencies follow.
      if (w.indexed) this.indexWorkloads(w, namespace);
      for (const o of w.plain?.list(namespace) ?? []) this.queue.add(intentKey(w.type, namespace, o.metadata?.name ?? ''));
      for (const o of w.federated?.list(namespace) ?? []) this.queue.add(intentKey(w.type, namespace, o.metadata?.name ?? ''));
    }
  }

  private enqueueMemberObject(type: FederatedTypeInfo, obj: KObject): void {
    this.queue.add(intentKey(type, obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''));
  }

  /** A cluster joined, left, or changed health or labels: every object is looked at again. */
  private clusterChanged(cluster: string): void {
    const c = this.ctx.members.get(cluster);
    if (!c || this.clients.get(cluster) !== c.client) {
      void this.cache.dropCluster(cluster);
      if (c) this.clients.set(cluster, c.client);
      else this.clients.delete(cluster);
    }
    // Placement by cluster labels, joins and leaves move workloads: the index learns first.
    for (const w of this.watches.values()) if (w.indexed) this.indexWorkloads(w);
    this.enqueueAll();
  }

  private enqueueAll(): void {
    for (const w of this.watches.values()) this.enqueueType(w);
  }

  private enqueueType(w: TypeWatch): void {
    for (const o of w.plain?.list() ?? []) this.queue.add(intentKey(w.type, o.metadata?.namespace ?? '', o.metadata?.name ?? ''));
    for (const o of w.federated?.list() ?? []) {
      const t = targetOfFederated(w.type, o);
      this.queue.add(intentKey(w.type, t.namespace, t.name));
    }
  }

  /** The plain object that is a target's template, if plain objects are templates and it is not cluster-local. */
  private plainSource(w: TypeWatch, namespace: string, name: string): KObject | undefined {
    if (this.opts.plainTemplates === false) return undefined;
    const plain = w.plain?.get(name, namespace || undefined) as KObject | undefined;
    return plain && !isClusterLocal(w.type, plain) ? plain : undefined;
  }

  /** The Federated<Kind> governing a target, if any. */
  private federatedSource(w: TypeWatch, namespace: string, name: string): KObject | undefined {
    if (!w.federated) return undefined;
    if (w.type.target.kind === 'Namespace' && w.type.target.group === '') return w.federated.list(name)[0];
    return w.federated.get(name, namespace || undefined);
  }

  /** The clusters a namespace is placed in (undefined: everywhere). */
  private namespaceClusters(namespace: string, clusters: ClusterInfo[]): string[] | undefined {
    const nsWatch = [...this.watches.values()].find((w) => w.type.target.kind === 'Namespace' && w.type.target.group === '');
    if (!namespace || !nsWatch) return undefined;
    const fed = nsWatch.federated?.list(namespace)[0];
    if (fed) return placedClusters(fed.spec?.placement, clusters);
    const ns = this.plainSource(nsWatch, '', namespace);
    if (!ns) return undefined;
    try {
      return v1Clusters(ns, clusters);
    } catch {
      return [];
    }
  }

  private async sync(key: string): Promise<void> {
    const { typeName, namespace, name } = parseIntentKey(key);
    const w = this.watches.get(typeName);
    if (!w || w.type.propagation !== 'Enabled' || !this.canSync(w)) return;
    const type = w.type;
    if (w.indexed) this.indexWorkload(w, namespace, name);
    const fed = this.federatedSource(w, namespace, name);
    const plain = this.plainSource(w, namespace, name);
    // A Federated<Kind> governs; a plain object of the same name is then only its container.
    if (fed && plain && hasFinalizer(plain)) await this.setFinalizer(plain, false);
    let source = fed ?? plain;
    if (source && source.metadata?.deletionTimestamp && !hasFinalizer(source)) source = undefined;
    if (!source) {
      this.followerOnly.delete(key);
      if (this.records.get(type, namespace, name)) await this.removeEverywhere(type, namespace, name);
      return;
    }
    if (!source.metadata?.deletionTimestamp && !hasFinalizer(source)) source = await this.setFinalizer(source, true);
    const clusters = this.ctx.members.list();
    const infos = this.clusterInfos();
    const nsClusters = type.target.namespaced ? this.namespaceClusters(namespace, infos) : undefined;
    let intent: Intent;
    try {
      intent = fed ? federatedIntent(type, source, infos, nsClusters) : plainIntent(type, source, infos, nsClusters);
    } catch (e) {
      // Admission rejects bad placement; this guards objects stored before it existed.
      this.events.record(source, 'Warning', 'ComputePlacementFailed', errText(e));
      return;
    }
    if (isDependencyType(type) && !intent.deleting) this.addFollowers(intent, nsClusters);
    await this.propagate(intent, clusters);
  }

  private async propagate(intent: Intent, clusters: MemberCluster[]): Promise<void> {
    const { type, namespace, name } = intent;
    const record = this.records.get(type, namespace, name);
    const previous = this.records.clusters(record);
    const selected = new Set(intent.deleting ? [] : intent.clusters);
    const division = !intent.deleting && this.opts.scheduler ? await this.opts.scheduler.schedule(intent, clusters, (c) => this.cache.peek(c, type, namespace, name)) : undefined;
    const outcomes = await Promise.all(
      clusters.map(async (c) => {
        if (!selected.has(c.name)) return this.remove(intent, c, previous.get(c.name));
        const o = await this.ensure(intent, c, division?.replicas[c.name], previous.get(c.name));
        const d = division?.decisions[c.name];
        if (d) o.result.placement = d;
        return o;
      }),
    );
    const pending = outcomes.some((o) => o.pendingRemoval);
    if (intent.deleting && !pending) {
      this.opts.scheduler?.forget?.({ namespace, name, kind: intent.source.kind ?? type.target.kind });
      await this.records.remove(type, namespace, name);
      await this.setFinalizer(intent.source, false);
      const gone = outcomes.filter((o) => o.action === 'deleted' || o.action === 'orphaned').map((o) => o.result.cluster);
      if (gone.length) this.events.record(intent.source, 'Normal', intent.orphan ? 'Orphaned' : 'DeletedInClusters', `${intent.orphan ? 'left in place' : 'deleted'} in ${gone.join(', ')}`);
      return;
    }
    const entries = outcomes.flatMap((o) => {
      if (!o.record) return [];
      const p = o.result.placement;
      return [{ ...o.record, ...(p ? { replicas: p.target, readyReplicas: Number(o.result.member?.status?.readyReplicas ?? 0), reason: p.reason } : {}) }];
    });
    await this.records.save(type, intent.source, namespace, name, entries);
    if (!intent.deleting) await this.status.report(intent, outcomes.map((o) => o.result));
    await this.recordEvents(intent, outcomes, previous);
    if (outcomes.some((o) => o.retry)) throw new Error(`${intentKey(type, namespace, name)}: ${outcomes.filter((o) => o.retry).map((o) => `${o.result.cluster}: ${o.result.status} ${o.result.message ?? ''}`).join('; ')}`);
    if (pending || outcomes.some((o) => o.result.status === 'ClusterNotReady')) this.queue.addAfter(intentKey(type, namespace, name), this.opts.retryMs ?? 5_000);
    // The division changes with time alone (a toleration runs out, a cluster has settled).
    if (division?.recheckAfterMs !== undefined) this.queue.addAfter(intentKey(type, namespace, name), Math.max(10, division.recheckAfterMs));
  }

  private async recordEvents(intent: Intent, outcomes: ClusterOutcome[], previous: Map<string, ClusterRecord>): Promise<void> {
    const by = (a: ClusterOutcome['action']) => outcomes.filter((o) => o.action === a).map((o) => o.result.cluster);
    const parts = (['created', 'updated', 'adopted', 'deleted', 'orphaned'] as const).flatMap((a) => (by(a).length ? [`${a} in ${by(a).join(', ')}`] : []));
    if (parts.length) this.events.record(intent.source, 'Normal', 'Propagated', parts.join('; '));
    const failed = outcomes.filter((o) => !['Ok', 'NotSelected', 'ClusterNotReady', 'WaitingForRemoval', 'WaitingForAccess'].includes(o.result.status) && previous.get(o.result.cluster)?.status !== o.result.status);
    for (const f of failed) this.events.record(intent.source, 'Warning', f.result.status, `cluster ${f.result.cluster}: ${f.result.message ?? f.result.status}`);
  }

  private adoptionAllowed(intent: Intent): boolean {
    const ann = intent.source.metadata?.annotations?.[ADOPT_ANNOTATION];
    if (ann !== undefined) return ann !== 'false';
    return this.opts.adoptResources ?? true;
  }

  /** Makes one selected cluster hold the desired copy. */
  private async ensure(intent: Intent, c: MemberCluster, division: number | 'keep' | undefined, rec: ClusterRecord | undefined): Promise<ClusterOutcome> {
    const cluster = c.name;
    const keep = rec ? { ...rec } : undefined;
    if (c.phase !== 'Ready') {
      // Its last known copy still tells how many replicas exist there (not whether they are ready).
      const last = this.cache.peek(cluster, intent.type, intent.namespace, intent.name);
      return { result: { cluster, status: 'ClusterNotReady', message: `cluster is ${c.phase}`, ...(last ? { member: last } : {}) }, ...(keep ? { record: { ...keep, status: 'ClusterNotReady' } } : {}) };
    }
    const { type, namespace, name } = intent;
    if (this.opts.access?.granted(cluster, type.name) === false) {
      const message = `the federation's role in the cluster does not grant ${type.target.plural} yet`;
      return { result: { cluster, status: 'WaitingForAccess', message }, record: { ...(keep ?? { name: cluster }), status: 'WaitingForAccess', message } };
    }
    // `keep`: the copy's replicas stay as they are (a new copy starts with none).
    let replicas = division === 'keep' ? undefined : division;
    if (division === 'keep') {
      const cur = this.cache.peek(cluster, type, namespace, name);
      replicas = typeof cur?.spec?.replicas === 'number' ? cur.spec.replicas : cur ? undefined : 0;
    }
    const hash = intentHash(intent, cluster, replicas);
    const ok = (member: KObject, action?: ClusterOutcome['action']): ClusterOutcome => {
      if (action) this.ctx.metrics?.propagation.written(type.name, intent.source, cluster);
      return { result: { cluster, status: 'Ok', member }, record: { name: cluster, version: memberVersion(member), hash, status: 'Ok' }, ...(action ? { action } : {}) };
    };
    const fail = (status: string, e: unknown, member?: KObject): ClusterOutcome => ({
      result: { cluster, status, message: errText(e), ...(member ? { member } : {}) },
      record: { ...(keep ?? { name: cluster }), status, message: errText(e) },
      retry: !(e instanceof OverrideError),
    });
    let member: KObject | undefined;
    try {
      member = await this.cache.get(c, type, namespace, name);
    } catch (e) {
      return fail('ClusterNotReady', e);
    }
    if (member) {
      if (rec?.hash === hash && rec.version === memberVersion(member) && !member.metadata?.deletionTimestamp) return ok(member);
      let desired: KObject;
      try {
        desired = withOverrides(() => desiredObject(intent, cluster, member, replicas));
      } catch (e) {
        return fail('ApplyOverridesFailed', e, member);
      }
      // "Every desired field is there" cannot see what the federation stopped asking for (a
      // removed override, label or template field): it only stands in when no record says what
      // was decided last (e.g. after a crash), or when that decision is unchanged and the member
      // merely moved on (its controllers, status, defaults).
      if ((rec?.hash === undefined || rec.hash === hash) && alreadyApplied(desired, member)) return ok(member);
      try {
        const updated = await c.client.replace(desired, { fieldManager: this.ctx.fieldManager });
        this.cache.noteWritten(cluster, type, updated);
        return ok(updated, 'updated');
      } catch (e) {
        return fail('UpdateFailed', e, member);
      }
    }
    let desired: KObject;
    try {
      desired = withOverrides(() => desiredObject(intent, cluster, undefined, replicas));
    } catch (e) {
      return fail('ApplyOverridesFailed', e);
    }
    try {
      const created = await c.client.create(desired, { fieldManager: this.ctx.fieldManager });
      this.cache.noteWritten(cluster, type, created);
      return ok(created, 'created');
    } catch (e) {
      if (!isAlreadyExists(e)) return fail('CreationFailed', e);
    }
    // It exists already: ours (a cache that lags) or someone else's (adoption).
    try {
      const existing = await c.client.get(type.target.apiVersion, type.target.kind, namespace || undefined, name);
      if (!existing) return fail('CreationFailed', new Error('the object vanished while being created; retrying'));
      const managed = existing.metadata?.labels?.[MANAGED_LABEL] === 'true';
      if (!managed && !this.adoptionAllowed(intent)) {
        return { result: { cluster, status: 'AlreadyExists', message: 'an object not managed by the federation exists in the cluster and adoption is disabled' }, record: { name: cluster, status: 'AlreadyExists' } };
      }
      const d = withOverrides(() => desiredObject(intent, cluster, existing, replicas));
      if (!managed) d.metadata!.annotations = { ...(d.metadata!.annotations ?? {}), [ADOPTED_ANNOTATION]: 'true' };
      const updated = await c.client.replace(d, { fieldManager: this.ctx.fieldManager });
      this.cache.noteWritten(cluster, type, updated);
      return ok(updated, managed ? 'updated' : 'adopted');
    } catch (e) {
      return fail(e instanceof OverrideError ? 'ApplyOverridesFailed' : 'UpdateFailed', e);
    }
  }

  /** Makes sure a cluster that should not hold the object does not (or, orphaning, holds it unmanaged). */
  private async remove(intent: Intent, c: MemberCluster, rec: ClusterRecord | undefined): Promise<ClusterOutcome> {
    const cluster = c.name;
    const { type, namespace, name } = intent;
    const notSelected: ClusterOutcome = { result: { cluster, status: 'NotSelected' } };
    if (c.phase !== 'Ready') {
      // A copy we know of waits for the cluster to come back.
      if (!rec) return notSelected;
      return { result: { cluster, status: 'WaitingForRemoval', message: `cluster is ${c.phase}` }, record: { ...rec, status: 'WaitingForRemoval' }, pendingRemoval: true };
    }
    const failed = (e: unknown): ClusterOutcome => ({ result: { cluster, status: 'DeletionFailed', message: errText(e) }, record: { ...(rec ?? { name: cluster }), status: 'DeletionFailed', message: errText(e) }, pendingRemoval: true, retry: true });
    try {
      // Deleting at the federation: ask the member itself, not a cache.
      const member = intent.deleting || rec ? await c.client.get(type.target.apiVersion, type.target.kind, namespace || undefined, name) : await this.cache.get(c, type, namespace, name);
      if (!member || member.metadata?.labels?.[MANAGED_LABEL] !== 'true') return notSelected;
      if (member.metadata?.deletionTimestamp) return { result: { cluster, status: 'WaitingForRemoval', message: 'the copy is being deleted' }, record: { ...(rec ?? { name: cluster }), status: 'WaitingForRemoval' }, pendingRemoval: true };
      const adopted = member.metadata?.annotations?.[ADOPTED_ANNOTATION] === 'true';
      if ((intent.deleting && intent.orphan) || adopted) {
        await c.client.patch(type.target.apiVersion, type.target.kind, namespace || undefined, name, { metadata: { labels: { [MANAGED_LABEL]: null }, annotations: { [ADOPTED_ANNOTATION]: null } } }, 'merge', { fieldManager: this.ctx.fieldManager });
        this.cache.noteDeleted(cluster, type, namespace, name);
        return { ...notSelected, action: 'orphaned' };
      }
      await c.client.delete(type.target.apiVersion, type.target.kind, namespace || undefined, name, { propagationPolicy: 'Background', preconditions: { uid: member.metadata!.uid! } });
      this.cache.noteDeleted(cluster, type, namespace, name);
      const after = await c.client.get(type.target.apiVersion, type.target.kind, namespace || undefined, name);
      if (after && after.metadata?.uid === member.metadata?.uid) {
        return { result: { cluster, status: 'WaitingForRemoval', message: 'the copy is being deleted' }, record: { ...(rec ?? { name: cluster }), status: 'WaitingForRemoval' }, pendingRemoval: true, action: 'deleted' };
      }
      return { ...notSelected, action: 'deleted' };
    } catch (e) {
      if (isNotFound(e)) return notSelected;
      if (isConflict(e)) return { ...failed(e), retry: true };
      return failed(e);
    }
  }

  /** The source has gone without its finalizer (e.g. removed by hand): clear what the record lists. */
  private async removeEverywhere(type: FederatedTypeInfo, namespace: string, name: string): Promise<void> {
    const template: KObject = { apiVersion: type.target.apiVersion, kind: type.target.kind, metadata: { name, ...(namespace ? { namespace } : {}) } };
    const intent: Intent = { type, source: template, sourceStyle: 'plain', namespace, name, template, clusters: [], overrides: {}, deleting: true, orphan: false };
    const previous = this.records.clusters(this.records.get(type, namespace, name));
    const outcomes = await Promise.all(this.ctx.members.list().map((c) => this.remove(intent, c, previous.get(c.name))));
    if (outcomes.some((o) => o.pendingRemoval)) {
      this.queue.addAfter(intentKey(type, namespace, name), this.opts.retryMs ?? 5_000);
      return;
    }
    await this.records.remove(type, namespace, name);
  }

  /** Adds or removes the sync finalizer; returns the updated object. */
  /** Whether an update event is the echo of our own finalizer patch (then forgotten). */
  private isOwnEcho(o: KObject): boolean {
    const uid = o.metadata?.uid;
    if (!uid || !this.ownWrites.has(uid)) return false;
    const mine = this.ownWrites.get(uid) === o.metadata?.resourceVersion;
    this.ownWrites.delete(uid);
    return mine;
  }

  private async setFinalizer(obj: KObject, present: boolean): Promise<KObject> {
    const current = obj.metadata?.finalizers ?? [];
    const finalizers = present ? [...current.filter((f) => f !== SYNC_FINALIZER), SYNC_FINALIZER] : current.filter((f) => f !== SYNC_FINALIZER);
    try {
      const patched = await this.ctx.federation.patch(obj.apiVersion!, obj.kind!, obj.metadata?.namespace || undefined, obj.metadata!.name!, { metadata: { finalizers, resourceVersion: obj.metadata?.resourceVersion } }, 'merge', { fieldManager: this.ctx.fieldManager });
      // Adding the finalizer is followed by this very sync; removing it may end the object, whose events must still flow.
      if (present && patched.metadata?.uid && patched.metadata.resourceVersion) this.ownWrites.set(patched.metadata.uid, patched.metadata.resourceVersion);
      return patched;
    } catch (e) {
      if (!present && isNotFound(e)) return obj;
      throw e;
    }
  }
}

class OverrideError extends Error {}

/** Runs desiredObject, marking override failures so they are reported, not retried. */
function withOverrides(fn: () => KObject): KObject {
  try {
    return fn();
  } catch (e) {
    throw new OverrideError(`overrides do not apply: ${e instanceof Error ? e.message : String(e)}`);
  }
}
