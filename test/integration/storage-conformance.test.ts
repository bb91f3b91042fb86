/**
 * One storage conformance suite for every backend of the storage contract (src/storage/backend.ts):
 * the embedded SQLite store and etcd (Debian's etcd-server on loopback, started by the tests).
 * Each case runs on its own key prefix (etcd: its own etcd prefix too), so cases never see each
 * other's keys; revisions are global, so the cases compare revisions only relative to each other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CompactedError, type StorageBackend, type StorageEvent, type WriteResult } from '../../src/storage/backend.js';
import { EtcdBackend } from '../../src/storage/etcd.js';
import { SqliteBackend } from '../../src/storage/sqlite.js';
import { WatchCache, type CacheEvent } from '../../src/storage/watch-cache.js';
import { eventually } from '../helpers/eventually.js';
import { etcdSkipReason, startEtcd, type EtcdCluster } from '../helpers/etcd.js';

interface Store {
  /** Opens the backend on this case's store (again after close: the same data). */
  open(): Promise<StorageBackend>;
  cleanup(): Promise<void>;
}

interface BackendKind {
  name: string;
  skip?: string | undefined;
  setup(): Promise<void>;
  teardown(): Promise<void>;
  store(id: string): Store;
}

const sqlite: BackendKind = {
  name: 'sqlite',
  async setup() {},
  async teardown() {},
  store() {
    const dir = mkdtempSync(join(tmpdir(), 'kubefed-conformance-'));
    return {
      open: async () => new SqliteBackend(join(dir, 'state.db'), { sync: 'normal' }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

let etcd: EtcdCluster | undefined;
const etcdKind: BackendKind = {
  name: 'etcd',
  skip: etcdSkipReason,
  async setup() {
    etcd = await startEtcd();
  },
  async teardown() {
    await etcd?.destroy();
  },
  store(id) {
    return {
      open: () => EtcdBackend.open({ endpoints: etcd!.endpoints, prefix: `/conformance-${id}`, compactionIntervalMs: 0 }),
      cleanup: async () => {},
    };
  },
};

const K = (name: string) => `/registry/core/configmaps/ns/${name}`;
const PREFIX = '/registry/core/configmaps/';
const obj = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ metadata: { name }, ...extra });

function ok(r: WriteResult): Extract<WriteResult, { ok: true }> {
  if (!r.ok) throw new Error(`write failed: ${r.reason}`);
  return r;
}

/** Collects a watch's events and its asynchronous error; a synchronous CompactedError is thrown. */
function collect(b: StorageBackend, from: number) {
  const events: StorageEvent[] = [];
  const progress: number[] = [];
  let error: Error | undefined;
  const stop = b.watch(from, (evs) => events.push(...evs), { onError: (e) => (error = e), onProgress: (r) => progress.push(r) });
  return {
    events,
    progress,
    get error() {
      return error;
    },
    stop,
    async waitFor(n: number) {
      await eventually(() => events.length >= n || error, `${n} watch events (have ${events.length})`, 10_000);
      if (error) throw error;
      return events;
    },
  };
}

/** Whether watching from `from` fails with CompactedError (at once, or reported by onError). */
async function watchIsCompacted(b: StorageBackend, from: number): Promise<CompactedError | undefined> {
  let w;
  try {
    w = collect(b, from);
  } catch (e) {
    if (e instanceof CompactedError) return e;
    throw e;
  }
  // No error and no event within the time: not compacted.
  await eventually(() => w.error || w.events.length > 0, 'the watch to fail or deliver', 3_000).catch(() => undefined);
  w.stop();
  return w.error instanceof CompactedError ? w.error : undefined;
}

let caseNo = 0;

describe.each([sqlite, etcdKind])('storage conformance: $name', (kind) => {
  const run = kind.skip ? describe.skip : describe;
  run(kind.skip ? `skipped: ${kind.skip}` : 'contract', () => {
    let store: Store;
    let b: StorageBackend;
    const open: StorageBackend[] = [];
    const openBackend = async () => {
      const x = await store.open();
      open.push(x);
      return x;
    };

    beforeAll(() => kind.setup(), 60_000);
    afterAll(() => kind.teardown());
    afterEach(async () => {
      for (const x of open.splice(0)) await x.close();
      await store.cleanup();
    });
    const fresh = async () => {
      store = kind.store(`${process.pid}-${++caseNo}`);
      b = await openBackend();
    };

    it('creates a key once: a second create is "exists" with the current value', async () => {
      await fresh();
      const r = ok(await b.write({ type: 'create', key: K('a'), value: obj('a') }));
      expect(r.kv).toMatchObject({ key: K('a'), value: obj('a'), createRevision: r.revision, modRevision: r.revision });
      expect(b.currentRevision()).toBeGreaterThanOrEqual(r.revision);
      const again = await b.write({ type: 'create', key: K('a'), value: obj('a', { x: 2 }) });
      expect(again).toMatchObject({ ok: false, reason: 'exists', current: { key: K('a'), value: obj('a'), modRevision: r.revision } });
    });

    it('updates only at the expected mod revision (CAS); conflicts report the current value', async () => {
      await fresh();
      const c = ok(await b.write({ type: 'create', key: K('a'), value: obj('a', { v: 1 }) }));
      const u = ok(await b.write({ type: 'update', key: K('a'), value: obj('a', { v: 2 }), expectedRevision: c.revision }));
      expect(u.revision).toBeGreaterThan(c.revision);
      expect(u.kv).toMatchObject({ createRevision: c.revision, modRevision: u.revision, value: obj('a', { v: 2 }) });
      expect(u.prev).toMatchObject({ value: obj('a', { v: 1 }), modRevision: c.revision });
      const before = b.currentRevision();
      const stale = await b.write({ type: 'update', key: K('a'), value: obj('a', { v: 3 }), expectedRevision: c.revision });
      expect(stale).toMatchObject({ ok: false, reason: 'conflict', current: { value: obj('a', { v: 2 }), modRevision: u.revision } });
      expect(await b.write({ type: 'update', key: K('missing'), value: '{}', expectedRevision: 0 })).toMatchObject({ ok: false, reason: 'not-found' });
      expect(await b.write({ type: 'update', key: K('missing'), value: '{}', expectedRevision: u.revision })).toMatchObject({ ok: false, reason: 'not-found' });
      expect(b.currentRevision()).toBe(before);
      expect((await b.range(PREFIX)).kvs.map((k) => k.value)).toEqual([obj('a', { v: 2 })]);
    });

    it('lets exactly one of concurrent compare-and-swaps win', async () => {
      await fresh();
      const c = ok(await b.write({ type: 'create', key: K('a'), value: obj('a') }));
      const results = await Promise.all([1, 2, 3, 4, 5].map((i) => b.write({ type: 'update', key: K('a'), value: obj('a', { i }), expectedRevision: c.revision })));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'conflict')).toBe(true);
      const creates = await Promise.all([1, 2, 3].map((i) => b.write({ type: 'create', key: K('b'), value: obj('b', { i }) })));
      expect(creates.filter((r) => r.ok)).toHaveLength(1);
    });

    it('deletes with and without a CAS precondition', async () => {
      await fresh();
      const a = ok(await b.write({ type: 'create', key: K('a'), value: obj('a') }));
      ok(await b.write({ type: 'create', key: K('b'), value: obj('b') }));
      expect(await b.write({ type: 'delete', key: K('a'), expectedRevision: a.revision + 1000 })).toMatchObject({ ok: false, reason: 'conflict', current: { value: obj('a') } });
      const d = ok(await b.write({ type: 'delete', key: K('a'), expectedRevision: a.revision }));
      expect(d.prev).toMatchObject({ value: obj('a'), modRevision: a.revision });
      expect(d.kv).toMatchObject({ key: K('a'), value: obj('a'), modRevision: d.revision });
      expect(await b.write({ type: 'delete', key: K('a') })).toMatchObject({ ok: false, reason: 'not-found' });
      ok(await b.write({ type: 'delete', key: K('b') }));
      expect((await b.range(PREFIX)).kvs).toEqual([]);
    });

    it('lists at an earlier revision and at the current one', async () => {
      await fresh();
      const a = ok(await b.write({ type: 'create', key: K('a'), value: obj('a', { v: 1 }) }));
      ok(await b.write({ type: 'create', key: K('b'), value: obj('b') }));
      const then = await b.range(PREFIX);
      await b.write({ type: 'update', key: K('a'), value: obj('a', { v: 2 }), expectedRevision: a.revision });
      await b.write({ type: 'delete', key: K('b') });
      await b.write({ type: 'create', key: K('c'), value: obj('c') });
      const past = await b.range(PREFIX, then.revision);
      expect(past.revision).toBe(then.revision);
      expect(past.kvs).toEqual(then.kvs);
      const now = await b.range(PREFIX);
      expect(now.kvs.map((k) => [k.key, k.value])).toEqual([
        [K('a'), obj('a', { v: 2 })],
        [K('c'), obj('c')],
      ]);
      expect(now.revision).toBeGreaterThan(then.revision);
      // A narrower prefix at the same revision.
      expect((await b.range('/registry/core/configmaps/ns/b', then.revision)).kvs.map((k) => k.key)).toEqual([K('b')]);
    });

    it('watches from a revision: every later change once, in order, with previous values, then live changes', async () => {
      await fresh();
      const a = ok(await b.write({ type: 'create', key: K('a'), value: obj('a', { v: 1 }) }));
      const u = ok(await b.write({ type: 'update', key: K('a'), value: obj('a', { v: 2 }), expectedRevision: a.revision }));
      ok(await b.write({ type: 'create', key: K('b'), value: obj('b') }));
      const d = ok(await b.write({ type: 'delete', key: K('a') }));
      const w = collect(b, a.revision);
      await w.waitFor(3);
      const live = [];
      for (let i = 0; i < 20; i++) live.push(ok(await b.write({ type: 'create', key: K(`x${i}`), value: obj(`x${i}`) })).revision);
      await w.waitFor(23);
      await new Promise((r) => setTimeout(r, 200));
      w.stop();
      const evs = w.events;
      expect(evs).toHaveLength(23);
      const revs = evs.map((e) => e.revision);
      expect(revs).toEqual([...revs].sort((x, y) => x - y));
      expect(new Set(revs).size).toBe(revs.length);
      expect(evs.slice(0, 3).map((e) => [e.type, e.kv.key, e.kv.value, e.prev?.value])).toEqual([
        ['put', K('a'), obj('a', { v: 2 }), obj('a', { v: 1 })],
        ['put', K('b'), obj('b'), undefined],
        ['delete', K('a'), obj('a', { v: 2 }), obj('a', { v: 2 })],
      ]);
      expect(evs[0]!.revision).toBe(u.revision);
      expect(evs[2]!.kv.modRevision).toBe(d.revision);
      expect(revs.slice(3)).toEqual(live);
      // Stopped: nothing more arrives.
      await b.write({ type: 'create', key: K('late'), value: obj('late') });
      await new Promise((r) => setTimeout(r, 200));
      expect(w.events).toHaveLength(23);
    });

    it('refuses history dropped by compaction (the watch cache answers 410 from it)', async () => {
      await fresh();
      const revs: number[] = [];
      for (let i = 0; i < 6; i++) revs.push(ok(await b.write({ type: 'create', key: K(`k${i}`), value: obj(`k${i}`) })).revision);
      await b.compact(revs[3]!);
      expect(b.compactedRevision()).toBeGreaterThanOrEqual(revs[2]!);
      expect(b.compactedRevision()).toBeLessThanOrEqual(revs[3]!);
      const err = await watchIsCompacted(b, revs[0]!);
      expect(err).toBeInstanceOf(CompactedError);
      await expect(b.range(PREFIX, revs[0]!)).rejects.toBeInstanceOf(CompactedError);
      // From the compaction revision on, history is still there.
      const w = collect(b, revs[3]!);
      await w.waitFor(2);
      w.stop();
      expect(w.events.map((e) => e.kv.key)).toEqual([K('k4'), K('k5')]);
      // A second backend on the same store learns the compaction too.
      const other = await openBackend();
      expect(await watchIsCompacted(other, revs[0]!)).toBeInstanceOf(CompactedError);
    });

    it('restarts: a new backend on the same store has the data and resumes a watch from the last revision', async () => {
      await fresh();
      ok(await b.write({ type: 'create', key: K('a'), value: obj('a') }));
      const mark = ok(await b.write({ type: 'create', key: K('b'), value: obj('b') })).revision;
      const after = ok(await b.write({ type: 'create', key: K('c'), value: obj('c') })).revision;
      await b.close();
      open.splice(open.indexOf(b), 1);
      const b2 = await openBackend();
      expect(b2.currentRevision()).toBeGreaterThanOrEqual(after);
      expect((await b2.range(PREFIX)).kvs.map((k) => k.key)).toEqual([K('a'), K('b'), K('c')]);
      const w = collect(b2, mark);
      await w.waitFor(1);
      const d = ok(await b2.write({ type: 'delete', key: K('a') }));
      await w.waitFor(2);
      w.stop();
      expect(w.events.map((e) => [e.type, e.kv.key, e.revision])).toEqual([
        ['put', K('c'), after],
        ['delete', K('a'), d.revision],
      ]);
    });

    it('stores large values (1 MiB) through writes, lists and watches', async () => {
      await fresh();
      const big = obj('big', { data: { blob: 'x'.repeat(1024 * 1024 - 100) } });
      const w = collect(b, b.currentRevision());
      const c = ok(await b.write({ type: 'create', key: K('big'), value: big }));
      const u = ok(await b.write({ type: 'update', key: K('big'), value: big.replace('"big"', '"BIG"'), expectedRevision: c.revision }));
      expect((await b.range(PREFIX)).kvs[0]!.value).toBe(big.replace('"big"', '"BIG"'));
      await w.waitFor(2);
      w.stop();
      expect(w.events[1]).toMatchObject({ revision: u.revision, prev: { value: big } });
      expect(w.events[1]!.kv.value.length).toBe(big.length);
    });

    it('lists many keys in key order at one revision', async () => {
      await fresh();
      const n = 2_500;
      const names = Array.from({ length: n }, (_, i) => `k${String(i).padStart(5, '0')}`);
      for (let i = 0; i < n; i += 250) await Promise.all(names.slice(i, i + 250).map((nm) => b.write({ type: 'create', key: K(nm), value: obj(nm) }).then(ok)));
      const res = await b.range(PREFIX);
      expect(res.kvs).toHaveLength(n);
      expect(res.kvs.map((k) => k.key)).toEqual(names.map(K));
      expect(res.revision).toBeGreaterThanOrEqual(Math.max(...res.kvs.map((k) => k.modRevision)));
    });

    it('feeds a watch cache: list + watch, replayed history, resourceVersions and live events', async () => {
      await fresh();
      const a = ok(await b.write({ type: 'create', key: K('a'), value: obj('a', { v: 1 }) }));
      const u = ok(await b.write({ type: 'update', key: K('a'), value: obj('a', { v: 2 }), expectedRevision: a.revision }));
      const cache = new WatchCache(b, { historySize: 100 });
      await cache.start();
      try {
        expect(cache.get(K('a'))?.obj.metadata?.resourceVersion).toBe(String(u.revision));
        // History before the start is replayed: a watch from the create sees the update.
        const got: CacheEvent[] = [];
        cache.watch({ prefix: PREFIX, onEvents: (e) => got.push(...e) }, a.revision);
        expect(got.map((e) => [e.type, e.revision])).toEqual([['MODIFIED', u.revision]]);
        const c = ok(await b.write({ type: 'create', key: K('b'), value: obj('b') }));
        await cache.waitForRevision(c.revision);
        expect(got.map((e) => e.type)).toEqual(['MODIFIED', 'ADDED']);
        expect(cache.list(PREFIX).map((o) => [o.key, o.obj.metadata?.resourceVersion])).toEqual([
          [K('a'), String(u.revision)],
          [K('b'), String(c.revision)],
        ]);
      } finally {
        cache.stop();
      }
    });
  });
});
