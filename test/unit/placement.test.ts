import { describe, expect, it } from 'vitest';
import { errorMessage } from '../../src/apis/validation/field.js';
import { clusterMatches, parseClusterSelector } from '../../src/federation/placement/cluster-selector.js';
import { applyOverrides, overridesFor, validateOverrides } from '../../src/federation/placement/overrides.js';
import { placedClusters, v1Clusters, withinNamespace, type ClusterInfo } from '../../src/federation/placement/placement.js';
import { DEFAULT_PREFERENCES, parsePreferencesAnnotation, parseWorkloadPreferences, rspPreferences, rspWorkloadPreferences, v1Preferences, v1WorkloadPreferences } from '../../src/federation/placement/preferences.js';
import { mergePolicies, parseSchedulingPolicy, parseTaints, placementPolicy } from '../../src/federation/placement/scheduling-policy.js';

const clusters: ClusterInfo[] = [
  { name: 'us-a', labels: { region: 'us', tier: 'gold', size: '10' } },
  { name: 'us-b', labels: { region: 'us', size: '3' } },
  { name: 'eu-a', labels: { region: 'eu', tier: 'silver', size: '7' } },
];

describe('Federation v1 cluster selector', () => {
  it.each([
    ['In', '[{"key":"region","operator":"In","values":["us"]}]', ['us-a', 'us-b']],
    ['in (lower case)', '[{"key":"region","operator":"in","values":["eu","asia"]}]', ['eu-a']],
    ['NotIn', '[{"key":"region","operator":"NotIn","values":["us"]}]', ['eu-a']],
    ['notin on a missing label selects', '[{"key":"tier","operator":"notin","values":["gold"]}]', ['us-b', 'eu-a']],
    ['Exists', '[{"key":"tier","operator":"Exists"}]', ['us-a', 'eu-a']],
    ['DoesNotExist', '[{"key":"tier","operator":"DoesNotExist"}]', ['us-b']],
    ['!', '[{"key":"tier","operator":"!"}]', ['us-b']],
    ['=', '[{"key":"tier","operator":"=","values":["gold"]}]', ['us-a']],
    ['==', '[{"key":"tier","operator":"==","values":["silver"]}]', ['eu-a']],
    ['!=', '[{"key":"region","operator":"!=","values":["us"]}]', ['eu-a']],
    ['Gt', '[{"key":"size","operator":"Gt","values":["5"]}]', ['us-a', 'eu-a']],
    ['>', '[{"key":"size","operator":">","values":["7"]}]', ['us-a']],
    ['lt', '[{"key":"size","operator":"lt","values":["7"]}]', ['us-b']],
    ['<', '[{"key":"size","operator":"<","values":["100"]}]', ['us-a', 'us-b', 'eu-a']],
    ['several requirements are ANDed', '[{"key":"region","operator":"in","values":["us"]},{"key":"tier","operator":"exists"}]', ['us-a']],
    ['an empty list selects all', '[]', ['us-a', 'us-b', 'eu-a']],
  ])('%s', (_name, json, expected) => {
    const reqs = parseClusterSelector(json);
    expect(clusters.filter((c) => clusterMatches(reqs, c.labels)).map((c) => c.name)).toEqual(expected);
  });

  it.each([
    ['not JSON', '{', 'is not valid JSON'],
    ['not a list', '{"key":"a"}', 'must be a JSON list'],
    ['a missing key', '[{"operator":"In","values":["a"]}]', '[0].key must be a non-empty string'],
    ['an unknown operator', '[{"key":"a","operator":"Near","values":["x"]}]', '[0].operator: unsupported operator "Near"'],
    ['In without values', '[{"key":"a","operator":"In","values":[]}]', '[0].values must not be empty for In'],
    ['Exists with values', '[{"key":"a","operator":"Exists","values":["x"]}]', '[0].values must be empty for Exists'],
    ['Gt with a word', '[{"key":"a","operator":"Gt","values":["many"]}]', '[0].values must hold exactly one integer for Gt'],
    ['= with two values', '[{"key":"a","operator":"=","values":["x","y"]}]', '[0].values must hold exactly one value for ='],
  ])('rejects %s', (_name, json, message) => {
    expect(() => parseClusterSelector(json)).toThrow(message);
  });

  it('applies to plain objects through the annotation, or selects every cluster', () => {
    expect(v1Clusters({ metadata: {} }, clusters)).toEqual(['us-a', 'us-b', 'eu-a']);
    expect(v1Clusters({ metadata: { annotations: { 'federation.alpha.kubernetes.io/cluster-selector': '[{"key":"region","operator":"=","values":["eu"]}]' } } }, clusters)).toEqual(['eu-a']);
  });
});

describe('KubeFed v2 placement', () => {
  it.each([
    ['a cluster list', { clusters: [{ name: 'eu-a' }, { name: 'us-b' }] }, ['us-b', 'eu-a']],
    ['an empty cluster list selects none, even with a selector', { clusters: [], clusterSelector: {} }, []],
    ['a list wins over a selector', { clusters: [{ name: 'us-a' }], clusterSelector: { matchLabels: { region: 'eu' } } }, ['us-a']],
    ['an empty selector selects all', { clusterSelector: {} }, ['us-a', 'us-b', 'eu-a']],
    ['a label selector', { clusterSelector: { matchLabels: { region: 'us' } } }, ['us-a', 'us-b']],
    ['match expressions', { clusterSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'silver'] }] } }, ['us-a', 'eu-a']],
    ['unknown cluster names are ignored', { clusters: [{ name: 'mars' }, { name: 'us-a' }] }, ['us-a']],
    ['neither selects none', {}, []],
    ['a null selector selects none', { clusterSelector: null }, []],
    ['no placement selects none', undefined, []],
  ])('%s', (_name, placement, expected) => {
    expect(placedClusters(placement as never, clusters)).toEqual(expected);
  });

  it('limits namespaced objects to their namespace clusters', () => {
    expect(withinNamespace(['us-a', 'us-b', 'eu-a'], ['us-b', 'eu-a'])).toEqual(['us-b', 'eu-a']);
    expect(withinNamespace(['us-a'], undefined)).toEqual(['us-a']);
    expect(withinNamespace(['us-a'], [])).toEqual([]);
  });
});

describe('overrides', () => {
  it('accepts well-formed overrides', () => {
    expect(
      validateOverrides([
        { clusterName: 'us-a', clusterOverrides: [{ path: '/spec/replicas', value: 5 }, { op: 'add', path: '/metadata/labels/x', value: 'y' }, { op: 'remove', path: '/metadata/annotations' }] },
        { clusterName: 'eu-a', clusterOverrides: [] },
      ]),
    ).toEqual([]);
  });

  it.each([
    ['a list is required', { clusterName: 'a' }, 'spec.overrides: Invalid value: {"clusterName":"a"}: must be a list of {clusterName, clusterOverrides}'],
    ['a cluster name is required', [{ clusterOverrides: [] }], 'spec.overrides[0].clusterName: Required value'],
    ['a cluster listed twice', [{ clusterName: 'a' }, { clusterName: 'a' }], 'spec.overrides[1].clusterName: Duplicate value: "a"'],
    ['an unknown op', [{ clusterName: 'a', clusterOverrides: [{ op: 'move', path: '/spec/x' }] }], 'spec.overrides[0].clusterOverrides[0].op: Unsupported value: "move": supported values: "add", "remove", "replace"'],
    ['a missing path', [{ clusterName: 'a', clusterOverrides: [{ op: 'remove' }] }], 'spec.overrides[0].clusterOverrides[0].path: Required value'],
    ['a path that is not a pointer', [{ clusterName: 'a', clusterOverrides: [{ path: 'spec.replicas', value: 1 }] }], 'spec.overrides[0].clusterOverrides[0].path: Invalid value: "spec.replicas": must be a JSON pointer starting with "/"'],
    ['the name', [{ clusterName: 'a', clusterOverrides: [{ path: '/metadata/name', value: 'x' }] }], 'spec.overrides[0].clusterOverrides[0].path: Forbidden: /metadata/name may not be overridden'],
    ['the namespace', [{ clusterName: 'a', clusterOverrides: [{ path: '/metadata/namespace', value: 'x' }] }], '/metadata/namespace may not be overridden'],
    ['generateName', [{ clusterName: 'a', clusterOverrides: [{ path: '/metadata/generateName', value: 'x' }] }], '/metadata/generateName may not be overridden'],
    ['the kind', [{ clusterName: 'a', clusterOverrides: [{ path: '/kind', value: 'X' }] }], '/kind may not be overridden'],
    ['a path listed twice', [{ clusterName: 'a', clusterOverrides: [{ path: '/spec/replicas', value: 1 }, { path: '/spec/replicas', value: 2 }] }], 'spec.overrides[0].clusterOverrides[1].path: Duplicate value: "/spec/replicas"'],
    ['replace without a value', [{ clusterName: 'a', clusterOverrides: [{ op: 'replace', path: '/spec/replicas' }] }], 'spec.overrides[0].clusterOverrides[0].value: Required value: replace needs a value'],
  ])('rejects %s', (_name, overrides, message) => {
    const messages = validateOverrides(overrides).map(errorMessage);
    expect(messages.some((m) => m.includes(message)), messages.join('\n')).toBe(true);
  });

  it('applies a cluster\'s overrides to a copy of the template', () => {
    const tmpl = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } }, spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } } };
    const entries = [{ clusterName: 'us-a', clusterOverrides: [{ path: '/spec/replicas', value: 4 }, { path: '/spec/template/spec/containers/0/image', value: 'nginx:2' }, { op: 'add' as const, path: '/metadata/labels/zone', value: 'us' }] }];
    const out = applyOverrides(tmpl, overridesFor(entries, 'us-a'));
    expect(out.spec.replicas).toBe(4);
    expect(out.spec.template.spec.containers[0].image).toBe('nginx:2');
    expect(out.metadata?.labels).toEqual({ app: 'web', zone: 'us' });
    expect(tmpl.spec.replicas).toBe(1);
    expect(applyOverrides(tmpl, overridesFor(entries, 'eu-a'))).toEqual(tmpl);
    expect(() => applyOverrides(tmpl, [{ op: 'remove', path: '/spec/missing' }])).toThrow('/spec/missing');
  });
});

describe('replica preferences', () => {
  const names = ['gce-us-central1-a', 'gce-us-central1-b'];
  it('parses the seed annotation, matching cluster names case-insensitively', () => {
    const p = parsePreferencesAnnotation('{"rebalance": true, "clusters": {"GCE-US-CENTRAL1-A": {"minReplicas": 2, "maxReplicas": 4, "weight": 1}, "gce-us-central1-b": {"minReplicas": 2, "maxReplicas": 4, "weight": 1}}}', names);
    expect(p).toEqual({ rebalance: true, clusters: { 'gce-us-central1-a': { minReplicas: 2, maxReplicas: 4, weight: 1 }, 'gce-us-central1-b': { minReplicas: 2, maxReplicas: 4, weight: 1 } } });
  });
  it('defaults to weight 1 everywhere', () => {
    expect(v1Preferences({ kind: 'ReplicaSet', metadata: {} }, names)).toEqual(DEFAULT_PREFERENCES);
    expect(parsePreferencesAnnotation('{}', names)).toEqual({ rebalance: false, clusters: { '*': { weight: 1 } } });
  });
  it('reads deployment-preferences on Deployments', () => {
    const p = v1Preferences({ kind: 'Deployment', metadata: { annotations: { 'federation.kubernetes.io/deployment-preferences': '{"clusters":{"*":{"weight":2}}}' } } }, names);
    expect(p.clusters['*']).toEqual({ weight: 2 });
  });
  it.each([
    ['{', 'is not valid JSON'],
    ['[]', 'must be a JSON object'],
    ['{"rebalance":"yes"}', 'rebalance must be true or false'],
    ['{"clusters":[1]}', 'clusters must be an object'],
    ['{"clusters":{"a":{"weight":-1}}}', 'clusters["a"].weight must be a non-negative integer'],
    ['{"clusters":{"a":{"minReplicas":3,"maxReplicas":1}}}', 'clusters["a"].maxReplicas must not be below minReplicas'],
    ['{"clusters":{"a":{"wieght":1}}}', 'clusters["a"] has unknown field(s) wieght'],
  ])('rejects %s', (json, message) => {
    expect(() => parsePreferencesAnnotation(json, names)).toThrow(message);
  });
  it('reads ReplicaSchedulingPreference specs', () => {
    expect(rspPreferences({ spec: { totalReplicas: 9, rebalance: true, clusters: { a: { weight: 2 } } } })).toEqual({ rebalance: true, clusters: { a: { weight: 2 } } });
  });
});

describe('scheduling policy where users give it', () => {
  const names = ['gce-us-central1-a'];
  const policyJson = {
    tolerations: [{ key: 'cluster.kubefed.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }, { key: 'dedicated', value: 'batch', effect: 'NoSchedule' }, { operator: 'Exists', effect: '' }],
    spreadConstraints: [{ spreadByField: 'region', minGroups: 2, maxGroups: 3 }],
    clusterAffinities: [{ affinityName: 'primary', clusterNames: ['gce-us-central1-a'] }, { affinityName: 'backup', labelSelector: { matchLabels: { tier: 'backup' } } }],
    dynamicWeight: 'AvailableReplicas',
  };
  // As parsed: the empty effect is left out.
  const policy = { ...policyJson, tolerations: [...policyJson.tolerations.slice(0, 2), { operator: 'Exists' }] };

  it('the default (no annotation, no RSP) rebalances, so a joining cluster gets its share; an annotation without rebalance does not (Federation v1)', () => {
    expect(DEFAULT_PREFERENCES).toEqual({ rebalance: true, clusters: { '*': { weight: 1 } } });
    expect(parsePreferencesAnnotation('{"clusters":{"*":{"weight":1}}}', names).rebalance).toBe(false);
    expect(v1WorkloadPreferences({ kind: 'Deployment', metadata: {} }, names)).toBeUndefined();
  });

  it('reads the policy from the v1 annotation, keeping rebalance and clusters', () => {
    const got = parseWorkloadPreferences(JSON.stringify({ rebalance: true, clusters: { 'GCE-US-CENTRAL1-A': { weight: 2 } }, ...policyJson }), names);
    expect(got).toEqual({ preferences: { rebalance: true, clusters: { 'gce-us-central1-a': { weight: 2 } } }, policy });
    const ann = { 'federation.kubernetes.io/deployment-preferences': JSON.stringify({ tolerations: [{ operator: 'Exists' }] }) };
    expect(v1WorkloadPreferences({ kind: 'Deployment', metadata: { annotations: ann } }, names)).toEqual({ preferences: { rebalance: false, clusters: { '*': { weight: 1 } } }, policy: { tolerations: [{ operator: 'Exists' }] } });
  });

  it.each([
    ['{"toleration":[]}', 'has unknown field(s) toleration'],
    ['{"tolerations":[{"key":"a","operator":"Exists","effect":"Soon"}]}', 'tolerations[0].effect: Unsupported value: "Soon"'],
    ['{"spreadConstraints":[{"spreadByField":"zone","minGroups":2,"maxGroups":1}]}', 'spreadConstraints[0].maxGroups: Invalid value: 1: must be greater than or equal to minGroups (2)'],
    ['{"clusterAffinities":[{"clusterNames":["a"]}]}', 'clusterAffinities[0].affinityName: Required value'],
    ['{"dynamicWeight":"cpu"}', 'dynamicWeight: Unsupported value: "cpu"'],
  ])('rejects the annotation %s naming the field', (json, message) => {
    expect(() => parseWorkloadPreferences(json, names)).toThrow(message);
    expect(() => parsePreferencesAnnotation(json, names)).toThrow(message);
  });

  it('reads the policy from a ReplicaSchedulingPreference spec', () => {
    expect(rspWorkloadPreferences({ spec: { targetKind: 'FederatedDeployment', totalReplicas: 3, ...policyJson } })).toEqual({ preferences: { rebalance: false, clusters: { '*': { weight: 1 } } }, policy });
    expect(() => rspWorkloadPreferences({ spec: { spreadConstraints: [{ spreadByField: 'rack' }] } })).toThrow('spec.spreadConstraints[0].spreadByField: Unsupported value: "rack"');
  });

  it('reads the policy of spec.placement (without dynamicWeight)', () => {
    const { dynamicWeight: _dw, ...placementOnly } = policy;
    expect(placementPolicy({ clusterSelector: {}, ...policyJson })).toEqual(placementOnly);
    expect(placementPolicy(undefined)).toEqual({});
    expect(placementPolicy({ clusters: [{ name: 'a' }] })).toEqual({});
    expect(() => placementPolicy({ tolerations: [{ key: 'a', operator: 'Exists', value: 'x' }] })).toThrow("spec.placement.tolerations[0].value: Invalid value: \"x\": value must be empty when `operator` is 'Exists'");
  });

  it('leaves out what is wrong and reports it', () => {
    const { policy: got, errors } = parseSchedulingPolicy({ tolerations: [{ operator: 'Exists' }, { key: 'a', operator: 'Near' }], dynamicWeight: 'x' });
    expect(got).toEqual({ tolerations: [{ operator: 'Exists' }] });
    expect(errors.map(errorMessage)).toEqual(['tolerations[1].operator: Unsupported value: "Near": supported values: "Exists", "Equal"', 'dynamicWeight: Unsupported value: "x": supported values: "AvailableReplicas"']);
  });

  it('an RSP\'s policy wins over its workload\'s placement, field by field', () => {
    const placement = { tolerations: [{ operator: 'Exists' as const }], spreadConstraints: [{ spreadByField: 'zone' as const }] };
    const rsp = { spreadConstraints: [{ spreadByField: 'region' as const }], dynamicWeight: 'AvailableReplicas' as const };
    expect(mergePolicies(rsp, placement)).toEqual({ tolerations: [{ operator: 'Exists' }], spreadConstraints: [{ spreadByField: 'region' }], dynamicWeight: 'AvailableReplicas' });
  });

  it('reads cluster taints', () => {
    const { taints, errors } = parseTaints([{ key: 'a', value: 'b', effect: 'NoSchedule' }, { key: 'a', effect: 'NoExecute', timeAdded: '2024-05-01T12:00:00Z' }, { key: 'a', effect: 'NoSchedule' }]);
    expect(taints).toEqual([{ key: 'a', value: 'b', effect: 'NoSchedule' }, { key: 'a', effect: 'NoExecute', timeAdded: '2024-05-01T12:00:00Z' }]);
    expect(errors.map(errorMessage)).toEqual(['spec.taints[2]: Duplicate value: {"key":"a","effect":"NoSchedule"}']);
    expect(parseTaints(undefined)).toEqual({ taints: [], errors: [] });
  });
});
