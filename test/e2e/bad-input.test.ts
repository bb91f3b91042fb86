/**
 * Every class of bad input gets a Kubernetes Status with the right code and a message naming
 * the problem, nothing is stored, and the server keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';
import { raw, type RawRequest } from '../helpers/http.js';

let t: TestServer;
const CM = '/api/v1/namespaces/default/configmaps';
const DEPLOY = '/apis/apps/v1/namespaces/default/deployments';

const deployment = (spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bad', ...meta },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'x' } },
      template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      ...spec,
    },
  });

const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

interface Case {
  name: string;
  req: RawRequest;
  status: number;
  reason?: string;
  /** Substrings the message must contain (field names etc.). */
  message?: string[];
}

const cases: Case[] = [
  { name: 'malformed JSON', req: { method: 'POST', path: CM, body: '{"kind": "ConfigMap", ' }, status: 400, reason: 'BadRequest', message: ['JSON'] },
  { name: 'malformed YAML', req: { method: 'POST', path: CM, body: 'kind: ConfigMap\nmetadata: [', headers: { 'content-type': 'application/yaml' } }, status: 400, reason: 'BadRequest', message: ['YAML'] },
  { name: 'a JSON array instead of an object', req: { method: 'POST', path: CM, body: '[1,2]' }, status: 400, reason: 'BadRequest', message: ['ConfigMap'] },
  { name: 'an empty body', req: { method: 'POST', path: CM, body: '' }, status: 400, reason: 'BadRequest', message: ['empty'] },
  { name: 'an unsupported content type', req: { method: 'POST', path: CM, body: 'hello', headers: { 'content-type': 'text/plain' } }, status: 415, reason: 'UnsupportedMediaType', message: ['application/json'] },
  { name: 'a wrong type for a field', req: { method: 'POST', path: DEPLOY, body: deployment({ replicas: 'three' }) }, status: 400, reason: 'BadRequest', message: ['spec.replicas', 'int32'] },
  { name: 'an int32 out of range', req: { method: 'POST', path: DEPLOY, body: deployment({ replicas: 2 ** 40 }) }, status: 400, reason: 'BadRequest', message: ['spec.replicas'] },
  { name: 'an unknown field under Strict', req: { method: 'POST', path: `${DEPLOY}?fieldValidation=Strict`, body: deployment({ surprise: true }) }, status: 400, reason: 'BadRequest', message: ['unknown field "spec.surprise"'] },
  { name: 'an invalid fieldValidation value', req: { method: 'POST', path: `${CM}?fieldValidation=Loud`, body: '{"kind":"ConfigMap","metadata":{"name":"x"}}' }, status: 400, reason: 'BadRequest', message: ['fieldValidation'] },
  { name: 'an invalid name', req: { method: 'POST', path: CM, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"Bad_Name"}}' }, status: 422, reason: 'Invalid', message: ['metadata.name', 'Bad_Name', 'RFC 1123'] },
  { name: 'a missing name', req: { method: 'POST', path: CM, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{}}' }, status: 422, reason: 'Invalid', message: ['metadata.name'] },
  { name: 'a wrong apiVersion', req: { method: 'POST', path: DEPLOY, body: deployment().replace('"apps/v1"', '"apps/v2"') }, status: 400, reason: 'BadRequest', message: ['apps/v2'] },
  { name: 'a wrong kind', req: { method: 'POST', path: CM, body: '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}' }, status: 400, reason: 'BadRequest', message: ['Secret'] },
  { name: 'a body over 3 MiB', req: { method: 'POST', path: CM, body: JSON.stringify({ kind: 'ConfigMap', metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } }) }, status: 413, reason: 'RequestEntityTooLarge', message: ['3145728'] },
  { name: 'extreme nesting', req: { method: 'POST', path: CM, body: nested(5000) }, status: 400, reason: 'BadRequest', message: ['depth'] },
  { name: 'a non-numeric resourceVersion on list', req: { path: `${CM}?resourceVersion=abc` }, status: 400, reason: 'BadRequest', message: ['resourceVersion', 'abc'] },
  { name: 'a non-numeric resourceVersion on update', req: { method: 'PUT', path: `${CM}/sentinel`, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"sentinel","resourceVersion":"abc"}}' }, status: 400, reason: 'BadRequest', message: ['resourceVersion'] },
  { name: 'a JSON patch that does not apply', req: { method: 'PATCH', path: `${CM}/sentinel`, body: '[{"op":"remove","path":"/data/nothere"}]', headers: { 'content-type': 'application/json-patch+json' } }, status: 422, message: ['/data/nothere'] },
  { name: 'a JSON patch that is not a list of operations', req: { method: 'PATCH', path: `${CM}/sentinel`, body: '{"op":"remove"}', headers: { 'content-type': 'application/json-patch+json' } }, status: 400, reason: 'BadRequest' },
  { name: 'a failing JSON patch test operation', req: { method: 'PATCH', path: `${CM}/sentinel`, body: '[{"op":"test","path":"/data/keep","value":"other"}]', headers: { 'content-type': 'application/json-patch+json' } }, status: 422, message: ['/data/keep'] },
  { name: 'a patch with an unknown patch content type', req: { method: 'PATCH', path: `${CM}/sentinel`, body: '{}', headers: { 'content-type': 'application/xml' } }, status: 415, reason: 'UnsupportedMediaType' },
  { name: 'a patch producing an invalid object', req: { method: 'PATCH', path: `${CM}/sentinel`, body: '{"metadata":{"labels":{"bad key!":"x"}}}', headers: { 'content-type': 'application/merge-patch+json' } }, status: 422, reason: 'Invalid', message: ['metadata.labels'] },
  { name: 'an object failing validation', req: { method: 'POST', path: DEPLOY, body: deployment({ template: { metadata: { labels: { app: 'other' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } }) }, status: 422, reason: 'Invalid', message: ['spec.template.metadata.labels', 'selector'] },
  { name: 'a negative replica count', req: { method: 'POST', path: DEPLOY, body: deployment({ replicas: -3 }) }, status: 422, reason: 'Invalid', message: ['spec.replicas', 'greater than or equal to 0'] },
  { name: 'a stale resourceVersion', req: { method: 'PUT', path: `${CM}/sentinel`, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"sentinel","resourceVersion":"1"},"data":{"keep":"changed"}}' }, status: 409, reason: 'Conflict', message: ['sentinel', 'modified'] },
  { name: 'a name that does not match the URL', req: { method: 'PUT', path: `${CM}/sentinel`, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"other"}}' }, status: 400, reason: 'BadRequest', message: ['other', 'sentinel'] },
  { name: 'a missing namespace', req: { method: 'POST', path: '/api/v1/namespaces/nope/configmaps', body: '{"kind":"ConfigMap","metadata":{"name":"x"}}' }, status: 404, reason: 'NotFound', message: ['namespaces "nope" not found'] },
  { name: 'a duplicate create', req: { method: 'POST', path: CM, body: '{"kind":"ConfigMap","metadata":{"name":"sentinel"}}' }, status: 409, reason: 'AlreadyExists', message: ['configmaps "sentinel" already exists'] },
  { name: 'an unknown resource', req: { path: '/apis/apps/v1/namespaces/default/widgets' }, status: 404, reason: 'NotFound' },
  { name: 'a missing object', req: { path: `${CM}/nothing-here` }, status: 404, reason: 'NotFound', message: ['configmaps "nothing-here" not found'] },
  { name: 'an expired continue token', req: { path: `${CM}?limit=1&continue=${Buffer.from('{"v":"meta.k8s.io/v1","rv":1,"start":"x"}').toString('base64url')}` }, status: 410, reason: 'Expired', message: ['continue'] },
  { name: 'a garbage continue token', req: { path: `${CM}?limit=1&continue=%%%` }, status: 400, reason: 'BadRequest', message: ['continue'] },
  { name: 'a bad label selector', req: { path: `${CM}?labelSelector=a%20in%20(b` }, status: 400, reason: 'BadRequest', message: ['unable to parse requirement'] },
  { name: 'an unsupported field selector', req: { path: `${CM}?fieldSelector=spec.foo%3Dbar` }, status: 400, reason: 'BadRequest', message: ['field label not supported: spec.foo'] },
  { name: 'a bad dryRun value', req: { method: 'POST', path: `${CM}?dryRun=Some`, body: '{"kind":"ConfigMap","metadata":{"name":"x"}}' }, status: 400, reason: 'BadRequest', message: ['dryRun'] },
  { name: 'a bad propagationPolicy', req: { method: 'DELETE', path: `${CM}/sentinel?propagationPolicy=Sideways` }, status: 422, reason: 'Invalid', message: ['propagationPolicy', 'Sideways'] },
  { name: 'an unauthenticated request', req: { path: CM, as: 'anonymous' }, status: 401, reason: 'Unauthorized' },
  { name: 'a bad bearer token', req: { path: CM, as: { token: 'not-a-token' } }, status: 401, reason: 'Unauthorized' },
  { name: 'a malformed escape in the path', req: { path: `${CM}/a%zz` }, status: 400, reason: 'BadRequest', message: ['invalid URL escape'] },
  { name: 'a create on a named URL', req: { method: 'POST', path: `${CM}/sentinel`, body: '{"kind":"ConfigMap","metadata":{"name":"sentinel"}}' }, status: 405, reason: 'MethodNotAllowed' },
  { name: 'a CRD with a structural schema error', req: { method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: JSON.stringify({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'things.example.com' }, spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'things', kind: 'Thing' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } } } }] } }) }, status: 422, reason: 'Invalid', message: ['spec.versions[0].schema.openAPIV3Schema.properties[spec].type'] },
];

beforeAll(async () => {
  // A short event history, so an old continue token expires quickly.
  t = await startTestServer({ historySize: 50 });
  await raw(t, { method: 'POST', path: '/api/v1/namespaces', body: '{"kind":"Namespace","metadata":{"name":"churn"}}' });
  for (let i = 0; i < 60; i++) await raw(t, { method: 'POST', path: '/api/v1/namespaces/churn/configmaps', body: `{"kind":"ConfigMap","metadata":{"name":"c${i}"}}` });
  const r = await raw(t, { method: 'POST', path: CM, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"sentinel"},"data":{"keep":"me"}}' });
  expect(r.status).toBe(201);
});
afterAll(async () => {
  await t?.stop();
});

describe('bad input', () => {
  it.each(cases)('answers $name with $status', async (c) => {
    const before = await raw(t, { path: CM });
    const r = await raw(t, c.req);
    expect(r.status).toBe(c.status);
    const status = r.json();
    expect(status).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: c.status });
    if (c.reason) expect(status.reason).toBe(c.reason);
    for (const m of c.message ?? []) expect(status.message).toContain(m);
    // Nothing was stored: the configmap list is unchanged and the sentinel intact.
    const after = await raw(t, { path: CM });
    expect(after.json().items.map((i: any) => [i.metadata.name, i.metadata.resourceVersion])).toEqual(
      before.json().items.map((i: any) => [i.metadata.name, i.metadata.resourceVersion]),
    );
    expect((await raw(t, { path: '/readyz' })).status).toBe(200);
  });

  it('drops unknown fields with a warning under the default (Warn) validation', async () => {
    const r = await raw(t, { method: 'POST', path: CM, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"warned","bogus":1},"data":{"a":"b"},"extra":true}' });
    expect(r.status).toBe(201);
    expect(String(r.headers.warning)).toContain('unknown field \\"extra\\"');
    expect(String(r.headers.warning)).toContain('unknown field \\"metadata.bogus\\"');
    expect(r.json().extra).toBeUndefined();
  });

  it('decodes percent-escapes in the path, as clients send names with colons', async () => {
    const roles = '/apis/rbac.authorization.k8s.io/v1/clusterroles';
    const made = await raw(t, { method: 'POST', path: roles, body: '{"kind":"ClusterRole","metadata":{"name":"example:escaped"},"rules":[]}' });
    expect(made.status).toBe(201);
    const got = await raw(t, { path: `${roles}/example%3Aescaped` });
    expect(got.status).toBe(200);
    expect(got.json().metadata.name).toBe('example:escaped');
    expect((await raw(t, { method: 'DELETE', path: `${roles}/example%3aescaped` })).status).toBe(200);
  });

  it('answers health and version without credentials', async () => {
    for (const p of ['/healthz', '/livez', '/readyz']) {
      const r = await raw(t, { path: p, as: 'anonymous' });
      expect(r.status).toBe(200);
      expect(r.body).toBe('ok');
    }
    const v = await raw(t, { path: '/version', as: 'anonymous' });
    expect(v.json()).toMatchObject({ major: '1', minor: '33' });
    expect((await raw(t, { path: '/readyz?verbose', as: 'anonymous' })).body).toContain('readyz check passed');
  });

  it('keeps the sentinel exactly as it was', async () => {
    const r = await raw(t, { path: `${CM}/sentinel` });
    expect(r.json().data).toEqual({ keep: 'me' });
  });
});
