/** PUT: replacing an object or its status, with optimistic concurrency on resourceVersion. */
import { deepClone, type KObject } from '../../apis/object.js';
import { badRequest, conflict, notFound, OBJECT_MODIFIED } from '../errors.js';
import type { ResourceType, ServedVersion } from '../registry/types.js';
import { StoreWriteError } from '../../storage/object-store.js';
import { admitMutating, admitValidating, updateOptions } from '../admission/index.js';
import { groupResource, strategyContext, type Api, type RestContext } from './context.js';
import {
  defaultAndConvert,
  fromStorage,
  generationChanged,
  recordManagedFields,
  sameContent,
  validateForUpdate,
} from './prepare.js';

export interface UpdateOptions {
  /** 'status' for the status subresource; other subresources ('scale') update the main object. */
  subresource?: string;
  /** Compare-and-swap against this revision even when the body carries no resourceVersion. */
  expectedRevision?: number;
  /** managedFields were already computed (server-side apply); do not record an Update. */
  managedFieldsComputed?: boolean;
}

/** Metadata the server owns: a client's update cannot change it. */
const SYSTEM_META = ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink'] as const;

export async function updateObject(
  api: Api,
  type: ResourceType,
  version: ServedVersion,
  namespace: string,
  name: string,
  body: KObject,
  ctx: RestContext,
  opts: UpdateOptions = {},
): Promise<KObject> {
  const gr = groupResource(type);
  let current = api.store.get(type, namespace, name);
  if (!current) throw notFound(gr, name);
  const bm = (body.metadata ??= {});
  if (bm.name !== undefined && bm.name !== name) {
    throw badRequest(`the name of the object (${bm.name}) does not match the name on the URL (${name})`);
  }
  bm.name = name;
  if (type.namespaced) {
    if (bm.namespace && bm.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    bm.namespace = namespace;
  } else delete bm.namespace;
  if (bm.resourceVersion !== undefined && bm.resourceVersion !== '') {
    if (!/^\d+$/.test(String(bm.resourceVersion))) throw badRequest(`invalid resourceVersion "${bm.resourceVersion}": must be a number`);
    const rv = Number(bm.resourceVersion);
    // Written through another API server replica (shared etcd) and not in this cache yet: wait for it.
    if (rv > current.revision && (await api.store.reach(rv))) current = api.store.get(type, namespace, name) ?? current;
    if (rv !== current.revision) throw conflict(gr, name, OBJECT_MODIFIED);
  }
  if (opts.expectedRevision !== undefined && opts.expectedRevision !== current.revision) throw conflict(gr, name, OBJECT_MODIFIED);
  const old = current.clone();
  if (bm.uid && bm.uid !== old.metadata?.uid) {
    throw conflict(gr, name, `Precondition failed: UID in precondition: ${bm.uid}, UID in object meta: ${old.metadata?.uid}`);
  }

  const incoming = defaultAndConvert(type, version, body);
  let obj: KObject;
  if (opts.subresource === 'status') {
    obj = deepClone(old);
    if (incoming.status === undefined) delete obj.status;
    else obj.status = incoming.status;
    if (type.strategy.statusUpdatesAnnotations) {
      if (incoming.metadata?.annotations === undefined) delete obj.metadata!.annotations;
      else obj.metadata!.annotations = incoming.metadata.annotations;
    }
  } else {
    obj = incoming;
    const m = obj.metadata as Record<string, unknown>;
    const om = (old.metadata ?? {}) as Record<string, unknown>;
    for (const k of SYSTEM_META) {
      if (om[k] !== undefined) m[k] = om[k];
      else delete m[k];
    }
    if (type.strategy.statusSubresource) {
      if (old.status === undefined) delete obj.status;
      else obj.status = old.status;
    }
    const sctx = strategyContext(api, ctx);
    type.strategy.authorizeWrite?.(obj, old, sctx, name);
    await type.strategy.prepareForUpdate?.(obj, old, sctx);
    if (generationChanged(type, obj, old)) obj.metadata!.generation = (old.metadata?.generation ?? 0) + 1;
  }
  if (opts.managedFieldsComputed) {
    obj.metadata!.managedFields = incoming.metadata?.managedFields;
  } else {
    if (bm.managedFields === undefined) obj.metadata!.managedFields = old.metadata?.managedFields;
    recordManagedFields(type, version, obj, old, ctx, opts.subresource === 'status' ? 'status' : undefined);
  }
  const admission = { operation: 'UPDATE' as const, type, version, subresource: opts.subresource, namespace, name, oldObject: old, options: updateOptions(ctx) };
  const mutated = await admitMutating(api, ctx, { ...admission, object: obj });
  if (mutated !== obj && opts.subresource !== 'status' && generationChanged(type, mutated, old)) mutated.metadata!.generation = (old.metadata?.generation ?? 0) + 1;
  obj = mutated;
  validateForUpdate(api, type, obj, old, ctx, opts.subresource);
  await admitValidating(api, ctx, { ...admission, object: obj });
  obj.metadata!.resourceVersion = String(current.revision);

  if (sameContent(obj, old)) return fromStorage(version, old);
  if (ctx.dryRun) return fromStorage(version, obj);

  // An update that clears the last finalizer of a deleted object completes its deletion.
  const finalizing = !!obj.metadata!.deletionTimestamp && !(obj.metadata!.finalizers?.length) && !type.strategy.isHeld?.(obj);
  try {
    if (finalizing) {
      const gone = await api.store.delete(type, namespace, name, current.revision);
      type.strategy.afterDelete?.(gone.obj, strategyContext(api, ctx));
      return fromStorage(version, gone.clone());
    }
    const updated = await api.store.update(type, obj, current.revision);
    return fromStorage(version, updated.clone());
  } catch (e) {
    if (e instanceof StoreWriteError) {
      if (e.reason === 'not-found') throw notFound(gr, name);
      throw conflict(gr, name, OBJECT_MODIFIED);
    }
    throw e;
  }
}
