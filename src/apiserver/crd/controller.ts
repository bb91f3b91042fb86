/**
 * Serves custom resources as their definitions come and go: registers a type for every
 * CustomResourceDefinition, marks it NamesAccepted and Established, and on deletion removes
 * every custom resource before releasing the definition's cleanup finalizer.
 */
import { deepEqual, nowTimestamp, type KObject } from '../../apis/object.js';
import type { CacheEvent } from '../../storage/watch-cache.js';
import { WorkQueue } from '../../util/work-queue.js';
import { StatusError } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import type { ResourceType } from '../registry/types.js';
import { systemContext, type Api } from '../rest/context.js';
import { deleteObject } from '../rest/delete.js';
import { storageVersion } from '../rest/prepare.js';
import { updateObject } from '../rest/update.js';
import { CRD_CLEANUP_FINALIZER } from '../registry/builtin/apiextensions.js';
import { crdToResourceType } from './crd-type.js';

const MANAGER = 'kubefed-apiextensions-controller';

export class CrdController {
  private readonly queue: WorkQueue;
  private readonly served = new Map<string, { type: ResourceType; generation: number }>();
  private stopWatch: (() => void) | undefined;

  constructor(
    private readonly api: Api,
    private readonly registry: Registry,
  ) {
    this.queue = new WorkQueue((name) => this.sync(name), { name: 'crd', baseDelayMs: 50, maxDelayMs: 2_000 });
  }

  private get crdType(): ResourceType {
    return this.registry.byGroupResource('apiextensions.k8s.io', 'customresourcedefinitions')!;
  }

  /** Registers every stored CRD before the server starts answering. */
  loadAll(): void {
    for (const c of this.api.store.list(this.crdType)) this.register(c.obj);
  }

  start(): void {
    const prefix = this.crdType.storagePrefix;
    this.stopWatch = this.api.store.cache.watchAll((events: CacheEvent[]) => {
      for (const e of events) {
        if (!e.key.startsWith(prefix)) continue;
        const name = e.object.obj.metadata!.name!;
        if (e.type === 'DELETED') this.unregister(name);
        else this.queue.add(name);
      }
    });
    for (const c of this.api.store.list(this.crdType)) this.queue.add(c.obj.metadata!.name!);
  }

  stop(): void {
    this.stopWatch?.();
    this.queue.shutdown();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private register(crd: KObject): ResourceType | undefined {
    const name = crd.metadata!.name!;
    const generation = crd.metadata?.generation ?? 0;
    const current = this.served.get(name);
    if (current && current.generation === generation) return current.type;
    let type: ResourceType;
    try {
      type = crdToResourceType(crd);
    } catch {
      return undefined;
    }
    if (current) this.registry.remove(current.type);
    this.registry.add(type);
    this.served.set(name, { type, generation });
    return type;
  }

  private unregister(name: string): void {
    const current = this.served.get(name);
    if (!current) return;
    this.registry.remove(current.type);
    this.served.delete(name);
  }

  private async sync(name: string): Promise<void> {
    const c = this.api.store.get(this.crdType, '', name);
    if (!c) return this.unregister(name);
    const crd = c.obj;
    const type = this.register(crd);
    if (crd.metadata?.deletionTimestamp) {
      await this.cleanup(crd, type);
      return;
    }
    await this.markEstablished(crd);
  }

  private async markEstablished(crd: KObject): Promise<void> {
    const names = crd.spec.names;
    const accepted = {
      plural: names.plural,
      singular: names.singular ?? names.kind.toLowerCase(),
      kind: names.kind,
      listKind: names.listKind ?? `${names.kind}List`,
      ...(names.shortNames ? { shortNames: names.shortNames } : {}),
      ...(names.categories ? { categories: names.categories } : {}),
    };
    const now = nowTimestamp();
    const want = [
      { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' },
      { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
    ];
    const conditions: KObject[] = [...(crd.status?.conditions ?? [])];
    let changed = !deepEqual(crd.status?.acceptedNames, accepted);
    for (const w of want) {
      const i = conditions.findIndex((x) => x.type === w.type);
      if (i >= 0 && conditions[i]!.status === w.status && conditions[i]!.reason === w.reason) continue;
      changed = true;
      const cond = { ...w, lastTransitionTime: now };
      if (i >= 0) conditions[i] = cond;
      else conditions.push(cond);
    }
    if (!changed) return;
    const obj = JSON.parse(JSON.stringify(crd)) as KObject;
    obj.status = { ...(obj.status ?? {}), acceptedNames: accepted, conditions };
    await this.writeStatus(obj);
  }

  private async writeStatus(obj: KObject): Promise<void> {
    try {
      await updateObject(this.api, this.crdType, storageVersion(this.crdType), '', obj.metadata!.name!, obj, systemContext(MANAGER), { subresource: 'status' });
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) {
        this.queue.addRateLimited(obj.metadata!.name!);
        return;
      }
      if (e instanceof StatusError && e.code === 404) return;
      throw e;
    }
  }

  /** Deletes every custom resource of a terminating CRD, then releases its finalizer. */
  private async cleanup(crd: KObject, type: ResourceType | undefined): Promise<void> {
    if (!(crd.metadata?.finalizers ?? []).includes(CRD_CLEANUP_FINALIZER)) return;
    if (type) {
      const items = this.api.store.list(type);
      for (const o of items) {
        if (o.obj.metadata?.deletionTimestamp) continue;
        try {
          await deleteObject(this.api, type, o.obj.metadata?.namespace ?? '', o.obj.metadata!.name!, { propagationPolicy: 'Background' }, systemContext(MANAGER));
        } catch (e) {
          if (!(e instanceof StatusError && e.code === 404)) throw e;
        }
      }
      if (this.api.store.list(type).length > 0) {
        this.queue.addAfter(crd.metadata!.name!, 500);
        return;
      }
    }
    const c = this.api.store.get(this.crdType, '', crd.metadata!.name!);
    if (!c) return;
    const obj = c.clone();
    obj.metadata!.finalizers = (obj.metadata!.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    try {
      await updateObject(this.api, this.crdType, storageVersion(this.crdType), '', obj.metadata!.name!, obj, systemContext(MANAGER), { expectedRevision: c.revision });
    } catch (e) {
      if (e instanceof StatusError && (e.code === 409 || e.code === 404)) {
        this.queue.addRateLimited(crd.metadata!.name!);
        return;
      }
      throw e;
    }
  }
}
