/**
 * /metrics of every component, scraped after some traffic and read with a strict text-format
 * parser: the federation API server (kube-apiserver's metrics and, in the same process and
 * registry, the federation controllers'), a member's API server, the edge's admin address and
 * the DNS server's registry. RBAC on /metrics as Kubernetes has it: 401 without credentials,
 * 403 without the grant, 200 with system:monitoring. The Grafana dashboard's and the alert
 * rules' expressions only name metrics that these scrapes contain.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../../src/apiserver/server.js';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { monitoringExpressions, promqlMetricNames } from '../helpers/monitoring-assets.js';
import { reserveOctets } from '../helpers/octets.js';
import { Scrape } from '../helpers/prometheus-text.js';

const NS = 'metrics';
const CONFIGMAPS = 5;
const WAIT = 30_000;
let fp: FederatedPlayground;
let member: string;

interface Answer {
  status: number;
  body: string;
}

/** GET `path` of an API server: as its admin (client certificate), anonymously, or with a bearer token. */
function apiGet(server: ApiServer, path: string, as: 'admin' | 'anonymous' | { token: string } = 'admin'): Promise<Answer> {
  const url = new URL(path, server.url);
  const creds = as === 'admin' ? { cert: server.adminCredentials.certPem, key: server.adminCredentials.keyPem } : {};
  const headers: Record<string, string> = typeof as === 'object' ? { authorization: `Bearer ${as.token}` } : {};
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ hostname: url.hostname, port: url.port, path: url.pathname, ca: server.caPem, headers, ...creds }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function httpGet(o: { host: string; port: number; path: string; localAddress?: string }): Promise<Answer & { headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: o.host, port: o.port, path: o.path, ...(o.localAddress ? { localAddress: o.localAddress } : {}), timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function scrapeApi(server: ApiServer): Promise<Scrape> {
  const r = await apiGet(server, '/metrics');
  expect(r.status).toBe(200);
  return new Scrape(r.body);
}

async function scrapeEdge(): Promise<Scrape> {
  const r = await httpGet({ host: fp.edgeAddress, port: fp.edge!.proxy.adminPort!, path: '/metrics' });
  expect(r.status).toBe(200);
  return new Scrape(r.body);
}

beforeAll(async () => {
  fp = await startFederatedPlayground({ clusters: 2, nodes: 1, firstOctet: reserveOctets(2), edge: true, dns: true });
  member = fp.clusters[0]!;
  await fp.ok(['--context=federation', 'create', 'namespace', NS]);
  for (let i = 0; i < CONFIGMAPS; i++) await fp.ok(['--context=federation', 'create', 'configmap', `cm-${i}`, '-n', NS, `--from-literal=i=${i}`]);
  await fp.ok(['--context=federation', 'create', 'deployment', 'web', '-n', NS, '--image=nginx', '--replicas=2']);
  await fp.ok(['--context=federation', 'expose', 'deployment', 'web', '-n', NS, '--port=80']);
  await fp.ok(['--context=federation', 'create', 'ingress', 'web', '-n', NS, '--rule=/*=web:80']);
  await fp.ok(['--context=federation', 'rollout', 'status', 'deployment/web', '-n', NS, '--timeout=60s']);
  for (const c of fp.clusters) await eventually(async () => (await fp.member(c).list('v1', 'ConfigMap', { namespace: NS, labelSelector: 'kubefed.io/managed=true' })).items.length === CONFIGMAPS, `the ConfigMaps in ${c}`, WAIT);
  // Requests through the edge, from a client in the first cluster's zone.
  const client = `127.${fp.pg.cluster(member).spec.octet}.250.1`;
  await eventually(async () => (await httpGet({ host: fp.edgeAddress, port: 80, path: '/', localAddress: client }).catch(() => ({ status: 0 }))).status === 200, 'the edge serving web', WAIT);
  for (let i = 0; i < 10; i++) expect((await httpGet({ host: fp.edgeAddress, port: 80, path: '/', localAddress: client })).status).toBe(200);
}, 180_000);

afterAll(async () => {
  await fp?.stop();
});

describe('federation API server /metrics', () => {
  it("serves kube-apiserver's metrics with their names and labels", async () => {
    const s = await scrapeApi(fp.cp.server);
    // Requests: every verb counted with kube-apiserver's labels.
    const creates = s.samples('apiserver_request_total', { verb: 'POST', group: '', version: 'v1', resource: 'configmaps', scope: 'resource', component: 'apiserver', code: '201' });
    expect(creates.reduce((a, x) => a + x.value, 0)).toBeGreaterThanOrEqual(CONFIGMAPS);
    expect(Object.keys(creates[0]!.labels).sort()).toEqual(['code', 'component', 'dry_run', 'group', 'resource', 'scope', 'subresource', 'verb', 'version']);
    expect(s.sum('apiserver_request_total', { verb: 'LIST' })).toBeGreaterThan(0);
    expect(s.sum('apiserver_request_total', { verb: 'GET' })).toBeGreaterThan(0);
    // A non-resource request: its path as subresource, no component (as upstream).
    expect(s.sum('apiserver_request_total', { verb: 'GET', subresource: '/api', component: '' })).toBeGreaterThan(0);
    const latency = s.histograms('apiserver_request_duration_seconds', { verb: 'POST', resource: 'configmaps' });
    expect(latency.reduce((a, h) => a + h.count, 0)).toBeGreaterThanOrEqual(CONFIGMAPS);
    expect(latency[0]!.buckets.map(([le]) => le)).toEqual([0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60, Infinity]);
    expect(s.histograms('apiserver_response_sizes', { verb: 'LIST' }).length).toBeGreaterThan(0);
    // In flight: this very scrape is a read-only request being served.
    expect(s.samples('apiserver_current_inflight_requests').map((x) => x.labels.request_kind).sort()).toEqual(['mutating', 'readOnly']);
    expect(s.sum('apiserver_current_inflight_requests', { request_kind: 'readOnly' })).toBeGreaterThanOrEqual(1);
    // The controllers' informers hold watches open.
    expect(s.sum('apiserver_longrunning_requests', { verb: 'WATCH' })).toBeGreaterThan(0);
    // Stored objects from the watch cache, named resource.group as upstream.
    expect(s.sum('apiserver_storage_objects', { resource: 'configmaps' })).toBeGreaterThanOrEqual(CONFIGMAPS);
    expect(s.sum('apiserver_storage_objects', { resource: 'deployments.apps' })).toBe(1);
    expect(s.sum('apiserver_storage_objects', { resource: 'kubefedclusters.core.kubefed.io' })).toBe(2);
    expect(s.sum('apiserver_resource_objects', { group: 'apps', resource: 'deployments' })).toBe(1);
    expect(s.sum('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(s.sum('process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it("serves the controllers' metrics in the same registry", async () => {
    const s = await scrapeApi(fp.cp.server);
    // client-go's work queue metrics, one series per controller.
    expect(s.sum('workqueue_adds_total', { name: 'sync' })).toBeGreaterThan(0);
    for (const name of ['cluster', 'typeconfig', 'member-access', 'shards', 'global-ingress', 'mcs']) expect(s.samples('workqueue_depth', { name }).length, `workqueue_depth{name="${name}"}`).toBe(1);
    expect(s.histograms('workqueue_work_duration_seconds', { name: 'sync' })[0]!.count).toBeGreaterThan(0);
    expect(s.histograms('workqueue_queue_duration_seconds', { name: 'sync' })[0]!.count).toBeGreaterThan(0);
    for (const n of ['workqueue_retries_total', 'workqueue_unfinished_work_seconds', 'workqueue_longest_running_processor_seconds']) expect(s.has(n), n).toBe(true);
    expect(s.sum('leader_election_master_status', { name: 'kubefed-controller-manager' })).toBe(1);
    expect(s.sum('leader_election_master_status', { name: 'kubefed-traffic-controllers' })).toBe(1);
    // Clusters: ready, probed.
    for (const c of fp.clusters) {
      expect(s.sum('cluster_ready_state', { cluster_name: c })).toBe(1);
      expect(s.sum('kubefedcluster_total', { cluster: c, state: 'ready' })).toBe(1);
      expect(s.histograms('cluster_health_probe_duration_seconds', { cluster_name: c })[0]!.count).toBeGreaterThan(0);
    }
    expect(s.sum('joined_cluster_total')).toBe(fp.clusters.length);
    // Propagation: every ConfigMap reached every cluster, each copy timed once.
    const cms = s.histograms('kubefed_propagation_latency_seconds', { type: 'configmaps' })[0]!;
    expect(cms.count).toBeGreaterThanOrEqual(CONFIGMAPS * fp.clusters.length);
    expect(cms.sum / cms.count).toBeLessThan(10);
    expect(s.histograms('kubefed_propagation_latency_seconds', { type: 'deployments.apps' })[0]!.count).toBeGreaterThanOrEqual(fp.clusters.length);
    // Member writes per cluster, verb and result.
    for (const c of fp.clusters) expect(s.sum('kubefed_member_writes_total', { cluster_name: c, verb: 'create', result: 'success' })).toBeGreaterThanOrEqual(CONFIGMAPS + 2);
    expect(s.histograms('dispatch_operation_duration_seconds', { action: 'create' })[0]!.count).toBeGreaterThan(0);
    expect(s.sum('rest_client_requests_total', { method: 'GET', code: '200' })).toBeGreaterThan(0);
  });
});

describe('member API server /metrics', () => {
  it('counts the federation\'s writes and stores their objects', async () => {
    const s = await scrapeApi(fp.pg.cluster(member).apiServer);
    expect(s.sum('apiserver_request_total', { verb: 'POST', resource: 'configmaps', code: '201' })).toBeGreaterThanOrEqual(CONFIGMAPS);
    expect(s.sum('apiserver_storage_objects', { resource: 'configmaps' })).toBeGreaterThanOrEqual(CONFIGMAPS);
    expect(s.sum('apiserver_storage_objects', { resource: 'pods' })).toBeGreaterThan(0);
    expect(s.sum('apiserver_longrunning_requests', { verb: 'WATCH' })).toBeGreaterThan(0);
    // A member's API server serves only its own metrics: no controller's.
    expect(s.has('kubefed_member_writes_total')).toBe(false);
  });
});

describe('edge admin /metrics', () => {
  it('counts requests by serving cluster and tier', async () => {
    const s = await scrapeEdge();
    expect(s.sum('kubefed_edge_requests_total', { cluster: member, code: '200' })).toBeGreaterThanOrEqual(10);
    expect(s.samples('kubefed_edge_requests_total', { cluster: member }).every((x) => x.labels.tier !== undefined)).toBe(true);
    expect(s.histograms('kubefed_edge_request_duration_seconds').length).toBeGreaterThan(0);
  });
});

describe('RBAC on /metrics', () => {
  it('answers 401 without credentials, 403 without the grant, 200 with system:monitoring', async () => {
    for (const server of [fp.cp.server, fp.pg.cluster(member).apiServer]) expect((await apiGet(server, '/metrics', 'anonymous')).status).toBe(401);
    await fp.ok(['--context=federation', 'create', 'serviceaccount', 'prometheus', '-n', NS]);
    const token = (await fp.ok(['--context=federation', 'create', 'token', 'prometheus', '-n', NS])).trim();
    const denied = await apiGet(fp.cp.server, '/metrics', { token });
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body).message).toBe(`forbidden: User "system:serviceaccount:${NS}:prometheus" cannot get path "/metrics"`);
    // Health stays public; /metrics needs the grant the bootstrap policy gives system:monitoring.
    expect((await apiGet(fp.cp.server, '/readyz', 'anonymous')).status).toBe(200);
    await fp.ok(['--context=federation', 'create', 'clusterrolebinding', 'prometheus-monitoring', '--clusterrole=system:monitoring', `--serviceaccount=${NS}:prometheus`]);
    const allowed = await eventually(async () => {
      const r = await apiGet(fp.cp.server, '/metrics', { token });
      return r.status === 200 ? r : undefined;
    }, '/metrics with the system:monitoring grant', WAIT);
    expect(new Scrape(allowed.body).has('apiserver_request_total')).toBe(true);
    expect(new Scrape((await apiGet(fp.cp.server, '/metrics')).body).sum('apiserver_request_total', { subresource: '/metrics', code: '403' })).toBeGreaterThanOrEqual(1);
  });
});

describe('dashboard and alerts', () => {
  it('name only metrics that the components export', async () => {
    const exported = new Set<string>();
    for (const s of [await scrapeApi(fp.cp.server), await scrapeApi(fp.pg.cluster(member).apiServer), await scrapeEdge(), new Scrape(await fp.dns!.server.registry.metrics())]) for (const n of s.seriesNames()) exported.add(n);
    const missing: string[] = [];
    for (const { where, expr } of monitoringExpressions()) for (const name of promqlMetricNames(expr)) if (!exported.has(name)) missing.push(`${where}: ${name}`);
    expect(missing).toEqual([]);
  });
});
