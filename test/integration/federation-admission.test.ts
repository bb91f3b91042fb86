/**
 * The federation admission hook in a real API server: kubectl apply of each kind of mistake gets
 * a 422 naming the field, and nothing is stored; valid objects (seed 004) are accepted.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeClient, kubeConfigFor } from '../../src/federation/client/kube-client.js';
import { federationAdmission } from '../../src/federation/admission.js';
import { DEFAULT_TARGET_TYPES, typeConfigFor } from '../../src/federation/types.js';
import { startTestServer, type TestServer } from '../helpers/apiserver.js';
import { installFederationTypes } from '../helpers/federation.js';

let t: TestServer;
let client: KubeClient;

beforeAll(async () => {
  t = await startTestServer({ admission: [federationAdmission()] });
  const e = t.server.kubeconfigEntry('federation');
  client = new KubeClient(kubeConfigFor('federation', { server: e.server, caPem: e.caPem, certPem: e.clientCertPem, keyPem: e.clientKeyPem }));
  await installFederationTypes(client);
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fedtestns' } });
}, 60_000);

afterAll(async () => {
  client?.close();
  await t?.stop();
});

const fed = (name: string, spec: unknown) => ({ apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name, namespace: 'fedtestns' }, spec });
const plain = (name: string, annotations: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'fedtestns', annotations }, data: { a: 'b' } });
const rsp = (name: string, spec: unknown) => ({ apiVersion: 'scheduling.kubefed.io/v1alpha1', kind: 'ReplicaSchedulingPreference', metadata: { name, namespace: 'fedtestns' }, spec });
const ftc = (name: string, change: (s: Record<string, any>) => void) => {
  const o = typeConfigFor(DEFAULT_TARGET_TYPES[1]!);
  change(o.spec as Record<string, any>);
  return { ...o, metadata: { ...o.metadata, name } };
};

describe('federation admission over HTTP', () => {
  it.each(['004-federated-namespace.yaml', '004-federated-deployment.yaml', '004-federated-service.yaml'])('accepts seed %s', async (file) => {
    const r = await t.kubectl(['apply', '-f', join(__dirname, '../fixtures/seeds', file)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it.each<[string, Record<string, any>, string]>([
    ['a template that is not an object', fed('bad-template', { template: 'x' }), 'spec.template'],
    ['duplicate placement clusters', fed('dup-clusters', { placement: { clusters: [{ name: 'a' }, { name: 'a' }] } }), 'spec.placement.clusters[1].name: Duplicate value: "a"'],
    ['a cluster name that is not DNS-1123', fed('bad-cluster', { placement: { clusters: [{ name: 'Mars_1' }] } }), 'spec.placement.clusters[0].name: Invalid value: "Mars_1"'],
    ['a bad matchLabels value', fed('bad-labels', { placement: { clusterSelector: { matchLabels: { region: 'no way' } } } }), 'spec.placement.clusterSelector.matchLabels[region]'],
    ['In without values', fed('in-novalues', { placement: { clusterSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] } } }), 'spec.placement.clusterSelector.matchExpressions[0].values: Required value'],
    ['Exists with values', fed('exists-values', { placement: { clusterSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['b'] }] } } }), 'spec.placement.clusterSelector.matchExpressions[0].values: Forbidden'],
    ['a forbidden override path', fed('ovr-name', { overrides: [{ clusterName: 'a', clusterOverrides: [{ path: '/metadata/namespace', value: 'x' }] }] }), 'spec.overrides[0].clusterOverrides[0].path: Forbidden'],
    ['duplicate override clusters', fed('ovr-dup', { overrides: [{ clusterName: 'a' }, { clusterName: 'a' }] }), 'spec.overrides[1].clusterName: Duplicate value: "a"'],
    ['an override path without /', fed('ovr-path', { overrides: [{ clusterName: 'a', clusterOverrides: [{ path: 'data/a', value: 'x' }] }] }), 'spec.overrides[0].clusterOverrides[0].path: Invalid value: "data/a"'],
    ['an override without value', fed('ovr-value', { overrides: [{ clusterName: 'a', clusterOverrides: [{ op: 'add', path: '/data/x' }] }] }), 'spec.overrides[0].clusterOverrides[0].value: Required value'],
    ['a bad cluster-selector annotation', plain('bad-selector', { 'federation.alpha.kubernetes.io/cluster-selector': '[{"key":"a","operator":"Near"}]' }), 'metadata.annotations[federation.alpha.kubernetes.io/cluster-selector]: Invalid value'],
    ['a bad replica-set-preferences annotation', plain('bad-rsp-ann', { 'federation.kubernetes.io/replica-set-preferences': '{"clusters":{"a":{"weight":-1}}}' }), 'metadata.annotations[federation.kubernetes.io/replica-set-preferences]'],
    ['a bad deployment-preferences annotation', plain('bad-dep-ann', { 'federation.kubernetes.io/deployment-preferences': 'nope' }), 'metadata.annotations[federation.kubernetes.io/deployment-preferences]: Invalid value: "nope": is not valid JSON'],
    ['a bad orphan annotation', plain('bad-orphan', { 'kubefed.io/orphan': 'maybe' }), 'metadata.annotations[kubefed.io/orphan]: Unsupported value: "maybe"'],
    ['an RSP for a ConfigMap', rsp('rsp-kind', { targetKind: 'FederatedConfigMap', totalReplicas: 2 }), 'spec.targetKind: Unsupported value: "FederatedConfigMap"'],
    ['an RSP with max below min', rsp('rsp-max', { targetKind: 'FederatedDeployment', totalReplicas: 2, clusters: { a: { minReplicas: 2, maxReplicas: 1 } } }), 'spec.clusters[a].maxReplicas'],
    ['an FTC with a bad scope', ftc('ftc-scope', (s) => (s.targetType.scope = 'Global')), 'spec.targetType.scope: Unsupported value: "Global"'],
    ['an FTC without pluralName', ftc('ftc-plural', (s) => delete s.targetType.pluralName), 'spec.targetType.pluralName: Required value'],
    ['an FTC with a bad propagation', ftc('ftc-prop', (s) => (s.propagation = 'Sometimes')), 'spec.propagation: Unsupported value: "Sometimes"'],
  ])('rejects %s with a 422 naming the field, and stores nothing', async (_name, obj, field) => {
    const r = await t.kubectl(['apply', '-f', '-'], { input: stringify(obj) });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('is invalid');
    expect(r.stderr).toContain(field);
    expect(await client.get(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name)).toBeUndefined();
  });

  it('rejects an update that breaks a stored object, and keeps the stored one', async () => {
    const ok = fed('updated', { template: { data: { a: 'b' } }, placement: { clusters: [{ name: 'a' }] } });
    expect((await t.kubectl(['apply', '-f', '-'], { input: stringify(ok) })).code).toBe(0);
    const bad = fed('updated', { template: { data: { a: 'b' } }, placement: { clusters: [{ name: 'a' }, { name: 'a' }] } });
    const r = await t.kubectl(['apply', '-f', '-'], { input: stringify(bad) });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.placement.clusters[1].name');
    const stored = await client.get('types.kubefed.io/v1beta1', 'FederatedConfigMap', 'fedtestns', 'updated');
    expect(stored?.spec.placement.clusters).toEqual([{ name: 'a' }]);
  });

  it('answers a direct API create with a 422 Status listing the causes', async () => {
    const err = await client.create(fed('direct', { placement: { clusters: [{ name: 'a' }, { name: 'a' }] }, template: 3 }) as never).catch((e: unknown) => e);
    expect((err as { status: number }).status).toBe(422);
    const body = (err as { body: { reason: string; details: { causes: { field: string }[] } } }).body;
    expect(body.reason).toBe('Invalid');
    expect(body.details.causes.map((c) => c.field)).toEqual(expect.arrayContaining(['spec.template', 'spec.placement.clusters[1].name']));
  });
});
