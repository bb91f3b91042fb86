import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  CompactedError,
  type KeyValue,
  type RangeResult,
  type StorageBackend,
  type StorageEvent,
  type WriteOp,
  type WriteResult,
} from './backend.js';

export interface SqliteOptions {
  /** 'full' fsyncs every commit (survives power loss); 'normal' survives process crashes only. */
  sync?: 'full' | 'normal';
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

const toKv = (r: KvRow): KeyValue => ({ key: r.key, value: r.value, createRevision: r.create_rev, modRevision: r.mod_rev });

/** Smallest string greater than every string that starts with `prefix`. */
export function prefixEnd(prefix: string): string {
  if (prefix === '') return '\uffff';
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/**
 * Embedded storage on SQLite in WAL mode. Two tables: `kv` holds the current value of each
 * key, `log` holds every change (the watch history, trimmed by compaction). Writes issued
 * in the same event-loop turn share one transaction and one fsync (group commit).
 */
export class SqliteBackend implements StorageBackend {
  private readonly db: Database.Database;
  private revision: number;
  private compacted: number;
  private queue: PendingWrite[] = [];
  private flushScheduled = false;
  private watchers = new Set<(events: StorageEvent[]) => void>();
  private closed = false;

  private readonly stmt: {
    get: Database.Statement<[string], KvRow>;
    range: Database.Statement<[string, string], KvRow>;
    upsert: Database.Statement<[string, string, number, number]>;
    del: Database.Statement<[string]>;
    log: Database.Statement<[number, string, number, string, number, number | null]>;
    setMeta: Database.Statement<[string, number]>;
    logFrom: Database.Statement<[number], LogRow>;
    logAt: Database.Statement<[number], LogRow>;
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
      get: this.db.prepare('SELECT key, value, create_rev, mod_rev FROM kv WHERE key = ?'),
      range: this.db.prepare('SELECT key, value, create_rev, mod_rev FROM kv WHERE key >= ? AND key < ? ORDER BY key'),
      upsert: this.db.prepare('INSERT INTO kv (key, value, create_rev, mod_rev) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, mod_rev = excluded.mod_rev'),
      del: this.db.prepare('DELETE FROM kv WHERE key = ?'),
      log: this.db.prepare('INSERT INTO log (rev, key, deleted, value, create_rev, prev_rev) VALUES (?, ?, ?, ?, ?, ?)'),
      setMeta: this.db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value'),
      logFrom: this.db.prepare('SELECT rev, key, deleted, value, create_rev, prev_rev FROM log WHERE rev > ? ORDER BY rev'),
      logAt: this.db.prepare('SELECT rev, key, deleted, value, create_rev, prev_rev FROM log WHERE rev = ?'),
    };
    const meta = (name: string): number =>
      (this.db.prepare('SELECT value FROM meta WHERE name = ?').get(name) as { value: number } | undefined)?.value ?? 0;
    this.revision = meta('revision');
    this.compacted = meta('compacted');
  }

  currentRevision(): number {
    return this.revision;
  }

  compactedRevision(): number {
    return this.compacted;
  }

  async range(prefix: string): Promise<RangeResult> {
    const rows = this.stmt.range.all(prefix, prefixEnd(prefix));
    return { kvs: rows.map(toKv), revision: this.revision };
  }

  write(op: WriteOp): Promise<WriteResult> {
    if (this.closed) return Promise.reject(new Error('storage is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits every queued write in one transaction, then publishes the events. */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const results: WriteResult[] = [];
    const events: StorageEvent[] = [];
    let rev = this.revision;
    const apply = this.db.transaction(() => {
      for (const { op } of batch) {
        const row = this.stmt.get.get(op.key);
        const current = row ? toKv(row) : undefined;
        if (op.type === 'create') {
          if (current) {
            results.push({ ok: false, reason: 'exists', current });
            continue;
          }
          rev++;
          const kv: KeyValue = { key: op.key, value: op.value, createRevision: rev, modRevision: rev };
          this.stmt.upsert.run(op.key, op.value, rev, rev);
          this.stmt.log.run(rev, op.key, 0, op.value, rev, null);
          results.push({ ok: true, revision: rev, kv });
          events.push({ type: 'put', revision: rev, kv });
        } else if (op.type === 'update') {
          if (!current) {
            results.push({ ok: false, reason: 'not-found' });
            continue;
          }
          if (current.modRevision !== op.expectedRevision) {
            results.push({ ok: false, reason: 'conflict', current });
            continue;
          }
          rev++;
          const kv: KeyValue = { key: op.key, value: op.value, createRevision: current.createRevision, modRevision: rev };
          this.stmt.upsert.run(op.key, op.value, current.createRevision, rev);
          this.stmt.log.run(rev, op.key, 0, op.value, current.createRevision, current.modRevision);
          results.push({ ok: true, revision: rev, kv, prev: current });
          events.push({ type: 'put', revision: rev, kv, prev: current });
        } else {
          if (!current) {
            results.push({ ok: false, reason: 'not-found' });
            continue;
          }
          if (op.expectedRevision !== undefined && current.modRevision !== op.expectedRevision) {
            results.push({ ok: false, reason: 'conflict', current });
            continue;
          }
          rev++;
          const kv: KeyValue = { ...current, modRevision: rev };
          this.stmt.del.run(op.key);
          this.stmt.log.run(rev, op.key, 1, current.value, current.createRevision, current.modRevision);
          results.push({ ok: true, revision: rev, kv, prev: current });
          events.push({ type: 'delete', revision: rev, kv, prev: current });
        }
      }
      if (rev !== this.revision) this.stmt.setMeta.run('revision', rev);
    });
    try {
      apply();
    } catch (err) {
      for (const p of batch) p.reject(err);
      return;
    }
    this.revision = rev;
    if (events.length > 0) for (const w of this.watchers) w(events);
    batch.forEach((p, i) => p.resolve(results[i]!));
  }

  watch(fromRevision: number, onEvent: (events: StorageEvent[]) => void): () => void {
    if (fromRevision < this.compacted) throw new CompactedError(fromRevision, this.compacted);
    if (fromRevision < this.revision) {
      const replay = this.stmt.logFrom.all(fromRevision).map((r) => this.logToEvent(r));
      if (replay.length > 0) onEvent(replay);
    }
    this.watchers.add(onEvent);
    return () => this.watchers.delete(onEvent);
  }

  private logToEvent(r: LogRow): StorageEvent {
    const prevRow = r.prev_rev !== null ? this.stmt.logAt.get(r.prev_rev) : undefined;
    const prev: KeyValue | undefined = prevRow
      ? { key: prevRow.key, value: prevRow.value, createRevision: prevRow.create_rev, modRevision: prevRow.rev }
      : undefined;
    const kv: KeyValue = { key: r.key, value: r.value, createRevision: r.create_rev, modRevision: r.rev };
    return { type: r.deleted ? 'delete' : 'put', revision: r.rev, kv, ...(prev ? { prev } : {}) };
  }

  compact(revision: number): void {
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
    // Let queued writes finish before closing.
    if (this.queue.length > 0) this.flush();
    this.closed = true;
    this.watchers.clear();
    this.db.close();
  }
}
