import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CompactedError, type StorageEvent } from '../../src/storage/backend.js';
import { prefixEnd, SqliteBackend } from '../../src/storage/sqlite.js';
import { TooOldError, WatchCache, resourcePrefixOf, type CacheEvent } from '../../src/storage/watch-cache.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubefed-storage-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const obj = (name: string, extra: Record<string, unknown> = {}) => JSON.stringify({ metadata: { name }, ...extra });

describe('SqliteBackend', () => {
  it('assigns one increasing revision per successful write', async () => {
    const b = new SqliteBackend(join(dir, 'db'));
    const r1 = await b.write({ type: 'create', key: '/registry/core/configmaps/ns/a', value: obj('a') });
    const r2 = await b.write({ type: 'create', key: '/registry/core/configmaps/ns/b', value: obj('b') });
    expect(r1.ok && r2.ok).toBe(true);
    if (!r1.ok || !r2.ok) return;
    expect(r2.revision).toBe(r1.revision + 1);
    expect(b.currentRevision()).toBe(r2.revision);
    await b.close();
  });

  it.each([
    { name: 'create of an existing key', op: { type: 'create' as const, key: 'k', value: '{}' }, reason: 'exists' },
    { name: 'update with a stale revision', op: { type: 'update' as const, key: 'k', value: '{}', expectedRevision: 0 }, reason: 'conflict' },
    { name: 'update of a missing key', op: { type: 'update' as const, key: 'missing', value: '{}', expectedRevision: 1 }, reason: 'not-found' },
    { name: 'delete with a stale revision', op: { type: 'delete' as const, key: 'k', expectedRevision: 7 }, reason: 'conflict' },
    { name: 'delete of a missing key', op: { type: 'delete' as const, key: 'missing' }, reason: 'not-found' },
  ])('rejects $name without changing the revision', async ({ op, reason }) => {
    const b = new SqliteBackend(join(dir, 'db'));
    await b.write({ type: 'create', key: 'k', value: '{"v":1}' });
    const before = b.currentRevision();
    const r = await b.write(op);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe(reason);
    expect(b.currentRevision()).toBe(before);
    await b.close();
  });

  it('commits concurrent writes together, each succeeding or failing on its own', async () => {
    const b = new SqliteBackend(join(dir, 'db'));
    const results = await Promise.all([
      b.write({ type: 'create', key: 'x', value: '1' }),
      b.write({ type: 'create', key: 'x', value: '2' }),
      b.write({ type: 'create', key: 'y', value: '3' }),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    const { kvs } = await b.range('');
    expect(kvs.map((k) => [k.key, k.value])).toEqual([
      ['x', '1'],
      ['y', '3'],
    ]);
    await b.close();
  });

  it('keeps every committed write and the revision across a reopen', async () => {
    const file = join(dir, 'db');
    let b = new SqliteBackend(file);
    for (let i = 0; i < 50; i++) await b.write({ type: 'create', key: `/registry/x/y/${i}`, value: obj(String(i)) });
    const del = await b.write({ type: 'delete', key: '/registry/x/y/3' });
    const rev = b.currentRevision();
    await b.close();
    b = new SqliteBackend(file);
    expect(b.currentRevision()).toBe(rev);
    expect((await b.range('/registry/x/y/')).kvs).toHaveLength(49);
    expect(del.ok).toBe(true);
    await b.close();
  });

  it('replays history from a revision and refuses compacted history', async () => {
    const b = new SqliteBackend(join(dir, 'db'));
    await b.write({ type: 'create', key: 'a', value: '1' });
    const r2 = await b.write({ type: 'update', key: 'a', value: '2', expectedRevision: 1 });
    await b.write({ type: 'delete', key: 'a' });
    const seen: StorageEvent[] = [];
    const stop = b.watch(1, (evs) => seen.push(...evs));
    expect(seen.map((e) => [e.type, e.revision, e.kv.value, e.prev?.value])).toEqual([
      ['put', 2, '2', '1'],
      ['delete', 3, '2', '2'],
    ]);
    await b.write({ type: 'create', key: 'b', value: '9' });
    expect(seen.at(-1)?.kv.key).toBe('b');
    stop();
    expect(r2.ok).toBe(true);
    b.compact(2);
    expect(() => b.watch(1, () => {})).toThrow(CompactedError);
    expect(() => b.watch(2, () => {})).not.toThrow();
    await b.close();
  });

  it('computes prefix ends for range scans', () => {
    expect(prefixEnd('/registry/a/')).toBe('/registry/a0');
  });
});

describe('WatchCache', () => {
  async function setup(historySize = 100) {
    const b = new SqliteBackend(join(dir, 'db'));
    const c = new WatchCache(b, { historySize });
    await c.start();
    return { b, c };
  }

  it('derives resource prefixes from keys', () => {
    expect(resourcePrefixOf('/registry/apps/deployments/ns/web')).toBe('/registry/apps/deployments/');
    expect(resourcePrefixOf('/registry/core/nodes/n1')).toBe('/registry/core/nodes/');
  });

  it('reflects writes synchronously and sets resourceVersion from the revision', async () => {
    const { b, c } = await setup();
    const r = await b.write({ type: 'create', key: '/registry/core/configmaps/ns/a', value: obj('a') });
    const got = c.get('/registry/core/configmaps/ns/a');
    expect(got?.obj.metadata?.resourceVersion).toBe(String(r.ok && r.revision));
    expect(c.list('/registry/core/configmaps/ns/').map((o) => o.key)).toEqual(['/registry/core/configmaps/ns/a']);
    await b.close();
  });

  it('lists the state at an earlier revision (MVCC over history)', async () => {
    const { b, c } = await setup();
    const k = (n: string) => `/registry/core/configmaps/ns/${n}`;
    await b.write({ type: 'create', key: k('a'), value: obj('a', { data: { v: '1' } }) });
    await b.write({ type: 'create', key: k('b'), value: obj('b') });
    const at = c.currentRevision();
    await b.write({ type: 'update', key: k('a'), value: obj('a', { data: { v: '2' } }), expectedRevision: 1 });
    await b.write({ type: 'delete', key: k('b') });
    await b.write({ type: 'create', key: k('c'), value: obj('c') });
    const then = c.listAt('/registry/core/configmaps/', at);
    expect(then.map((o) => [o.key, o.obj.data?.v])).toEqual([
      [k('a'), '1'],
      [k('b'), undefined],
    ]);
    expect(c.list('/registry/core/configmaps/').map((o) => o.key)).toEqual([k('a'), k('c')]);
    await b.close();
  });

  it('replays events after a revision to a new watcher, then delivers live ones', async () => {
    const { b, c } = await setup();
    const key = '/registry/core/pods/ns/p';
    await b.write({ type: 'create', key, value: obj('p') });
    await b.write({ type: 'update', key, value: obj('p', { x: 1 }), expectedRevision: 1 });
    const got: CacheEvent[] = [];
    c.watch({ prefix: '/registry/core/pods/', onEvents: (e) => got.push(...e) }, 1);
    await b.write({ type: 'delete', key });
    expect(got.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
    expect(got[1]!.object.obj.metadata?.resourceVersion).toBe('3');
    await b.close();
  });

  it('reports too-old revisions once history has moved on', async () => {
    const { b, c } = await setup(5);
    for (let i = 0; i < 20; i++) await b.write({ type: 'create', key: `/registry/core/configmaps/ns/${i}`, value: obj(String(i)) });
    expect(() => c.watch({ prefix: '/registry/core/configmaps/', onEvents: () => {} }, 2)).toThrow(TooOldError);
    expect(() => c.listAt('/registry/core/configmaps/', 2)).toThrow(TooOldError);
    expect(() => c.watch({ prefix: '/registry/core/configmaps/', onEvents: () => {} }, 18)).not.toThrow();
    await b.close();
  });

  it('resumes watches across a restart from persisted history', async () => {
    const file = join(dir, 'db');
    let b = new SqliteBackend(file);
    let c = new WatchCache(b);
    await c.start();
    await b.write({ type: 'create', key: '/registry/core/configmaps/ns/a', value: obj('a') });
    await b.write({ type: 'create', key: '/registry/core/configmaps/ns/b', value: obj('b') });
    c.stop();
    await b.close();
    b = new SqliteBackend(file);
    c = new WatchCache(b);
    await c.start();
    const got: CacheEvent[] = [];
    c.watch({ prefix: '/registry/core/configmaps/', onEvents: (e) => got.push(...e) }, 1);
    expect(got.map((e) => [e.type, e.key])).toEqual([['ADDED', '/registry/core/configmaps/ns/b']]);
    await b.close();
  });
});
