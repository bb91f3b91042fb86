/**
 * Fuzzing the API: thousands of random and mutated requests (seeded, reproducible). The server
 * must never fail with a 5xx, must answer every error with a well-formed Status, must leave
 * objects it was not asked to touch alone, and everything it stored must survive a restart and
 * still be valid (a read-then-write of each stored object succeeds).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';
import { raw, type RawResponse } from '../helpers/http.js';

const SEED = Number(process.env.KUBEFED_FUZZ_SEED ?? 20261122);
const COUNT = Number(process.env.KUBEFED_FUZZ_COUNT ?? 3000);

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const chance = (p: number) => rand() < p;
const int = (n: number) => Math.floor(rand() * n);

const TEMPLATES: Record<string, { path: string; obj: () => Record<string, any> }> = {
  configmaps: { path: '/api/v1/namespaces/fuzz/configmaps', obj: () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name() }, data: { a: 'b' } }) },
  secrets: { path: '/api/v1/namespaces/fuzz/secrets', obj: () => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: name() }, data: { a: 'Yg==' }, type: 'Opaque' }) },
  services: {
    path: '/api/v1/namespaces/fuzz/services',
    obj: () => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: name() }, spec: { type: pick(['ClusterIP', 'NodePort', 'LoadBalancer']), selector: { app: 'x' }, ports: [{ port: 80, name: 'http' }] } }),
  },
  pods: { path: '/api/v1/namespaces/fuzz/pods', obj: () => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: name(), labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] } }) },
  deployments: {
    path: '/apis/apps/v1/namespaces/fuzz/deployments',
    obj: () => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: name() },
      spec: { replicas: 2, selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    }),
  },
  jobs: {
    path: '/apis/batch/v1/namespaces/fuzz/jobs',
    obj: () => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: name() }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } }),
  },
  ingresses: {
    path: '/apis/networking.k8s.io/v1/namespaces/fuzz/ingresses',
    obj: () => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: name() }, spec: { defaultBackend: { service: { name: 'svc', port: { number: 80 } } } } }),
  },
  legacyIngresses: {
    path: '/apis/extensions/v1beta1/namespaces/fuzz/ingresses',
    obj: () => ({ apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: { name: name() }, spec: { backend: { serviceName: 'svc', servicePort: pick([80, 'http', '8080']) } } }),
  },
  roles: {
    path: '/apis/rbac.authorization.k8s.io/v1/namespaces/fuzz/roles',
    obj: () => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: name() }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }),
  },
  widgets: { path: '/apis/fuzz.example.com/v1/namespaces/fuzz/widgets', obj: () => ({ apiVersion: 'fuzz.example.com/v1', kind: 'Widget', metadata: { name: name() }, spec: { size: pick(['small', 'large']), count: 3 } }) },
  namespaces: { path: '/api/v1/namespaces', obj: () => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `fuzz-${name()}` } }) },
};

const NAMES = ['a', 'b', 'c', 'web', 'x1', 'db-0'];
function name(): string {
  if (chance(0.9)) return pick(NAMES);
  return pick(['', 'UPPER', 'with space', 'a'.repeat(300), '-dash', 'dot.', 'ünï', '../etc', 'x'.repeat(63), '%2F']);
}

function randomValue(depth = 0): unknown {
  switch (int(depth > 3 ? 6 : 9)) {
    case 0:
      return pick(['', 'x', 'nginx', '80', 'True', '-1', 'a'.repeat(int(2000)), '\u0000', '{"a":1}']);
    case 1:
      return pick([0, -1, 1, 80, 65536, 2 ** 31, 2 ** 53, 1.5, -0.0001]);
    case 2:
      return pick([true, false]);
    case 3:
      return null;
    case 4:
      return [];
    case 5:
      return {};
    case 6:
      return [randomValue(depth + 1), randomValue(depth + 1)];
    case 7:
      return { [pick(['name', 'x', 'spec', 'port', 'kind'])]: randomValue(depth + 1) };
    default:
      return { nested: randomValue(depth + 1) };
  }
}

/** Paths (as key lists) to every value in an object. */
function paths(o: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (o && typeof o === 'object') {
    for (const [k, v] of Object.entries(o)) {
      const p = [...prefix, Array.isArray(o) ? Number(k) : k];
      out.push(p);
      paths(v, p, out);
    }
  }
  return out;
}

function mutate(obj: Record<string, any>): Record<string, any> {
  const n = 1 + int(3);
  for (let i = 0; i < n; i++) {
    const all = paths(obj);
    if (all.length === 0) break;
    const p = pick(all);
    let parent: any = obj;
    for (const k of p.slice(0, -1)) parent = parent[k];
    const last = p[p.length - 1]!;
    switch (int(4)) {
      case 0:
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
        break;
      case 1:
        parent[last] = randomValue();
        break;
      case 2:
        if (parent && typeof parent === 'object' && !Array.isArray(parent)) parent[pick(['bogus', 'extra', '$patch', '__proto__', 'x-y'])] = randomValue();
        break;
      default:
        parent[last] = JSON.parse(JSON.stringify(parent[last] ?? null));
    }
  }
  return obj;
}

function randomBody(kind: string): { body: string; contentType: string } {
  const r = rand();
  if (r < 0.08) return { body: Buffer.from(Array.from({ length: int(200) }, () => int(256))).toString('latin1'), contentType: 'application/json' };
  if (r < 0.14) {
    const s = JSON.stringify(TEMPLATES[kind]!.obj());
    return { body: s.slice(0, int(s.length)), contentType: 'application/json' };
  }
  if (r < 0.18) return { body: '['.repeat(int(3000)) + ']'.repeat(int(3000)), contentType: 'application/json' };
  const obj = chance(0.3) ? TEMPLATES[kind]!.obj() : mutate(TEMPLATES[kind]!.obj());
  const contentType = chance(0.9) ? 'application/json' : pick(['application/yaml', 'text/plain', 'application/vnd.kubernetes.protobuf', '']);
  return { body: JSON.stringify(obj), contentType };
}

function randomPatch(kind: string): { body: string; contentType: string } {
  switch (int(5)) {
    case 0:
      return { body: JSON.stringify(mutate({ metadata: { labels: { a: 'b' } }, spec: { replicas: 3 } })), contentType: 'application/merge-patch+json' };
    case 1:
      return {
        body: JSON.stringify([{ op: pick(['add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus']), path: pick(['/metadata/labels/x', '/spec/replicas', '/data/a', '/spec/ports/0', '/', '', 'nope', '/spec/containers/-']), value: randomValue(), from: pick(['/metadata', '/data/a']) }]),
        contentType: 'application/json-patch+json',
      };
    case 2:
      return { body: JSON.stringify(mutate({ spec: { template: { spec: { containers: [{ name: 'c', image: 'x', $patch: pick(['delete', 'replace', 'merge', 'bogus']) }] } } } })), contentType: 'application/strategic-merge-patch+json' };
    case 3:
      return { body: JSON.stringify(mutate(TEMPLATES[kind]!.obj())), contentType: 'application/apply-patch+yaml' };
    default:
      return randomBody(kind);
  }
}

function randomQuery(): string {
  const qs: string[] = [];
  if (chance(0.15)) qs.push('dryRun=All');
  if (chance(0.15)) qs.push(`fieldValidation=${pick(['Strict', 'Warn', 'Ignore', 'Loud'])}`);
  if (chance(0.1)) qs.push(`labelSelector=${encodeURIComponent(pick(['app=x', 'app in (x,y)', '!app', 'a==', '((', 'x notin ()']))}`);
  if (chance(0.1)) qs.push(`fieldSelector=${encodeURIComponent(pick(['metadata.name=a', 'status.phase=Running', 'spec.x=1', '=']))}`);
  if (chance(0.1)) qs.push(`resourceVersion=${pick(['0', '1', 'abc', '-5', '99999999'])}`);
  if (chance(0.1)) qs.push(`limit=${pick(['1', '0', '-1', 'x'])}`);
  if (chance(0.05)) qs.push(`propagationPolicy=${pick(['Orphan', 'Foreground', 'Background', 'Nope'])}`);
  if (chance(0.05)) qs.push(`fieldManager=${pick(['fuzzer', 'x'.repeat(200)])}`);
  if (chance(0.05)) qs.push('force=true');
  return qs.length ? `?${qs.join('&')}` : '';
}

let t: TestServer;
const KEEP = '/api/v1/namespaces/keep/configmaps';

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.fuzz.example.com' },
  spec: {
    group: 'fuzz.example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'string', enum: ['small', 'large'] }, count: { type: 'integer', minimum: 0, default: 1 } } }, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
      },
    ],
  },
};

async function snapshot(): Promise<string> {
  const r = await raw(t, { path: KEEP });
  return JSON.stringify(r.json().items.map((i: any) => [i.metadata.name, i.metadata.resourceVersion, i.data]));
}

beforeAll(async () => {
  t = await startTestServer();
  for (const ns of ['fuzz', 'keep']) await raw(t, { method: 'POST', path: '/api/v1/namespaces', body: JSON.stringify({ kind: 'Namespace', metadata: { name: ns } }) });
  for (let i = 0; i < 5; i++) await raw(t, { method: 'POST', path: KEEP, body: JSON.stringify({ kind: 'ConfigMap', metadata: { name: `keep-${i}` }, data: { i: String(i) } }) });
  expect((await raw(t, { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: JSON.stringify(crd) })).status).toBe(201);
  await t.server.settle();
});
afterAll(async () => {
  await t?.stop();
});

describe('fuzzing', () => {
  it(`survives ${COUNT} random requests (seed ${SEED})`, async () => {
    const before = await snapshot();
    const failures: string[] = [];
    const statusCounts = new Map<number, number>();
    for (let i = 0; i < COUNT; i++) {
      const kind = pick(Object.keys(TEMPLATES));
      const base = TEMPLATES[kind]!.path;
      const named = chance(0.6);
      const sub = named && chance(0.15) ? pick(['/status', '/scale', '/bogus']) : '';
      const path = base + (named ? `/${encodeURIComponent(kind === 'namespaces' ? `fuzz-${pick(NAMES)}` : pick(NAMES))}` : '') + sub + randomQuery();
      // (Deleting every namespace is valid but would end the experiment.)
      const method = named ? pick(['GET', 'PUT', 'PATCH', 'DELETE', 'POST']) : pick(kind === 'namespaces' ? ['GET', 'POST'] : ['GET', 'POST', 'POST', 'DELETE']);
      let res: RawResponse;
      const req = method === 'PATCH' ? randomPatch(kind) : method === 'PUT' || method === 'POST' ? randomBody(kind) : chance(0.2) ? randomBody(kind) : undefined;
      try {
        res = await raw(t, { method, path, ...(req ? { body: req.body, headers: req.contentType ? { 'content-type': req.contentType } : {} } : {}) });
      } catch (e) {
        failures.push(`${method} ${path}: transport error ${(e as Error).message}`);
        continue;
      }
      statusCounts.set(res.status, (statusCounts.get(res.status) ?? 0) + 1);
      // 504 "Too large resource version" is what Kubernetes answers for a resourceVersion from the future.
      const futureRv = res.status === 504 && res.body.includes('Too large resource version');
      if (res.status >= 500 && !futureRv) failures.push(`${method} ${path} -> ${res.status}: ${res.body.slice(0, 300)} (request ${req?.body.slice(0, 200)})`);
      if (res.status >= 400) {
        let s: any;
        try {
          s = res.json();
        } catch {
          failures.push(`${method} ${path} -> ${res.status} without a JSON Status`);
          continue;
        }
        if (s.kind !== 'Status' || s.code !== res.status || typeof s.message !== 'string' || !s.reason) failures.push(`${method} ${path} -> malformed Status ${res.body.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    // The run really exercised both success and failure paths.
    expect([...statusCounts.keys()].some((c) => c < 300)).toBe(true);
    expect([...statusCounts.keys()].filter((c) => c >= 400).length).toBeGreaterThan(4);
    expect((await raw(t, { path: '/readyz' })).status).toBe(200);
    expect(await snapshot()).toBe(before);
  });

  it('stored objects survive a restart and still validate', async () => {
    const listPaths = Object.values(TEMPLATES).map((x) => x.path);
    const read = async () => {
      const all: any[] = [];
      for (const p of listPaths) {
        const r = await raw(t, { path: p });
        expect(r.status).toBe(200);
        all.push(...r.json().items.map((o: any) => Object.assign(o, { listedAt: p })));
      }
      return all;
    };
    await t.server.settle();
    const before = await read();
    const snap = await snapshot();
    await t.restart();
    const after = await read();
    if (process.env.KUBEFED_FUZZ_DEBUG) console.log(JSON.stringify({ before: before.map((o) => [o.kind, o.metadata.name, o.metadata.uid, o.metadata.resourceVersion]), after: after.map((o) => [o.kind, o.metadata.name, o.metadata.uid, o.metadata.resourceVersion]) }));
    expect(after.map((o) => o.metadata.uid).sort()).toEqual(before.map((o) => o.metadata.uid).sort());
    expect(await snapshot()).toBe(snap);
    // A no-op read-then-write of every stored object is accepted: nothing invalid was stored.
    const rejected: string[] = [];
    for (const o of after) {
      if (o.metadata.deletionTimestamp) continue;
      const { listedAt, ...obj } = o;
      const r = await raw(t, { method: 'PUT', path: `${listedAt}/${o.metadata.name}`, body: JSON.stringify(obj) });
      if (r.status !== 200) rejected.push(`${o.kind} ${o.metadata.name}: ${r.status} ${r.body.slice(0, 300)}`);
    }
    expect(rejected).toEqual([]);
  });
});
