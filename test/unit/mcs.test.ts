/**
 * Multi-Cluster Services, the pure parts: validity and conflict resolution of ServiceExports
 * (KEP-1645), the derived import, ClusterSetIP ranges and allocation, imported EndpointSlices.
 * Table-driven; the cases of the mcs-api conformance suite that concern the API are here too.
 */
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { allocateIP, clusterSetIPRange, parseIpv4Cidr, playgroundRange } from '../../src/federation/mcs/clusterset-ip.js';
import { importMetadata, importSliceName, serviceImport, sourceSlices } from '../../src/federation/mcs/import-slices.js';
import { mergePorts, resolveExports, summarize, type ClusterExport, type McsCondition, type McsPort } from '../../src/federation/mcs/resolve.js';

const TCP42 = { name: 'tcp', port: 42, protocol: 'TCP' };
const UDP42 = { name: 'udp', port: 42, protocol: 'UDP' };

/** The conformance suite's hello Service, with changes. */
const svc = (spec: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'hello', namespace: 'ns', labels: { 'dummy-svc': 'dummy' }, annotations: { 'dummy-svc': 'dummy' } },
  spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [TCP42, UDP42], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10 } }, internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], ...spec },
});

const exp = (cluster: string, created: string, o: { service?: KObject | null; spec?: Record<string, unknown> } = {}): ClusterExport => ({
  cluster,
  export: { apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceExport', metadata: { name: 'hello', namespace: 'ns', creationTimestamp: created }, ...(o.spec ? { spec: o.spec } : {}) },
  ...(o.service === null ? {} : { service: o.service ?? svc() }),
});

const T1 = '2026-01-01T00:00:01Z';
const T2 = '2026-01-01T00:00:02Z';
const T3 = '2026-01-01T00:00:03Z';

/** status/reason of a condition. */
const sr = (c: McsCondition | undefined) => (c ? `${c.status}/${c.reason}` : undefined);

describe('resolveExports', () => {
  const cases: {
    name: string;
    exports: ClusterExport[];
    /** Per cluster: Valid and Conflict as status/reason. */
    conditions: Record<string, [string, string]>;
    /** The derived import (a subset), or undefined for none. */
    derived?: Record<string, unknown>;
  }[] = [
    {
      name: 'one ClusterIP export: ClusterSetIP with its ports, affinity and policy',
      exports: [exp('east', T1)],
      conditions: { east: ['True/Valid', 'False/NoConflicts'] },
      derived: { type: 'ClusterSetIP', ports: [TCP42, UDP42], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10 } }, internalTrafficPolicy: 'Cluster', ipFamilies: ['IPv4'], clusters: ['east'] },
    },
    {
      name: 'a headless Service: Headless',
      exports: [exp('east', T1, { service: svc({ clusterIP: 'None' }) })],
      conditions: { east: ['True/Valid', 'False/NoConflicts'] },
      derived: { type: 'Headless', clusters: ['east'] },
    },
    {
      name: 'NodePort and LoadBalancer Services export as ClusterSetIP',
      exports: [exp('east', T1, { service: svc({ type: 'LoadBalancer' }) }), exp('west', T2, { service: svc({ type: 'NodePort' }) })],
      conditions: { east: ['True/Valid', 'False/NoConflicts'], west: ['True/Valid', 'False/NoConflicts'] },
      derived: { type: 'ClusterSetIP', clusters: ['east', 'west'] },
    },
    {
      name: 'an export of a missing Service: Valid=False NoService, nothing imported',
      exports: [exp('east', T1, { service: null })],
      conditions: { east: ['False/NoService', 'False/NoConflicts'] },
    },
    {
      name: 'an ExternalName Service is not exportable: Valid=False InvalidServiceType',
      exports: [exp('east', T1, { service: svc({ type: 'ExternalName', externalName: 'example.com', clusterIP: undefined }) })],
      conditions: { east: ['False/InvalidServiceType', 'False/NoConflicts'] },
    },
    {
      name: 'a Service being deleted counts as missing',
      exports: [exp('east', T1, { service: { ...svc(), metadata: { ...svc().metadata, deletionTimestamp: T2 } } })],
      conditions: { east: ['False/NoService', 'False/NoConflicts'] },
    },
    {
      name: 'an invalid export takes no part: the valid one alone makes the service',
      exports: [exp('east', T1, { service: svc({ type: 'ExternalName', externalName: 'x.example' }) }), exp('west', T2, { service: svc({ clusterIP: 'None', ports: [TCP42] }) })],
      conditions: { east: ['False/InvalidServiceType', 'False/NoConflicts'], west: ['True/Valid', 'False/NoConflicts'] },
      derived: { type: 'Headless', ports: [TCP42], clusters: ['west'] },
    },
    {
      name: 'identical exports in two clusters: no conflict',
      exports: [exp('west', T2), exp('east', T1)],
      conditions: { east: ['True/Valid', 'False/NoConflicts'], west: ['True/Valid', 'False/NoConflicts'] },
      derived: { ports: [TCP42, UDP42], clusters: ['east', 'west'] },
    },
    {
      name: 'conformance: ports union (an extra SCTP port) is exposed and raises PortConflict on both',
      exports: [exp('east', T1), exp('west', T2, { service: svc({ ports: [TCP42, { name: 'stcp', port: 142, protocol: 'SCTP' }] }) })],
      conditions: { east: ['True/Valid', 'True/PortConflict'], west: ['True/Valid', 'True/PortConflict'] },
      derived: { ports: [TCP42, UDP42, { name: 'stcp', port: 142, protocol: 'SCTP' }] },
    },
    {
      name: 'conformance: same port name, another port number: the oldest export wins',
      exports: [exp('west', T2, { service: svc({ ports: [{ ...TCP42, port: 43 }] }) }), exp('east', T1, { service: svc({ ports: [TCP42] }) })],
      conditions: { east: ['True/Valid', 'True/PortConflict'], west: ['True/Valid', 'True/PortConflict'] },
      derived: { ports: [TCP42] },
    },
    {
      name: 'same port name, another protocol: the oldest export wins',
      exports: [exp('east', T1, { service: svc({ ports: [TCP42] }) }), exp('west', T2, { service: svc({ ports: [{ ...TCP42, protocol: 'UDP' }] }) })],
      conditions: { east: ['True/Valid', 'True/PortConflict'], west: ['True/Valid', 'True/PortConflict'] },
      derived: { ports: [TCP42] },
    },
    {
      name: 'same protocol and port under another name: the older name is kept',
      exports: [exp('east', T1, { service: svc({ ports: [TCP42] }) }), exp('west', T2, { service: svc({ ports: [{ ...TCP42, name: 'other' }] }) })],
      conditions: { east: ['True/Valid', 'True/PortConflict'], west: ['True/Valid', 'True/PortConflict'] },
      derived: { ports: [TCP42] },
    },
    {
      name: 'conformance: headless vs ClusterIP: TypeConflict, the oldest (ClusterSetIP) wins',
      exports: [exp('east', T1), exp('west', T2, { service: svc({ clusterIP: 'None' }) })],
      conditions: { east: ['True/Valid', 'True/TypeConflict'], west: ['True/Valid', 'True/TypeConflict'] },
      derived: { type: 'ClusterSetIP' },
    },
    {
      name: 'the oldest headless export makes a Headless import',
      exports: [exp('east', T2), exp('west', T1, { service: svc({ clusterIP: 'None' }) })],
      conditions: { east: ['True/Valid', 'True/TypeConflict'], west: ['True/Valid', 'True/TypeConflict'] },
      derived: { type: 'Headless' },
    },
    {
      name: 'session affinity and its config from the oldest, both conflicts reported in order',
      exports: [exp('east', T1), exp('west', T2, { service: svc({ sessionAffinity: 'None', sessionAffinityConfig: undefined }) })],
      conditions: { east: ['True/Valid', 'True/SessionAffinityConflict,SessionAffinityConfigConflict'], west: ['True/Valid', 'True/SessionAffinityConflict,SessionAffinityConfigConflict'] },
      derived: { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10 } } },
    },
    {
      name: 'internal traffic policy, traffic distribution and IP families',
      exports: [exp('east', T1, { service: svc({ trafficDistribution: 'PreferClose' }) }), exp('west', T2, { service: svc({ internalTrafficPolicy: 'Local', ipFamilies: ['IPv6'] }) })],
      conditions: {
        east: ['True/Valid', 'True/InternalTrafficPolicyConflict,TrafficDistributionConflict,IPFamilyConflict'],
        west: ['True/Valid', 'True/InternalTrafficPolicyConflict,TrafficDistributionConflict,IPFamilyConflict'],
      },
      derived: { internalTrafficPolicy: 'Cluster', trafficDistribution: 'PreferClose', ipFamilies: ['IPv4'] },
    },
    {
      name: 'conformance: exported labels and annotations from the oldest export (not the Service\'s), conflicts on each',
      exports: [
        exp('east', T1, { spec: { exportedLabels: { 'dummy-label': 'true' }, exportedAnnotations: { 'dummy-annotation': 'true' } } }),
        exp('west', T2, { spec: { exportedLabels: { 'dummy-label2': 'true' }, exportedAnnotations: { 'dummy-annotation2': 'true' } } }),
      ],
      conditions: { east: ['True/Valid', 'True/LabelsConflict,AnnotationsConflict'], west: ['True/Valid', 'True/LabelsConflict,AnnotationsConflict'] },
      derived: { labels: { 'dummy-label': 'true' }, annotations: { 'dummy-annotation': 'true' } },
    },
    {
      name: 'several conflicts at once: ports first, then type, joined by commas',
      exports: [exp('east', T1), exp('west', T2, { service: svc({ clusterIP: 'None', ports: [TCP42] }) })],
      conditions: { east: ['True/Valid', 'True/PortConflict,TypeConflict'], west: ['True/Valid', 'True/PortConflict,TypeConflict'] },
      derived: { type: 'ClusterSetIP', ports: [TCP42, UDP42] },
    },
    {
      name: 'equal creation times: the cluster name decides',
      exports: [exp('west', T1, { service: svc({ clusterIP: 'None' }) }), exp('east', T1)],
      conditions: { east: ['True/Valid', 'True/TypeConflict'], west: ['True/Valid', 'True/TypeConflict'] },
      derived: { type: 'ClusterSetIP' },
    },
    {
      name: 'three clusters, one disagreeing: the conflict is on all three',
      exports: [exp('a', T1), exp('b', T2), exp('c', T3, { service: svc({ sessionAffinity: 'None' }) })],
      conditions: { a: ['True/Valid', 'True/SessionAffinityConflict'], b: ['True/Valid', 'True/SessionAffinityConflict'], c: ['True/Valid', 'True/SessionAffinityConflict'] },
      derived: { sessionAffinity: 'ClientIP', clusters: ['a', 'b', 'c'] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = resolveExports(c.exports);
      const got = Object.fromEntries([...r.conditions].map(([cluster, v]) => [cluster, [sr(v.valid), sr(v.conflict)]]));
      expect(got).toEqual(c.conditions);
      if (!c.derived) expect(r.derived).toBeUndefined();
      else expect(r.derived).toMatchObject(c.derived);
    });
  }

  it('explains a conflict as the KEP shows it: the value used, where from, how many disagree', () => {
    const r = resolveExports([exp('east', T1), exp('west', T2, { service: svc({ clusterIP: 'None' }) }), exp('north', T3)]);
    expect(r.conditions.get('north')!.conflict.message).toBe('Conflicting type. Using "ClusterSetIP" from oldest service export in "east". 1/3 clusters disagree.');
    const p = resolveExports([exp('east', T1, { service: svc({ ports: [TCP42] }) }), exp('west', T2, { service: svc({ ports: [{ ...TCP42, port: 43 }] }) })]);
    expect(p.conditions.get('east')!.conflict.message).toContain('port "tcp" (TCP 43) of "west" conflicts with "tcp" (TCP 42) of "east"');
  });
});

describe('mergePorts', () => {
  const p = (name: string, port: number, protocol = 'TCP', appProtocol?: string): McsPort => ({ name, port, protocol, ...(appProtocol ? { appProtocol } : {}) });
  const cases: { name: string; in: McsPort[][]; ports: McsPort[]; dropped: number }[] = [
    { name: 'disjoint sets: all', in: [[p('a', 1)], [p('b', 2)]], ports: [p('a', 1), p('b', 2)], dropped: 0 },
    { name: 'the same port twice: once', in: [[p('a', 1)], [p('a', 1)]], ports: [p('a', 1)], dropped: 0 },
    { name: 'another appProtocol under the same name: dropped', in: [[p('a', 1, 'TCP', 'http')], [p('a', 1, 'TCP', 'h2c')]], ports: [p('a', 1, 'TCP', 'http')], dropped: 1 },
    { name: 'the same number with another protocol: both', in: [[p('dns', 53)], [p('dns-udp', 53, 'UDP')]], ports: [p('dns', 53), p('dns-udp', 53, 'UDP')], dropped: 0 },
    { name: 'unnamed port then a named one on the same number: the unnamed is kept', in: [[p('', 80)], [p('http', 80)]], ports: [p('', 80)], dropped: 1 },
    { name: 'two unnamed ports on different numbers: the first (no duplicate names)', in: [[p('', 80)], [p('', 8080)]], ports: [p('', 80)], dropped: 1 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = mergePorts(c.in.map((ports, i) => ({ cluster: `c${i}`, ports })));
      expect(r.ports).toEqual(c.ports);
      expect(r.dropped.length).toBe(c.dropped);
    });
  }
});

describe('summarize (a ServiceExport at the federation)', () => {
  const valid: McsCondition = { type: 'Valid', status: 'True', reason: 'Valid', message: 'ok' };
  const noService: McsCondition = { type: 'Valid', status: 'False', reason: 'NoService', message: 'no Service' };
  const none: McsCondition = { type: 'Conflict', status: 'False', reason: 'NoConflicts', message: '' };
  const port: McsCondition = { type: 'Conflict', status: 'True', reason: 'PortConflict', message: 'ports' };
  const cases: { name: string; in: { cluster: string; valid: McsCondition; conflict: McsCondition }[]; want: [string, string] }[] = [
    { name: 'no copy yet: Unknown', in: [], want: ['Unknown/Pending', 'False/NoConflicts'] },
    { name: 'every copy valid', in: [{ cluster: 'a', valid, conflict: none }, { cluster: 'b', valid, conflict: none }], want: ['True/Valid', 'False/NoConflicts'] },
    { name: 'one copy without its Service', in: [{ cluster: 'a', valid, conflict: none }, { cluster: 'b', valid: noService, conflict: none }], want: ['False/NoService', 'False/NoConflicts'] },
    { name: 'a conflict', in: [{ cluster: 'a', valid, conflict: port }, { cluster: 'b', valid, conflict: port }], want: ['True/Valid', 'True/PortConflict'] },
  ];
  for (const c of cases) it(c.name, () => expect(summarize(c.in).map(sr)).toEqual(c.want));
  it('names the clusters where the copy is not valid', () => {
    expect(summarize([{ cluster: 'b', valid: noService, conflict: none }])[0]!.message).toBe('b: no Service');
  });
});

describe('ClusterSetIP ranges', () => {
  const cases: { name: string; in: Parameters<typeof clusterSetIPRange>[0]; want: string }[] = [
    { name: 'the Cluster annotation wins', in: { annotation: '10.255.0.0/16', apiServer: 'https://127.10.0.1:6443' }, want: '10.255.0.0/16' },
    { name: 'an annotation that is not a CIDR is ignored', in: { annotation: 'nonsense', apiServer: 'https://127.10.0.1:6443' }, want: '127.10.202.0/24' },
    { name: 'a playground cluster: 127.O.202.0/24', in: { apiServer: 'https://127.33.0.1:6443' }, want: '127.33.202.0/24' },
    { name: 'a real cluster: the fallback', in: { apiServer: 'https://k8s.example.com', fallback: '10.250.0.0/20' }, want: '10.250.0.0/20' },
    { name: 'a real cluster without fallback: 243.0.0.0/16', in: { apiServer: 'https://10.0.0.1:6443' }, want: '243.0.0.0/16' },
    { name: 'a CIDR with host bits is normalized', in: { annotation: '10.1.2.3/24', apiServer: 'https://x' }, want: '10.1.2.0/24' },
  ];
  for (const c of cases) it(c.name, () => expect(clusterSetIPRange(c.in).cidr).toBe(c.want));
  it('reads only 127.O.0.1 as the playground plan', () => {
    expect(playgroundRange('https://127.10.0.2:6443')).toBeUndefined();
    expect(playgroundRange('not a url')).toBeUndefined();
  });
  it('rejects prefixes outside 8-30 and non-IPv4', () => {
    for (const bad of ['10.0.0.0/31', '10.0.0.0/4', 'fd00::/64', '300.1.1.1/24']) expect(parseIpv4Cidr(bad)).toBeUndefined();
  });
});

describe('allocateIP', () => {
  const r = parseIpv4Cidr('127.10.202.0/24')!;
  it('is stable per service and inside the range (no network or broadcast address)', () => {
    const a = allocateIP(r, new Set(), 'shop/web')!;
    expect(allocateIP(r, new Set(), 'shop/web')).toBe(a);
    expect(a).toMatch(/^127\.10\.202\.(\d+)$/);
    const host = Number(a.split('.')[3]);
    expect(host).toBeGreaterThanOrEqual(1);
    expect(host).toBeLessThanOrEqual(254);
    // The same host part in another cluster's range.
    expect(allocateIP(parseIpv4Cidr('127.11.202.0/24')!, new Set(), 'shop/web')!.split('.')[3]).toBe(a.split('.')[3]);
  });
  it('skips used addresses and says when the range is full', () => {
    const tiny = parseIpv4Cidr('10.0.0.0/30')!; // two usable: .1 and .2
    const first = allocateIP(tiny, new Set(), 'a/b')!;
    const second = allocateIP(tiny, new Set([first]), 'a/b')!;
    expect(new Set([first, second])).toEqual(new Set(['10.0.0.1', '10.0.0.2']));
    expect(allocateIP(tiny, new Set([first, second]), 'a/b')).toBeUndefined();
  });
});

describe('imported EndpointSlices and the ServiceImport', () => {
  const member = (endpoints: any[], addressType = 'IPv4'): KObject => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'hello-x1', namespace: 'ns', labels: { 'kubernetes.io/service-name': 'hello', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
    addressType,
    endpoints,
    ports: [{ name: 'tcp', port: 8042, protocol: 'TCP' }],
  });
  const ep = (ip: string, ready: boolean, extra: Record<string, unknown> = {}) => ({ addresses: [ip], conditions: { ready, serving: ready, terminating: false }, zone: 'z1', nodeName: 'n1', ...extra });

  it('one slice per address type of a source, with the MCS labels, endpoints and endpoint ports as the member has them', () => {
    const out = sourceSlices('east', svc(), [member([ep('127.21.1.3', true, { hostname: 'hello-0' }), ep('127.21.1.2', false)]), member([ep('fd00::1', true)], 'IPv6')]);
    expect(out.map((s) => [s.metadata!.name, s.addressType])).toEqual([
      [importSliceName('hello', 'east', 0), 'IPv4'],
      [importSliceName('hello', 'east', 1), 'IPv6'],
    ]);
    expect(out[0]!.metadata!.labels).toEqual({ 'multicluster.kubernetes.io/service-name': 'hello', 'multicluster.kubernetes.io/source-cluster': 'east', 'endpointslice.kubernetes.io/managed-by': 'mcs.kubefed.io' });
    expect(out[0]!.metadata!.labels).not.toHaveProperty(['kubernetes.io/service-name']);
    expect(out[0]!.endpoints).toEqual([ep('127.21.1.2', false), ep('127.21.1.3', true, { hostname: 'hello-0' })]);
    expect(out[0]!.ports).toEqual([{ name: 'tcp', port: 8042, protocol: 'TCP' }]);
  });

  it('a source without endpoints contributes nothing', () => {
    expect(sourceSlices('east', svc(), [])).toEqual([]);
    expect(sourceSlices('east', svc(), [member([])])).toEqual([]);
  });

  it('slice names keep services and clusters apart and stay within 253 characters', () => {
    expect(importSliceName('web-a', 'b', 0)).not.toBe(importSliceName('web', 'a-b', 0));
    expect(importSliceName('s'.repeat(200), 'c'.repeat(100), 3).length).toBeLessThanOrEqual(253);
    expect(importSliceName('s'.repeat(200), 'c'.repeat(100), 3)).toMatch(/-3$/);
  });

  it('a ClusterSetIP import carries its IP and family; a Headless one none', () => {
    const d = resolveExports([exp('east', T1)]).derived!;
    const si = serviceImport('ns', 'hello', d, ['127.10.202.7']);
    expect(si.spec).toMatchObject({ type: 'ClusterSetIP', ips: ['127.10.202.7'], ipFamilies: ['IPv4'], ports: [TCP42, UDP42], sessionAffinity: 'ClientIP' });
    expect(si.metadata!.labels).toEqual({ 'multicluster.kubefed.io/managed-by': 'mcs.kubefed.io' });
    const h = serviceImport('ns', 'hello', resolveExports([exp('east', T1, { service: svc({ clusterIP: 'None' }) })]).derived!, []);
    expect(h.spec).not.toHaveProperty('ips');
    expect(h.spec!.type).toBe('Headless');
    expect(h.spec!.ipFamilies).toEqual(['IPv4']);
  });

  it("keeps what others put on an import, replaces the exported labels and annotations", () => {
    const d = resolveExports([exp('east', T1, { spec: { exportedLabels: { team: 'a' }, exportedAnnotations: { note: 'x' } } })]).derived!;
    const first = serviceImport('ns', 'hello', d, ['127.10.202.7']);
    expect(first.metadata!.labels).toEqual({ team: 'a', 'multicluster.kubefed.io/managed-by': 'mcs.kubefed.io' });
    expect(first.metadata!.annotations).toEqual({ note: 'x', 'multicluster.kubefed.io/exported-labels': 'team', 'multicluster.kubefed.io/exported-annotations': 'note' });
    // A data plane annotates the import; the export then asks for other labels.
    const stored = { ...first, metadata: { ...first.metadata, annotations: { ...first.metadata!.annotations, 'multicluster.kubernetes.io/derived-service': 'derived-abc' } } };
    const next = resolveExports([exp('east', T1, { spec: { exportedLabels: { tier: 'b' } } })]).derived!;
    expect(importMetadata(stored, next)).toEqual({
      labels: { tier: 'b', 'multicluster.kubefed.io/managed-by': 'mcs.kubefed.io' },
      annotations: { 'multicluster.kubernetes.io/derived-service': 'derived-abc', 'multicluster.kubefed.io/exported-labels': 'tier' },
    });
  });
});
