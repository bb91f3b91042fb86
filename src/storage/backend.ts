/**
 * The storage contract, shaped after etcd v3 so an etcd backend can implement it directly:
 * a flat ordered key space, one global monotonically increasing revision, compare-and-swap
 * on a key's modRevision, and an ordered stream of changes from any retained revision.
 *
 * Values are opaque strings (the API server stores JSON). The API server never reads
 * the backend directly on the request path: the watch cache (watch-cache.ts) holds the
 * current state and recent history in memory and is fed by `watch`.
 */

export interface KeyValue {
  key: string;
  value: string;
  createRevision: number;
  modRevision: number;
}

export type WriteOp =
  /** Fails with `exists` when the key is present. */
  | { type: 'create'; key: string; value: string }
  /** Fails with `conflict` unless the key's modRevision equals expectedRevision. */
  | { type: 'update'; key: string; value: string; expectedRevision: number }
  /** Fails with `conflict` unless the key's modRevision equals expectedRevision (when given). */
  | { type: 'delete'; key: string; expectedRevision?: number };

export type WriteResult =
  | { ok: true; revision: number; kv: KeyValue; prev?: KeyValue }
  | { ok: false; reason: 'exists' | 'conflict' | 'not-found'; current?: KeyValue };

export interface StorageEvent {
  type: 'put' | 'delete';
  revision: number;
  /** For put: the new value. For delete: key plus the last value, modRevision = revision of the delete. */
  kv: KeyValue;
  /** Value before this change, if any. */
  prev?: KeyValue;
}

export interface RangeResult {
  kvs: KeyValue[];
  /** The store revision at which the range was read. */
  revision: number;
}

export interface WatchOptions {
  /**
   * Progress: no change with a revision at or below `revision` is still to come. A remote store
   * (etcd's progress notifications) reports it when the key space is quiet, so a follower can
   * advance its revision without events (bookmarks, waiting for a revision).
   */
  onProgress?(revision: number): void;
  /**
   * The watch ended and will deliver nothing more: a `CompactedError` when the store compacted
   * history the watch still had to deliver (a remote store learns that only asynchronously, e.g.
   * after a reconnect), or another error the backend cannot recover from. The follower relists.
   */
  onError?(err: Error): void;
}

export interface StorageHealth {
  ok: boolean;
  /** Why not, when not ok. */
  reason?: string;
}

export interface StorageBackend {
  /** Highest committed revision known to this process. */
  currentRevision(): number;
  /**
   * All keys with the prefix, in key order, read at one revision: the current one, or
   * `revision` when given (throws `CompactedError` when that is no longer retained).
   */
  range(prefix: string, revision?: number): Promise<RangeResult>;
  /**
   * Applies one write. Writes issued concurrently may be committed together in one durable
   * transaction (group commit); each op still succeeds or fails on its own, in issue order.
   * The promise resolves only after the write is durable.
   */
  write(op: WriteOp): Promise<WriteResult>;
  /**
   * Calls `onEvent` for every change with revision > fromRevision, in revision order, each
   * exactly once, then for every later change as it commits. Throws `CompactedError` if
   * fromRevision is known to be older than the retained history (a remote store may learn it
   * only later: then `opts.onError` gets the `CompactedError`). Returns a function that stops
   * the watch.
   */
  watch(fromRevision: number, onEvent: (events: StorageEvent[]) => void, opts?: WatchOptions): () => void;
  /** Oldest revision from which `watch` can still replay (as far as this process knows). */
  compactedRevision(): number;
  /** Drops history up to and including `revision`: `watch(revision)` still works, older ones do not. */
  compact(revision: number): Promise<void>;
  /** Whether the store answers (kube-apiserver's etcd health check); embedded stores always do. */
  health?(): Promise<StorageHealth>;
  close(): Promise<void>;
}

export class CompactedError extends Error {
  constructor(public readonly requested: number, public readonly compacted: number) {
    super(`required revision ${requested} has been compacted (oldest available ${compacted})`);
  }
}
