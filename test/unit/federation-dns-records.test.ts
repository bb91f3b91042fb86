/** Federation v1 service DNS names from shards: table-driven, expected records written out by hand. */
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { federationRecords, federationZone, type FederationDnsSettings } from '../../src/dns/federation-records.js';

const settings: FederationDnsSettings = { federation: 'myfed', domain: 'example.com', ttl: 5 };

const svc = (name: string, type = 'LoadBalancer'): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type } });

/** A shard slice of `nginx` in `cluster`: phase, LB addresses, endpoints as [zone, ready]. */
function shard(cluster: string, region: string, o: { phase?: string; lb?: string; endpoints?: [string, boolean][] }): KObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `nginx-${cluster}`,
      namespace: 'default',
      labels: { 'multicluster.kubernetes.io/service-name': 'nginx', 'multicluster.kubernetes.io/source-cluster': cluster },
      annotations: { 'kubefed.io/cluster-phase': o.phase ?? 'Ready', 'kubefed.io/region': region, ...(o.lb !== undefined ? { 'kubefed.io/load-balancer-ingress': o.lb } : {}) },
    },
    addressType: 'IPv4',
    endpoints: (o.endpoints ?? []).map(([zone, ready], i) => ({ addresses: [`10.0.0.${i + 1}`], zone, conditions: { ready } })),
    ports: [],
  };
}

const rows = (slices: KObject[], services = [svc('nginx')]) =>
  federationRecords({ settings, services, slices, clusters: [] })
    .records.map((r) => `${r.name} ${r.type} ${typeof r.data === 'string' ? r.data : JSON.stringify(r.data)}`)
    .sort();

const G = 'nginx.default.myfed.svc.example.com';
const R = (r: string) => `nginx.default.myfed.svc.${r}.example.com`;
const Z = (z: string, r: string) => `nginx.default.myfed.svc.${z}.${r}.example.com`;

describe('federation service records', () => {
  it('every shard healthy: A records at every level', () => {
    expect(rows([shard('us-a', 'us', { lb: '1.1.1.1', endpoints: [['us-a', true]] }), shard('eu-b', 'eu', { lb: '2.2.2.2', endpoints: [['eu-b', true]] })])).toEqual(
      [`${G} A 1.1.1.1`, `${G} A 2.2.2.2`, `${R('eu')} A 2.2.2.2`, `${R('us')} A 1.1.1.1`, `${Z('eu-b', 'eu')} A 2.2.2.2`, `${Z('us-a', 'us')} A 1.1.1.1`].sort(),
    );
  });

  it('a zone without ready endpoints: its name is a CNAME to the region, which still answers from the other zone', () => {
    expect(rows([shard('us-a', 'us', { lb: '1.1.1.1', endpoints: [['us-a', false]] }), shard('us-b', 'us', { lb: '3.3.3.3', endpoints: [['us-b', true]] })])).toEqual(
      [`${G} A 3.3.3.3`, `${R('us')} A 3.3.3.3`, `${Z('us-b', 'us')} A 3.3.3.3`, `${Z('us-a', 'us')} CNAME ${R('us')}`].sort(),
    );
  });

  it('a whole region down: zone -> region -> global CNAMEs; the global name answers the others', () => {
    expect(rows([shard('us-a', 'us', { phase: 'Offline', lb: '1.1.1.1', endpoints: [['us-a', true]] }), shard('eu-b', 'eu', { lb: '2.2.2.2', endpoints: [['eu-b', true]] })])).toEqual(
      [`${G} A 2.2.2.2`, `${R('eu')} A 2.2.2.2`, `${Z('eu-b', 'eu')} A 2.2.2.2`, `${R('us')} CNAME ${G}`, `${Z('us-a', 'us')} CNAME ${R('us')}`].sort(),
    );
  });

  it('no load-balancer address in a cluster: that shard is not healthy', () => {
    expect(rows([shard('us-a', 'us', { lb: '', endpoints: [['us-a', true]] })])).toEqual([`${R('us')} CNAME ${G}`, `${Z('us-a', 'us')} CNAME ${R('us')}`].sort());
  });

  it('IPv6 load balancers get AAAA records; hostnames none', () => {
    expect(rows([shard('us-a', 'us', { lb: '2001:db8::1,lb.cloud.example', endpoints: [['us-a', true]] })])).toEqual([`${G} AAAA 2001:db8::1`, `${R('us')} AAAA 2001:db8::1`, `${Z('us-a', 'us')} AAAA 2001:db8::1`].sort());
  });

  it('only LoadBalancer Services get names', () => {
    expect(rows([shard('us-a', 'us', { lb: '1.1.1.1', endpoints: [['us-a', true]] })], [svc('nginx', 'ClusterIP')])).toEqual([]);
  });

  it('the zone has SOA, NS and a negative TTL of the record TTL', () => {
    const z = federationZone({ settings, services: [svc('nginx')], slices: [], clusters: [] });
    expect(z.origin).toBe('example.com');
    expect(z.nameServers).toEqual(['ns1.example.com']);
    expect(z.soa).toMatchObject({ mname: 'ns1.example.com', rname: 'hostmaster.example.com', minimum: 5 });
  });
});
