/**
 * Query parameters read as kube-apiserver reads them, over real HTTP: every spelling of a
 * boolean (only "0" and "false" in any case are false), integers through strconv.ParseInt with
 * its 400 message, and the 422s of ListOptions, PatchOptions and PodLogOptions validation; the
 * official JavaScript client's Watch on top.
 */
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';
import { openStream, raw, type EventStream } from '../helpers/http.js';

let t: TestServer;
const CM = '/api/v1/namespaces/default/configmaps';

const TRUE_SPELLINGS = ['true', 'True', 'TRUE', '1', 't', 'T', 'f', 'yes', ''];
const FALSE_SPELLINGS = ['false', 'False', 'FALSE', 'fAlSe', '0'];

const create = (name: string) => raw(t, { method: 'POST', path: CM, body: JSON.stringify({ kind: 'ConfigMap', metadata: { name } }) });
const q = encodeURIComponent;

beforeAll(async () => {
  t = await startTestServer({ bookmarkIntervalMs: 50 });
  await create('seed');
});
afterAll(async () => {
  await t?.stop();
});

describe('boolean parameters', () => {
  it.each(TRUE_SPELLINGS)('watch=%j is a watch stream', async (v) => {
    const s = await openStream(t, `${CM}?watch=${q(v)}`);
    try {
      await eventually(() => s.events.length > 0, 'a first watch event');
      expect(s.events[0]).toMatchObject({ type: 'ADDED', object: { kind: 'ConfigMap' } });
    } finally {
      s.close();
    }
  });

  it('a bare ?watch is a watch stream too', async () => {
    const s = await openStream(t, `${CM}?watch`);
    try {
      await eventually(() => s.events.length > 0, 'a first watch event');
      expect(s.events[0].type).toBe('ADDED');
    } finally {
      s.close();
    }
  });

  it.each(FALSE_SPELLINGS)('watch=%j is a list', async (v) => {
    const r = await raw(t, { path: `${CM}?watch=${q(v)}` });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ kind: 'ConfigMapList', items: expect.arrayContaining([expect.objectContaining({ metadata: expect.objectContaining({ name: 'seed' }) })]) });
  });

  it('allowWatchBookmarks: true spellings get bookmarks, false spellings none', async () => {
    // The false watches open first: by the time the last true watch has had two bookmark
    // intervals, theirs have elapsed too; anything they were sent precedes the ADDED event below.
    const without: EventStream[] = [];
    for (const v of FALSE_SPELLINGS) without.push(await openStream(t, `${CM}?watch=1&allowWatchBookmarks=${q(v)}`));
    const withBookmarks: EventStream[] = [];
    for (const v of TRUE_SPELLINGS) withBookmarks.push(await openStream(t, `${CM}?watch=1&allowWatchBookmarks=${q(v)}`));
    try {
      await eventually(() => withBookmarks.every((s) => s.events.filter((e) => e.type === 'BOOKMARK').length >= 2), 'two bookmarks on every allowWatchBookmarks=true watch');
      await create('after-bookmarks');
      const sawIt = (s: EventStream) => s.events.some((e) => e.type === 'ADDED' && e.object.metadata.name === 'after-bookmarks');
      await eventually(() => without.every(sawIt), 'ADDED after-bookmarks on every allowWatchBookmarks=false watch');
      for (const s of without) expect(s.events.filter((e) => e.type === 'BOOKMARK')).toEqual([]);
      for (const s of withBookmarks) expect(s.events.find((e) => e.type === 'BOOKMARK').object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });
    } finally {
      for (const s of [...without, ...withBookmarks]) s.close();
    }
  });

  it('a Python-client style watch (watch=True&allowWatchBookmarks=True) streams events and bookmarks', async () => {
    const s = await openStream(t, `${CM}?watch=True&allowWatchBookmarks=True&timeoutSeconds=0`);
    try {
      await create('python-style');
      await eventually(() => s.events.some((e) => e.object.metadata.name === 'python-style') && s.events.some((e) => e.type === 'BOOKMARK'), 'ADDED python-style and a bookmark');
    } finally {
      s.close();
    }
  });

  it('force on a non-apply patch is a 422 whatever its value, and export=true on a GET a 400', async () => {
    for (const v of ['false', 'true', '']) {
      const r = await raw(t, { method: 'PATCH', path: `${CM}/seed?force=${v}`, body: '{}', headers: { 'content-type': 'application/merge-patch+json' } });
      expect(r.status).toBe(422);
      expect(r.json()).toMatchObject({ reason: 'Invalid', message: 'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch' });
    }
    const get = await raw(t, { path: `${CM}/seed?export=1` });
    expect(get.json()).toMatchObject({ code: 400, message: 'the export parameter, deprecated since v1.14, is no longer supported' });
    expect((await raw(t, { path: `${CM}/seed?export=false` })).status).toBe(200);
  });

  it('orphanDependents=False in the query is read as false', async () => {
    await create('orphan-q');
    const r = await raw(t, { method: 'DELETE', path: `${CM}/orphan-q?orphanDependents=False` });
    expect(r.status).toBe(200);
    expect((await raw(t, { path: `${CM}/orphan-q` })).status).toBe(404);
  });
});

describe('integer parameters', () => {
  it.each([
    ['list limit', 'GET', `${CM}?limit=ten`, 'invalid value for query parameter "limit": strconv.ParseInt: parsing "ten": invalid syntax'],
    ['list limit out of range', 'GET', `${CM}?limit=9223372036854775808`, 'invalid value for query parameter "limit": strconv.ParseInt: parsing "9223372036854775808": value out of range'],
    ['watch timeoutSeconds', 'GET', `${CM}?watch=true&timeoutSeconds=0.1s`, 'invalid value for query parameter "timeoutSeconds": strconv.ParseInt: parsing "0.1s": invalid syntax'],
    ['delete gracePeriodSeconds', 'DELETE', `${CM}/seed?gracePeriodSeconds=soon`, 'invalid value for query parameter "gracePeriodSeconds": strconv.ParseInt: parsing "soon": invalid syntax'],
    ['deletecollection limit', 'DELETE', `${CM}?limit=1.5`, 'invalid value for query parameter "limit": strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['pods/log tailLines', 'GET', '/api/v1/namespaces/default/pods/nopod/log?tailLines=ten', 'invalid value for query parameter "tailLines": strconv.ParseInt: parsing "ten": invalid syntax'],
    ['pods/log limitBytes', 'GET', '/api/v1/namespaces/default/pods/nopod/log?limitBytes=1k', 'invalid value for query parameter "limitBytes": strconv.ParseInt: parsing "1k": invalid syntax'],
    ['pods/log sinceSeconds', 'GET', '/api/v1/namespaces/default/pods/nopod/log?sinceSeconds=1h', 'invalid value for query parameter "sinceSeconds": strconv.ParseInt: parsing "1h": invalid syntax'],
  ])('%s: a 400 naming the parameter, with strconv message', async (_what, method, path, message) => {
    const r = await raw(t, { method, path });
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400, message });
    expect((await raw(t, { path: `${CM}/seed` })).status).toBe(200);
  });

  it('a negative limit means no limit; signs and leading zeros are accepted', async () => {
    await create('second');
    expect((await raw(t, { path: `${CM}?limit=-1` })).json().metadata.continue).toBeUndefined();
    const page = (await raw(t, { path: `${CM}?limit=%2B001` })).json();
    expect(page.items).toHaveLength(1);
    expect(page.metadata.continue).toBeTruthy();
  });

  it('timeoutSeconds=0 is the server default; a negative one ends the watch at once', async () => {
    const ended = await openStream(t, `${CM}?watch=true&timeoutSeconds=-5`);
    await ended.ended;
    const open = await openStream(t, `${CM}?watch=true&timeoutSeconds=0`);
    try {
      await create('timeout-zero');
      await eventually(() => open.events.some((e) => e.object.metadata.name === 'timeout-zero'), 'ADDED timeout-zero on the timeoutSeconds=0 watch');
    } finally {
      open.close();
    }
  });

  it('pods/log options are validated (422) before the pod is looked up', async () => {
    const r = await raw(t, { path: '/api/v1/namespaces/default/pods/nopod/log?tailLines=-1' });
    expect(r.json()).toMatchObject({ code: 422, reason: 'Invalid', message: 'PodLogOptions "nopod" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0' });
    expect((await raw(t, { path: '/api/v1/namespaces/default/pods/nopod/log?tailLines=5' })).status).toBe(404);
  });
});

describe('ListOptions and TableOptions validation', () => {
  it.each([
    [`${CM}?sendInitialEvents=true`, 422, 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list'],
    [`${CM}?watch=1&sendInitialEvents=1`, 422, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'],
    [`${CM}?resourceVersionMatch=Exact`, 422, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'],
  ])('%s -> %d (list, and deletecollection)', async (path, code, message) => {
    expect((await raw(t, { path })).json()).toMatchObject({ code, message });
    if (!path.includes('watch=')) expect((await raw(t, { method: 'DELETE', path })).json()).toMatchObject({ code, message });
  });

  it('an unknown includeObject is a 400 when a Table is asked for, ignored otherwise', async () => {
    const headers = { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' };
    const r = await raw(t, { path: `${CM}?includeObject=Everything`, headers });
    expect(r.json()).toMatchObject({
      code: 400,
      message: `Unable to convert to Table as requested: includeObject: Invalid value: "Everything": must be 'Metadata', 'Object', 'None', or empty`,
    });
    expect((await raw(t, { path: `${CM}?includeObject=Object`, headers })).json().kind).toBe('Table');
    expect((await raw(t, { path: `${CM}?includeObject=Everything` })).status).toBe(200);
  });
});

describe('@kubernetes/client-node Watch', () => {
  it('streams events and bookmarks with the parameters it sends', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(t.kubeconfig);
    const got: string[] = [];
    const ctrl = await new k8s.Watch(kc).watch(CM, { allowWatchBookmarks: true }, (phase, obj) => got.push(`${phase}:${obj.metadata?.name ?? ''}`), () => {});
    try {
      await create('client-node');
      await eventually(() => got.includes('ADDED:client-node') && got.some((g) => g.startsWith('BOOKMARK:')), 'ADDED client-node and a bookmark');
      expect(got).toContain('ADDED:seed');
    } finally {
      ctrl.abort();
    }
  });
});
