import type { KObject } from '../apis/object.js';
import { CompactedError, type KeyValue, type StorageBackend, type StorageEvent } from './backend.js';

/** An object as the cache holds it. Never mutate `obj`: take `clone()` first. */
export class CachedObject {
  private _json: string | undefined;
  constructor(
    readonly key: string,
    readonly obj: KObject,
    readonly revision: number,
  ) {}
  get json(): string {
    if (this._json === undefined) this._json = JSON.stringify(this.obj);
    return this._json;
  }
  clone(): KObject {
    return JSON.parse(this.json) as KObject;
  }
}


export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface CacheEvent {
  type: WatchEventType;
  revision: number;
  key: string;
  /** Object after the change (for DELETED, the last state, with the delete's revision). */
  object: CachedObject;
  /** Object before the change (absent for ADDED). */
  prev?: CachedObject;
}

export interface CacheWatcher {
  /** Events under this prefix only (a resource prefix, or narrower: namespace or exact key). */
  prefix: string;
  onEvents(events: CacheEvent[]): void;
  /**
   * The cache cannot continue this watch: it relisted from the store after losing the store's
   * history (as kube-apiserver's cacher, it ends every watch; clients re-watch and get 410 or
   * resume). The watcher is removed. Without it, the watcher gets the relist's differences as
   * events instead.
   */
  onClose?(): void;
}

export class TooOldError extends Error {
  constructor(
    public readonly requested: number,
    public readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
  }
}

export interface WatchCacheOptions {
  /** Number of recent events kept for watch resumption and consistent pagination. */
  historySize?: number;
  /**
   * How long `start` waits for a remote store to replay its recent history (default 2 s); older
   * resourceVersions are served once it has.
   */
  syncTimeoutMs?: number;
  /** Called when the cache relists after losing the store's history (for logs). */
  onRelist?(reason: Error, revision: number): void;
}

/** `/registry/<group>/<resource>/` of a key. */
export function resourcePrefixOf(key: string): string {
  let slashes = 0;
  for (let i = 0; i < key.length; i++) {
    if (key.charCodeAt(i) === 47 && ++slashes === 4) return key.slice(0, i + 1);
  }
  return key;
}

/**
 * The API server's view of storage: every object in memory, indexed by resource, plus a
 * ring of recent events. Lists and gets are served from here; watches replay from the ring
 * and then follow live events. Fed only by the backend's watch stream, so it works the same
 * over an embedded store and a remote one.
 */
export class WatchCache {
  private readonly byResource = new Map<string, Map<string, CachedObject>>();
  private readonly history: CacheEvent[] = [];
  private historyStart = 0; // index of the oldest event in `history` (ring emulated by shifting in chunks)
  private readonly historySize: number;
  /** Revision of the oldest state we can reconstruct: events after it are all in `history`. */
  private oldestRevision = 0;
  private revision = 0;
  private readonly watchers = new Map<string, Set<CacheWatcher>>();
  private readonly globalWatchers = new Set<(events: CacheEvent[]) => void>();
  private readonly revisionWaiters: { revision: number; resolve: () => void }[] = [];
  private stopBackendWatch: (() => void) | undefined;
  /** Incremented whenever the backend watch is replaced; callbacks of older ones are ignored. */
  private followGeneration = 0;
  /** Whether the replayed history reaches the listed revision (older watches may be served). */
  private synced = true;
  /** Revision of the newest event dropped from history (so history covers everything after it). */
  private droppedThrough = 0;
  private stopped = false;
  /** Relists after lost history (a remote store's compaction overtook our watch). */
  relists = 0;

  constructor(
    private readonly backend: StorageBackend,
    private readonly opts: WatchCacheOptions = {},
  ) {
    this.historySize = opts.historySize ?? 20_000;
  }

  /**
   * Loads current state and recent history, then follows the backend: one list at a revision,
   * then a watch from an older revision whose events up to the listed one become history.
   */
  async start(): Promise<void> {
    const { kvs, revision } = await this.backend.range('/registry/');
    for (const kv of kvs) this.put(kv.key, decode(kv));
    this.revision = revision;
    this.oldestRevision = revision;
    let replayFrom = Math.max(this.backend.compactedRevision(), revision - this.historySize);
    let synced: Promise<void>;
    try {
      synced = this.follow(replayFrom, revision);
    } catch (e) {
      if (!(e instanceof CompactedError)) throw e;
      replayFrom = Math.min(revision, Math.max(replayFrom, e.compacted));
      synced = this.follow(replayFrom, revision);
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([synced, new Promise<void>((r) => (timer = setTimeout(r, this.opts.syncTimeoutMs ?? 2_000)))]);
    clearTimeout(timer);
  }

  /**
   * Watches the backend from `replayFrom`; events up to `listed` (which the state already
   * reflects) become history, later ones are applied. Resolves once history reaches `listed`.
   */
  private follow(replayFrom: number, listed: number): Promise<void> {
    const gen = ++this.followGeneration;
    let markSynced!: () => void;
    const done = new Promise<void>((resolve) => {
      markSynced = () => {
        if (this.synced || gen !== this.followGeneration) return resolve();
        this.synced = true;
        this.oldestRevision = Math.max(replayFrom, this.droppedThrough);
        resolve();
      };
    });
    this.synced = replayFrom >= listed;
    if (this.synced) markSynced();
    this.stopBackendWatch = this.backend.watch(
      replayFrom,
      (events) => {
        if (gen !== this.followGeneration) return;
        const live: StorageEvent[] = [];
        for (const e of events) {
          if (e.revision <= listed) this.history.push(toCacheEvent(e));
          else live.push(e);
        }
        if (events[events.length - 1]!.revision >= listed) markSynced();
        if (live.length > 0) this.apply(live);
        else this.trimHistory();
      },
      {
        onProgress: (revision) => {
          if (gen !== this.followGeneration) return;
          if (revision >= listed) markSynced();
          if (this.synced) this.advance(revision);
        },
        onError: (err) => {
          if (gen !== this.followGeneration || this.stopped) return;
          void this.relist(err);
        },
      },
    );
    return done;
  }

  /** The store has nothing newer than `revision` for us: move the revision on without events. */
  private advance(revision: number): void {
    if (revision <= this.revision) return;
    this.revision = revision;
    this.resolveWaiters();
  }

  /**
   * Starts over from a fresh list after the backend lost history we still needed (kube's
   * reflector relist): the state is replaced, watchers are ended (or get the differences),
   * the in-process followers get the differences as events, history starts at the list.
   */
  private async relist(reason: Error): Promise<void> {
    this.stopBackendWatch?.();
    this.stopBackendWatch = undefined;
    const gen = ++this.followGeneration;
    let listed: { kvs: KeyValue[]; revision: number } | undefined;
    for (let delay = 100; !listed; delay = Math.min(delay * 2, 5_000)) {
      try {
        listed = await this.backend.range('/registry/');
      } catch {
        if (this.stopped || gen !== this.followGeneration) return;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    if (this.stopped || gen !== this.followGeneration) return;
    const revision = Math.max(listed.revision, this.revision);
    const fresh = new Map<string, Map<string, CachedObject>>();
    for (const kv of listed.kvs) {
      const rp = resourcePrefixOf(kv.key);
      let m = fresh.get(rp);
      if (!m) fresh.set(rp, (m = new Map()));
      m.set(kv.key, decode(kv));
    }
    const diff: CacheEvent[] = [];
    for (const [rp, objects] of this.byResource) {
      const now = fresh.get(rp);
      for (const [key, old] of objects) {
        if (now?.has(key)) continue;
        const last = old.clone();
        last.metadata!.resourceVersion = String(revision);
        diff.push({ type: 'DELETED', revision, key, object: new CachedObject(key, last, revision), prev: old });
      }
    }
    for (const [rp, objects] of fresh) {
      const before = this.byResource.get(rp);
      for (const [key, obj] of objects) {
        const old = before?.get(key);
        if (!old) diff.push({ type: 'ADDED', revision, key, object: obj });
        else if (old.revision !== obj.revision) diff.push({ type: 'MODIFIED', revision, key, object: obj, prev: old });
      }
    }
    this.byResource.clear();
    for (const [rp, m] of fresh) this.byResource.set(rp, m);
    this.history.length = 0;
    this.historyStart = 0;
    this.revision = revision;
    this.oldestRevision = revision;
    this.droppedThrough = revision;
    this.relists++;
    this.opts.onRelist?.(reason, revision);
    for (const [rp, set] of [...this.watchers]) {
      for (const w of [...set]) {
        if (w.onClose) {
          set.delete(w);
          w.onClose();
        } else {
          const mine = diff.filter((e) => e.key.startsWith(w.prefix));
          if (mine.length > 0) w.onEvents(mine);
        }
      }
      if (set.size === 0 && this.watchers.get(rp) === set) this.watchers.delete(rp);
    }
    if (diff.length > 0) for (const w of [...this.globalWatchers]) w(diff);
    this.resolveWaiters();
    try {
      void this.follow(revision, revision);
    } catch (e) {
      // Compacted again already: try once more.
      void this.relist(e as Error);
    }
  }

  stop(): void {
    this.stopped = true;
    this.followGeneration++;
    this.stopBackendWatch?.();
  }

  currentRevision(): number {
    return this.revision;
  }

  /** Oldest resourceVersion a watch may start from. */
  oldestWatchableRevision(): number {
    return this.oldestRevision;
  }

  /** Resolves once the cache has seen `revision` (immediate for the embedded backend). */
  waitForRevision(revision: number): Promise<void> {
    if (this.revision >= revision) return Promise.resolve();
    return new Promise((resolve) => this.revisionWaiters.push({ revision, resolve }));
  }

  /**
   * Whether the cache reaches `revision` within `timeoutMs`: a revision another API server
   * replica wrote (over shared etcd) arrives here through the watch a moment later.
   */
  async catchUp(revision: number, timeoutMs = 3_000): Promise<boolean> {
    if (this.revision >= revision) return true;
    let timer: NodeJS.Timeout | undefined;
    const reached = await Promise.race([this.waitForRevision(revision).then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
    clearTimeout(timer);
    return reached;
  }

  get(key: string): CachedObject | undefined {
    return this.byResource.get(resourcePrefixOf(key))?.get(key);
  }

  /** Current objects whose keys start with `prefix` (which must lie within one resource), sorted by key. */
  list(prefix: string): CachedObject[] {
    const resource = this.byResource.get(resourcePrefixOf(prefix));
    if (!resource) return [];
    const out: CachedObject[] = [];
    if (prefix.endsWith('/')) {
      for (const [k, v] of resource) if (k.startsWith(prefix)) out.push(v);
    } else {
      const v = resource.get(prefix);
      if (v) out.push(v);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** Count of objects under a resource prefix, without copying. */
  count(prefix: string): number {
    return this.byResource.get(resourcePrefixOf(prefix))?.size ?? 0;
  }

  /**
   * Objects under `prefix` as they were at `revision` (MVCC over the event history).
   * Throws TooOldError when the history no longer reaches back that far.
   */
  listAt(prefix: string, revision: number): CachedObject[] {
    if (revision >= this.revision) return this.list(prefix);
    if (revision < this.oldestRevision) throw new TooOldError(revision, this.oldestRevision);
    const current = new Map(this.list(prefix).map((o) => [o.key, o] as const));
    // Walk events newer than `revision` from newest to oldest, undoing each.
    for (let i = this.history.length - 1; i >= this.historyStart; i--) {
      const e = this.history[i]!;
      if (e.revision <= revision) break;
      if (!e.key.startsWith(prefix)) continue;
      if (e.type === 'ADDED') current.delete(e.key);
      else if (e.prev) current.set(e.key, e.prev);
      else current.delete(e.key);
    }
    return [...current.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * Registers a watcher. Events after `fromRevision` that are still in history are delivered
   * synchronously before this returns. Throws TooOldError if they are not.
   */
  watch(watcher: CacheWatcher, fromRevision: number): () => void {
    if (fromRevision < this.oldestRevision) throw new TooOldError(fromRevision, this.oldestRevision);
    const replay: CacheEvent[] = [];
    if (fromRevision < this.revision) {
      for (let i = this.historyStart; i < this.history.length; i++) {
        const e = this.history[i]!;
        if (e.revision > fromRevision && e.key.startsWith(watcher.prefix)) replay.push(e);
      }
    }
    if (replay.length > 0) watcher.onEvents(replay);
    const rp = resourcePrefixOf(watcher.prefix);
    let set = this.watchers.get(rp);
    if (!set) this.watchers.set(rp, (set = new Set()));
    set.add(watcher);
    return () => {
      set!.delete(watcher);
      if (set!.size === 0 && this.watchers.get(rp) === set) this.watchers.delete(rp);
    };
  }

  /** Follows every change to every resource from now on (for in-process controllers). */
  watchAll(onEvents: (events: CacheEvent[]) => void): () => void {
    this.globalWatchers.add(onEvents);
    return () => this.globalWatchers.delete(onEvents);
  }

  /** Every resource prefix that currently holds objects. */
  resourcePrefixes(): string[] {
    return [...this.byResource.keys()].filter((k) => (this.byResource.get(k)?.size ?? 0) > 0);
  }

  watcherCount(): number {
    let n = 0;
    for (const s of this.watchers.values()) n += s.size;
    return n;
  }

  private put(key: string, obj: CachedObject): void {
    const rp = resourcePrefixOf(key);
    let m = this.byResource.get(rp);
    if (!m) this.byResource.set(rp, (m = new Map()));
    m.set(key, obj);
  }

  private apply(events: StorageEvent[]): void {
    const byPrefix = new Map<string, CacheEvent[]>();
    for (const se of events) {
      const e = toCacheEvent(se, this.get(se.kv.key));
      if (e.type === 'DELETED') this.byResource.get(resourcePrefixOf(e.key))?.delete(e.key);
      else this.put(e.key, e.object);
      this.revision = se.revision;
      this.history.push(e);
      const rp = resourcePrefixOf(e.key);
      let list = byPrefix.get(rp);
      if (!list) byPrefix.set(rp, (list = []));
      list.push(e);
    }
    this.trimHistory();
    this.resolveWaiters();
    if (this.globalWatchers.size > 0) {
      const all = [...byPrefix.values()].flat().sort((a, b) => a.revision - b.revision);
      for (const w of [...this.globalWatchers]) w(all);
    }
    for (const [rp, evs] of byPrefix) {
      const set = this.watchers.get(rp);
      if (!set) continue;
      for (const w of [...set]) {
        const mine = w.prefix === rp ? evs : evs.filter((e) => e.key.startsWith(w.prefix));
        if (mine.length > 0) w.onEvents(mine);
      }
    }
  }

  private resolveWaiters(): void {
    if (this.revisionWaiters.length === 0) return;
    for (let i = this.revisionWaiters.length - 1; i >= 0; i--) {
      const w = this.revisionWaiters[i]!;
      if (w.revision <= this.revision) {
        this.revisionWaiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private trimHistory(): void {
    const live = this.history.length - this.historyStart;
    if (live <= this.historySize) return;
    const drop = live - this.historySize;
    const newStart = this.historyStart + drop;
    this.droppedThrough = this.history[newStart - 1]!.revision;
    if (this.synced) this.oldestRevision = Math.max(this.oldestRevision, this.droppedThrough);
    this.historyStart = newStart;
    // Compact the array occasionally rather than shifting on every event.
    if (this.historyStart > this.historySize) {
      this.history.splice(0, this.historyStart);
      this.historyStart = 0;
    }
  }
}

function decode(kv: KeyValue, revision = kv.modRevision): CachedObject {
  const obj = JSON.parse(kv.value) as KObject;
  obj.metadata ??= {};
  obj.metadata.resourceVersion = String(revision);
  return new CachedObject(kv.key, obj, revision);
}

function toCacheEvent(e: StorageEvent, cachedPrev?: CachedObject): CacheEvent {
  const prev = cachedPrev ?? (e.prev ? decode(e.prev) : undefined);
  if (e.type === 'delete') {
    return { type: 'DELETED', revision: e.revision, key: e.kv.key, object: decode(e.kv, e.revision), ...(prev ? { prev } : {}) };
  }
  const type: WatchEventType = e.prev ? 'MODIFIED' : 'ADDED';
  return { type, revision: e.revision, key: e.kv.key, object: decode(e.kv), ...(prev ? { prev } : {}) };
}
