/**
 * Watch semantics over raw HTTP: bookmarks, sendInitialEvents, timeoutSeconds, label-selector
 * transitions, resumption from a resourceVersion, and a watcher that stops reading being cut
 * off instead of growing the server's memory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';
import { openStream, raw } from '../helpers/http.js';

let t: TestServer;
const CM = '/api/v1/namespaces/default/configmaps';

const watch = (path: string) => openStream(t, path);

const create = (name: string, labels: Record<string, string> = {}) =>
  raw(t, { method: 'POST', path: CM, body: JSON.stringify({ kind: 'ConfigMap', metadata: { name, labels }, data: { v: '1' } }) });

beforeAll(async () => {
  t = await startTestServer({ bookmarkIntervalMs: 200, watchMaxBufferedBytes: 2 * 1024 * 1024 });
});
afterAll(async () => {
  await t?.stop();
});

describe('watch', () => {
  it('sends the current state, then changes, then bookmarks', async () => {
    await create('w-existing');
    const s = await watch(`${CM}?watch=true&allowWatchBookmarks=true`);
    await create('w-new');
    await eventually(() => s.events.some((e) => e.type === 'BOOKMARK'), 'a bookmark');
    s.close();
    const names = s.events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type}:${e.object.metadata.name}`);
    expect(names).toContain('ADDED:w-existing');
    expect(names).toContain('ADDED:w-new');
    const bm = s.events.find((e) => e.type === 'BOOKMARK');
    expect(bm.object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });
    expect(Number(bm.object.metadata.resourceVersion)).toBeGreaterThan(0);
  });

  it('marks the end of initial events for sendInitialEvents', async () => {
    const s = await watch(`${CM}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
    await eventually(() => s.events.some((e) => e.type === 'BOOKMARK'), 'the initial-events-end bookmark');
    s.close();
    const end = s.events.findIndex((e) => e.type === 'BOOKMARK');
    expect(s.events[end].object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    expect(s.events.slice(0, end).every((e) => e.type === 'ADDED')).toBe(true);
  });

  it('ends the stream after timeoutSeconds', async () => {
    const s = await watch(`${CM}?watch=true&timeoutSeconds=1&resourceVersion=${(await raw(t, { path: CM })).json().metadata.resourceVersion}`);
    const started = Date.now();
    await s.ended;
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('turns label changes into ADDED and DELETED for a selector', async () => {
    const rv = (await raw(t, { path: CM })).json().metadata.resourceVersion;
    const s = await watch(`${CM}?watch=true&resourceVersion=${rv}&labelSelector=tier%3Dfront`);
    await create('w-sel', { tier: 'back' });
    const patch = (labels: object) => raw(t, { method: 'PATCH', path: `${CM}/w-sel`, body: JSON.stringify({ metadata: { labels } }), headers: { 'content-type': 'application/merge-patch+json' } });
    await patch({ tier: 'front' });
    await patch({ tier: 'front', extra: 'x' });
    await patch({ tier: 'back' });
    await eventually(() => s.events.length >= 3, 'ADDED, MODIFIED and DELETED for the selector');
    s.close();
    expect(s.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(s.events[2].object.metadata.labels.tier).toBe('back');
  });

  it('replays from a resourceVersion and answers 410 when it is compacted away', async () => {
    const first = (await create('w-rv1')).json();
    await create('w-rv2');
    const s = await watch(`${CM}?watch=true&resourceVersion=${first.metadata.resourceVersion}`);
    await eventually(() => s.events.length >= 1, 'the replayed ADDED w-rv2');
    s.close();
    expect(s.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'w-rv2' } } });
    const gone = await watch(`${CM}?watch=true&resourceVersion=1`);
    // The default history (20,000 events) still holds revision 1 here; a tiny server proves 410 below.
    gone.close();
  });

  it('cuts off a watcher that stops reading, keeping memory bounded', async () => {
    const s = await watch(`${CM}?watch=true`);
    s.pause();
    await eventually(() => t.server.api.store.cache.watcherCount() === 1, 'the paused watcher to register');
    const big = 'x'.repeat(200_000);
    for (let i = 0; i < 120; i++) {
      await raw(t, { method: 'POST', path: CM, body: JSON.stringify({ kind: 'ConfigMap', metadata: { name: `flood-${i}` }, data: { big } }) });
    }
    // 120 events x 200 KB exceed what the socket buffers plus the 2 MiB this server lets a watcher
    // have unsent can hold: the server ends the stream.
    await eventually(() => t.server.api.store.cache.watcherCount() === 0, 'the server to cut off the stalled watcher', 10_000);
    s.close();
    expect((await raw(t, { path: '/readyz' })).status).toBe(200);
  });

  it('dry-run writes validate without storing', async () => {
    const r = await raw(t, { method: 'POST', path: `${CM}?dryRun=All`, body: JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'dry' } }) });
    expect(r.status).toBe(201);
    expect(r.json().metadata.uid).toBeTruthy();
    expect((await raw(t, { path: `${CM}/dry` })).status).toBe(404);
    const k = await t.kubectl(['create', 'configmap', 'dry2', '--dry-run=server', '-o', 'name']);
    expect(k.stdout).toBe('configmap/dry2\n');
    expect((await raw(t, { path: `${CM}/dry2` })).status).toBe(404);
    const del = await raw(t, { method: 'DELETE', path: `${CM}/w-rv1?dryRun=All` });
    expect(del.status).toBe(200);
    expect((await raw(t, { path: `${CM}/w-rv1` })).status).toBe(200);
  });
});

/** The samples of one metric in /metrics, as label sets with their values. */
async function samples(name: string): Promise<{ labels: Record<string, string>; value: number }[]> {
  const text = (await raw(t, { path: '/metrics' })).body;
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`))
    .map((l) => {
      const [, body, value] = /^[^{]+\{(.*)\} (\S+)$/.exec(l)!;
      return { labels: Object.fromEntries([...body!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])), value: Number(value) };
    });
}

describe('watch metrics', () => {
  it('counts open watches in apiserver_longrunning_requests, per resource and scope', async () => {
    const open = async (labels: Record<string, string>) => (await samples('apiserver_longrunning_requests')).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;
    const namespaced = { verb: 'WATCH', group: '', version: 'v1', resource: 'configmaps', subresource: '', scope: 'namespace', component: 'apiserver' };
    const cluster = { ...namespaced, scope: 'cluster' };
    // From the current revision: the flood above would otherwise overrun these watchers at once.
    const rv = (await raw(t, { path: `${CM}?limit=1` })).json().metadata.resourceVersion;
    const a = await watch(`${CM}?watch=True&resourceVersion=${rv}`);
    const b = await watch(`${CM}?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}`);
    const c = await watch(`/api/v1/configmaps?watch=true&resourceVersion=${rv}`);
    expect(await open(namespaced)).toBe(2);
    expect(await open(cluster)).toBe(1);
    a.close();
    c.close();
    await eventually(async () => (await open(namespaced)) === 1 && (await open(cluster)) === 0, 'the two closed watches to leave the gauge');
    b.close();
    await eventually(async () => (await open(namespaced)) === 0, 'the last watch to leave the gauge');
    // Its predecessor, removed upstream in 1.25, is not published.
    expect(await samples('apiserver_registered_watchers')).toEqual([]);
  });
});

describe('watch history limits', () => {
  it('answers an ERROR event with 410 for a compacted resourceVersion', async () => {
    const small = await startTestServer({ historySize: 10 });
    const prev = t;
    t = small;
    try {
      const first = (await create('h0')).json();
      for (let i = 1; i < 30; i++) await create(`h${i}`);
      const s = await watch(`${CM}?watch=true&resourceVersion=${first.metadata.resourceVersion}`);
      await s.ended;
      expect(s.events).toHaveLength(1);
      expect(s.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
    } finally {
      t = prev;
      await small.stop();
    }
  });
});
