/**
 * How a simulated cluster's own components (scheduler, kubelets, controllers) use their API
 * server: in-process, through the same REST operations an HTTP request reaches, so every effect
 * (defaulting, validation, managed fields, watch events) is what kubectl observes. Objects are
 * read from the watch cache in their storage version and must not be mutated: take a copy.
 */
import { deepClone, nowTimestamp, type KObject } from '../../apis/object.js';
import { StatusError } from '../../apiserver/errors.js';
import { applyPatch, type PatchType } from '../../apiserver/patch/index.js';
import type { ResourceType } from '../../apiserver/registry/types.js';
import { bindPod } from '../../apiserver/rest/binding.js';
import { systemContext, type Api } from '../../apiserver/rest/context.js';
import { createObject } from '../../apiserver/rest/create.js';
import { deleteObject, type DeleteOptions } from '../../apiserver/rest/delete.js';
import { storageVersion } from '../../apiserver/rest/prepare.js';
import { updateObject } from '../../apiserver/rest/update.js';
import { labelSelectorMatcher } from '../../apis/meta/labels.js';
import type { StorageLocation } from '../../storage/object-store.js';

export type GR = readonly [group: string, resource: string];

export const PODS: GR = ['', 'pods'];
export const NODES: GR = ['', 'nodes'];
export const SERVICES: GR = ['', 'services'];
export const ENDPOINTS: GR = ['', 'endpoints'];
export const EVENTS: GR = ['', 'events'];
export const NAMESPACES: GR = ['', 'namespaces'];
export const LEASES: GR = ['coordination.k8s.io', 'leases'];
export const ENDPOINT_SLICES: GR = ['discovery.k8s.io', 'endpointslices'];
export const DEPLOYMENTS: GR = ['apps', 'deployments'];
export const REPLICA_SETS: GR = ['apps', 'replicasets'];
export const DAEMON_SETS: GR = ['apps', 'daemonsets'];
export const STATEFUL_SETS: GR = ['apps', 'statefulsets'];
export const CONTROLLER_REVISIONS: GR = ['apps', 'controllerrevisions'];
export const JOBS: GR = ['batch', 'jobs'];
export const INGRESSES: GR = ['networking.k8s.io', 'ingresses'];
export const INGRESS_CLASSES: GR = ['networking.k8s.io', 'ingressclasses'];

/**
 * ServiceImports (multicluster.x-k8s.io): a CRD the federation installs when the cluster joins,
 * so they are read by their storage location, whether or not the resource is served yet.
 */
export const SERVICE_IMPORTS: StorageLocation = { storagePrefix: '/registry/multicluster.x-k8s.io/serviceimports/', namespaced: true };

export const isNotFound = (e: unknown) => e instanceof StatusError && e.code === 404;
export const isConflict = (e: unknown) => e instanceof StatusError && e.code === 409;

export class InternalClient {
  constructor(
    readonly api: Api,
    /** Recorded in managedFields and as the source of events (e.g. "kube-scheduler"). */
    readonly manager: string,
  ) {}

  type([group, resource]: GR): ResourceType {
    const t = this.api.registry.byGroupResource(group, resource);
    if (!t) throw new Error(`resource ${resource}.${group} is not served`);
    return t;
  }

  /** The stored object (read-only), or undefined. */
  get(gr: GR, namespace: string, name: string): KObject | undefined {
    return this.api.store.get(this.type(gr), namespace, name)?.obj;
  }

  /** Objects stored at a location (read-only), whether or not their resource is served now. */
  listStored(loc: StorageLocation, namespace?: string): KObject[] {
    return this.api.store.list(loc, namespace).map((c) => c.obj);
  }

  getStored(loc: StorageLocation, namespace: string, name: string): KObject | undefined {
    return this.api.store.get(loc, namespace, name)?.obj;
  }

  /** Stored objects (read-only), optionally in one namespace and matching a label selector object. */
  list(gr: GR, namespace?: string, selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }): KObject[] {
    const items = this.api.store.list(this.type(gr), namespace).map((c) => c.obj);
    if (!selector) return items;
    const matches = labelSelectorMatcher(selector);
    return items.filter((o) => matches(o.metadata?.labels));
  }

  private ctx() {
    return systemContext(this.manager);
  }

  async create(gr: GR, namespace: string, obj: KObject): Promise<KObject> {
    const t = this.type(gr);
    return createObject(this.api, t, storageVersion(t), namespace, deepClone(obj), this.ctx());
  }

  /** Replaces the object; its metadata.resourceVersion is the precondition. */
  async update(gr: GR, obj: KObject): Promise<KObject> {
    const t = this.type(gr);
    const m = obj.metadata!;
    return updateObject(this.api, t, storageVersion(t), m.namespace ?? '', m.name!, deepClone(obj), this.ctx());
  }

  /** Replaces the status; metadata.resourceVersion is the precondition. */
  async updateStatus(gr: GR, obj: KObject): Promise<KObject> {
    const t = this.type(gr);
    const m = obj.metadata!;
    return updateObject(this.api, t, storageVersion(t), m.namespace ?? '', m.name!, deepClone(obj), this.ctx(), { subresource: 'status' });
  }

  /**
   * Read-modify-write with retries on conflict: `change` gets a copy of the current object and
   * returns false to leave it alone. Returns the stored result, or undefined if the object is gone.
   */
  async modify(gr: GR, namespace: string, name: string, change: (o: KObject) => boolean | void, opts: { status?: boolean } = {}): Promise<KObject | undefined> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const cur = this.get(gr, namespace, name);
      if (!cur) return undefined;
      const copy = deepClone(cur);
      if (change(copy) === false) return cur;
      try {
        return await (opts.status ? this.updateStatus(gr, copy) : this.update(gr, copy));
      } catch (e) {
        if (isNotFound(e)) return undefined;
        if (!isConflict(e)) throw e;
      }
    }
    throw new Error(`${gr[1]} ${namespace}/${name}: too many conflicting writers`);
  }

  /** A JSON merge (or strategic merge) patch applied with retries. */
  async patch(gr: GR, namespace: string, name: string, patch: unknown, opts: { status?: boolean; type?: Exclude<PatchType, 'apply'> } = {}): Promise<KObject | undefined> {
    const t = this.type(gr);
    const sv = storageVersion(t);
    return this.modify(
      gr,
      namespace,
      name,
      (o) => {
        const patched = applyPatch(opts.type ?? 'merge', o, patch, sv.schema, t.schemas) as KObject;
        for (const k of Object.keys(o)) delete o[k];
        Object.assign(o, patched);
      },
      opts,
    );
  }

  /** Deletes; returns false if it was already gone. */
  async delete(gr: GR, namespace: string, name: string, opts: DeleteOptions = {}): Promise<boolean> {
    try {
      await deleteObject(this.api, this.type(gr), namespace, name, opts, this.ctx());
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }

  bindPod(namespace: string, name: string, nodeName: string): Promise<KObject> {
    return bindPod(this.api, this.type(PODS), namespace, name, nodeName);
  }

  /**
   * Records a core/v1 Event about `obj`, as client-go's event recorder does: repeats of the same
   * reason and message on the same object increment `count` instead of adding events.
   */
  async event(obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    const m = obj.metadata ?? {};
    const ns = m.namespace || 'default';
    const now = nowTimestamp();
    const involved = { apiVersion: obj.apiVersion, kind: obj.kind, name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion };
    const existing = this.list(EVENTS, ns).find(
      (e) => e.involvedObject?.uid === m.uid && e.reason === reason && e.message === message && e.source?.component === this.manager,
    );
    try {
      if (existing) {
        await this.modify(EVENTS, ns, existing.metadata!.name!, (e) => {
          e.count = (e.count ?? 1) + 1;
          e.lastTimestamp = now;
        });
        return;
      }
      await this.create(EVENTS, ns, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: `${m.name}.${Date.now().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`, namespace: ns },
        involvedObject: involved,
        reason,
        message,
        type,
        source: { component: this.manager },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        reportingComponent: this.manager,
        reportingInstance: this.manager,
      });
    } catch (e) {
      // Events are best effort (the namespace may be terminating).
      if (!(e instanceof StatusError)) throw e;
    }
  }
}
