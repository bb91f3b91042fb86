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

export interface StorageBackend {
  /** Highest committed revision. */
  currentRevision(): number;
  /** All keys with the prefix, in key order, read at one revision. */
  range(prefix: string): Promise<RangeResult>;
  /**
   * Applies one write. Writes issued concurrently may be committed together in one durable
   * transaction (group commit); each op still succeeds or fails on its own, in issue order.
   * The promise resolves only after the write is durable.
   */
  write(op: WriteOp): Promise<WriteResult>;
  /**
   * Calls `onEvent` for every change with revision > fromRevision, in revision order, then for
   * every later change as it commits. Throws `CompactedError` if fromRevision is older than
   * the retained history. Returns a function that stops the watch.
   */
  watch(fromRevision: number, onEvent: (events: StorageEvent[]) => void): () => void;
  /** Oldest revision from which `watch` can still replay. */
  compactedRevision(): number;
  /** Drops history older than `revision`. */
  compact(revision: number): void;
  close(): Promise<void>;
}

export class CompactedError extends Error {
  constructor(public readonly requested: number, public readonly compacted: number) {
    super(`required revision ${requested} has been compacted (oldest available ${compacted})`);
  }
}
