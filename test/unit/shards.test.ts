/** Shards published at the federation, from a member's Service and EndpointSlices: table-driven. */
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { reachOf, shardSliceName, shardSlices, type ShardInput } from '../../src/federation/traffic/shards.js';

const service = (o: { ports?: any[]; lb?: string[]; annotations?: Record<string, string> } = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop', ...(o.annotations ? { annotations: o.annotations } : {}) },
  spec: { type: 'LoadBalancer', ports: o.ports ?? [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }] },
  status: { loadBalancer: { ingress: (o.lb ?? []).map((ip) => ({ ip })) } },
});

const slice = (endpoints: any[], ports: any[] = [{ name: 'http', port: 8080, protocol: 'TCP' }], addressType = 'IPv4'): KObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-abc', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
  addressType,
  endpoints,
  ports,
});

const ep = (ip: string, ready: boolean, node: string, zone = 'z-a') => ({ addresses: [ip], conditions: { ready, serving: ready, terminating: false }, nodeName: node, zone });

const input = (over: Partial<ShardInput>): ShardInput => ({ cluster: 'c1', region: 'r1', phase: 'Ready', service: service(), slices: [], reach: 'pod', ...over });

/** Endpoints as [address, ready] pairs per published slice. */
const summary = (slices: KObject[]) =>
  slices.map((s) => ({ name: s.metadata!.name, type: s.addressType, ports: s.ports.map((p: any) => `${p.name}:${p.port}`), endpoints: s.endpoints.map((e: any) => `${e.addresses[0]}${e.conditions.ready ? '' : ' (not ready)'}`) }));

describe('shardSlices', () => {
  const cases: { name: string; in: ShardInput; want: ReturnType<typeof summary> }[] = [
    {
      name: 'pod reach: the pods and their target ports, sorted',
      in: input({ slices: [slice([ep('10.0.1.3', true, 'n1'), ep('10.0.1.2', false, 'n1')])] }),
      want: [{ name: 'web-c1', type: 'IPv4', ports: ['http:8080'], endpoints: ['10.0.1.2 (not ready)', '10.0.1.3'] }],
    },
    {
      name: 'a cluster not Ready: last known endpoints, none ready',
      in: input({ phase: 'Offline', slices: [slice([ep('10.0.1.2', true, 'n1')])] }),
      want: [{ name: 'web-c1', type: 'IPv4', ports: ['http:8080'], endpoints: ['10.0.1.2 (not ready)'] }],
    },
    {
      name: 'node reach: one endpoint per node with a pod, at the NodePort; ready if any pod on it is',
      in: input({ reach: 'node', nodeAddresses: new Map([['n1', '192.168.0.1'], ['n2', '192.168.0.2']]), slices: [slice([ep('10.0.1.2', false, 'n1'), ep('10.0.1.3', true, 'n1'), ep('10.0.2.2', false, 'n2')])] }),
      want: [{ name: 'web-c1', type: 'IPv4', ports: ['http:30080'], endpoints: ['192.168.0.1', '192.168.0.2 (not ready)'] }],
    },
    {
      name: 'load-balancer reach: the LB address at the Service port, ready while any pod is',
      in: input({ reach: 'loadbalancer', service: service({ lb: ['203.0.113.7'] }), slices: [slice([ep('10.0.1.2', true, 'n1')])] }),
      want: [{ name: 'web-c1', type: 'IPv4', ports: ['http:80'], endpoints: ['203.0.113.7'] }],
    },
    {
      name: 'load-balancer reach with no pod ready',
      in: input({ reach: 'loadbalancer', service: service({ lb: ['203.0.113.7'] }), slices: [slice([ep('10.0.1.2', false, 'n1')])] }),
      want: [{ name: 'web-c1', type: 'IPv4', ports: ['http:80'], endpoints: ['203.0.113.7 (not ready)'] }],
    },
    {
      name: 'IPv4 and IPv6 member slices become two published slices',
      in: input({ slices: [slice([ep('10.0.1.2', true, 'n1')]), slice([ep('fd00::2', true, 'n1')], undefined, 'IPv6')] }),
      want: [
        { name: 'web-c1', type: 'IPv4', ports: ['http:8080'], endpoints: ['10.0.1.2'] },
        { name: 'web-c1-1', type: 'IPv6', ports: ['http:8080'], endpoints: ['fd00::2'] },
      ],
    },
    {
      name: 'no endpoints at all: one empty slice (the Service exists there)',
      in: input({ slices: [] }),
      want: [{ name: 'web-c1', type: 'IPv4', ports: ['http:80'], endpoints: [] }],
    },
  ];
  for (const c of cases) it(c.name, () => expect(summary(shardSlices(c.in))).toEqual(c.want));

  it('labels slices as MCS imports and annotates phase, reach and region', () => {
    const [s] = shardSlices(input({ slices: [slice([ep('10.0.1.2', true, 'n1')])] }));
    expect(s!.metadata!.labels).toEqual({
      'multicluster.kubernetes.io/service-name': 'web',
      'multicluster.kubernetes.io/source-cluster': 'c1',
      'kubernetes.io/service-name': 'web',
      'endpointslice.kubernetes.io/managed-by': 'shards.kubefed.io',
    });
    expect(s!.metadata!.annotations).toEqual({ 'kubefed.io/cluster-phase': 'Ready', 'kubefed.io/edge-reach': 'pod', 'kubefed.io/region': 'r1' });
    expect(s!.endpoints[0]).toMatchObject({ zone: 'z-a', nodeName: 'n1' });
  });

  it('splits more than 1000 endpoints over several slices', () => {
    const eps = Array.from({ length: 1500 }, (_, i) => ep(`10.1.${Math.floor(i / 250)}.${(i % 250) + 1}`, true, 'n1'));
    const out = shardSlices(input({ slices: [slice(eps)] }));
    expect(out.map((s) => [s.metadata!.name, s.endpoints.length])).toEqual([
      ['web-c1', 1000],
      ['web-c1-1', 500],
    ]);
  });
});

describe('reach and names', () => {
  it.each([
    [{}, {}, 'pod'],
    [{ 'kubefed.io/edge-reach': 'node' }, {}, 'node'],
    [{}, { 'kubefed.io/edge-reach': 'loadbalancer' }, 'loadbalancer'],
    [{ 'kubefed.io/edge-reach': 'pod' }, { 'kubefed.io/edge-reach': 'node' }, 'pod'],
    [{ 'kubefed.io/edge-reach': 'bogus' }, {}, 'pod'],
  ])('service %j, cluster labels %j -> %s', (annotations, labels, want) => {
    expect(reachOf(service({ annotations }), labels)).toBe(want);
  });

  it('shortens names past 253 characters with a hash', () => {
    const n = shardSliceName('s'.repeat(200), 'c'.repeat(100), '');
    expect(n).toHaveLength(253);
    expect(n).toMatch(/^s{200}-c{41}-[0-9a-f]{10}$/);
  });
});
