/** The scheduler's building blocks: quantities, pod requests, tolerations, node affinity, reasons, eviction deadlines. */
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { evictionDeadline } from '../../src/playground/cluster/node-lifecycle.js';
import {
  cpuMillis,
  effectiveTaints,
  filterNode,
  nodeAffinityMatches,
  podRequests,
  quantityValue,
  toleratesTaint,
  unschedulableMessage,
} from '../../src/playground/cluster/scheduler.js';

const node = (name: string, labels: Record<string, string> = {}, extra: KObject = {}): KObject => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
  spec: extra.spec ?? {},
  status: { allocatable: { cpu: '2', memory: '4Gi', pods: '3' }, conditions: [{ type: 'Ready', status: 'True' }], ...(extra.status ?? {}) },
});
const usage = (over: Partial<{ requested: Map<string, bigint>; pods: number }> = {}) => ({ requested: new Map(), scoreCpu: 0, scoreMem: 0, pods: 0, hostPorts: new Set<string>(), ...over });

describe('quantities', () => {
  it('parses cpu into millicores and memory into bytes', () => {
    expect(cpuMillis('500m')).toBe(500);
    expect(cpuMillis('1')).toBe(1000);
    expect(cpuMillis('2.5')).toBe(2500);
    expect(cpuMillis('1e3')).toBe(1_000_000);
    expect(cpuMillis(2)).toBe(2000);
    expect(cpuMillis('0.1m')).toBe(1);
    expect(quantityValue('128Mi')).toBe(128 * 1024 * 1024);
    expect(quantityValue('1G')).toBe(1_000_000_000);
    expect(quantityValue('1e3')).toBe(1000);
    expect(quantityValue('1.5Gi')).toBe(1.5 * 1024 ** 3);
    expect(quantityValue('bogus')).toBe(0);
  });

  it('sums container requests, falls back to limits, and takes init containers as a maximum', () => {
    const r = podRequests({
      spec: {
        containers: [
          { name: 'a', resources: { requests: { cpu: '250m', memory: '64Mi' } } },
          { name: 'b', resources: { limits: { cpu: '500m', memory: '128Mi' } } },
        ],
        initContainers: [{ name: 'init', resources: { requests: { cpu: '2', memory: '1Mi' } } }],
        overhead: { memory: '1Mi' },
      },
    });
    expect(r.get('cpu')).toBe(2_000_000_000n);
    expect(r.get('memory')).toBe(BigInt((192 + 1) * 1024 * 1024) * 1_000_000_000n);
  });
});

describe('tolerations', () => {
  it('follow ToleratesTaint', () => {
    const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
    expect(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'dedicated', value: 'gpu' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'dedicated', operator: 'Equal', value: 'cpu' }, taint)).toBe(false);
    expect(toleratesTaint({ key: 'dedicated', operator: 'Exists' }, taint)).toBe(true);
    expect(toleratesTaint({ operator: 'Exists' }, taint)).toBe(true);
    expect(toleratesTaint({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, taint)).toBe(false);
    expect(toleratesTaint({ key: 'other', operator: 'Exists' }, taint)).toBe(false);
  });

  it('treat a node that is not Ready as tainted', () => {
    const n = node('n', {}, { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } });
    expect(effectiveTaints(n)).toEqual([{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }]);
    const f = node('n', {}, { status: { conditions: [{ type: 'Ready', status: 'False' }] } });
    expect(effectiveTaints(f)).toEqual([{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
    expect(filterNode({ spec: {} }, n, usage()).reasons).toEqual(['node(s) had untolerated taint {node.kubernetes.io/unreachable: }']);
  });
});

describe('node affinity', () => {
  const n = node('n1', { zone: 'a', size: '8' });
  const affinity = (terms: KObject[]): KObject => ({ spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } } });

  it('matches nodeSelector and expressions', () => {
    expect(nodeAffinityMatches({ spec: { nodeSelector: { zone: 'a' } } }, n)).toBe(true);
    expect(nodeAffinityMatches({ spec: { nodeSelector: { zone: 'b' } } }, n)).toBe(false);
    expect(nodeAffinityMatches(affinity([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }]), n)).toBe(true);
    expect(nodeAffinityMatches(affinity([{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }]), n)).toBe(false);
    expect(nodeAffinityMatches(affinity([{ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }]), n)).toBe(true);
    expect(nodeAffinityMatches(affinity([{ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }]), n)).toBe(false);
    expect(nodeAffinityMatches(affinity([{ matchExpressions: [{ key: 'size', operator: 'Gt', values: ['4'] }] }]), n)).toBe(true);
    expect(nodeAffinityMatches(affinity([{ matchExpressions: [{ key: 'size', operator: 'Lt', values: ['4'] }] }]), n)).toBe(false);
    // Expressions in a term are ANDed, terms ORed; an empty term matches nothing.
    expect(nodeAffinityMatches(affinity([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'gpu', operator: 'Exists' }] }]), n)).toBe(false);
    expect(nodeAffinityMatches(affinity([{ matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]), n)).toBe(true);
    expect(nodeAffinityMatches(affinity([{}]), n)).toBe(false);
  });
});

describe('fitting and messages', () => {
  it('reports insufficient resources and too many pods', () => {
    const n = node('n');
    const pod = { spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1500m', memory: '3Gi' } } }] } };
    expect(filterNode(pod, n, usage()).reasons).toEqual([]);
    expect(filterNode(pod, n, usage({ requested: new Map([['cpu', 1_000_000_000_000n]]) })).reasons).toEqual(['Insufficient cpu']);
    expect(filterNode(pod, n, usage({ pods: 3, requested: new Map([['memory', 2n * 1024n ** 3n * 1_000_000_000n]]) })).reasons).toEqual(['Too many pods', 'Insufficient memory']);
    expect(filterNode({ spec: { containers: [{ name: 'c', resources: { requests: { 'example.com/gpu': '1' } } }] } }, n, usage()).reasons).toEqual(['Insufficient example.com/gpu']);
    expect(filterNode(pod, node('u', {}, { spec: { unschedulable: true } }), usage()).reasons).toEqual(['node(s) were unschedulable']);
  });

  it('formats the FitError like kube-scheduler', () => {
    const results = [
      { reasons: ['Insufficient cpu'], resolvable: true },
      { reasons: ['Insufficient cpu', 'Insufficient memory'], resolvable: true },
      { reasons: ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'], resolvable: false },
    ];
    expect(unschedulableMessage({ spec: {} }, 3, results)).toBe(
      '0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
    expect(unschedulableMessage({ spec: { preemptionPolicy: 'Never' } }, 1, [{ reasons: ['Insufficient cpu'], resolvable: true }])).toBe(
      '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
    );
    expect(unschedulableMessage({ spec: {} }, 0, [])).toBe('no nodes available to schedule pods');
  });
});

describe('eviction deadlines', () => {
  const added = '2030-01-01T00:00:00Z';
  const t0 = Date.parse(added);
  const taints = [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: added }];
  it('are immediate without a toleration, after tolerationSeconds with one, never without seconds', () => {
    expect(evictionDeadline({ spec: {} }, taints)).toBe(0);
    expect(evictionDeadline({ spec: { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] } }, taints)).toBe(t0 + 300_000);
    expect(evictionDeadline({ spec: { tolerations: [{ operator: 'Exists' }] } }, taints)).toBeUndefined();
    expect(evictionDeadline({ spec: { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }] } }, taints)).toBe(0);
  });
});
