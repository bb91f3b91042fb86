/**
 * DELETE: graceful deletion and finalizers. An object with finalizers (or a grace period, or
 * held by its kind, like a namespace) gets a deletionTimestamp and stays until they clear;
 * otherwise it is removed at once. propagationPolicy adds the garbage collector's finalizers.
 */
import { nowTimestamp, type KObject } from '../../apis/object.js';
import { invalidError, notSupported } from '../../apis/validation/field.js';
import { conflict, notFound, OBJECT_MODIFIED } from '../errors.js';
import type { ResourceType, ServedVersion } from '../registry/types.js';
import { StoreWriteError } from '../../storage/object-store.js';
import { groupResource, strategyContext, type Api, type RestContext } from './context.js';
import { storageVersion, tracksGeneration } from './prepare.js';
import { admitDelete, deleteOptions } from '../admission/index.js';

export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

export interface DeleteResult {
  /** Storage-version object: the last state if removed, the terminating object otherwise. */
  obj: KObject;
  /** True when the object is gone from storage. */
  removed: boolean;
}

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export function propagationPolicyOf(type: ResourceType, opts: DeleteOptions): PropagationPolicy {
  if (opts.propagationPolicy !== undefined) {
    const p = opts.propagationPolicy;
    if (p !== 'Orphan' && p !== 'Background' && p !== 'Foreground') {
      throw invalidError('DeleteOptions', '', '', [notSupported('propagationPolicy', p, ['Foreground', 'Background', 'Orphan'])]);
    }
    return p;
  }
  if (opts.orphanDependents === true) return 'Orphan';
  if (opts.orphanDependents === false) return 'Background';
  return type.group === 'extensions' ? 'Orphan' : 'Background';
}

export async function deleteObject(
  api: Api,
  type: ResourceType,
  namespace: string,
  name: string,
  opts: DeleteOptions,
  ctx: RestContext,
  /** The version the request was made in (admission webhooks match it); the storage version if absent. */
  version: ServedVersion = storageVersion(type),
): Promise<DeleteResult> {
  const gr = groupResource(type);
  for (let attempt = 0; ; attempt++) {
    const current = api.store.get(type, namespace, name);
    if (!current) throw notFound(gr, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== current.obj.metadata?.uid) {
      throw conflict(gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.obj.metadata?.uid}`);
    }
    if (pre?.resourceVersion && Number(pre.resourceVersion) !== current.revision) {
      throw conflict(
        gr,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.revision}`,
      );
    }
    type.strategy.checkDelete?.(current.obj);
    await admitDelete(api, ctx, { operation: 'DELETE', type, version, namespace, name, oldObject: current.obj, options: deleteOptions(ctx, opts) });
    const policy = propagationPolicyOf(type, opts);
    const obj = current.clone();
    const m = obj.metadata!;
    const finalizers = new Set(m.finalizers ?? []);
    if (policy === 'Orphan') {
      finalizers.add(ORPHAN_FINALIZER);
      finalizers.delete(FOREGROUND_FINALIZER);
    } else if (policy === 'Foreground') {
      finalizers.add(FOREGROUND_FINALIZER);
      finalizers.delete(ORPHAN_FINALIZER);
    } else if (opts.propagationPolicy !== undefined || opts.orphanDependents === false) {
      finalizers.delete(ORPHAN_FINALIZER);
    }
    const sctx = strategyContext(api, ctx);
    const grace = m.deletionTimestamp ? undefined : type.strategy.gracePeriodSeconds?.(obj, opts.gracePeriodSeconds);
    const alreadyTerminating = !!m.deletionTimestamp;
    const keep = finalizers.size > 0 || (grace ?? 0) > 0 || !!type.strategy.isHeld?.(obj);

    try {
      if (!keep && !alreadyTerminating) {
        if (ctx.dryRun) return { obj, removed: true };
        const gone = await api.store.delete(type, namespace, name, current.revision);
        type.strategy.afterDelete?.(gone.obj, sctx);
        return { obj: gone.clone(), removed: true };
      }
      const newFinalizers = [...finalizers];
      const finalizersChanged = newFinalizers.length !== (m.finalizers ?? []).length || newFinalizers.some((f, i) => f !== m.finalizers?.[i]);
      if (alreadyTerminating) {
        // A repeated delete may change the finalizers (policy) or shorten a grace period.
        const shorter = opts.gracePeriodSeconds !== undefined && opts.gracePeriodSeconds < (m.deletionGracePeriodSeconds ?? 0);
        if (!finalizersChanged && !shorter) return { obj, removed: false };
        if (shorter) {
          m.deletionGracePeriodSeconds = opts.gracePeriodSeconds;
          m.deletionTimestamp = nowTimestamp(new Date(ctx.now.getTime() + opts.gracePeriodSeconds! * 1000));
        }
      } else {
        m.deletionTimestamp = nowTimestamp(new Date(ctx.now.getTime() + (grace ?? 0) * 1000));
        m.deletionGracePeriodSeconds = grace ?? 0;
        if (tracksGeneration(type) && (m.generation ?? 0) > 0) m.generation = m.generation! + 1;
        type.strategy.prepareForDelete?.(obj, sctx);
      }
      if (newFinalizers.length) m.finalizers = newFinalizers;
      else delete m.finalizers;
      if (ctx.dryRun) return { obj, removed: false };
      // Nothing left to wait for (e.g. grace period 0 on a repeated delete): remove now.
      if (alreadyTerminating && !newFinalizers.length && (m.deletionGracePeriodSeconds ?? 0) === 0 && !type.strategy.isHeld?.(obj)) {
        const gone = await api.store.delete(type, namespace, name, current.revision);
        type.strategy.afterDelete?.(gone.obj, sctx);
        return { obj: gone.clone(), removed: true };
      }
      const updated = await api.store.update(type, obj, current.revision);
      return { obj: updated.clone(), removed: false };
    } catch (e) {
      if (e instanceof StoreWriteError) {
        if (e.reason === 'not-found') throw notFound(gr, name);
        if (attempt < 5 && !pre?.resourceVersion) continue;
        throw conflict(gr, name, OBJECT_MODIFIED);
      }
      throw e;
    }
  }
}

