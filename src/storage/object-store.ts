/**
 * Objects by resource type, namespace and name, over the storage backend and its watch cache.
 * Reads come from the cache; writes go to the backend (compare-and-swap on resourceVersion)
 * and return once the cache reflects them, so a caller always reads its own writes.
 */
import type { KObject } from '../apis/object.js';
import type { StorageBackend, WriteOp, WriteResult } from './backend.js';
import { CachedObject, WatchCache } from './watch-cache.js';

/** Where a resource's objects live: `/registry/<group>/<resource>/`. */
export interface StorageLocation {
  storagePrefix: string;
  namespaced: boolean;
}

/** No key lives under it: a range there returns only storage's current revision. */
const REVISION_PROBE_PREFIX = '/kubefed.io/revision-probe/';

export type WriteFailure = 'exists' | 'conflict' | 'not-found';

export class StoreWriteError extends Error {
  constructor(
    readonly reason: WriteFailure,
    readonly current?: CachedObject,
  ) {
    super(reason);
  }
}

export function objectKey(loc: StorageLocation, namespace: string | undefined, name: string): string {
  return loc.namespaced ? `${loc.storagePrefix}${namespace}/${name}` : `${loc.storagePrefix}${name}`;
}

export function listPrefix(loc: StorageLocation, namespace?: string): string {
  return loc.namespaced && namespace ? `${loc.storagePrefix}${namespace}/` : loc.storagePrefix;
}

/** The stored form: no resourceVersion (the storage revision is the resourceVersion). */
function serialize(obj: KObject): string {
  const rv = obj.metadata?.resourceVersion;
  if (rv === undefined) return JSON.stringify(obj);
  delete obj.metadata!.resourceVersion;
  try {
    return JSON.stringify(obj);
  } finally {
    obj.metadata!.resourceVersion = rv;
  }
}

export class ObjectStore {
  constructor(
    readonly backend: StorageBackend,
    readonly cache: WatchCache,
  ) {}

  get(loc: StorageLocation, namespace: string | undefined, name: string): CachedObject | undefined {
    return this.cache.get(objectKey(loc, namespace, name));
  }

  list(loc: StorageLocation, namespace?: string): CachedObject[] {
    return this.cache.list(listPrefix(loc, namespace));
  }

  /**
   * Waits (up to 3 s) for the cache to hold `revision` when storage has committed it: a
   * revision another API server replica wrote over shared etcd. False when storage has not got
   * that far (a resourceVersion from the future) or the cache did not catch up in time.
   */
  async reach(revision: number): Promise<boolean> {
    if (this.cache.currentRevision() >= revision) return true;
    // Ranging over a prefix nothing lives under tells storage's current revision.
    const { revision: committed } = await this.backend.range(REVISION_PROBE_PREFIX);
    return committed >= revision && (await this.cache.catchUp(revision));
  }

  async create(loc: StorageLocation, obj: KObject): Promise<CachedObject> {
    const key = objectKey(loc, obj.metadata?.namespace, obj.metadata!.name!);
    return this.commit(key, { type: 'create', key, value: serialize(obj) });
  }

  async update(loc: StorageLocation, obj: KObject, expectedRevision: number): Promise<CachedObject> {
    const key = objectKey(loc, obj.metadata?.namespace, obj.metadata!.name!);
    return this.commit(key, { type: 'update', key, value: serialize(obj), expectedRevision });
  }

  /** Removes the object; returns its last state with the deletion's resourceVersion. */
  async delete(loc: StorageLocation, namespace: string | undefined, name: string, expectedRevision?: number): Promise<CachedObject> {
    const key = objectKey(loc, namespace, name);
    const res = await this.backend.write({ type: 'delete', key, ...(expectedRevision !== undefined ? { expectedRevision } : {}) });
    if (!res.ok) throw await this.failure(key, res);
    await this.cache.waitForRevision(res.revision);
    const last = JSON.parse(res.kv.value) as KObject;
    last.metadata ??= {};
    last.metadata.resourceVersion = String(res.revision);
    return new CachedObject(key, last, res.revision);
  }

  private async commit(key: string, op: WriteOp): Promise<CachedObject> {
    const res = await this.backend.write(op);
    if (!res.ok) throw await this.failure(key, res);
    await this.cache.waitForRevision(res.revision);
    const cached = this.cache.get(key);
    if (cached && cached.revision === res.revision) return cached;
    // A later write already replaced it; return what this write stored.
    const obj = JSON.parse(res.kv.value) as KObject;
    obj.metadata ??= {};
    obj.metadata.resourceVersion = String(res.revision);
    return new CachedObject(key, obj, res.revision);
  }

  /**
   * What storage holds now may not be in this cache yet (another API server replica wrote it):
   * wait for it, so the error and a retry see it.
   */
  private async failure(key: string, res: Extract<WriteResult, { ok: false }>): Promise<StoreWriteError> {
    if (res.current) await this.cache.catchUp(res.current.modRevision);
    return new StoreWriteError(res.reason, this.cache.get(key));
  }
}
