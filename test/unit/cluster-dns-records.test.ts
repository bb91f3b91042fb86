/**
 * A cluster's DNS records (src/dns/cluster-records.ts), table-driven with the expected records
 * written out: cluster.local (kubernetes/dns specification 1.1.0), clusterset.local (KEP-1645
 * DNS specification 1.0.0: ClusterSetIP, SRV, headless per-endpoint names, dns-version), the
 * federation's names with v1's in-cluster rule, PTRs; and the locality order of the ClusterSetIP
 * data plane (src/playground/cluster/network/clusterset-ip.ts).
 */
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { clusterDnsZones, clusterLocalRecords, clustersetRecords, endpointLabel, federationInClusterRecords, reverseName } from '../../src/dns/cluster-records.js';
import type { DnsRecord } from '../../src/dns/zone.js';
import { importEndpoints, localityTiers, type ImportEndpoint } from '../../src/playground/cluster/network/clusterset-ip.js';

const show = (r: DnsRecord) => `${r.name} ${r.type} ${typeof r.data === 'string' ? r.data : Array.isArray(r.data) ? r.data.join(',') : 'priority' in r.data ? `${r.data.priority} ${r.data.weight} ${r.data.port} ${r.data.target}` : JSON.stringify(r.data)}`;
const rows = (records: DnsRecord[]) => records.map(show).sort();
const without = (list: string[], prefix: string) => list.filter((l) => !l.startsWith(prefix));

function svc(name: string, spec: KObject, status?: KObject, ns = 'default'): KObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec, ...(status ? { status } : {}) };
}

/** An endpoint: [address, ready, hostname?, zone?]. */
type E = [string, boolean, string?, string?];

function slice(name: string, labels: Record<string, string>, endpoints: E[], ports: KObject[], ns = 'default'): KObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: ns, labels },
    addressType: 'IPv4',
    endpoints: endpoints.map(([a, ready, hostname, zone]) => ({ addresses: [a], conditions: { ready }, ...(hostname ? { hostname } : {}), ...(zone ? { zone } : {}) })),
    ports,
  };
}
const own = (svcName: string, eps: E[], ports: KObject[] = [{ name: 'http', port: 8080, protocol: 'TCP' }]) => slice(`${svcName}-abc`, { 'kubernetes.io/service-name': svcName }, eps, ports);
const imported = (svcName: string, cluster: string, eps: E[], ports: KObject[] = [{ name: 'http', port: 8080, protocol: 'TCP' }]) =>
  slice(`${svcName}-${cluster}-x`, { 'multicluster.kubernetes.io/service-name': svcName, 'multicluster.kubernetes.io/source-cluster': cluster, 'endpointslice.kubernetes.io/managed-by': 'mcs.kubefed.io' }, eps, ports);

function serviceImport(name: string, spec: KObject, ns = 'default'): KObject {
  return { apiVersion: 'multicluster.x-k8s.io/v1beta1', kind: 'ServiceImport', metadata: { name, namespace: ns }, spec };
}

const HTTP = { name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 };
const L = (s: string) => `${s}.default.svc.cluster.local`;
const CS = (s: string) => `${s}.default.svc.clusterset.local`;

describe('cluster.local', () => {
  const cases: { name: string; services: KObject[]; slices?: KObject[]; want: string[] }[] = [
    {
      name: 'a ClusterIP Service: A to the ClusterIP, SRV per named port (not for unnamed ones), whatever its endpoints',
      services: [svc('web', { type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [HTTP, { name: 'https', port: 443, protocol: 'TCP' }, { port: 9000, protocol: 'UDP' }] })],
      want: [`${L('web')} A 10.96.0.20`, `_http._tcp.${L('web')} SRV 0 100 80 ${L('web')}`, `_https._tcp.${L('web')} SRV 0 100 443 ${L('web')}`],
    },
    {
      name: 'a LoadBalancer Service: still its ClusterIP (the load-balancer address is not a cluster.local answer)',
      services: [svc('lb', { type: 'LoadBalancer', clusterIP: '10.96.0.21', ports: [HTTP] }, { loadBalancer: { ingress: [{ ip: '127.10.200.1' }] } })],
      want: [`${L('lb')} A 10.96.0.21`, `_http._tcp.${L('lb')} SRV 0 100 80 ${L('lb')}`],
    },
    {
      name: 'dual stack: A and AAAA',
      services: [svc('ds', { clusterIP: '10.96.0.22', clusterIPs: ['10.96.0.22', 'fd00::22'], ports: [] })],
      want: [`${L('ds')} A 10.96.0.22`, `${L('ds')} AAAA fd00::22`],
    },
    {
      name: 'headless: every ready endpoint, per-endpoint names (hostname, else dashed address), SRV to them with the endpoint port',
      services: [svc('db', { clusterIP: 'None', ports: [HTTP] })],
      slices: [own('db', [['10.1.0.5', true, 'db-0'], ['10.1.0.6', true], ['10.1.0.7', false, 'db-2']])],
      want: [
        `${L('db')} A 10.1.0.5`,
        `${L('db')} A 10.1.0.6`,
        `db-0.${L('db')} A 10.1.0.5`,
        `10-1-0-6.${L('db')} A 10.1.0.6`,
        `_http._tcp.${L('db')} SRV 0 50 8080 db-0.${L('db')}`,
        `_http._tcp.${L('db')} SRV 0 50 8080 10-1-0-6.${L('db')}`,
      ],
    },
    { name: 'headless without ready endpoints: no records (NXDOMAIN)', services: [svc('db', { clusterIP: 'None', ports: [HTTP] })], slices: [own('db', [['10.1.0.7', false]])], want: [] },
    {
      name: 'slices of another Service or imported ones do not count',
      services: [svc('db', { clusterIP: 'None', ports: [HTTP] })],
      slices: [own('other', [['10.1.0.8', true]]), imported('db', 'east', [['10.2.0.1', true]])],
      want: [],
    },
    { name: 'ExternalName: a CNAME', services: [svc('ext', { type: 'ExternalName', externalName: 'Example.COM.' })], want: [`${L('ext')} CNAME example.com`] },
    { name: 'a Service without a ClusterIP yet: nothing', services: [svc('new', { type: 'ClusterIP', ports: [HTTP] })], want: [] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(without(rows(clusterLocalRecords(c.services, c.slices ?? []).records), 'dns-version.')).toEqual([...c.want].sort());
    });
  }

  it('has dns-version TXT "1.1.0"', () => {
    expect(rows(clusterLocalRecords([], []).records)).toEqual(['dns-version.cluster.local TXT 1.1.0']);
  });
});

describe('clusterset.local', () => {
  const cases: { name: string; imports: KObject[]; slices?: KObject[]; want: string[] }[] = [
    {
      name: 'ClusterSetIP: A to spec.ips, SRV per named port to the service name; no per-cluster names',
      imports: [serviceImport('web', { type: 'ClusterSetIP', ips: ['127.10.202.7'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 81, protocol: 'TCP' }] })],
      slices: [imported('web', 'east', [['10.1.0.5', true, 'web-0']]), imported('web', 'west', [['10.2.0.5', true]])],
      want: [`${CS('web')} A 127.10.202.7`, `_http._tcp.${CS('web')} SRV 0 100 80 ${CS('web')}`],
    },
    {
      name: 'ClusterSetIP with an IPv6 address: AAAA',
      imports: [serviceImport('web6', { type: 'ClusterSetIP', ips: ['fd00::7'], ports: [] })],
      want: [`${CS('web6')} AAAA fd00::7`],
    },
    {
      name: 'Headless: every ready endpoint of every source cluster, <hostname>.<clusterid> names, SRV per endpoint and named port',
      imports: [serviceImport('db', { type: 'Headless', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] })],
      slices: [imported('db', 'east', [['10.1.0.5', true, 'db-0'], ['10.1.0.6', false, 'db-1']]), imported('db', 'west', [['10.2.0.5', true, 'db-0'], ['10.2.0.6', true]]), own('db', [['10.9.9.9', true]])],
      want: [
        `${CS('db')} A 10.1.0.5`,
        `${CS('db')} A 10.2.0.5`,
        `${CS('db')} A 10.2.0.6`,
        `db-0.east.${CS('db')} A 10.1.0.5`,
        `db-0.west.${CS('db')} A 10.2.0.5`,
        `10-2-0-6.west.${CS('db')} A 10.2.0.6`,
        `_http._tcp.${CS('db')} SRV 0 33 8080 db-0.east.${CS('db')}`,
        `_http._tcp.${CS('db')} SRV 0 33 8080 db-0.west.${CS('db')}`,
        `_http._tcp.${CS('db')} SRV 0 33 8080 10-2-0-6.west.${CS('db')}`,
      ],
    },
    { name: 'Headless without ready endpoints: no records (NXDOMAIN)', imports: [serviceImport('db', { type: 'Headless', ports: [] })], slices: [imported('db', 'east', [['10.1.0.6', false]])], want: [] },
    {
      name: 'an import being deleted: nothing',
      imports: [{ ...serviceImport('gone', { type: 'ClusterSetIP', ips: ['127.10.202.9'] }), metadata: { name: 'gone', namespace: 'default', deletionTimestamp: '2026-01-01T00:00:00Z' } }],
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(without(rows(clustersetRecords(c.imports, c.slices ?? []).records), 'dns-version.')).toEqual([...c.want].sort());
    });
  }

  it('has dns-version TXT "1.0.0"', () => {
    expect(rows(clustersetRecords([], []).records)).toEqual(['dns-version.clusterset.local TXT 1.0.0']);
  });
});

describe("the federation's names in-cluster (v1's rule)", () => {
  const fed = { name: 'federation', domain: 'kubefed.example' };
  const F = (s: string) => [`${s}.default.federation.svc.cluster.local`, `${s}.default.federation`];
  const Z = (s: string) => `${s}.default.federation.svc.us-central1-a.us-central1.kubefed.example`;
  const lbSvc = (name: string) => svc(name, { type: 'LoadBalancer', clusterIP: '10.96.0.30', ports: [HTTP] }, { loadBalancer: { ingress: [{ ip: '127.10.200.3' }] } });
  const cases: { name: string; services: KObject[]; slices?: KObject[]; where?: { zone?: string; region?: string }; want: string[] }[] = [
    { name: 'a ready endpoint here: the load-balancer address', services: [lbSvc('nginx')], slices: [own('nginx', [['10.1.0.5', true]])], want: F('nginx').map((n) => `${n} A 127.10.200.3`) },
    { name: 'no ready endpoint here: a CNAME to the zone name', services: [lbSvc('nginx')], slices: [own('nginx', [['10.1.0.5', false]])], want: F('nginx').map((n) => `${n} CNAME ${Z('nginx')}`) },
    { name: 'no endpoints at all: the same CNAME', services: [lbSvc('nginx')], want: F('nginx').map((n) => `${n} CNAME ${Z('nginx')}`) },
    {
      name: 'a ClusterIP Service with a ready endpoint: its ClusterIP',
      services: [svc('api', { type: 'ClusterIP', clusterIP: '10.96.0.31', ports: [HTTP] })],
      slices: [own('api', [['10.1.0.5', true]])],
      want: F('api').map((n) => `${n} A 10.96.0.31`),
    },
    { name: 'headless: the ready endpoints', services: [svc('db', { clusterIP: 'None', ports: [HTTP] })], slices: [own('db', [['10.1.0.5', true], ['10.1.0.6', false]])], want: F('db').map((n) => `${n} A 10.1.0.5`) },
    {
      name: 'a cluster without a zone: the CNAME goes to the region name',
      services: [lbSvc('nginx')],
      where: { region: 'us-central1' },
      want: F('nginx').map((n) => `${n} CNAME nginx.default.federation.svc.us-central1.kubefed.example`),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const where = c.where ?? { zone: 'us-central1-a', region: 'us-central1' };
      expect(rows(federationInClusterRecords({ services: c.services, endpointSlices: c.slices ?? [], federation: fed, ...where }))).toEqual([...c.want].sort());
    });
  }

  it('no federation configured: no names', () => {
    expect(federationInClusterRecords({ services: [lbSvc('nginx')], endpointSlices: [] })).toEqual([]);
  });
});

describe('the zones of a cluster DNS', () => {
  const zones = clusterDnsZones({
    cluster: 'east',
    zone: 'us-central1-a',
    region: 'us-central1',
    services: [svc('web', { clusterIP: '10.96.0.20', ports: [HTTP] }), svc('db', { clusterIP: 'None', ports: [HTTP] })],
    endpointSlices: [own('web', [['10.1.0.5', true]]), own('db', [['10.1.0.6', true, 'db-0']]), imported('db', 'east', [['10.1.0.6', true, 'db-0']]), imported('db', 'west', [['10.2.0.6', true, 'db-0']])],
    serviceImports: [serviceImport('web', { type: 'ClusterSetIP', ips: ['127.10.202.7'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }), serviceImport('db', { type: 'Headless', ports: [] })],
    federation: { name: 'federation', domain: 'kubefed.example' },
    serverAddresses: ['127.10.0.10'],
  }).zones;
  const byOrigin = Object.fromEntries(zones.map((z) => [z.origin, z]));

  it('are cluster.local, clusterset.local, the federation short names and the reverse zones', () => {
    expect(zones.map((z) => z.origin)).toEqual(['cluster.local', 'clusterset.local', 'federation', 'in-addr.arpa', 'ip6.arpa']);
    expect(byOrigin['cluster.local']!.nameServers).toEqual(['ns.dns.cluster.local']);
    expect(byOrigin['cluster.local']!.records.get('ns.dns.cluster.local')).toEqual([{ name: 'ns.dns.cluster.local', type: 'A', ttl: 5, data: '127.10.0.10' }]);
    expect(byOrigin['cluster.local']!.soa.minimum).toBe(5);
    expect([...byOrigin['federation']!.records.keys()].filter((k) => byOrigin['federation']!.records.get(k)!.length)).toEqual(['web.default.federation', 'db.default.federation'].sort());
  });

  it('give one PTR per address: cluster.local first, then clusterset.local', () => {
    const ptr = (ip: string) => byOrigin['in-addr.arpa']!.records.get(reverseName(ip)!)?.map((r) => r.data);
    expect(ptr('10.96.0.20')).toEqual([L('web')]);
    expect(ptr('127.10.202.7')).toEqual([CS('web')]);
    expect(ptr('10.1.0.6')).toEqual([`db-0.${L('db')}`]);
    expect(ptr('10.2.0.6')).toEqual([`db-0.west.${CS('db')}`]);
  });
});

describe('reverse names and endpoint labels', () => {
  const cases: [string, string | undefined][] = [
    ['10.96.0.20', '20.0.96.10.in-addr.arpa'],
    ['2001:db8::1', '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa'],
    ['::ffff:1.2.3.4', '4.0.3.0.2.0.1.0.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa'],
    ['fd00:0:0:0:0:0:0:22', '2.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa'],
    ['not-an-ip', undefined],
  ];
  for (const [ip, want] of cases) it(`${ip} -> ${want}`, () => expect(reverseName(ip)).toBe(want));
  it('an endpoint without hostname is named by its address', () => {
    expect(endpointLabel('10.1.0.6')).toBe('10-1-0-6');
    expect(endpointLabel('fd00::6')).toBe('fd00--6');
    expect(endpointLabel('10.1.0.6', 'db-0')).toBe('db-0');
  });
});

describe('ClusterSetIP locality tiers', () => {
  const ep = (host: string, cluster: string | undefined, zone?: string): ImportEndpoint => ({ host, port: 80, ...(cluster ? { cluster } : {}), ...(zone ? { zone } : {}) });
  const regions: Record<string, string> = { 'gce-us-central1-a': 'us-central1', 'gce-us-central1-b': 'us-central1', 'gce-europe-west1-b': 'europe-west1', 'gce-asia-east1-a': 'asia-east1', 'sol-1': 'sol' };
  const here = { cluster: 'gce-us-central1-a', zones: ['us-central1-a'], region: 'us-central1', regionOf: (c: string) => regions[c] };
  const hosts = (tiers: ImportEndpoint[][]) => tiers.map((t) => t.map((e) => e.host));
  const cases: { name: string; endpoints: ImportEndpoint[]; want: string[][] }[] = [
    {
      name: 'local cluster, same zone, same region, then regions nearest first (Iowa: Belgium before Taiwan), unknown last',
      endpoints: [ep('asia', 'gce-asia-east1-a', 'asia-east1-a'), ep('eu', 'gce-europe-west1-b', 'europe-west1-b'), ep('sol', 'sol-1', 'sol-a'), ep('region', 'gce-us-central1-b', 'us-central1-b'), ep('zone', 'other-cluster', 'us-central1-a'), ep('local', 'gce-us-central1-a', 'us-central1-a')],
      want: [['local'], ['zone'], ['region'], ['eu'], ['asia'], ['sol']],
    },
    {
      name: "a cluster the topology does not know: its region from the endpoint's zone name",
      endpoints: [ep('eu', 'elsewhere', 'europe-west1-c'), ep('asia', 'faraway', 'asia-east1-c')],
      want: [['eu'], ['asia']],
    },
    { name: 'empty tiers are left out', endpoints: [ep('asia', 'gce-asia-east1-a')], want: [['asia']] },
    { name: 'no source cluster and no zone: last', endpoints: [ep('x', undefined), ep('local', 'gce-us-central1-a')], want: [['local'], ['x']] },
  ];
  for (const c of cases) it(c.name, () => expect(hosts(localityTiers(here, c.endpoints))).toEqual(c.want));

  it("endpoints of an import port: ready ones, on the slice's port of the same name", () => {
    const slices = [
      imported('web', 'east', [['10.1.0.5', true, undefined, 'z1'], ['10.1.0.6', false]], [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'admin', port: 9090, protocol: 'TCP' }]),
      imported('web', 'west', [['10.2.0.5', true]], [{ name: 'other', port: 7070, protocol: 'TCP' }]),
    ];
    expect(importEndpoints(slices, { name: 'http', port: 80, protocol: 'TCP' }, 2)).toEqual([{ host: '10.1.0.5', port: 8080, cluster: 'east', zone: 'z1' }]);
    // A single-port import takes a single-port slice's port, whatever its name.
    expect(importEndpoints([slices[1]!], { port: 80, protocol: 'TCP' }, 1)).toEqual([{ host: '10.2.0.5', port: 7070, cluster: 'west' }]);
  });
});
