/**
 * What only the etcd backend has: compaction coordinated between replicas through
 * compact_rev_key, watches that survive members going away (nothing lost, nothing twice),
 * the watch cache relisting when compaction overtook its watch, progress notifications moving
 * the cache's revision, and the health check. Real etcd (Debian's etcd-server) on loopback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StorageBackend, StorageEvent, WatchOptions, WriteOp, WriteResult } from '../../src/storage/backend.js';
import { COMPACT_REV_KEY, EtcdBackend, progressRequestsAreSafe } from '../../src/storage/etcd.js';
import { TooOldError, WatchCache, type CacheEvent } from '../../src/storage/watch-cache.js';
import { eventually } from '../helpers/eventually.js';
import { etcdSkipReason, startEtcd, type EtcdCluster } from '../helpers/etcd.js';

const K = (name: string) => `/registry/core/configmaps/ns/${name}`;
const PREFIX = '/registry/core/configmaps/';
const obj = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ metadata: { name }, ...extra });
let n = 0;
const prefix = () => `/etcd-test-${process.pid}-${++n}`;

function ok(r: WriteResult): Extract<WriteResult, { ok: true }> {
  if (!r.ok) throw new Error(`write failed: ${r.reason}`);
  return r;
}

/** Retries a write the client could not get an answer for (a member was down). */
async function persist(b: StorageBackend, op: WriteOp): Promise<Extract<WriteResult, { ok: true }>> {
  for (let i = 0; ; i++) {
    try {
      return ok(await b.write(op));
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A backend whose watches can be cut and resumed from their last revision (to let compaction overtake them). */
class PausableWatches implements StorageBackend {
  private pausers: { pause(): void; resume(): void }[] = [];
  constructor(readonly inner: StorageBackend) {}
  currentRevision() {
    return this.inner.currentRevision();
  }
  range(p: string, r?: number) {
    return this.inner.range(p, r);
  }
  write(op: WriteOp) {
    return this.inner.write(op);
  }
  compactedRevision() {
    return this.inner.compactedRevision();
  }
  compact(r: number) {
    return this.inner.compact(r);
  }
  close() {
    return this.inner.close();
  }
  watch(from: number, onEvent: (e: StorageEvent[]) => void, opts: WatchOptions = {}) {
    let last = from;
    let stop = () => {};
    const start = () => {
      stop = this.inner.watch(
        last,
        (evs) => {
          last = evs[evs.length - 1]!.revision;
          onEvent(evs);
        },
        {
          onProgress: (r) => {
            last = Math.max(last, r);
            opts.onProgress?.(r);
          },
          ...(opts.onError ? { onError: opts.onError } : {}),
        },
      );
    };
    start();
    this.pausers.push({
      pause: () => stop(),
      resume: () => {
        try {
          start();
        } catch (e) {
          opts.onError?.(e as Error);
        }
      },
    });
    return () => stop();
  }
  pause() {
    for (const p of this.pausers) p.pause();
  }
  resume() {
    for (const p of this.pausers) p.resume();
  }
}

describe.skipIf(!!etcdSkipReason)('etcd backend', () => {
  describe('single member', () => {
    let etcd: EtcdCluster;
    const open: { close(): Promise<void> }[] = [];
    const backend = async (o: { prefix?: string; compactionIntervalMs?: number } = {}) => {
      const b = await EtcdBackend.open({ endpoints: etcd.endpoints, prefix: o.prefix ?? prefix(), compactionIntervalMs: o.compactionIntervalMs ?? 0 });
      open.push(b);
      return b;
    };
    beforeAll(async () => {
      etcd = await startEtcd();
    }, 60_000);
    afterAll(() => etcd?.destroy());
    afterEach(async () => {
      for (const x of open.splice(0).reverse()) await x.close();
    });

    it('maps keys under the prefix and resourceVersions to mod revisions', async () => {
      const p = prefix();
      const b = await backend({ prefix: p });
      const r = ok(await b.write({ type: 'create', key: K('a'), value: obj('a') }));
      const raw = await b.client.get(`${p}${K('a')}`).exec();
      expect(raw.kvs[0]!.value.toString()).toBe(obj('a'));
      expect(Number(raw.kvs[0]!.mod_revision)).toBe(r.revision);
      expect(Number(raw.header.revision)).toBeGreaterThanOrEqual(r.revision);
      expect(() => b.etcdKey('relative')).toThrow(/must start with/);
    });

    it('compacts once per interval across replicas through compact_rev_key, keeping one interval of history', async () => {
      const a = await backend();
      const b = await backend();
      const before = Number((await a.client.get(COMPACT_REV_KEY).exec()).kvs[0]?.version ?? 0);
      // Bring both replicas' compaction "time" to the key's version (as after their first rounds).
      await a.compactOnce();
      await b.compactOnce();
      const w1 = ok(await a.write({ type: 'create', key: K('x'), value: obj('x') }));
      // Round 1 of the interval: one replica wins the CAS, the other adopts the new time.
      const round1 = [await a.compactOnce(), await b.compactOnce()];
      const after1 = (await a.client.get(COMPACT_REV_KEY).exec()).kvs[0]!;
      expect(Number(after1.version)).toBeGreaterThan(before);
      expect(round1.filter(Boolean).length).toBeLessThanOrEqual(1);
      const w2 = ok(await a.write({ type: 'create', key: K('y'), value: obj('y') }));
      // Round 2: again exactly one CAS succeeds; the winner compacts to what it saw a round ago (>= w1, < w2).
      const r2 = await Promise.all([a.compactOnce(), b.compactOnce()]);
      expect(r2.filter(Boolean)).toHaveLength(1);
      const winner = r2[0] ? a : b;
      const loser = r2[0] ? b : a;
      expect(winner.compactedRevision()).toBeGreaterThanOrEqual(w1.revision - 1);
      expect(winner.compactedRevision()).toBeLessThan(w2.revision);
      // The loser learned the compaction from the key.
      expect(loser.compactedRevision()).toBe(winner.compactedRevision());
      // History after the compacted revision is still watchable.
      const seen: StorageEvent[] = [];
      let ended: unknown;
      const stop = loser.watch(winner.compactedRevision(), (e) => seen.push(...e), { onError: (err) => (ended = err) });
      // A loaded machine may take a while to open the stream; if the watch ended, the failure says why.
      await eventually(
        () => {
          if (ended) throw new Error(`the watch ended: ${String(ended)}`);
          return seen.some((e) => e.revision === w2.revision);
        },
        'events after the compaction',
        45_000,
      );
      stop();
    });

    it('relists the watch cache when compaction overtook its watch, ending client watches', async () => {
      const inner = await backend();
      const b = new PausableWatches(inner);
      const a = ok(await b.write({ type: 'create', key: K('a'), value: obj('a', { v: 1 }) }));
      ok(await b.write({ type: 'create', key: K('b'), value: obj('b') }));
      const cache = new WatchCache(b, { historySize: 100 });
      await cache.start();
      const startRev = cache.currentRevision();
      let closed = 0;
      const clientEvents: CacheEvent[] = [];
      cache.watch({ prefix: PREFIX, onEvents: (e) => clientEvents.push(...e), onClose: () => closed++ }, startRev);
      const global: CacheEvent[] = [];
      cache.watchAll((e) => global.push(...e));
      b.pause();
      const u = ok(await b.write({ type: 'update', key: K('a'), value: obj('a', { v: 2 }), expectedRevision: a.revision }));
      ok(await b.write({ type: 'delete', key: K('b') }));
      const x = ok(await b.write({ type: 'create', key: K('x'), value: obj('x') }));
      await inner.compact(x.revision);
      b.resume();
      await eventually(() => cache.relists === 1, "a relist");
      expect(closed).toBe(1);
      expect(clientEvents).toEqual([]);
      expect(global.map((e) => [e.type, e.key]).sort()).toEqual(
        [
          ['DELETED', K('b')],
          ['MODIFIED', K('a')],
          ['ADDED', K('x')],
        ].sort(),
      );
      expect(cache.list(PREFIX).map((o) => [o.key, o.obj.metadata?.resourceVersion])).toEqual([
        [K('a'), String(u.revision)],
        [K('x'), String(x.revision)],
      ]);
      // Older resourceVersions are gone (410 for clients); new watches follow live changes.
      expect(() => cache.watch({ prefix: PREFIX, onEvents: () => {} }, startRev)).toThrow(TooOldError);
      const live: CacheEvent[] = [];
      cache.watch({ prefix: PREFIX, onEvents: (e) => live.push(...e) }, cache.currentRevision());
      const y = ok(await b.write({ type: 'create', key: K('y'), value: obj('y') }));
      await cache.waitForRevision(y.revision);
      expect(live.map((e) => [e.type, e.key])).toEqual([['ADDED', K('y')]]);
      cache.stop();
    });

    it('moves the cache revision with progress notifications when nothing under the prefix changes', async () => {
      const b = await backend();
      ok(await b.write({ type: 'create', key: K('a'), value: obj('a') }));
      const cache = new WatchCache(b);
      await cache.start();
      const own = cache.currentRevision();
      // Writes elsewhere in etcd move its revision past anything the cache sees as events.
      for (let i = 0; i < 3; i++) await b.client.put(`/elsewhere-${process.pid}/${i}`).value('x');
      const target = Number((await b.client.get('/nothing').exec()).header.revision);
      expect(target).toBeGreaterThan(own);
      await eventually(() => cache.currentRevision() >= target, `the cache at revision ${target} (etcd ${b.serverVersion}, requested progress ${b.safeProgressRequests})`, 10_000);
      // And the next event still arrives after the progress.
      const next = ok(await b.write({ type: 'create', key: K('b'), value: obj('b') }));
      await cache.waitForRevision(next.revision);
      expect(cache.get(K('b'))?.revision).toBe(next.revision);
      cache.stop();
    });

    it('reports health, failing with a reason while etcd is down; watches resume after it returns', async () => {
      const b = await backend();
      expect(await b.health()).toEqual({ ok: true });
      const seen: StorageEvent[] = [];
      const stop = b.watch(b.currentRevision(), (e) => seen.push(...e));
      const first = ok(await b.write({ type: 'create', key: K('before'), value: obj('before') }));
      await eventually(() => seen.length === 1, 'the first event');
      await etcd.members[0]!.kill();
      const h = await b.health();
      expect(h.ok).toBe(false);
      expect(h.reason).toMatch(/etcd/);
      await etcd.members[0]!.start();
      await eventually(async () => (await b.health()).ok, 'healthy again', 30_000);
      const second = await persist(b, { type: 'create', key: K('after'), value: obj('after') });
      await eventually(() => seen.length >= 2, 'the event after the restart', 30_000);
      await new Promise((r) => setTimeout(r, 300));
      stop();
      expect(seen.map((e) => e.revision)).toEqual([first.revision, second.revision]);
    });

    it('knows which etcd versions order requested progress notifications after events', () => {
      expect(progressRequestsAreSafe('3.4.23')).toBe(false);
      expect(progressRequestsAreSafe('3.4.31')).toBe(true);
      expect(progressRequestsAreSafe('3.5.12')).toBe(false);
      expect(progressRequestsAreSafe('3.5.13')).toBe(true);
      expect(progressRequestsAreSafe('3.6.0')).toBe(true);
    });
  });

  describe('three members', () => {
    let etcd: EtcdCluster;
    beforeAll(async () => {
      etcd = await startEtcd({ members: 3 });
    }, 60_000);
    afterAll(() => etcd?.destroy());

    it('keeps a watch whole while members are killed and restarted: every change once, in order', async () => {
      const b = await EtcdBackend.open({ endpoints: etcd.endpoints, prefix: prefix(), compactionIntervalMs: 0 });
      try {
        const seen: StorageEvent[] = [];
        const stop = b.watch(b.currentRevision(), (e) => seen.push(...e));
        const written: number[] = [];
        const total = 150;
        for (let i = 0; i < total; i++) {
          if (i === 30) await etcd.members[0]!.kill();
          if (i === 60) await etcd.members[0]!.start();
          if (i === 80) await etcd.members[1]!.kill();
          if (i === 110) await etcd.members[1]!.start();
          if (i === 120) await etcd.members[2]!.kill();
          written.push((await persist(b, { type: 'create', key: K(`k${String(i).padStart(4, '0')}`), value: obj(`k${i}`) })).revision);
        }
        await etcd.members[2]!.start();
        await eventually(() => seen.length >= total, `${total} events (have ${seen.length})`, 30_000);
        await new Promise((r) => setTimeout(r, 500));
        stop();
        expect(seen.map((e) => e.revision)).toEqual(written);
        expect(new Set(seen.map((e) => e.kv.key)).size).toBe(total);
      } finally {
        await b.close();
      }
    }, 120_000);
  });
});
