import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KObject } from '../../src/apis/object.js';
import { errorMessage } from '../../src/apis/validation/field.js';
import type { ResourceType } from '../../src/apiserver/registry/types.js';
import { federationAdmission, validateFederationObject } from '../../src/federation/admission.js';
import { SYNC_FINALIZER } from '../../src/federation/propagation/intent.js';
import { DEFAULT_TARGET_TYPES, typeConfigFor } from '../../src/federation/types.js';

const groupOf = (o: KObject) => (o.apiVersion!.includes('/') ? o.apiVersion!.split('/')[0]! : '');
const check = (o: KObject) => validateFederationObject(groupOf(o), o.kind!, o);

const fed = (spec: unknown, kind = 'FederatedDeployment'): KObject => ({ apiVersion: 'types.kubefed.io/v1beta1', kind, metadata: { name: 'x', namespace: 'ns' }, spec: spec as never });
const annotated = (annotations: Record<string, string>, apiVersion = 'apps/v1', kind = 'Deployment'): KObject => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'ns', annotations }, spec: {} });
const rsp = (spec: unknown): KObject => ({ apiVersion: 'scheduling.kubefed.io/v1alpha1', kind: 'ReplicaSchedulingPreference', metadata: { name: 'x', namespace: 'ns' }, spec: spec as never });
const ftc = (change: (s: Record<string, any>) => void): KObject => {
  const o = typeConfigFor(DEFAULT_TARGET_TYPES[5]!);
  change(o.spec as Record<string, any>);
  return o;
};

const cluster = (taints: unknown, kind = 'Cluster'): KObject => ({ apiVersion: 'core.kubefed.io/v1beta1', kind, metadata: { name: 'c1', ...(kind === 'KubeFedCluster' ? { namespace: 'kube-federation-system' } : {}) }, spec: { apiEndpoint: 'https://c1', taints } as never });
const policy = {
  tolerations: [{ key: 'cluster.kubefed.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }, { key: 'dedicated', value: 'batch' }, { operator: 'Exists' }],
  spreadConstraints: [{ spreadByField: 'region', minGroups: 2, maxGroups: 3 }, { spreadByField: 'cluster' }],
  clusterAffinities: [{ affinityName: 'primary', clusterNames: ['gce-us-central1-a', 'gce-us-central1-b'] }, { affinityName: 'backup', labelSelector: { matchLabels: { tier: 'backup' } } }, { affinityName: 'any' }],
};
/** An annotated Deployment whose deployment-preferences carry `extra`. */
const prefs = (extra: Record<string, unknown>) => ({ [DEP_ANN]: JSON.stringify({ clusters: { '*': { weight: 1 } }, ...extra }) });

const CS = 'federation.alpha.kubernetes.io/cluster-selector';
const RSP_ANN = 'federation.kubernetes.io/replica-set-preferences';
const DEP_ANN = 'federation.kubernetes.io/deployment-preferences';

describe('federation admission accepts', () => {
  const seeds = ['004-federated-deployment.yaml', '004-federated-namespace.yaml', '004-federated-service.yaml'];
  it.each(seeds)('seed %s', (file) => {
    const docs = parseAllDocuments(readFileSync(join(__dirname, '../fixtures/seeds', file), 'utf8')).map((d) => d.toJS() as KObject);
    for (const d of docs) expect(check(d).map(errorMessage)).toEqual([]);
  });

  it.each<[string, KObject]>([
    ['a Federated object with an empty spec', fed({})],
    ['a selector placement', fed({ template: { spec: {} }, placement: { clusterSelector: { matchLabels: { region: 'us' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }, { key: 'zone', operator: 'Exists' }] } } })],
    ['an empty selector', fed({ placement: { clusterSelector: {} } })],
    ['an empty cluster list', fed({ placement: { clusters: [] } })],
    ['overrides', fed({ overrides: [{ clusterName: 'a', clusterOverrides: [{ path: '/spec/replicas', value: 2 }, { op: 'remove', path: '/metadata/labels/x' }] }, { clusterName: 'b' }] })],
    ['a v1 cluster selector', annotated({ [CS]: '[{"key":"region","operator":"in","values":["us"]}]' })],
    ['v1 replica preferences', annotated({ [RSP_ANN]: '{"rebalance":true,"clusters":{"*":{"weight":1},"us":{"minReplicas":1,"maxReplicas":3}}}' }, 'apps/v1', 'ReplicaSet')],
    ['v1 deployment preferences', annotated({ [DEP_ANN]: '{"clusters":{"a":{"weight":2}}}' })],
    ['orphan true', annotated({ 'kubefed.io/orphan': 'true' })],
    ['orphan false', annotated({ 'kubefed.io/orphan': 'false' })],
    ['an RSP', rsp({ targetKind: 'FederatedDeployment', totalReplicas: 9, clusters: { a: { minReplicas: 1, maxReplicas: 5, weight: 2 }, '*': { weight: 1 } } })],
    ['an RSP for a plain Deployment', rsp({ targetKind: 'Deployment', totalReplicas: 0 })],
    ...DEFAULT_TARGET_TYPES.map((t): [string, KObject] => [`the FederatedTypeConfig for ${t.kind}`, typeConfigFor(t)]),
    ['a disabled FederatedTypeConfig', ftc((s) => (s.propagation = 'Disabled'))],
    ['a plain object without annotations', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }],
    // Scheduling policy and cluster taints
    ['v1 preferences with a scheduling policy', annotated(prefs({ rebalance: false, ...policy, dynamicWeight: 'AvailableReplicas' }))],
    ['an RSP with a scheduling policy', rsp({ targetKind: 'FederatedDeployment', totalReplicas: 9, ...policy, dynamicWeight: 'AvailableReplicas' })],
    ['a placement with a scheduling policy', fed({ placement: { clusterSelector: {}, ...policy } })],
    ['empty policy lists', fed({ placement: { tolerations: [], spreadConstraints: [], clusterAffinities: [] } })],
    ['Cluster taints', cluster([{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }, { key: 'dedicated', effect: 'NoExecute', timeAdded: '2024-05-01T12:00:00Z' }, { key: 'cluster.kubefed.io/unschedulable', effect: 'NoSchedule' }])],
    ['KubeFedCluster taints', cluster([{ key: 'example.com/maintenance', effect: 'PreferNoSchedule' }], 'KubeFedCluster')],
    ['a Cluster without taints', cluster(undefined)],
  ])('%s', (_name, obj) => {
    expect(check(obj).map(errorMessage)).toEqual([]);
  });
});

describe('federation admission rejects', () => {
  it.each<[string, KObject, string[]]>([
    // Federated<Kind>
    ['a non-object template', fed({ template: 'nginx' }), ['spec.template: Invalid value: "nginx": must be an object']],
    ['a list template', fed({ template: [] }), ['spec.template: Invalid value']],
    ['a non-object placement', fed({ placement: ['a'] }), ['spec.placement: Invalid value']],
    ['clusters not a list', fed({ placement: { clusters: { name: 'a' } } }), ['spec.placement.clusters: Invalid value']],
    ['a cluster that is not an object', fed({ placement: { clusters: ['a'] } }), ['spec.placement.clusters[0]: Invalid value: "a"']],
    ['a cluster without a name', fed({ placement: { clusters: [{ name: 'a' }, {}] } }), ['spec.placement.clusters[1].name: Required value']],
    ['an empty cluster name', fed({ placement: { clusters: [{ name: '' }] } }), ['spec.placement.clusters[0].name: Required value']],
    ['a cluster name that is not a string', fed({ placement: { clusters: [{ name: 5 }] } }), ['spec.placement.clusters[0].name: Invalid value: 5: must be a string']],
    ['a cluster name that is not DNS-1123', fed({ placement: { clusters: [{ name: 'Earth_1' }] } }), ['spec.placement.clusters[0].name: Invalid value: "Earth_1": a lowercase RFC 1123 subdomain']],
    ['duplicate cluster names', fed({ placement: { clusters: [{ name: 'a' }, { name: 'b' }, { name: 'a' }] } }), ['spec.placement.clusters[2].name: Duplicate value: "a"']],
    ['a selector that is not an object', fed({ placement: { clusterSelector: 'region=us' } }), ['spec.placement.clusterSelector: Invalid value']],
    ['a bad matchLabels key', fed({ placement: { clusterSelector: { matchLabels: { 'bad key': 'x' } } } }), ['spec.placement.clusterSelector.matchLabels: Invalid value: "bad key"']],
    ['a bad matchLabels value', fed({ placement: { clusterSelector: { matchLabels: { region: 'not valid!' } } } }), ['spec.placement.clusterSelector.matchLabels[region]: Invalid value: "not valid!"']],
    ['matchExpressions not a list', fed({ placement: { clusterSelector: { matchExpressions: { key: 'a' } } } }), ['spec.placement.clusterSelector.matchExpressions: Invalid value']],
    ['an unknown operator', fed({ placement: { clusterSelector: { matchExpressions: [{ key: 'a', operator: 'Near', values: ['x'] }] } } }), ['spec.placement.clusterSelector.matchExpressions[0].operator: Unsupported value: "Near"']],
    ['a missing operator', fed({ placement: { clusterSelector: { matchExpressions: [{ key: 'a' }] } } }), ['spec.placement.clusterSelector.matchExpressions[0].operator: Required value']],
    ['a missing key', fed({ placement: { clusterSelector: { matchExpressions: [{ operator: 'Exists' }] } } }), ['spec.placement.clusterSelector.matchExpressions[0].key: Required value']],
    ['In without values', fed({ placement: { clusterSelector: { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] } } }), ['spec.placement.clusterSelector.matchExpressions[0].values: Required value']],
    ['NotIn without values', fed({ placement: { clusterSelector: { matchExpressions: [{ key: 'a', operator: 'NotIn' }] } } }), ['spec.placement.clusterSelector.matchExpressions[0].values: Required value']],
    ['Exists with values', fed({ placement: { clusterSelector: { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] } } }), ['spec.placement.clusterSelector.matchExpressions[0].values: Forbidden']],
    ['DoesNotExist with values', fed({ placement: { clusterSelector: { matchExpressions: [{ key: 'b', operator: 'Exists' }, { key: 'a', operator: 'DoesNotExist', values: ['x'] }] } } }), ['spec.placement.clusterSelector.matchExpressions[1].values: Forbidden']],
    ['a bad expression value', fed({ placement: { clusterSelector: { matchExpressions: [{ key: 'a', operator: 'In', values: ['ok', 'no way'] }] } } }), ['spec.placement.clusterSelector.matchExpressions[0].values[1]: Invalid value: "no way"']],
    ['overrides not a list', fed({ overrides: { clusterName: 'a' } }), ['spec.overrides: Invalid value']],
    ['an override of a forbidden path', fed({ overrides: [{ clusterName: 'a', clusterOverrides: [{ path: '/metadata/name', value: 'y' }] }] }), ['spec.overrides[0].clusterOverrides[0].path: Forbidden']],
    ['an override of the kind', fed({ overrides: [{ clusterName: 'a', clusterOverrides: [{ path: '/kind', value: 'y' }] }] }), ['spec.overrides[0].clusterOverrides[0].path: Forbidden']],
    ['duplicate override clusters', fed({ overrides: [{ clusterName: 'a' }, { clusterName: 'a' }] }), ['spec.overrides[1].clusterName: Duplicate value: "a"']],
    ['an override without clusterName', fed({ overrides: [{ clusterOverrides: [] }] }), ['spec.overrides[0].clusterName: Required value']],
    ['an unknown override op', fed({ overrides: [{ clusterName: 'a', clusterOverrides: [{ op: 'move', path: '/spec/x', value: 1 }] }] }), ['spec.overrides[0].clusterOverrides[0].op: Unsupported value: "move"']],
    ['an override path without /', fed({ overrides: [{ clusterName: 'a', clusterOverrides: [{ path: 'spec/replicas', value: 1 }] }] }), ['spec.overrides[0].clusterOverrides[0].path: Invalid value: "spec/replicas"']],
    ['an override without path', fed({ overrides: [{ clusterName: 'a', clusterOverrides: [{ value: 1 }] }] }), ['spec.overrides[0].clusterOverrides[0].path: Required value']],
    ['add without a value', fed({ overrides: [{ clusterName: 'a', clusterOverrides: [{ op: 'add', path: '/spec/x' }] }] }), ['spec.overrides[0].clusterOverrides[0].value: Required value']],
    ['replace without a value', fed({ overrides: [{ clusterName: 'a', clusterOverrides: [{ path: '/spec/x' }] }] }), ['spec.overrides[0].clusterOverrides[0].value: Required value']],
    ['several problems at once', fed({ template: 1, placement: { clusters: [{ name: 'a' }, { name: 'a' }] } }), ['spec.template: Invalid value: 1', 'spec.placement.clusters[1].name: Duplicate value']],
    // Federation v1 annotations
    ['a cluster selector that is not JSON', annotated({ [CS]: '{' }), [`metadata.annotations[${CS}]: Invalid value: "{": is not valid JSON`]],
    ['a cluster selector that is not a list', annotated({ [CS]: '{"key":"a"}' }), [`metadata.annotations[${CS}]: Invalid value: "{\\"key\\":\\"a\\"}": must be a JSON list`]],
    ['a cluster selector with a bad operator', annotated({ [CS]: '[{"key":"a","operator":"Near","values":["x"]}]' }, 'v1', 'ConfigMap'), [`metadata.annotations[${CS}]`, '[0].operator: unsupported operator "Near"']],
    ['a cluster selector with In and no values', annotated({ [CS]: '[{"key":"a","operator":"In"}]' }, 'types.kubefed.io/v1beta1', 'FederatedDeployment'), [`metadata.annotations[${CS}]`, '[0].values must not be empty for In']],
    ['replica-set preferences that are not JSON', annotated({ [RSP_ANN]: 'weight=1' }, 'apps/v1', 'ReplicaSet'), [`metadata.annotations[${RSP_ANN}]`, 'is not valid JSON']],
    ['replica-set preferences with a negative weight', annotated({ [RSP_ANN]: '{"clusters":{"a":{"weight":-1}}}' }, 'apps/v1', 'ReplicaSet'), [`metadata.annotations[${RSP_ANN}]`, 'clusters["a"].weight must be a non-negative integer']],
    ['deployment preferences with max below min', annotated({ [DEP_ANN]: '{"clusters":{"a":{"minReplicas":3,"maxReplicas":1}}}' }), [`metadata.annotations[${DEP_ANN}]`, 'maxReplicas must not be below minReplicas']],
    ['deployment preferences with rebalance not a bool', annotated({ [DEP_ANN]: '{"rebalance":"yes"}' }), [`metadata.annotations[${DEP_ANN}]`, 'rebalance must be true or false']],
    ['an orphan annotation that is not a boolean', annotated({ 'kubefed.io/orphan': 'yes' }), ['metadata.annotations[kubefed.io/orphan]: Unsupported value: "yes": supported values: "true", "false"']],
    // The scheduling policy in the v1 annotation
    ['an unknown preferences field', annotated(prefs({ toleration: [] })), [`metadata.annotations[${DEP_ANN}]`, 'has unknown field(s) toleration']],
    ['tolerations not a list', annotated(prefs({ tolerations: { key: 'a' } })), [`metadata.annotations[${DEP_ANN}]`, 'tolerations: Invalid value: {"key":"a"}: must be a list of tolerations']],
    ['a toleration with an unknown operator', annotated(prefs({ tolerations: [{ key: 'a', operator: 'In' }] })), ['tolerations[0].operator: Unsupported value: "In": supported values: "Exists", "Equal"']],
    ['a toleration of every key with Equal', annotated(prefs({ tolerations: [{ value: 'x' }] })), ['tolerations[0].operator: Invalid value: "": operator must be Exists when `key` is empty']],
    ['a toleration with Exists and a value', annotated(prefs({ tolerations: [{ key: 'a', operator: 'Exists', value: 'x' }] })), ["tolerations[0].value: Invalid value: \"x\": value must be empty when `operator` is 'Exists'"]],
    ['a toleration with an unknown effect', annotated(prefs({ tolerations: [{ key: 'a', operator: 'Exists', effect: 'Never' }] })), ['tolerations[0].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"']],
    ['tolerationSeconds without NoExecute', annotated(prefs({ tolerations: [{ key: 'a', operator: 'Exists', tolerationSeconds: 5 }] })), ["tolerations[0].effect: Invalid value: \"\": effect must be 'NoExecute' when `tolerationSeconds` is set"]],
    ['tolerationSeconds not an integer', annotated(prefs({ tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 1.5 }] })), ['tolerations[0].tolerationSeconds: Invalid value: 1.5: must be an integer']],
    ['a toleration key that is not a qualified name', annotated(prefs({ tolerations: [{ key: 'a b', operator: 'Exists' }] })), ['tolerations[0].key: Invalid value: "a b"']],
    ['a toleration value that is not a label value', annotated(prefs({ tolerations: [{ key: 'a', value: 'no way' }] })), ['tolerations[0].value: Invalid value: "no way"']],
    ['a misspelt toleration field', annotated(prefs({ tolerations: [{ key: 'a', operator: 'Exists', tolerationSecond: 5 }] })), ['tolerations[0].tolerationSecond: Forbidden: unknown field']],
    ['a spread constraint without field', annotated(prefs({ spreadConstraints: [{ maxGroups: 2 }] })), ['spreadConstraints[0].spreadByField: Required value']],
    ['a spread constraint by rack', annotated(prefs({ spreadConstraints: [{ spreadByField: 'rack' }] })), ['spreadConstraints[0].spreadByField: Unsupported value: "rack": supported values: "region", "zone", "cluster"']],
    ['maxGroups below minGroups', annotated(prefs({ spreadConstraints: [{ spreadByField: 'zone', minGroups: 3, maxGroups: 2 }] })), ['spreadConstraints[0].maxGroups: Invalid value: 2: must be greater than or equal to minGroups (3)']],
    ['minGroups of 0', annotated(prefs({ spreadConstraints: [{ spreadByField: 'zone', minGroups: 0 }] })), ['spreadConstraints[0].minGroups: Invalid value: 0: must be greater than or equal to 1']],
    ['two constraints by region', annotated(prefs({ spreadConstraints: [{ spreadByField: 'region' }, { spreadByField: 'region', maxGroups: 1 }] })), ['spreadConstraints[1].spreadByField: Duplicate value: "region"']],
    ['an affinity term without name', annotated(prefs({ clusterAffinities: [{ clusterNames: ['a'] }] })), ['clusterAffinities[0].affinityName: Required value']],
    ['two affinity terms of one name', annotated(prefs({ clusterAffinities: [{ affinityName: 'x' }, { affinityName: 'x' }] })), ['clusterAffinities[1].affinityName: Duplicate value: "x"']],
    ['an affinity cluster name that is not DNS-1123', annotated(prefs({ clusterAffinities: [{ affinityName: 'x', clusterNames: ['Earth_1'] }] })), ['clusterAffinities[0].clusterNames[0]: Invalid value: "Earth_1"']],
    ['an affinity label selector with a bad operator', annotated(prefs({ clusterAffinities: [{ affinityName: 'x', labelSelector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } }] })), ['clusterAffinities[0].labelSelector.matchExpressions[0].operator: Unsupported value: "Near"']],
    ['an unknown dynamic weight', annotated(prefs({ dynamicWeight: 'Cpu' })), ['dynamicWeight: Unsupported value: "Cpu": supported values: "AvailableReplicas"']],
    // ReplicaSchedulingPreference
    ['an RSP with a bad toleration effect', rsp({ targetKind: 'FederatedDeployment', totalReplicas: 1, tolerations: [{ key: 'a', operator: 'Exists', effect: 'Evict' }] }), ['spec.tolerations[0].effect: Unsupported value: "Evict"']],
    ['an RSP with maxGroups 0', rsp({ targetKind: 'FederatedDeployment', totalReplicas: 1, spreadConstraints: [{ spreadByField: 'region', maxGroups: 0 }] }), ['spec.spreadConstraints[0].maxGroups: Invalid value: 0']],
    ['an RSP with duplicate affinity names', rsp({ targetKind: 'FederatedDeployment', totalReplicas: 1, clusterAffinities: [{ affinityName: 'a' }, { affinityName: 'b' }, { affinityName: 'a' }] }), ['spec.clusterAffinities[2].affinityName: Duplicate value: "a"']],
    ['an RSP with an unknown dynamic weight', rsp({ targetKind: 'FederatedDeployment', totalReplicas: 1, dynamicWeight: 'Memory' }), ['spec.dynamicWeight: Unsupported value: "Memory"']],
    ['an RSP with affinities not a list', rsp({ targetKind: 'FederatedDeployment', totalReplicas: 1, clusterAffinities: 'primary' }), ['spec.clusterAffinities: Invalid value: "primary"']],
    // spec.placement
    ['a placement toleration that is not an object', fed({ placement: { tolerations: ['a'] } }), ['spec.placement.tolerations[0]: Invalid value: "a"']],
    ['a placement toleration with tolerationSeconds and NoSchedule', fed({ placement: { tolerations: [{ key: 'a', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 3 }] } }), ['spec.placement.tolerations[0].effect: Invalid value: "NoSchedule"']],
    ['a placement spread constraint by rack', fed({ placement: { spreadConstraints: [{ spreadByField: 'rack' }] } }), ['spec.placement.spreadConstraints[0].spreadByField: Unsupported value: "rack"']],
    ['a placement affinity with a bad label value', fed({ placement: { clusterAffinities: [{ affinityName: 'x', labelSelector: { matchLabels: { tier: 'no way' } } }] } }), ['spec.placement.clusterAffinities[0].labelSelector.matchLabels[tier]: Invalid value: "no way"']],
    ['a placement affinity with a duplicate cluster', fed({ placement: { clusterAffinities: [{ affinityName: 'x', clusterNames: ['a', 'a'] }] } }), ['spec.placement.clusterAffinities[0].clusterNames[1]: Duplicate value: "a"']],
    // Cluster taints
    ['taints not a list', cluster({ key: 'a' }), ['spec.taints: Invalid value']],
    ['a taint without key', cluster([{ effect: 'NoSchedule' }]), ['spec.taints[0].key: Required value']],
    ['a taint key that is not a qualified name', cluster([{ key: 'a/b/c', effect: 'NoSchedule' }]), ['spec.taints[0].key: Invalid value: "a/b/c"']],
    ['a taint value that is not a label value', cluster([{ key: 'a', value: 'x y', effect: 'NoSchedule' }]), ['spec.taints[0].value: Invalid value: "x y"']],
    ['a taint without effect', cluster([{ key: 'a' }]), ['spec.taints[0].effect: Required value']],
    ['a taint with an unknown effect', cluster([{ key: 'a', effect: 'NoEntry' }], 'KubeFedCluster'), ['spec.taints[0].effect: Unsupported value: "NoEntry": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"']],
    ['a taint with a bad timeAdded', cluster([{ key: 'a', effect: 'NoExecute', timeAdded: 'yesterday' }]), ['spec.taints[0].timeAdded: Invalid value: "yesterday": must be an RFC 3339 time']],
    ['two taints of one key and effect', cluster([{ key: 'a', effect: 'NoSchedule' }, { key: 'a', effect: 'NoExecute' }, { key: 'a', value: 'v', effect: 'NoSchedule' }]), ['spec.taints[2]: Duplicate value: {"key":"a","effect":"NoSchedule"}']],
    // ReplicaSchedulingPreference
    ['an RSP without spec', rsp(undefined), ['spec: Required value']],
    ['an RSP without targetKind', rsp({ totalReplicas: 1 }), ['spec.targetKind: Required value']],
    ['an RSP for a ConfigMap', rsp({ targetKind: 'FederatedConfigMap', totalReplicas: 1 }), ['spec.targetKind: Unsupported value: "FederatedConfigMap"']],
    ['an RSP without totalReplicas', rsp({ targetKind: 'FederatedDeployment' }), ['spec.totalReplicas: Required value']],
    ['an RSP with negative totalReplicas', rsp({ targetKind: 'FederatedDeployment', totalReplicas: -1 }), ['spec.totalReplicas: Invalid value: -1: must be greater than or equal to 0']],
    ['an RSP with a negative weight', rsp({ targetKind: 'FederatedDeployment', totalReplicas: 1, clusters: { a: { weight: -2 } } }), ['spec.clusters[a].weight: Invalid value: -2']],
    ['an RSP with negative minReplicas', rsp({ targetKind: 'FederatedReplicaSet', totalReplicas: 1, clusters: { '*': { minReplicas: -1 } } }), ['spec.clusters[*].minReplicas: Invalid value: -1']],
    ['an RSP with maxReplicas below minReplicas', rsp({ targetKind: 'Deployment', totalReplicas: 1, clusters: { b: { minReplicas: 3, maxReplicas: 2 } } }), ['spec.clusters[b].maxReplicas: Invalid value: 2: must be greater than or equal to minReplicas (3)']],
    ['an RSP cluster that is not an object', rsp({ targetKind: 'Deployment', totalReplicas: 1, clusters: { b: 3 } }), ['spec.clusters[b]: Invalid value: 3']],
    // FederatedTypeConfig
    ['an FTC without targetType', ftc((s) => delete s.targetType), ['spec.targetType: Required value']],
    ['an FTC without kind', ftc((s) => delete s.targetType.kind), ['spec.targetType.kind: Required value']],
    ['an FTC without version', ftc((s) => delete s.targetType.version), ['spec.targetType.version: Required value']],
    ['an FTC without pluralName', ftc((s) => (s.targetType.pluralName = '')), ['spec.targetType.pluralName: Required value']],
    ['an FTC with a bad scope', ftc((s) => (s.targetType.scope = 'Global')), ['spec.targetType.scope: Unsupported value: "Global": supported values: "Namespaced", "Cluster"']],
    ['an FTC without scope', ftc((s) => delete s.targetType.scope), ['spec.targetType.scope: Required value']],
    ['an FTC with a bad federatedType scope', ftc((s) => (s.federatedType.scope = 'x')), ['spec.federatedType.scope: Unsupported value: "x"']],
    ['an FTC with a bad propagation', ftc((s) => (s.propagation = 'On')), ['spec.propagation: Unsupported value: "On": supported values: "Enabled", "Disabled"']],
    ['an FTC without propagation', ftc((s) => delete s.propagation), ['spec.propagation: Required value']],
    ['an FTC with a bad kind', ftc((s) => (s.targetType.kind = 'Web Server')), ['spec.targetType.kind: Invalid value: "Web Server"']],
    ['an FTC with a bad plural', ftc((s) => (s.targetType.pluralName = 'web_servers')), ['spec.targetType.pluralName: Invalid value: "web_servers"']],
    ['an FTC with a bad group', ftc((s) => (s.targetType.group = 'Apps!')), ['spec.targetType.group: Invalid value: "Apps!"']],
  ])('%s', (_name, obj, expected) => {
    const msgs = check(obj).map(errorMessage);
    expect(msgs.length).toBeGreaterThan(0);
    for (const e of expected) expect(msgs.some((m) => m.includes(e)), `${JSON.stringify(msgs)} should include ${e}`).toBe(true);
    // Every error names a field.
    for (const e of check(obj)) expect(e.field).toMatch(/^(spec|metadata)/);
  });
});

describe('the admission plug-in', () => {
  const type = (group: string, kind: string) => ({ group, kind }) as unknown as ResourceType;
  const bad = fed({ placement: { clusters: [{ name: 'a' }, { name: 'a' }] } });

  it('checks creates and updates', () => {
    const a = federationAdmission();
    expect(a.validate({ type: type('types.kubefed.io', 'FederatedDeployment'), obj: bad, operation: 'create' })).toHaveLength(1);
    expect(a.validate({ type: type('types.kubefed.io', 'FederatedDeployment'), obj: bad, old: fed({}), operation: 'update' })).toHaveLength(1);
  });

  it('leaves status writes and objects being deleted alone', () => {
    const a = federationAdmission();
    expect(a.validate({ type: type('types.kubefed.io', 'FederatedDeployment'), obj: bad, old: bad, operation: 'update', subresource: 'status' })).toEqual([]);
    const deleting = { ...bad, metadata: { ...bad.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };
    expect(a.validate({ type: type('types.kubefed.io', 'FederatedDeployment'), obj: deleting, old: deleting, operation: 'update' })).toEqual([]);
  });

  it('does not look at the spec of kinds outside the federation groups', () => {
    const a = federationAdmission();
    expect(a.validate({ type: type('apps', 'Deployment'), obj: { ...bad, apiVersion: 'apps/v1', kind: 'Deployment' }, operation: 'create' })).toEqual([]);
  });

  it('adds the sync finalizer to new objects the federation propagates, once', () => {
    const a = federationAdmission({ propagated: (t, o) => t.kind === 'ConfigMap' && o.metadata?.namespace !== 'kube-system' });
    const cases: [string, KObject, string[] | undefined][] = [
      ['propagated', { metadata: { name: 'a', namespace: 'ns' } }, [SYNC_FINALIZER]],
      ['keeps other finalizers', { metadata: { name: 'a', namespace: 'ns', finalizers: ['example.com/x'] } }, ['example.com/x', SYNC_FINALIZER]],
      ['already there', { metadata: { name: 'a', namespace: 'ns', finalizers: [SYNC_FINALIZER] } }, [SYNC_FINALIZER]],
      ['not propagated', { metadata: { name: 'a', namespace: 'kube-system' } }, undefined],
    ];
    for (const [what, obj, want] of cases) {
      a.mutateCreate!({ type: type('', 'ConfigMap'), obj });
      expect(obj.metadata?.finalizers, what).toEqual(want);
    }
    const plain = { metadata: { name: 'a', namespace: 'ns' } };
    federationAdmission().mutateCreate!({ type: type('', 'ConfigMap'), obj: plain });
    expect(plain.metadata).toEqual({ name: 'a', namespace: 'ns' });
  });
});
