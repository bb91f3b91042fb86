import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { DEFAULT_PREFERENCES, DEPLOYMENT_PREFERENCES_ANNOTATION, RS_PREFERENCES_ANNOTATION } from '../../src/federation/placement/preferences.js';
import {
  estimateCapacity,
  podSelector,
  selectPreferences,
  templateReplicas,
  unschedulableSince,
  type PreferenceSource,
} from '../../src/federation/scheduling/replica-scheduler.js';
import { DEFAULT_TARGET_TYPES, typeInfo } from '../../src/federation/types.js';

const deployType = typeInfo(DEFAULT_TARGET_TYPES.find((t) => t.kind === 'Deployment')!);
const rsType = typeInfo(DEFAULT_TARGET_TYPES.find((t) => t.kind === 'ReplicaSet')!);

const rsp = (targetKind: string, extra: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'scheduling.kubefed.io/v1alpha1',
  kind: 'ReplicaSchedulingPreference',
  metadata: { name: 'web', namespace: 'ns' },
  spec: { targetKind, totalReplicas: 12, clusters: { a: { weight: 2 }, b: { minReplicas: 1, maxReplicas: 3 } }, ...extra },
});

const plainDeploy = (annotations: Record<string, string> = {}, replicas?: number): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', annotations },
  spec: replicas === undefined ? {} : { replicas },
});

describe('selectPreferences', () => {
  interface Case {
    name: string;
    style: 'plain' | 'federated';
    type?: typeof deployType;
    source?: KObject;
    rsp?: KObject;
    want: { source: PreferenceSource; total: number; rebalance?: boolean; clusters?: Record<string, unknown>; error?: RegExp };
  }
  const cases: Case[] = [
    { name: 'federated without RSP: default source (schedule() then leaves replicas undivided)', style: 'federated', want: { source: 'default', total: 5, clusters: { '*': { weight: 1 } } } },
    { name: 'federated with a matching RSP: its preferences and total', style: 'federated', rsp: rsp('FederatedDeployment'), want: { source: 'rsp', total: 12, clusters: { a: { weight: 2 }, b: { minReplicas: 1, maxReplicas: 3 } } } },
    { name: 'federated with an RSP for another kind: ignored', style: 'federated', rsp: rsp('FederatedReplicaSet'), want: { source: 'default', total: 5 } },
    { name: 'federated with an RSP targeting the plain kind: ignored', style: 'federated', rsp: rsp('Deployment'), want: { source: 'default', total: 5 } },
    { name: 'RSP without totalReplicas keeps the template total', style: 'federated', rsp: { ...rsp('FederatedDeployment'), spec: { targetKind: 'FederatedDeployment', rebalance: true } }, want: { source: 'rsp', total: 5, rebalance: true, clusters: { '*': { weight: 1 } } } },
    { name: 'RSP being deleted: ignored', style: 'federated', rsp: { ...rsp('FederatedDeployment'), metadata: { name: 'web', namespace: 'ns', deletionTimestamp: '2024-01-01T00:00:00Z' } }, want: { source: 'default', total: 5 } },
    {
      name: 'plain with the deployment annotation (cluster names case-insensitive)',
      style: 'plain',
      source: plainDeploy({ [DEPLOYMENT_PREFERENCES_ANNOTATION]: '{"rebalance":true,"clusters":{"A":{"weight":3}}}' }, 5),
      rsp: rsp('Deployment'),
      want: { source: 'annotation', total: 5, rebalance: true, clusters: { a: { weight: 3 } } },
    },
    { name: 'plain Deployment with the replica-set annotation', style: 'plain', source: plainDeploy({ [RS_PREFERENCES_ANNOTATION]: '{"clusters":{"b":{"weight":1}}}' }, 5), want: { source: 'annotation', total: 5, clusters: { b: { weight: 1 } } } },
    { name: 'plain without annotation: RSP targeting the plain kind', style: 'plain', source: plainDeploy({}, 5), rsp: rsp('Deployment'), want: { source: 'rsp', total: 12 } },
    { name: 'plain without annotation: RSP for Federated<Kind> ignored', style: 'plain', source: plainDeploy({}, 5), rsp: rsp('FederatedDeployment'), want: { source: 'default', total: 5 } },
    { name: 'plain with an invalid annotation falls back to the RSP', style: 'plain', source: plainDeploy({ [DEPLOYMENT_PREFERENCES_ANNOTATION]: '{nope' }, 5), rsp: rsp('Deployment'), want: { source: 'rsp', total: 12, error: /not valid JSON/ } },
    { name: 'plain with an invalid annotation and no RSP: even', style: 'plain', source: plainDeploy({ [DEPLOYMENT_PREFERENCES_ANNOTATION]: '{"clusters":{"a":{"weight":-1}}}' }, 5), want: { source: 'default', total: 5, error: /non-negative/ } },
    { name: 'ReplicaSet ignores the deployment annotation', style: 'plain', type: rsType, source: { ...plainDeploy({ [DEPLOYMENT_PREFERENCES_ANNOTATION]: '{"clusters":{"a":{"weight":1}}}' }, 2), kind: 'ReplicaSet' }, want: { source: 'default', total: 2 } },
    { name: 'plain without replicas: total 1', style: 'plain', source: plainDeploy(), want: { source: 'default', total: 1 } },
  ];
  it.each(cases)('$name', (c) => {
    const source = c.source ?? { apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedDeployment', metadata: { name: 'web', namespace: 'ns' } };
    const template = c.style === 'plain' ? source : { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'ns' }, spec: { replicas: 5 } };
    const got = selectPreferences({ type: c.type ?? deployType, source, sourceStyle: c.style, template }, c.rsp, ['a', 'b', 'c']);
    expect(got.source).toBe(c.want.source);
    expect(got.totalReplicas).toBe(c.want.total);
    if (c.want.clusters) expect(got.preferences.clusters).toEqual(c.want.clusters);
    if (c.want.rebalance !== undefined) expect(!!got.preferences.rebalance).toBe(c.want.rebalance);
    if (c.want.source === 'default') expect(got.preferences).toBe(DEFAULT_PREFERENCES);
    if (c.want.error) expect(got.error).toMatch(c.want.error);
    else expect(got.error).toBeUndefined();
  });
});

describe('templateReplicas', () => {
  it.each([
    [{ replicas: 7 }, 7],
    [{ replicas: 0 }, 0],
    [{}, 1],
    [{ replicas: -2 }, 1],
    [{ replicas: '3' }, 1],
  ])('%j gives %d', (spec, want) => expect(templateReplicas({ spec })).toBe(want));
});

const NOW = Date.parse('2024-05-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const pod = (o: { phase?: string; node?: string; scheduled?: { status: string; reason?: string; since: number }; deleting?: boolean }): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'ns', ...(o.deleting ? { deletionTimestamp: ago(0) } : {}) },
  spec: { ...(o.node ? { nodeName: o.node } : {}) },
  status: {
    phase: o.phase ?? 'Pending',
    conditions: o.scheduled ? [{ type: 'PodScheduled', status: o.scheduled.status, reason: o.scheduled.reason, lastTransitionTime: ago(o.scheduled.since) }] : [],
  },
});
const stuck = (since: number) => pod({ scheduled: { status: 'False', reason: 'Unschedulable', since } });

describe('unschedulableSince', () => {
  it.each([
    ['pending unschedulable', stuck(90), NOW - 90_000],
    ['running', pod({ phase: 'Running', node: 'n1', scheduled: { status: 'True', since: 90 } }), undefined],
    ['pending but bound to a node', pod({ node: 'n1', scheduled: { status: 'False', reason: 'Unschedulable', since: 90 } }), undefined],
    ['pending without conditions', pod({}), undefined],
    ['PodScheduled False for another reason', pod({ scheduled: { status: 'False', reason: 'SchedulerError', since: 90 } }), undefined],
    ['being deleted', pod({ deleting: true, scheduled: { status: 'False', reason: 'Unschedulable', since: 90 } }), undefined],
  ])('%s', (_n, p, want) => expect(unschedulableSince(p)).toBe(want));
});

describe('estimateCapacity', () => {
  it.each([
    { name: 'no pods: unlimited', current: 3, pods: [], want: { stuck: 0 } },
    { name: 'all running: unlimited', current: 3, pods: [pod({ phase: 'Running', node: 'n' })], want: { stuck: 0 } },
    { name: 'two stuck past 60 s', current: 5, pods: [stuck(61), stuck(120), pod({ phase: 'Running', node: 'n' })], want: { stuck: 2, capacity: 3 } },
    { name: 'unschedulable for less than 60 s: not yet, due later', current: 5, pods: [stuck(30)], want: { stuck: 0, nextDueMs: NOW + 30_000 } },
    { name: 'exactly at the threshold: not yet', current: 5, pods: [stuck(60)], want: { stuck: 0, nextDueMs: NOW } },
    { name: 'mixed: the earliest due time', current: 4, pods: [stuck(100), stuck(10), stuck(50)], want: { stuck: 1, capacity: 3, nextDueMs: NOW + 10_000 } },
    { name: 'more stuck than replicas: capacity 0', current: 1, pods: [stuck(100), stuck(100)], want: { stuck: 2, capacity: 0 } },
  ])('$name', ({ current, pods, want }) => expect(estimateCapacity(current, pods, NOW, 60_000)).toEqual(want));
});

// The division itself (borrowed replicas, capacity, failover) is tested on planWorkload: test/unit/workload-plan.test.ts.

describe('podSelector', () => {
  it.each([
    [{ spec: { selector: { matchLabels: { app: 'web' } } } }, { matchLabels: { app: 'web' } }],
    [{ spec: { selector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] } } }, { matchExpressions: [{ key: 'app', operator: 'Exists' }] }],
    [{ spec: { template: { metadata: { labels: { app: 'x' } } } } }, { matchLabels: { app: 'x' } }],
    [{ spec: {} }, undefined],
  ])('%j', (t, want) => expect(podSelector(t)).toEqual(want));
});
