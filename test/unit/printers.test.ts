import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { age, humanDuration, shortHumanDuration } from '../../src/apiserver/printers/age.js';
import * as p from '../../src/apiserver/printers/builtin.js';
import { defaultCrdPrinter, jsonPathResults, printerFromColumns } from '../../src/apiserver/printers/crd-columns.js';
import type { TablePrinter } from '../../src/apiserver/registry/types.js';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
/** An RFC 3339 timestamp `ms` before NOW. */
const ago = (ms: number): string => new Date(NOW - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const microAgo = (ms: number): string => new Date(NOW - ms).toISOString().replace(/Z$/, '000Z');
const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: 'default',
  creationTimestamp: ago(5 * H),
  ...extra,
});

const running = { running: { startedAt: ago(5 * H) } };
const container = (name: string, image = `${name}:1.0`) => ({ name, image });

describe('humanDuration', () => {
  it.each([
    [0, '0s'],
    [-1500, '0s'],
    [-2 * S, '<invalid>'],
    [999, '0s'],
    [59 * S, '59s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [5 * M + 3 * S, '5m3s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 10 * M, '3h10m'],
    [8 * H + 30 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [2 * D + 4 * H, '2d4h'],
    [8 * D + 5 * H, '8d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [760 * D, '2y30d'],
    [8 * 365 * D, '8y'],
    [10 * 365 * D + 100 * D, '10y'],
  ])('%d ms -> %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });

  it.each([
    [-2 * S, '<invalid>'],
    [0, '0s'],
    [59 * S, '59s'],
    [60 * S, '1m'],
    [59 * M + 59 * S, '59m'],
    [23 * H, '23h'],
    [364 * D, '364d'],
    [365 * D, '1y'],
    [3 * 365 * D, '3y'],
  ])('short %d ms -> %s', (ms, want) => {
    expect(shortHumanDuration(ms)).toBe(want);
  });

  it('ages timestamps, <unknown> when unset or invalid', () => {
    expect(age(ago(5 * M + 3 * S), NOW)).toBe('5m3s');
    expect(age(microAgo(30 * S), NOW)).toBe('30s');
    expect(age('2024-05-01T13:00:00+01:00', NOW)).toBe('0s');
    expect(age(undefined, NOW)).toBe('<unknown>');
    expect(age('yesterday', NOW)).toBe('<unknown>');
    expect(age('0001-01-01T00:00:00Z', NOW)).toBe('<unknown>');
  });
});

type Case = [string, TablePrinter, KObject, unknown[]];

const podCases: Case[] = [
  [
    'running pod, 2/2 ready, 1 restart',
    p.podPrinter,
    {
      metadata: meta('web-1'),
      spec: { nodeName: 'node-1', containers: [container('app'), container('sidecar')] },
      status: {
        phase: 'Running',
        podIP: '10.244.0.5',
        podIPs: [{ ip: '10.244.0.5' }],
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [
          { name: 'app', ready: true, restartCount: 1, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(10 * M) } } },
          { name: 'sidecar', ready: true, restartCount: 0, state: running },
        ],
      },
    },
    ['web-1', '2/2', 'Running', '1 (10m ago)', '5h', '10.244.0.5', 'node-1', '<none>', '<none>'],
  ],
  [
    'pending pod stuck ContainerCreating',
    p.podPrinter,
    {
      metadata: meta('web-2', { creationTimestamp: ago(30 * S) }),
      spec: { nodeName: 'node-1', containers: [container('app')] },
      status: {
        phase: 'Pending',
        containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
      },
    },
    ['web-2', '0/1', 'ContainerCreating', '0', '30s', '<none>', 'node-1', '<none>', '<none>'],
  ],
  [
    'unscheduled pod',
    p.podPrinter,
    { metadata: meta('web-3'), spec: { containers: [container('app')] }, status: { phase: 'Pending' } },
    ['web-3', '0/1', 'Pending', '0', '5h', '<none>', '<none>', '<none>', '<none>'],
  ],
  [
    'terminating pod',
    p.podPrinter,
    {
      metadata: meta('web-4', { deletionTimestamp: ago(5 * S), deletionGracePeriodSeconds: 30 }),
      spec: { nodeName: 'node-1', containers: [container('app')] },
      status: { phase: 'Running', podIP: '10.244.0.7', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] },
    },
    ['web-4', '1/1', 'Terminating', '0', '5h', '10.244.0.7', 'node-1', '<none>', '<none>'],
  ],
  [
    'pod on a lost node',
    p.podPrinter,
    {
      metadata: meta('web-5', { deletionTimestamp: ago(5 * S) }),
      spec: { nodeName: 'node-2', containers: [container('app')] },
      status: { phase: 'Running', reason: 'NodeLost', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: running }] },
    },
    ['web-5', '0/1', 'Unknown', '0', '5h', '<none>', 'node-2', '<none>', '<none>'],
  ],
  [
    'crash-looping pod',
    p.podPrinter,
    {
      metadata: meta('crash'),
      spec: { nodeName: 'node-1', containers: [container('app')] },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 5,
            state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 2m40s' } },
            lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(65 * S) } },
          },
        ],
      },
    },
    ['crash', '0/1', 'CrashLoopBackOff', '5 (65s ago)', '5h', '<none>', 'node-1', '<none>', '<none>'],
  ],
  [
    'completed pod',
    p.podPrinter,
    {
      metadata: meta('job-abc'),
      spec: { nodeName: 'node-1', containers: [container('pi')] },
      status: {
        phase: 'Succeeded',
        containerStatuses: [{ name: 'pi', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
      },
    },
    ['job-abc', '0/1', 'Completed', '0', '5h', '<none>', 'node-1', '<none>', '<none>'],
  ],
  [
    'container killed by a signal without reason',
    p.podPrinter,
    {
      metadata: meta('sig'),
      spec: { containers: [container('app')] },
      status: { phase: 'Failed', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] },
    },
    ['sig', '0/1', 'Signal:9', '0', '5h', '<none>', '<none>', '<none>', '<none>'],
  ],
  [
    'pod in its first init container',
    p.podPrinter,
    {
      metadata: meta('init'),
      spec: { nodeName: 'node-1', initContainers: [container('setup')], containers: [container('app')] },
      status: {
        phase: 'Pending',
        conditions: [{ type: 'Initialized', status: 'False' }],
        initContainerStatuses: [{ name: 'setup', ready: false, restartCount: 0, state: running }],
        containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      },
    },
    ['init', '0/1', 'Init:0/1', '0', '5h', '<none>', 'node-1', '<none>', '<none>'],
  ],
  [
    'failing init container',
    p.podPrinter,
    {
      metadata: meta('init-fail'),
      spec: { initContainers: [container('a'), container('b')], containers: [container('app')] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'a', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'b', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 2, finishedAt: ago(3 * M) } } },
        ],
      },
    },
    ['init-fail', '0/1', 'Init:CrashLoopBackOff', '3 (3m ago)', '5h', '<none>', '<none>', '<none>', '<none>'],
  ],
  [
    'native sidecar counts as a container',
    p.podPrinter,
    {
      metadata: meta('sidecar'),
      spec: { initContainers: [{ ...container('proxy'), restartPolicy: 'Always' }], containers: [container('app')] },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
        initContainerStatuses: [{ name: 'proxy', ready: true, started: true, restartCount: 2, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * H) } } }],
        containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
      },
    },
    ['sidecar', '2/2', 'Running', '2 (120m ago)', '5h', '<none>', '<none>', '<none>', '<none>'],
  ],
  [
    'scheduling-gated pod with readiness gates',
    p.podPrinter,
    {
      metadata: meta('gated'),
      spec: { containers: [container('app')], readinessGates: [{ conditionType: 'a' }, { conditionType: 'b' }] },
      status: {
        phase: 'Pending',
        nominatedNodeName: 'node-3',
        conditions: [
          { type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' },
          { type: 'a', status: 'True' },
          { type: 'b', status: 'False' },
        ],
      },
    },
    ['gated', '0/1', 'SchedulingGated', '0', '5h', '<none>', '<none>', 'node-3', '1/2'],
  ],
  [
    'completed container beside a running one',
    p.podPrinter,
    {
      metadata: meta('mixed'),
      spec: { containers: [container('a'), container('b')] },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          { name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'b', ready: true, restartCount: 0, state: running },
        ],
      },
    },
    ['mixed', '1/2', 'NotReady', '0', '5h', '<none>', '<none>', '<none>', '<none>'],
  ],
];

const serviceCases: Case[] = [
  [
    'LoadBalancer service without ingress',
    p.servicePrinter,
    {
      metadata: meta('lb'),
      spec: {
        type: 'LoadBalancer',
        clusterIP: '10.96.12.34',
        clusterIPs: ['10.96.12.34'],
        ports: [{ port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }],
        selector: { app: 'web' },
      },
      status: { loadBalancer: {} },
    },
    ['lb', 'LoadBalancer', '10.96.12.34', '<pending>', '80:30080/TCP', '5h', 'app=web'],
  ],
  [
    'LoadBalancer service with ingress points',
    p.servicePrinter,
    {
      metadata: meta('lb2'),
      spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.50'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }], selector: { tier: 'fe', app: 'web' } },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }, { hostname: 'a-long-hostname.elb.example.com' }] } },
    },
    ['lb2', 'LoadBalancer', '10.96.0.50', '203.0.113.10,a-long-hostname.elb.example.com', '443:31443/TCP', '5h', 'app=web,tier=fe'],
  ],
  [
    'LoadBalancer service with external IPs too',
    p.servicePrinter,
    {
      metadata: meta('lb3'),
      spec: { type: 'LoadBalancer', clusterIP: '10.96.0.51', externalIPs: ['198.51.100.7'], ports: [{ port: 80, nodePort: 30001, protocol: 'TCP' }] },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.11' }] } },
    },
    ['lb3', 'LoadBalancer', '10.96.0.51', '203.0.113.11,198.51.100.7', '80:30001/TCP', '5h', '<none>'],
  ],
  [
    'NodePort service with several ports',
    p.servicePrinter,
    {
      metadata: meta('np'),
      spec: {
        type: 'NodePort',
        clusterIP: '10.96.1.1',
        ports: [
          { name: 'http', port: 80, nodePort: 30061, protocol: 'TCP' },
          { name: 'https', port: 443, nodePort: 30443, protocol: 'TCP' },
          { name: 'dns', port: 53, nodePort: 31053, protocol: 'UDP' },
        ],
      },
    },
    ['np', 'NodePort', '10.96.1.1', '<none>', '80:30061/TCP,443:30443/TCP,53:31053/UDP', '5h', '<none>'],
  ],
  [
    'headless ClusterIP service with external IPs',
    p.servicePrinter,
    { metadata: meta('headless'), spec: { type: 'ClusterIP', clusterIP: 'None', externalIPs: ['1.2.3.4', '5.6.7.8'], selector: { app: 'db' } } },
    ['headless', 'ClusterIP', 'None', '1.2.3.4,5.6.7.8', '<none>', '5h', 'app=db'],
  ],
  [
    'ExternalName service',
    p.servicePrinter,
    { metadata: meta('ext'), spec: { type: 'ExternalName', externalName: 'db.example.com' } },
    ['ext', 'ExternalName', '<none>', 'db.example.com', '<none>', '5h', '<none>'],
  ],
];

const workloadCases: Case[] = [
  [
    '3-replica deployment with 2 ready',
    p.deploymentPrinter,
    {
      metadata: meta('web'),
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['frontend', 'backend'] }] },
        template: { spec: { containers: [container('nginx', 'nginx:1.25'), container('log', 'busybox')] } },
      },
      status: { replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 },
    },
    ['web', '2/3', 3, 2, '5h', 'nginx,log', 'nginx:1.25,busybox', 'app=web,tier in (backend,frontend)'],
  ],
  [
    'new deployment without status',
    p.deploymentPrinter,
    { metadata: meta('fresh'), spec: { replicas: 1, selector: { matchLabels: { app: 'f' } }, template: { spec: { containers: [container('c')] } } } },
    ['fresh', '0/1', 0, 0, '5h', 'c', 'c:1.0', 'app=f'],
  ],
  [
    'replica set',
    p.replicaSetPrinter,
    {
      metadata: meta('web-5d8f'),
      spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d8f' } }, template: { spec: { containers: [container('nginx', 'nginx:1.25')] } } },
      status: { replicas: 3, readyReplicas: 2 },
    },
    ['web-5d8f', 3, 3, 2, '5h', 'nginx', 'nginx:1.25', 'app=web,pod-template-hash=5d8f'],
  ],
  [
    'daemon set',
    p.daemonSetPrinter,
    {
      metadata: meta('agent'),
      spec: {
        selector: { matchLabels: { name: 'agent' } },
        template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [container('agent', 'agent:2')] } },
      },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
    },
    ['agent', 3, 3, 2, 3, 2, 'kubernetes.io/os=linux', '5h', 'agent', 'agent:2', 'name=agent'],
  ],
  [
    'stateful set',
    p.statefulSetPrinter,
    {
      metadata: meta('db'),
      spec: { replicas: 3, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: { spec: { containers: [container('pg', 'postgres:16')] } } },
      status: { replicas: 2, readyReplicas: 1 },
    },
    ['db', '1/3', '5h', 'pg', 'postgres:16'],
  ],
  [
    'controller revision of a stateful set',
    p.controllerRevisionPrinter,
    {
      metadata: meta('db-7d9f', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u', controller: true }] }),
      revision: 2,
      data: {},
    },
    ['db-7d9f', 'statefulset.apps/db', 2, '5h'],
  ],
  [
    'orphan controller revision',
    p.controllerRevisionPrinter,
    { metadata: meta('orphan'), revision: 1 },
    ['orphan', '<none>', 1, '5h'],
  ],
  [
    'completed job',
    p.jobPrinter,
    {
      metadata: meta('pi'),
      spec: {
        completions: 1,
        parallelism: 1,
        selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'abc' } },
        template: { spec: { containers: [container('pi', 'perl:5.34')] } },
      },
      status: { startTime: ago(100 * S), completionTime: ago(40 * S), succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] },
    },
    ['pi', 'Complete', '1/1', '60s', '5h', 'pi', 'perl:5.34', 'batch.kubernetes.io/controller-uid=abc'],
  ],
  [
    'running work-queue job',
    p.jobPrinter,
    {
      metadata: meta('queue'),
      spec: { parallelism: 3, template: { spec: { containers: [container('w')] } } },
      status: { startTime: ago(5 * M + 3 * S), active: 3 },
    },
    ['queue', 'Running', '0/1 of 3', '5m3s', '5h', 'w', 'w:1.0', '<none>'],
  ],
  [
    'failed job and job not started',
    p.jobPrinter,
    {
      metadata: meta('bad'),
      spec: { completions: 5, parallelism: 2, template: { spec: { containers: [] } } },
      status: { succeeded: 2, conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }] },
    },
    ['bad', 'Failed', '2/5', '', '5h', '', '', '<none>'],
  ],
  [
    'cron job',
    p.cronJobPrinter,
    {
      metadata: meta('hello'),
      spec: {
        schedule: '*/5 * * * *',
        suspend: false,
        jobTemplate: { spec: { template: { spec: { containers: [container('hello', 'busybox:1.36')] } } } },
      },
      status: { active: [{ kind: 'Job', name: 'hello-1' }], lastScheduleTime: ago(3 * M) },
    },
    ['hello', '*/5 * * * *', '<none>', 'False', 1, '3m', '5h', 'hello', 'busybox:1.36', '<none>'],
  ],
  [
    'suspended cron job with a time zone, never scheduled',
    p.cronJobPrinter,
    {
      metadata: meta('nightly'),
      spec: { schedule: '0 3 * * *', timeZone: 'Europe/Paris', suspend: true, jobTemplate: { spec: { template: { spec: { containers: [] } } } } },
    },
    ['nightly', '0 3 * * *', 'Europe/Paris', 'True', 0, '<none>', '5h', '', '', '<none>'],
  ],
];

const networkingCases: Case[] = [
  [
    'extensions ingress converted to v1: no host, an address',
    p.ingressPrinter,
    {
      metadata: meta('seed'),
      spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } }, rules: [{ http: { paths: [{ path: '/', pathType: 'ImplementationSpecific', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
      status: { loadBalancer: { ingress: [{ ip: '192.168.49.2' }] } },
    },
    ['seed', '<none>', '*', '192.168.49.2', '80', '5h'],
  ],
  [
    'ingress with class, TLS and many hosts, no address yet',
    p.ingressPrinter,
    {
      metadata: meta('many'),
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['a.example.com'], secretName: 'tls' }],
        rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }, { host: 'c.example.com' }, { host: 'd.example.com' }],
      },
      status: { loadBalancer: {} },
    },
    ['many', 'nginx', 'a.example.com,b.example.com,c.example.com + 1 more...', '', '80, 443', '5h'],
  ],
  [
    'ingress class with parameters',
    p.ingressClassPrinter,
    {
      metadata: meta('external-lb'),
      spec: { controller: 'example.com/ingress-controller', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } },
    },
    ['external-lb', 'example.com/ingress-controller', 'IngressParameters.k8s.example.com/external-lb', '5h'],
  ],
  [
    'ingress class without parameters',
    p.ingressClassPrinter,
    { metadata: meta('nginx'), spec: { controller: 'k8s.io/ingress-nginx' } },
    ['nginx', 'k8s.io/ingress-nginx', '<none>', '5h'],
  ],
  [
    'network policy for all pods',
    p.networkPolicyPrinter,
    { metadata: meta('deny-all'), spec: { podSelector: {}, policyTypes: ['Ingress'] } },
    ['deny-all', '<none>', '5h'],
  ],
  [
    'network policy for some pods',
    p.networkPolicyPrinter,
    { metadata: meta('db'), spec: { podSelector: { matchLabels: { role: 'db' }, matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] } } },
    ['db', '!env,role=db', '5h'],
  ],
  [
    'endpoints truncated to three',
    p.endpointsPrinter,
    {
      metadata: meta('web'),
      subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'http', port: 8080 }, { name: 'https', port: 8443 }] }],
    },
    ['web', '10.0.0.1:8080,10.0.0.2:8080,10.0.0.1:8443 + 1 more...', '5h'],
  ],
  [
    'endpoints of a headless service without ports, IPv6',
    p.endpointsPrinter,
    { metadata: meta('h'), subsets: [{ addresses: [{ ip: 'fd00::1' }] }, { addresses: [{ ip: 'fd00::2' }], ports: [{ port: 53 }] }] },
    ['h', 'fd00::1,[fd00::2]:53', '5h'],
  ],
  ['endpoints without subsets', p.endpointsPrinter, { metadata: meta('none') }, ['none', '<none>', '5h']],
  [
    'endpoint slice',
    p.endpointSlicePrinter,
    {
      metadata: meta('web-abcde'),
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics' }],
      endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4'] }],
    },
    ['web-abcde', 'IPv4', '80,metrics', '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...', '5h'],
  ],
  [
    'empty endpoint slice',
    p.endpointSlicePrinter,
    { metadata: meta('empty'), addressType: 'IPv6', endpoints: [] },
    ['empty', 'IPv6', '<unset>', '<unset>', '5h'],
  ],
  [
    'lease',
    p.leasePrinter,
    { metadata: meta('node-1', { namespace: 'kube-node-lease' }), spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40 } },
    ['node-1', 'node-1', '5h'],
  ],
  ['lease without holder', p.leasePrinter, { metadata: meta('free'), spec: {} }, ['free', '', '5h']],
  [
    'pod disruption budget',
    p.podDisruptionBudgetPrinter,
    { metadata: meta('pdb'), spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } }, status: { disruptionsAllowed: 1 } },
    ['pdb', '2', 'N/A', 1, '5h'],
  ],
  [
    'pod disruption budget with a percentage',
    p.podDisruptionBudgetPrinter,
    { metadata: meta('pdb2'), spec: { maxUnavailable: '25%' } },
    ['pdb2', 'N/A', '25%', 0, '5h'],
  ],
];

const coreCases: Case[] = [
  [
    'control-plane node, cordoned',
    p.nodePrinter,
    {
      metadata: meta('node-1', { namespace: undefined, labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'master', 'kubernetes.io/os': 'linux' } }),
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '192.168.49.2' }, { type: 'Hostname', address: 'node-1' }],
        nodeInfo: { kubeletVersion: 'v1.33.0', osImage: 'Ubuntu 22.04.4 LTS', kernelVersion: '6.5.0-1025-azure', containerRuntimeVersion: 'containerd://1.7.15' },
      },
    },
    ['node-1', 'Ready,SchedulingDisabled', 'control-plane,master', '5h', 'v1.33.0', '192.168.49.2', '<none>', 'Ubuntu 22.04.4 LTS', '6.5.0-1025-azure', 'containerd://1.7.15'],
  ],
  [
    'not-ready worker',
    p.nodePrinter,
    {
      metadata: meta('node-2'),
      status: { conditions: [{ type: 'Ready', status: 'False' }], addresses: [{ type: 'ExternalIP', address: '203.0.113.5' }], nodeInfo: { kubeletVersion: 'v1.33.0' } },
    },
    ['node-2', 'NotReady', '<none>', '5h', 'v1.33.0', '<none>', '203.0.113.5', '<unknown>', '<unknown>', '<unknown>'],
  ],
  [
    'node that never reported',
    p.nodePrinter,
    { metadata: meta('node-3'), spec: {} },
    ['node-3', 'Unknown', '<none>', '5h', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
  ],
  ['namespace', p.namespacePrinter, { metadata: meta('default'), status: { phase: 'Active' } }, ['default', 'Active', '5h']],
  ['terminating namespace', p.namespacePrinter, { metadata: meta('old'), status: { phase: 'Terminating' } }, ['old', 'Terminating', '5h']],
  [
    'config map',
    p.configMapPrinter,
    { metadata: meta('cfg'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } },
    ['cfg', 3, '5h'],
  ],
  ['empty config map', p.configMapPrinter, { metadata: meta('kube-root-ca.crt') }, ['kube-root-ca.crt', 0, '5h']],
  [
    'tls secret',
    p.secretPrinter,
    { metadata: meta('tls'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==', 'tls.key': 'eQ==' } },
    ['tls', 'kubernetes.io/tls', 2, '5h'],
  ],
  ['opaque secret', p.secretPrinter, { metadata: meta('s'), type: 'Opaque' }, ['s', 'Opaque', 0, '5h']],
  ['service account', p.serviceAccountPrinter, { metadata: meta('default') }, ['default', 0, '5h']],
  [
    'service account with a secret',
    p.serviceAccountPrinter,
    { metadata: meta('builder'), secrets: [{ name: 'builder-token' }] },
    ['builder', 1, '5h'],
  ],
  [
    'pod template',
    p.podTemplatePrinter,
    {
      metadata: meta('tpl'),
      template: { metadata: { labels: { tier: 'fe', app: 'web' } }, spec: { containers: [container('a', 'x'), container('b', 'y')] } },
    },
    ['tpl', 'a,b', 'x,y', 'app=web,tier=fe'],
  ],
  [
    'event from the kubelet',
    p.eventPrinter,
    {
      metadata: meta('web-1.17c8a1b2c3d4e5f6'),
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', fieldPath: 'spec.containers{app}' },
      reason: 'Pulled',
      message: 'Successfully pulled image "nginx:1.25"\n',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: ago(10 * M),
      lastTimestamp: ago(2 * M),
      count: 3,
      type: 'Normal',
    },
    ['2m', 'Normal', 'Pulled', 'pod/web-1', 'spec.containers{app}', 'kubelet, node-1', 'Successfully pulled image "nginx:1.25"', '10m', 3, 'web-1.17c8a1b2c3d4e5f6'],
  ],
  [
    'event written through events.k8s.io with a series',
    p.eventPrinter,
    {
      metadata: meta('web-2.17c8'),
      involvedObject: { kind: 'Pod', name: 'web-2' },
      reason: 'FailedScheduling',
      message: '0/1 nodes are available',
      eventTime: microAgo(30 * S),
      series: { count: 4, lastObservedTime: microAgo(5 * S) },
      reportingComponent: 'default-scheduler',
      reportingInstance: 'default-scheduler-node-1',
      source: {},
      type: 'Warning',
    },
    ['5s', 'Warning', 'FailedScheduling', 'pod/web-2', '', 'default-scheduler, default-scheduler-node-1', '0/1 nodes are available', '30s', 4, 'web-2.17c8'],
  ],
  [
    'singleton event about a kind without a name',
    p.eventPrinter,
    {
      metadata: meta('cluster.1'),
      involvedObject: { kind: 'Cluster' },
      reason: 'Started',
      message: 'started',
      eventTime: microAgo(90 * S),
      reportingComponent: 'controller',
      type: 'Normal',
    },
    ['90s', 'Normal', 'Started', 'cluster', '', 'controller', 'started', '90s', 1, 'cluster.1'],
  ],
];

const rbacCases: Case[] = [
  ['role', p.rolePrinter, { metadata: meta('pod-reader', { creationTimestamp: '2024-04-30T12:00:00Z' }), rules: [] }, ['pod-reader', '2024-04-30T12:00:00Z']],
  [
    'cluster role',
    p.clusterRolePrinter,
    { metadata: { name: 'view', creationTimestamp: '2024-04-30T14:00:00+02:00' } },
    ['view', '2024-04-30T12:00:00Z'],
  ],
  ['cluster role without timestamp', p.clusterRolePrinter, { metadata: { name: 'new' } }, ['new', '0001-01-01T00:00:00Z']],
  [
    'role binding',
    p.roleBindingPrinter,
    {
      metadata: meta('read-pods'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [
        { kind: 'User', name: 'jane' },
        { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', namespace: 'default', name: 'builder' },
        { kind: 'ServiceAccount', namespace: 'kube-system', name: 'x' },
        { kind: 'User', name: 'joe' },
      ],
    },
    ['read-pods', 'Role/pod-reader', '5h', 'jane, joe', 'devs', 'default/builder, kube-system/x'],
  ],
  [
    'cluster role binding',
    p.clusterRoleBindingPrinter,
    { metadata: meta('cluster-admin'), roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:masters' }] },
    ['cluster-admin', 'ClusterRole/cluster-admin', '5h', '', 'system:masters', ''],
  ],
  [
    'custom resource definition',
    p.customResourceDefinitionPrinter,
    { metadata: { name: 'foos.example.com', creationTimestamp: '2024-04-30T12:00:00Z' }, spec: {} },
    ['foos.example.com', '2024-04-30T12:00:00Z'],
  ],
];

describe('built-in printers', () => {
  const all = [...podCases, ...serviceCases, ...workloadCases, ...networkingCases, ...coreCases, ...rbacCases];
  it.each(all)('%s', (_name, printer, o, want) => {
    const cells = printer.cells(o, NOW);
    expect(cells).toEqual(want);
    expect(cells.length).toBe(printer.columns.length);
  });

  it('has Kubernetes column layouts', () => {
    const layout = (pr: TablePrinter) => pr.columns.map((c) => `${c.name}${c.priority ? '*' : ''}:${c.type}${c.format ? `/${c.format}` : ''}`);
    expect(layout(p.podPrinter)).toEqual([
      'Name:string/name', 'Ready:string', 'Status:string', 'Restarts:string', 'Age:string',
      'IP*:string', 'Node*:string', 'Nominated Node*:string', 'Readiness Gates*:string',
    ]);
    expect(layout(p.eventPrinter)).toEqual([
      'Last Seen:string', 'Type:string', 'Reason:string', 'Object:string', 'Subobject*:string', 'Source*:string',
      'Message:string', 'First Seen*:string', 'Count*:string', 'Name*:string/name',
    ]);
    expect(layout(p.deploymentPrinter)).toEqual([
      'Name:string/name', 'Ready:string', 'Up-to-date:string', 'Available:string', 'Age:string',
      'Containers*:string', 'Images*:string', 'Selector*:string',
    ]);
    expect(layout(p.replicaSetPrinter).slice(0, 4)).toEqual(['Name:string/name', 'Desired:integer', 'Current:integer', 'Ready:integer']);
    expect(layout(p.servicePrinter)).toEqual([
      'Name:string/name', 'Type:string', 'Cluster-IP:string', 'External-IP:string', 'Port(s):string', 'Age:string', 'Selector*:string',
    ]);
    expect(layout(p.nodePrinter)).toEqual([
      'Name:string/name', 'Status:string', 'Roles:string', 'Age:string', 'Version:string',
      'Internal-IP*:string', 'External-IP*:string', 'OS-Image*:string', 'Kernel-Version*:string', 'Container-Runtime*:string',
    ]);
    expect(layout(p.jobPrinter)).toEqual([
      'Name:string/name', 'Status:string', 'Completions:string', 'Duration:string', 'Age:string',
      'Containers*:string', 'Images*:string', 'Selector*:string',
    ]);
    expect(layout(p.cronJobPrinter).slice(0, 7)).toEqual([
      'Name:string/name', 'Schedule:string', 'Timezone:string', 'Suspend:boolean', 'Active:integer', 'Last Schedule:string', 'Age:string',
    ]);
    expect(layout(p.ingressPrinter)).toEqual(['Name:string/name', 'Class:string', 'Hosts:string', 'Address:string', 'Ports:string', 'Age:string']);
    expect(layout(p.rolePrinter)).toEqual(['Name:string/name', 'Created At:date']);
    expect(layout(p.roleBindingPrinter)).toEqual([
      'Name:string/name', 'Role:string', 'Age:string', 'Users*:string', 'Groups*:string', 'ServiceAccounts*:string',
    ]);
    for (const pr of Object.values(p).filter((v): v is TablePrinter => typeof v === 'object' && v !== null && 'columns' in v)) {
      for (const c of pr.columns) expect(c.description.length).toBeGreaterThan(0);
    }
  });

  it('formats labels like labels.FormatLabels (selectors: test/unit/labels.test.ts)', () => {
    expect(p.formatLabels({ 'a.b': '2', a: '1' })).toBe('a.b=2,a=1');
  });
});

describe('CRD printer columns', () => {
  const widget: KObject = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w1', namespace: 'default', creationTimestamp: ago(3 * H), labels: { 'app.kubernetes.io/name': 'demo' } },
    spec: { replicas: 3, ratio: 0.5, big: 1234567.5, enabled: true, items: [{ name: 'a' }, { name: 'b' }], config: { b: 1, a: '<x>' }, nothing: null },
    status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True', lastTransitionTime: ago(90 * S) }] },
  };

  it('prints Name and the defined columns, typed', () => {
    const pr = printerFromColumns([
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Since', type: 'date', jsonPath: ".status.conditions[?(@.type == 'Ready')].lastTransitionTime" },
      { name: 'First', type: 'string', jsonPath: '.spec.items[*].name', priority: 1 },
      { name: 'App', type: 'string', jsonPath: ".metadata.labels['app\\.kubernetes\\.io/name']" },
      { name: 'App2', type: 'string', jsonPath: '.metadata.labels.app\\.kubernetes\\.io/name' },
      { name: 'Ratio', type: 'number', jsonPath: '.spec.ratio' },
      { name: 'RatioText', type: 'string', jsonPath: '.spec.ratio' },
      { name: 'Big', type: 'string', jsonPath: '.spec.big' },
      { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      { name: 'Config', type: 'string', jsonPath: '.spec.config' },
      { name: 'Last', type: 'string', jsonPath: '.spec.items[-1].name' },
      { name: 'Nothing', type: 'string', jsonPath: '.spec.nothing' },
      { name: 'WrongType', type: 'integer', jsonPath: '.metadata.name' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ]);
    expect(pr.columns[0]).toMatchObject({ name: 'Name', type: 'string', format: 'name', priority: 0 });
    expect(pr.columns[1]).toEqual({
      name: 'Replicas',
      type: 'integer',
      format: '',
      description: 'Custom resource definition column (in JSONPath format): .spec.replicas',
      priority: 0,
    });
    expect(pr.columns[4].priority).toBe(1);
    const cells = pr.cells(widget, NOW);
    expect(cells).toEqual([
      'w1', 3, 'True', '90s', 'a', 'demo', 'demo', 0.5, '0.5', '1.2345675e+06', true, null,
      '{"a":"\\u003cx\\u003e","b":1}', 'b', '<no value>', null, '3h',
    ]);
    expect(cells.length).toBe(pr.columns.length);
  });

  it('without columns prints Name and Age', () => {
    expect(defaultCrdPrinter.columns.map((c) => [c.name, c.type])).toEqual([
      ['Name', 'string'],
      ['Age', 'date'],
    ]);
    expect(defaultCrdPrinter.cells(widget, NOW)).toEqual(['w1', '3h']);
    expect(printerFromColumns([]).cells(widget, NOW)).toEqual(['w1', '3h']);
  });

  it('yields null for missing values, bad paths and odd dates', () => {
    const pr = printerFromColumns([
      { name: 'Missing', type: 'integer', jsonPath: '.status.replicas' },
      { name: 'OutOfRange', type: 'string', jsonPath: '.spec.items[5].name' },
      { name: 'NotArray', type: 'string', jsonPath: '.spec.replicas[0]' },
      { name: 'Unescaped', type: 'string', jsonPath: ".metadata.labels['app.kubernetes.io/name']" },
      { name: 'Broken', type: 'string', jsonPath: '.spec[' },
      { name: 'BadDate', type: 'date', jsonPath: '.metadata.name' },
      { name: 'NoDate', type: 'date', jsonPath: '.spec.nothing' },
    ]);
    expect(pr.cells(widget, NOW)).toEqual(['w1', null, null, null, null, null, '<invalid>', null]);
  });

  it('evaluates the JSONPath subset', () => {
    expect(jsonPathResults('.spec.items[*].name', widget)).toEqual(['a', 'b']);
    expect(jsonPathResults('{.spec.items[0:1].name}', widget)).toEqual(['a']);
    expect(jsonPathResults('$.spec.items[0,1].name', widget)).toEqual(['a', 'b']);
    expect(jsonPathResults('.status.conditions[?(@.status!="True")].type', widget)).toEqual(['Synced']);
    expect(jsonPathResults('.status.conditions[?(@.lastTransitionTime)].type', widget)).toEqual(['Ready']);
    expect(jsonPathResults('..name', widget)).toEqual(['w1', 'a', 'b']);
    expect(jsonPathResults('.spec.config.*', widget)).toEqual([1, '<x>']);
    expect(jsonPathResults('.spec.missing.deeper', widget)).toEqual([]);
    expect(() => jsonPathResults('.spec.items[x]', widget)).toThrow();
  });
});
