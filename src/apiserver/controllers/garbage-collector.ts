/**
 * Garbage collection by ownerReferences, as kube-controller-manager's garbage collector does:
 * - an object whose owners are all gone is deleted (background);
 * - an owner being deleted with the `orphan` finalizer has its dependents' references to it
 *   removed, then the finalizer;
 * - an owner being deleted with `foregroundDeletion` has its dependents deleted first, then
 *   the finalizer is removed.
 * It follows the watch cache directly and acts through the REST operations.
 */
import type { KObject, OwnerReference } from '../../apis/object.js';
import type { CacheEvent, WatchCache } from '../../storage/watch-cache.js';
import { resourcePrefixOf } from '../../storage/watch-cache.js';
import { WorkQueue } from '../../util/work-queue.js';
import { StatusError } from '../errors.js';
import type { ResourceType } from '../registry/types.js';
import { systemContext, type Api } from '../rest/context.js';
import { deleteObject, FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../rest/delete.js';
import { fromStorage, storageVersion } from '../rest/prepare.js';
import { updateObject } from '../rest/update.js';

const MANAGER = 'kubefed-garbage-collector';

export class GarbageCollector {
  /** uid -> storage key of every object. */
  private readonly byUid = new Map<string, string>();
  /** owner uid -> keys of objects that name it. */
  private readonly dependents = new Map<string, Set<string>>();
  /** key -> owner uids it names. */
  private readonly ownersOf = new Map<string, string[]>();
  private readonly queue: WorkQueue;
  private stopWatch: (() => void) | undefined;

  constructor(private readonly api: Api) {
    this.queue = new WorkQueue((key) => this.process(key), { concurrency: 4, name: 'garbage-collector' });
  }

  private get cache(): WatchCache {
    return this.api.store.cache;
  }

  start(): void {
    for (const prefix of this.cache.resourcePrefixes()) {
      for (const o of this.cache.list(prefix)) this.index(o.key, o.obj);
    }
    this.stopWatch = this.cache.watchAll((events) => this.onEvents(events));
    for (const key of this.ownersOf.keys()) this.queue.add(key);
    for (const prefix of this.cache.resourcePrefixes()) {
      for (const o of this.cache.list(prefix)) if (o.obj.metadata?.deletionTimestamp) this.queue.add(o.key);
    }
  }

  stop(): void {
    this.stopWatch?.();
    this.queue.shutdown();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private index(key: string, obj: KObject): void {
    const uid = obj.metadata?.uid;
    if (uid) this.byUid.set(uid, key);
    this.unlinkOwners(key);
    const owners = (obj.metadata?.ownerReferences ?? []).map((r) => r.uid).filter(Boolean);
    if (owners.length) {
      this.ownersOf.set(key, owners);
      for (const o of owners) {
        let s = this.dependents.get(o);
        if (!s) this.dependents.set(o, (s = new Set()));
        s.add(key);
      }
    }
  }

  private unlinkOwners(key: string): void {
    for (const o of this.ownersOf.get(key) ?? []) {
      const s = this.dependents.get(o);
      s?.delete(key);
      if (s && s.size === 0) this.dependents.delete(o);
    }
    this.ownersOf.delete(key);
  }

  private onEvents(events: CacheEvent[]): void {
    for (const e of events) {
      const obj = e.object.obj;
      const uid = obj.metadata?.uid;
      if (e.type === 'DELETED') {
        if (uid && this.byUid.get(uid) === e.key) this.byUid.delete(uid);
        this.unlinkOwners(e.key);
        // Dependents of a vanished owner may now be garbage.
        if (uid) for (const d of this.dependents.get(uid) ?? []) this.queue.add(d);
        continue;
      }
      this.index(e.key, obj);
      if (obj.metadata?.ownerReferences?.length) this.queue.add(e.key);
      if (obj.metadata?.deletionTimestamp) {
        this.queue.add(e.key);
        if (uid) for (const d of this.dependents.get(uid) ?? []) this.queue.add(d);
      }
    }
  }

  private typeOf(key: string): ResourceType | undefined {
    return this.api.registry.storageOwner(resourcePrefixOf(key));
  }

  private ownerAlive(ref: OwnerReference): boolean {
    const key = this.byUid.get(ref.uid);
    return key !== undefined && this.cache.get(key)?.obj.metadata?.uid === ref.uid;
  }

  private async process(key: string): Promise<void> {
    const cached = this.cache.get(key);
    if (!cached) return;
    const obj = cached.obj;
    const type = this.typeOf(key);
    if (!type) return;
    const m = obj.metadata ?? {};
    const ns = m.namespace ?? '';
    const finalizers = m.finalizers ?? [];

    // An owner being deleted: handle its dependents first.
    if (m.deletionTimestamp && m.uid) {
      const deps = [...(this.dependents.get(m.uid) ?? [])];
      if (finalizers.includes(ORPHAN_FINALIZER)) {
        for (const d of deps) await this.removeOwnerRef(d, m.uid);
        await this.removeFinalizer(type, ns, m.name!, ORPHAN_FINALIZER);
        return;
      }
      if (finalizers.includes(FOREGROUND_FINALIZER)) {
        const remaining = deps.filter((d) => this.cache.get(d));
        for (const d of remaining) {
          const dep = this.cache.get(d)!.obj;
          if (dep.metadata?.deletionTimestamp) continue;
          await this.deleteKey(d, 'Foreground');
        }
        const blocking = remaining.filter((d) => {
          const dep = this.cache.get(d)?.obj;
          return dep && (dep.metadata?.ownerReferences ?? []).some((r) => r.uid === m.uid && r.blockOwnerDeletion);
        });
        if (blocking.length === 0) await this.removeFinalizer(type, ns, m.name!, FOREGROUND_FINALIZER);
        else this.queue.addAfter(key, 200);
        return;
      }
    }

    // A dependent: delete it when every owner is gone.
    const refs = m.ownerReferences ?? [];
    if (refs.length === 0 || m.deletionTimestamp) return;
    const alive = refs.filter((r) => this.ownerAlive(r));
    if (alive.length === refs.length) return;
    if (alive.length === 0) {
      // A dependent of an owner deleted in the foreground is itself deleted in the foreground.
      const foreground = refs.some((r) => this.ownerWaitingForDependents(r));
      await this.deleteKey(key, foreground ? 'Foreground' : 'Background');
      return;
    }
    // Some owners remain: drop only the references to owners that are gone.
    const gone = new Set(refs.filter((r) => !this.ownerAlive(r)).map((r) => r.uid));
    for (const uid of gone) await this.removeOwnerRef(key, uid);
  }

  private ownerWaitingForDependents(ref: OwnerReference): boolean {
    const key = this.byUid.get(ref.uid);
    const o = key ? this.cache.get(key)?.obj : undefined;
    return !!o?.metadata?.deletionTimestamp && (o.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER);
  }

  private async deleteKey(key: string, policy: 'Background' | 'Foreground'): Promise<void> {
    const c = this.cache.get(key);
    const type = this.typeOf(key);
    if (!c || !type) return;
    try {
      await deleteObject(this.api, type, c.obj.metadata?.namespace ?? '', c.obj.metadata!.name!, { propagationPolicy: policy, preconditions: { uid: c.obj.metadata!.uid! } }, systemContext(MANAGER));
    } catch (e) {
      if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return;
      throw e;
    }
  }

  private async mutate(type: ResourceType, ns: string, name: string, change: (o: KObject) => boolean): Promise<void> {
    const version = storageVersion(type);
    for (let attempt = 0; attempt < 10; attempt++) {
      const c = this.api.store.get(type, ns, name);
      if (!c) return;
      const obj = fromStorage(version, c.clone());
      if (!change(obj)) return;
      try {
        await updateObject(this.api, type, version, ns, name, obj, systemContext(MANAGER), { expectedRevision: c.revision });
        return;
      } catch (e) {
        if (e instanceof StatusError && e.code === 409) continue;
        if (e instanceof StatusError && e.code === 404) return;
        throw e;
      }
    }
    throw new Error(`could not update ${type.resource} ${ns}/${name}: too many conflicts`);
  }

  private removeFinalizer(type: ResourceType, ns: string, name: string, finalizer: string): Promise<void> {
    return this.mutate(type, ns, name, (o) => {
      const f = o.metadata?.finalizers ?? [];
      if (!f.includes(finalizer)) return false;
      o.metadata!.finalizers = f.filter((x) => x !== finalizer);
      return true;
    });
  }

  private async removeOwnerRef(key: string, ownerUid: string): Promise<void> {
    const c = this.cache.get(key);
    const type = this.typeOf(key);
    if (!c || !type) return;
    await this.mutate(type, c.obj.metadata?.namespace ?? '', c.obj.metadata!.name!, (o) => {
      const refs = o.metadata?.ownerReferences ?? [];
      if (!refs.some((r) => r.uid === ownerUid)) return false;
      const rest = refs.filter((r) => r.uid !== ownerUid);
      if (rest.length) o.metadata!.ownerReferences = rest;
      else delete o.metadata!.ownerReferences;
      return true;
    });
  }
}
