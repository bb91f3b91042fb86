/**
 * CustomResourceDefinitions served dynamically: structural-schema validation, pruning and
 * defaulting, printer columns, status and scale subresources, several versions, cluster scope,
 * short names and categories, and deletion of the custom resources with their definition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';
import { raw } from '../helpers/http.js';

let t: TestServer;

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'], categories: ['all'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.labelSelector' } },
        additionalPrinterColumns: [
          { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
          { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', priority: 1 },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['cronSpec'],
                properties: {
                  cronSpec: { type: 'string', pattern: '^(\\S+\\s){4}\\S+$' },
                  image: { type: 'string', default: 'busybox' },
                  replicas: { type: 'integer', minimum: 0, maximum: 10, default: 1 },
                  mode: { type: 'string', enum: ['fast', 'slow'] },
                  tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', maxItems: 3 },
                  config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
                },
              },
              status: {
                type: 'object',
                properties: {
                  replicas: { type: 'integer' },
                  labelSelector: { type: 'string' },
                  conditions: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, status: { type: 'string' } } } },
                },
              },
            },
          },
        },
      },
      {
        name: 'v1beta1',
        served: true,
        storage: false,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      },
    ],
  },
};

const ct = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name }, spec });
const CT = '/apis/stable.example.com/v1/namespaces/default/crontabs';

beforeAll(async () => {
  t = await startTestServer();
  const r = await raw(t, { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: JSON.stringify(crd) });
  expect(r.status).toBe(201);
  const w = await t.kubectl(['wait', '--for=condition=established', 'crd/crontabs.stable.example.com', '--timeout=15s']);
  expect(w.code).toBe(0);
});
afterAll(async () => {
  await t?.stop();
});

describe('custom resources', () => {
  it('marks the definition NamesAccepted and Established', async () => {
    const got = (await raw(t, { path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/crontabs.stable.example.com' })).json();
    expect(got.status.conditions.map((c: any) => `${c.type}=${c.status}`)).toEqual(['NamesAccepted=True', 'Established=True']);
    expect(got.status.acceptedNames).toMatchObject({ plural: 'crontabs', kind: 'CronTab', listKind: 'CronTabList', shortNames: ['ct'] });
    expect(got.metadata.finalizers).toContain('customresourcecleanup.apiextensions.k8s.io');
  });

  it('defaults, prunes unknown fields and keeps preserved ones', async () => {
    const r = await raw(t, { method: 'POST', path: `${CT}?fieldValidation=Ignore`, body: JSON.stringify(ct('one', { cronSpec: '* * * * */5', unknownField: 1, config: { anything: { goes: [1, 2] } } })) });
    expect(r.status).toBe(201);
    const o = r.json();
    expect(o.spec).toEqual({ cronSpec: '* * * * */5', image: 'busybox', replicas: 1, config: { anything: { goes: [1, 2] } } });
    expect(o.metadata.generation).toBe(1);
  });

  it.each([
    ['a missing required field', { image: 'x' }, 'spec.cronSpec: Required value'],
    ['a pattern mismatch', { cronSpec: 'every minute' }, "spec.cronSpec in body should match"],
    ['a value above the maximum', { cronSpec: '* * * * *', replicas: 11 }, 'spec.replicas in body should be less than or equal to 10'],
    ['a value outside the enum', { cronSpec: '* * * * *', mode: 'medium' }, 'spec.mode: Unsupported value: "medium": supported values: "fast", "slow"'],
    ['a wrong type', { cronSpec: '* * * * *', replicas: 'three' }, 'spec.replicas in body must be of type integer: "string"'],
    ['a duplicate in a set', { cronSpec: '* * * * *', tags: ['a', 'a'] }, 'spec.tags[1]: Duplicate value: "a"'],
    ['too many items', { cronSpec: '* * * * *', tags: ['a', 'b', 'c', 'd'] }, 'spec.tags: Too many: 4: must have at most 3 items'],
  ])('rejects %s with 422', async (_name, spec, message) => {
    const r = await raw(t, { method: 'POST', path: CT, body: JSON.stringify(ct('bad', spec)) });
    expect(r.status).toBe(422);
    expect(r.json().reason).toBe('Invalid');
    expect(r.json().message).toContain(message);
    expect(r.json().message).toContain('CronTab.stable.example.com "bad" is invalid');
  });

  it('prints the printer columns (and wide ones with -o wide)', async () => {
    const out = await t.kubectl(['get', 'ct']);
    expect(out.stdout).toMatch(/^NAME\s+SPEC\s+REPLICAS\s+AGE\none\s+\* \* \* \* \*\/5\s+1\s+\d+s\n$/);
    const wide = await t.kubectl(['get', 'crontabs', '-o', 'wide']);
    expect(wide.stdout).toMatch(/^NAME\s+SPEC\s+REPLICAS\s+READY\s+AGE$/m);
    const all = await t.kubectl(['get', 'all']);
    expect(all.stdout).toContain('crontab.stable.example.com/one');
  });

  it('separates status from spec through the status subresource', async () => {
    const cur = (await raw(t, { path: `${CT}/one` })).json();
    // Status in a main-resource update is ignored.
    const upd = await raw(t, { method: 'PUT', path: `${CT}/one`, body: JSON.stringify({ ...cur, spec: { ...cur.spec, replicas: 2 }, status: { replicas: 99 } }) });
    expect(upd.status).toBe(200);
    expect(upd.json().status).toBeUndefined();
    expect(upd.json().metadata.generation).toBe(2);
    // Spec in a status update is ignored; status is stored; generation does not move.
    const st = await raw(t, { method: 'PUT', path: `${CT}/one/status`, body: JSON.stringify({ ...upd.json(), spec: { cronSpec: '0 0 * * *' }, status: { replicas: 2, labelSelector: 'app=one', conditions: [{ type: 'Ready', status: 'True' }] } }) });
    expect(st.status).toBe(200);
    expect(st.json().spec.cronSpec).toBe('* * * * */5');
    expect(st.json().status.replicas).toBe(2);
    expect(st.json().metadata.generation).toBe(2);
    const wide = await t.kubectl(['get', 'ct', 'one', '-o', 'wide', '--no-headers']);
    expect(wide.stdout).toMatch(/^one\s+\S+ \S+ \S+ \S+ \S+\s+2\s+True\s+\d+s$/m);
  });

  it('scales through the scale subresource', async () => {
    const s = await t.kubectl(['scale', 'crontab', 'one', '--replicas=5']);
    expect(s.code).toBe(0);
    const scale = (await raw(t, { path: `${CT}/one/scale` })).json();
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 5 }, status: { replicas: 2, selector: 'app=one' } });
    const bad = await raw(t, { method: 'PATCH', path: `${CT}/one/scale`, body: '{"spec":{"replicas":50}}', headers: { 'content-type': 'application/merge-patch+json' } });
    expect(bad.status).toBe(422);
  });

  it('serves every version of the same objects', async () => {
    const beta = await raw(t, { path: '/apis/stable.example.com/v1beta1/namespaces/default/crontabs/one' });
    expect(beta.status).toBe(200);
    expect(beta.json().apiVersion).toBe('stable.example.com/v1beta1');
    const created = await raw(t, { method: 'POST', path: '/apis/stable.example.com/v1beta1/namespaces/default/crontabs', body: JSON.stringify({ apiVersion: 'stable.example.com/v1beta1', kind: 'CronTab', metadata: { name: 'from-beta' }, spec: { cronSpec: '1 2 3 4 5' } }) });
    expect(created.status).toBe(201);
    const asV1 = (await raw(t, { path: `${CT}/from-beta` })).json();
    expect(asV1.apiVersion).toBe('stable.example.com/v1');
    expect(asV1.spec.cronSpec).toBe('1 2 3 4 5');
  });

  it('serves cluster-scoped custom resources', async () => {
    const cluster = { ...crd, metadata: { name: 'regions.geo.example.com' }, spec: { group: 'geo.example.com', scope: 'Cluster', names: { plural: 'regions', kind: 'Region' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { code: { type: 'string' } } } } } } }] } };
    expect((await raw(t, { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: JSON.stringify(cluster) })).status).toBe(201);
    await t.kubectl(['wait', '--for=condition=established', 'crd/regions.geo.example.com']);
    const r = await raw(t, { method: 'POST', path: '/apis/geo.example.com/v1/regions', body: JSON.stringify({ apiVersion: 'geo.example.com/v1', kind: 'Region', metadata: { name: 'eu' }, spec: { code: 'eu' } }) });
    expect(r.status).toBe(201);
    expect(r.json().metadata.namespace).toBeUndefined();
    const out = await t.kubectl(['get', 'regions']);
    expect(out.stdout).toMatch(/^NAME\s+AGE\neu\s+\d+s\n$/);
  });

  it('deletes the custom resources together with their definition', async () => {
    const d = await t.kubectl(['delete', 'crd', 'crontabs.stable.example.com', '--wait=true', '--timeout=20s']);
    expect(d.code).toBe(0);
    const gone = await raw(t, { path: CT });
    expect(gone.status).toBe(404);
    // Re-creating the definition does not resurrect the old objects.
    expect((await raw(t, { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: JSON.stringify(crd) })).status).toBe(201);
    await t.kubectl(['wait', '--for=condition=established', 'crd/crontabs.stable.example.com']);
    expect((await raw(t, { path: CT })).json().items).toEqual([]);
  });
});
