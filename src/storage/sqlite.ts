import Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CompactedError,
  type KeyValue,
  type RangeResult,
  type StorageBackend,
  type StorageEvent,
  type WatchOptions,
  type WriteOp,
  type WriteResult,
} from './backend.js';

export interface SqliteOptions {
  /** 'full' fsyncs every commit (survives power loss); 'normal' survives process crashes only. */
  sync?: 'full' | 'normal';
  /**
   * Commit on a writer thread so the fsync does not block the event loop. Default: on for
   * 'full' (where a commit waits for the disk), off for 'normal'.
   */
  writerThread?: boolean;
}

interface PendingWrite {
  op: WriteOp;
  resolve: (r: WriteResult) => void;
  reject: (e: unknown) => void;
}

interface KvRow {
  key: string;
  value: string;
  create_rev: number;
  mod_rev: number;
}

interface LogRow {
  rev: number;
  key: string;
  deleted: number;
  value: string;
  create_rev: number;
  prev_rev: number | null;
}

interface CommitResult {
  ok: boolean;
  reason?: 'exists' | 'conflict' | 'not-found';
  revision?: number;
  kv?: KeyValue;
  prev?: KeyValue;
  current?: KeyValue;
  deleted?: boolean;
}

interface CommitModule {
  prepare(db: Database.Database): unknown;
  commitBatch(db: Database.Database, stmt: unknown, ops: WriteOp[], revision: number): { results: CommitResult[]; revision: number };
}

const require = createRequire(import.meta.url);
const commitModule = require('./sqlite-commit.cjs') as CommitModule;

const toKv = (r: KvRow): KeyValue => ({ key: r.key, value: r.value, createRevision: r.create_rev, modRevision: r.mod_rev });

/** Smallest string greater than every string that starts with `prefix`. */
export function prefixEnd(prefix: string): string {
  if (prefix === '') return '\uffff';
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/**
 * Embedded storage on SQLite in WAL mode. Two tables: `kv` holds the current value of each
 * key, `log` holds every change (the watch history, trimmed by compaction). Writes issued
 * while a commit is running share the next transaction and its fsync (group commit).
 */
export class SqliteBackend implements StorageBackend {
  private readonly db: Database.Database;
  private revision: number;
  private compacted: number;
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  private inFlight: PendingWrite[] | undefined;
  private watchers = new Set<(events: StorageEvent[]) => void>();
  private closed = false;
  private readonly writer?: Worker;
  private writerReady?: Promise<void>;
  private readonly commitStmt?: unknown;
  private idleWaiters: (() => void)[] = [];

  private readonly stmt: {
    range: Database.Statement<[string, string], KvRow>;
    setMeta: Database.Statement<[string, number]>;
    logFrom: Database.Statement<[number], LogRow>;
    logAt: Database.Statement<[number], LogRow>;
    logAfterIn: Database.Statement<[number, string, string], LogRow>;
  };

  constructor(file: string, opts: SqliteOptions = {}) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.sync === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, create_rev INTEGER NOT NULL, mod_rev INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS log (rev INTEGER PRIMARY KEY, key TEXT NOT NULL, deleted INTEGER NOT NULL, value TEXT NOT NULL, create_rev INTEGER NOT NULL, prev_rev INTEGER);
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
    this.stmt = {
      range: this.db.prepare('SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ? AND key < ? ORDER BY key'),
      setMeta: this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value'),
      logFrom: this.db.prepare('SELECT rev, key, deleted, value, create_rev, prev_rev FROM log WHERE rev > ? ORDER BY rev'),
      logAt: this.db.prepare('SELECT rev, key, deleted, value, create_rev, prev_rev FROM log WHERE rev = ?'),
      logAfterIn: this.db.prepare('SELECT rev, key, deleted, value, create_rev, prev_rev FROM log WHERE rev > ? AND key >= ? AND key < ? ORDER BY rev DESC'),
    };
    const meta = (name: string): number =>
      (this.db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as { value: number } | undefined)?.value ?? 0;
    this.revision = meta('revision');
    this.compacted = meta('compacted');
    const threaded = (opts.writerThread ?? opts.sync !== 'normal') && file !== ':memory:';
    if (threaded) {
      this.writer = new Worker(new URL('./sqlite-writer-thread.cjs', import.meta.url), {
        workerData: { file, sync: opts.sync ?? 'full', sqlitePath: require.resolve('better-sqlite3') },
      });
      this.writer.unref();
      this.writerReady = new Promise((resolve, reject) => {
        this.writer!.once('error', reject);
        this.writer!.on('message', (m: { type: string; results?: CommitResult[]; revision?: number; error?: string }) => {
          if (m.type === 'ready') resolve();
          else if (m.type === 'committed') this.committed(m.results!, m.revision!);
          else if (m.type === 'failed') this.commitFailed(new Error(m.error));
        });
      });
    } else {
      this.commitStmt = commitModule.prepare(this.db);
    }
  }

  currentRevision(): number {
    return this.revision;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  async range(prefix: string, revision?: number): Promise<RangeResult> {
    const rows = this.stmt.range.all(prefix, prefixEnd(prefix));
    if (revision === undefined || revision === this.revision) return { kvs: rows.map(toKv), revision: this.revision };
    if (revision > this.revision) throw new Error(`required revision ${revision} is a future revision (current ${this.revision})`);
    if (revision < this.compacted) throw new CompactedError(revision, this.compacted);
    // The state at `revision`: undo the logged changes after it, newest first.
    const state = new Map(rows.map((r) => [r.key, toKv(r)] as const));
    for (const c of this.stmt.logAfterIn.all(revision, prefix, prefixEnd(prefix))) {
      if (c.prev_rev === null) state.delete(c.key);
      else if (c.deleted) state.set(c.key, { key: c.key, value: c.value, createRevision: c.create_rev, modRevision: c.prev_rev });
      else {
        const prev = this.stmt.logAt.get(c.prev_rev);
        // The value before an update lives in the log row that wrote it, which compaction may have dropped.
        if (!prev) throw new CompactedError(revision, Math.max(this.compacted, c.prev_rev));
        state.set(c.key, { key: c.key, value: prev.value, createRevision: prev.create_rev, modRevision: prev.rev });
      }
    }
    const kvs = [...state.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { kvs, revision };
  }

  write(op: WriteOp): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new Error('storage is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.flushScheduled && !this.inFlight) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Starts committing everything queued, unless a commit is already running. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.inFlight || this.queue.length === 0) return;
    const batch = (this.inFlight = this.queue);
    this.queue = [];
    const ops = batch.map((p) => p.op);
    if (this.writer) {
      void this.writerReady!.then(
        () => this.writer!.postMessage({ type: 'commit', ops, revision: this.revision }),
        (e: unknown) => this.commitFailed(e),
      );
      return;
    }
    let out: { results: CommitResult[]; revision: number };
    try {
      out = commitModule.commitBatch(this.db, this.commitStmt, ops, this.revision);
    } catch (err) {
      this.commitFailed(err);
      return;
    }
    this.committed(out.results, out.revision);
  }

  private commitFailed(err: unknown): void {
    const batch = this.inFlight ?? [];
    this.inFlight = undefined;
    for (const p of batch) p.reject(err);
    this.afterCommit();
  }

  /** Publishes a committed batch: revision, watch events, then each writer's result. */
  private committed(results: CommitResult[], revision: number): void {
    const batch = this.inFlight ?? [];
    this.inFlight = undefined;
    this.revision = revision;
    const events: StorageEvent[] = [];
    for (const r of results) {
      if (!r.ok) continue;
      events.push({ type: r.deleted ? 'delete' : 'put', revision: r.revision!, kv: r.kv!, ...(r.prev ? { prev: r.prev } : {}) });
    }
    if (events.length > 0) for (const w of this.watchers) w(events);
    batch.forEach((p, i) => {
      const r = results[i]!;
      if (r.ok) p.resolve({ ok: true, revision: r.revision!, kv: r.kv!, ...(r.prev ? { prev: r.prev } : {}) });
      else p.resolve({ ok: false, reason: r.reason!, ...(r.current ? { current: r.current } : {}) });
    });
    this.afterCommit();
  }

  private afterCommit(): void {
    if (this.queue.length > 0) this.flush();
    else if (!this.inFlight) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  watch(fromRevision: number, onEvent: (events: StorageEvent[]) => void, opts?: WatchOptions): () => void {
    if (fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    if (fromRevision < this.revision) {
      const replay = this.stmt.logFrom.all(fromRevision).map((r) => this.logToEvent(r));
      if (replay.length > 0) onEvent(replay);
    }
    // Every revision is a logged change, so the replay above reached the current revision.
    opts?.onProgress?.(this.revision);
    const watcher = (events: StorageEvent[]) => onEvent(events);
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  private logToEvent(r: LogRow): StorageEvent {
    const prevRow = r.prev_rev !== null ? this.stmt.logAt.get(r.prev_rev) : undefined;
    const prev: KeyValue | undefined = prevRow
      ? { key: prevRow.key, value: prevRow.value, createRevision: prevRow.create_rev, modRevision: prevRow.rev }
      : undefined;
    const kv: KeyValue = { key: r.key, value: r.value, createRevision: r.create_rev, modRevision: r.rev };
    return { type: r.deleted ? 'delete' : 'put', revision: r.rev, kv, ...(prev ? { prev } : {}) };
  }

  async compact(revision: number): Promise<void> {
    const target = Math.min(revision, this.revision);
    if (target <= this.compacted) return;
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM log WHERE rev <= ?').run(target);
      this.stmt.setMeta.run('compacted', target);
    })();
    this.compacted = target;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Let queued and running commits finish before closing.
    if (this.inFlight || this.queue.length > 0) {
      await new Promise<void>((r) => {
        this.idleWaiters.push(r);
        this.flush();
      });
    }
    this.closed = true;
    this.watchers.clear();
    if (this.writer) {
      await new Promise<void>((resolve) => {
        this.writer!.on('message', (m: { type: string }) => m.type === 'closed' && resolve());
        this.writer!.postMessage({ type: 'close' });
      });
      await this.writer.terminate();
    }
    this.db.close();
  }
}
