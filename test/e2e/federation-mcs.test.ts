/**
 * Multi-Cluster Services (KEP-1645) on a federated playground of three clusters, with real
 * kubectl: the cases of the kubernetes-sigs/mcs-api conformance suite that concern the API
 * (conformance/service_import.go, endpoint_slice.go; DNS and connectivity are the data plane's):
 * - the CRDs in the federation and every member, with their printer columns;
 * - a ServiceImport exists, in every cluster, only while some cluster exports the Service;
 * - ClusterIP -> ClusterSetIP (an address from each cluster's range, ports, session affinity,
 *   internal traffic policy, IP families), headless -> Headless without address;
 * - ports union with a conflict, conflicting ports (the oldest export wins), type conflict;
 * - ExternalName and a missing Service: Valid=False, no import;
 * - exported labels and annotations;
 * - imported EndpointSlices: MCS labels, managed-by, owned by the ServiceImport, the source's
 *   endpoints, gone on unexport;
 * - a ServiceExport created at the federation is propagated and summarized;
 * - an unreachable cluster's endpoints leave the imports after the timeout, nothing deleted in
 *   it, and come back with it;
 * - an import goes only where its namespace exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAccountName } from '../../src/federation/clusters/member-access.js';
import { KUBEFED_NAMESPACE } from '../../src/federation/crds/federation-crds.js';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { reserveOctets } from '../helpers/octets.js';

const NAMES = ['east', 'west', 'north'] as const;
const [EAST, WEST, NORTH] = NAMES;
const NS = 'mcs';
const WAIT = 30_000;
const TIMEOUT_MS = 6_000;
let fp: FederatedPlayground;
let firstOctet: number;

type Obj = Record<string, any>;
interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

const octetOf = (cluster: string) => firstOctet + NAMES.indexOf(cluster as (typeof NAMES)[number]);

async function get(cluster: string, kind: string, name: string, ns = NS): Promise<Obj | undefined> {
  const r = await fp.k([`--context=${cluster}`, 'get', kind, name, '-n', ns, '-o', 'json']);
  if (r.code !== 0) {
    if (/NotFound|not found/.test(r.stderr)) return undefined;
    throw new Error(r.stderr);
  }
  return JSON.parse(r.stdout);
}

const serviceImport = (cluster: string, name: string, ns = NS) => get(cluster, 'serviceimports.multicluster.x-k8s.io', name, ns);

async function condition(cluster: string, name: string, type: string, ns = NS): Promise<Condition | undefined> {
  const se = await get(cluster, 'serviceexports.multicluster.x-k8s.io', name, ns);
  return (se?.status?.conditions ?? []).find((c: Condition) => c.type === type);
}

async function slices(cluster: string, name: string, ns = NS): Promise<Obj[]> {
  const out = await fp.ok([`--context=${cluster}`, 'get', 'endpointslices', '-n', ns, '-l', `multicluster.kubernetes.io/service-name=${name}`, '-o', 'json']);
  return JSON.parse(out).items;
}

const apply = (cluster: string, obj: Obj) => fp.ok([`--context=${cluster}`, 'apply', '-f', '-'], JSON.stringify(obj));

function service(name: string, spec: Obj = {}, ns = NS): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, labels: { 'dummy-svc': 'dummy' }, annotations: { 'dummy-svc': 'dummy' } },
    spec: {
      selector: { app: name },
      ports: [
        { name: 'tcp', port: 42, targetPort: 8080, protocol: 'TCP' },
        { name: 'udp', port: 42, targetPort: 8080, protocol: 'UDP' },
      ],
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 10 } },
      ...spec,
    },
  };
}

const serviceExport = (name: string, spec?: Obj, ns = NS): Obj => ({ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceExport', metadata: { name, namespace: ns }, ...(spec ? { spec } : {}) });
const unexport = (cluster: string, name: string, ns = NS) => fp.ok([`--context=${cluster}`, 'delete', 'serviceexport', name, '-n', ns]);

/** Deploys pods and a Service in one cluster (not through the federation). */
async function deploy(cluster: string, name: string, spec: Obj = {}, replicas = 2): Promise<void> {
  await fp.ok([`--context=${cluster}`, 'create', 'deployment', name, '-n', NS, '--image=nginx', `--replicas=${replicas}`]);
  await apply(cluster, service(name, spec));
}

async function cleanup(name: string): Promise<void> {
  for (const c of NAMES) {
    await fp.k([`--context=${c}`, 'delete', 'serviceexport,service,deployment', name, '-n', NS, '--ignore-not-found']);
  }
  for (const c of NAMES) await eventually(async () => !(await serviceImport(c, name)), `no ServiceImport ${name} in ${c} after cleanup`, WAIT);
}

/** Holds for `ms`: `fn` must stay true (checked repeatedly). */
async function stays(fn: () => Promise<boolean>, what: string, ms = 3_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!(await fn())) throw new Error(`no longer true: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const podIPs = async (cluster: string, app: string) =>
  JSON.parse(await fp.ok([`--context=${cluster}`, 'get', 'pods', '-n', NS, '-l', `app=${app}`, '-o', 'json'])).items.map((p: Obj) => p.status.podIP).filter(Boolean).sort();

const sortPorts = (ports: Obj[]) => [...ports].sort((a, b) => String(a.name).localeCompare(String(b.name)));
/** Creation timestamps have seconds granularity: the older export must be a second older. */
const aSecond = () => new Promise((r) => setTimeout(r, 1_100));

/**
 * The conformance suite's two-cluster setup: east exports first (its import seen), west a second
 * later with its own Service; resolves with the Conflict=True condition of each.
 */
async function exportTwice(name: string, eastSpec: Obj, westSpec: Obj, exportSpecs: [Obj?, Obj?] = []): Promise<Condition[]> {
  await deploy(EAST, name, eastSpec, 1);
  await apply(EAST, serviceExport(name, exportSpecs[0]));
  await eventually(() => serviceImport(EAST, name), 'import after the first export', WAIT);
  await aSecond();
  await deploy(WEST, name, westSpec, 1);
  await apply(WEST, serviceExport(name, exportSpecs[1]));
  const out: Condition[] = [];
  for (const c of [EAST, WEST]) out.push(await eventually(async () => ((await condition(c, name, 'Conflict'))?.status === 'True' ? condition(c, name, 'Conflict') : undefined), `Conflict=True in ${c}`, WAIT));
  return out;
}

beforeAll(async () => {
  firstOctet = reserveOctets(3);
  fp = await startFederatedPlayground({ clusters: 3, nodes: 1, firstOctet, names: [...NAMES], federation: { mcs: { endpointTimeoutMs: TIMEOUT_MS } } });
  await fp.ok(['--context=federation', 'create', 'namespace', NS]);
  for (const c of NAMES) await eventually(async () => (await fp.k([`--context=${c}`, 'get', 'namespace', NS])).code === 0, `namespace ${NS} in ${c}`, WAIT);
}, 120_000);

afterAll(async () => {
  await fp?.stop();
});

describe('the MCS CRDs', () => {
  it('are served by the federation and every member, v1alpha1 and v1beta1', async () => {
    for (const c of ['federation', ...NAMES]) {
      await eventually(async () => (await fp.k([`--context=${c}`, 'get', 'serviceexports,serviceimports', '-A'])).code === 0, `MCS types served in ${c}`, WAIT);
      const crd = JSON.parse(await fp.ok([`--context=${c}`, 'get', 'crd', 'serviceimports.multicluster.x-k8s.io', '-o', 'json']));
      expect(crd.spec.versions.map((v: Obj) => [v.name, v.served, v.storage])).toEqual([
        ['v1alpha1', true, false],
        ['v1beta1', true, true],
      ]);
      expect(crd.spec.names.shortNames).toEqual(['svcim', 'svcimport']);
    }
  });

  it("the federation's member role: what MCS needs, no more", async () => {
    const can = async (cluster: string, ...args: string[]) =>
      (await fp.k([`--context=${cluster}`, 'auth', 'can-i', `--as=system:serviceaccount:${KUBEFED_NAMESPACE}:${serviceAccountName(cluster)}`, ...args])).stdout.trim();
    for (const c of NAMES) {
      expect(await can(c, 'create', 'customresourcedefinitions')).toBe('yes');
      expect(await can(c, 'update', 'customresourcedefinitions/serviceimports.multicluster.x-k8s.io')).toBe('yes');
      expect(await can(c, 'update', 'customresourcedefinitions/crontabs.stable.example.com')).toBe('no');
      expect(await can(c, 'delete', 'customresourcedefinitions/serviceexports.multicluster.x-k8s.io')).toBe('no');
      expect(await can(c, 'create', 'serviceimports.multicluster.x-k8s.io', '-n', NS)).toBe('yes');
      expect(await can(c, 'patch', 'serviceexports.multicluster.x-k8s.io', '--subresource=status', '-n', NS)).toBe('yes');
      expect(await can(c, 'create', 'endpointslices', '-n', NS)).toBe('yes');
      expect(await can(c, 'list', 'namespaces')).toBe('yes');
    }
  });
});

describe('a ClusterIP Service exported from one cluster', () => {
  it('is imported in every cluster as ClusterSetIP, with an address of that cluster, its ports and affinity', async () => {
    await deploy(EAST, 'hello');
    await apply(EAST, serviceExport('hello'));
    const valid = await eventually(async () => (await condition(EAST, 'hello', 'Valid'))?.status === 'True' && condition(EAST, 'hello', 'Valid'), 'Valid=True', WAIT);
    expect(valid).toMatchObject({ reason: 'Valid' });
    expect(await condition(EAST, 'hello', 'Conflict')).toMatchObject({ status: 'False', reason: 'NoConflicts' });
    await eventually(async () => (await condition(EAST, 'hello', 'Ready'))?.reason === 'Exported', 'Ready=True Exported', WAIT);
    const svc = (await get(EAST, 'service', 'hello'))!;
    for (const c of NAMES) {
      const si = await eventually(() => serviceImport(c, 'hello'), `ServiceImport in ${c}`, WAIT);
      expect(si.spec.type).toBe('ClusterSetIP');
      expect(si.spec.ips).toHaveLength(1);
      expect(si.spec.ips[0]).toMatch(new RegExp(`^127\\.${octetOf(c)}\\.202\\.\\d+$`));
      expect(si.spec.ipFamilies).toEqual(['IPv4']);
      expect(sortPorts(si.spec.ports)).toEqual(sortPorts(svc.spec.ports.map((p: Obj) => ({ name: p.name, port: p.port, protocol: p.protocol }))));
      expect(si.spec.sessionAffinity).toBe('ClientIP');
      expect(si.spec.sessionAffinityConfig).toEqual(svc.spec.sessionAffinityConfig);
      expect(si.spec.internalTrafficPolicy).toBe(svc.spec.internalTrafficPolicy);
      expect(si.status.clusters).toEqual([{ cluster: EAST }]);
      // Only exported labels and annotations: not the Service's.
      expect(si.metadata.labels).not.toHaveProperty(['dummy-svc']);
      expect(si.metadata.annotations ?? {}).not.toHaveProperty(['dummy-svc']);
    }
    // kubectl get serviceimports: TYPE, IP, AGE.
    const table = await fp.ok([`--context=${WEST}`, 'get', 'serviceimports', '-n', NS]);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+TYPE\s+IP\s+AGE$/);
    expect(table).toMatch(new RegExp(`hello\\s+ClusterSetIP\\s+\\["127\\.${octetOf(WEST)}\\.202\\.\\d+"\\]`));
    // kubectl get serviceexports: VALID, CONFLICT, AGE (reasons with -o wide).
    const exports = await fp.ok([`--context=${EAST}`, 'get', 'serviceexports', '-n', NS, '-o', 'wide']);
    expect(exports.split('\n')[0]).toMatch(/^NAME\s+VALID\s+CONFLICT\s+AGE\s+VALID REASON\s+CONFLICT REASON$/);
    expect(exports).toMatch(/hello\s+True\s+False\s+\S+\s+Valid\s+NoConflicts/);
  });

  it("carries the exporting cluster's endpoints in EndpointSlices with the MCS labels, owned by each import", async () => {
    const pods = await eventually(async () => {
      const ips = await podIPs(EAST, 'hello');
      return ips.length === 2 ? ips : undefined;
    }, 'two pods with addresses in east', WAIT);
    for (const c of NAMES) {
      const [s] = await eventually(async () => {
        const got = await slices(c, 'hello');
        return got.length === 1 && got[0].endpoints?.length === 2 && got[0].endpoints.every((e: Obj) => e.conditions.ready) ? got : undefined;
      }, `one imported slice with two ready endpoints in ${c}`, WAIT);
      const si = (await serviceImport(c, 'hello'))!;
      expect(s.metadata.labels).toMatchObject({ 'multicluster.kubernetes.io/service-name': 'hello', 'multicluster.kubernetes.io/source-cluster': EAST, 'endpointslice.kubernetes.io/managed-by': 'mcs.kubefed.io' });
      expect(s.metadata.labels).not.toHaveProperty(['kubernetes.io/service-name']);
      expect(s.metadata.ownerReferences).toEqual([{ apiVersion: 'multicluster.x-k8s.io/v1alpha1', kind: 'ServiceImport', name: 'hello', uid: si.metadata.uid, controller: false }]);
      expect(s.addressType).toBe('IPv4');
      expect(s.endpoints.map((e: Obj) => e.addresses[0]).sort()).toEqual(pods);
      expect(s.endpoints[0].zone).toBe(fp.pg.cluster(EAST).spec.zones[0]);
      expect(sortPorts(s.ports)).toEqual([
        { name: 'tcp', port: 8080, protocol: 'TCP' },
        { name: 'udp', port: 8080, protocol: 'UDP' },
      ]);
    }
    // The member's own Service in east keeps its own slice only.
    const own = JSON.parse(await fp.ok([`--context=${EAST}`, 'get', 'endpointslices', '-n', NS, '-l', 'kubernetes.io/service-name=hello', '-o', 'json'])).items;
    expect(own.every((x: Obj) => x.metadata.labels['endpointslice.kubernetes.io/managed-by'] === 'endpointslice-controller.k8s.io')).toBe(true);
  });

  it("keeps the ClusterSetIP and a data plane's marks while exported; removes the import and its slices everywhere on unexport", async () => {
    const before = (await serviceImport(WEST, 'hello'))!.spec.ips;
    // A data plane marks the import and its slices, as mcs-api's derived-Service controller does.
    await fp.ok([`--context=${WEST}`, 'annotate', 'serviceimport', 'hello', '-n', NS, 'multicluster.kubernetes.io/derived-service=derived-hello']);
    const slice = (await slices(WEST, 'hello'))[0].metadata.name;
    await fp.ok([`--context=${WEST}`, 'label', 'endpointslice', slice, '-n', NS, 'kubernetes.io/service-name=derived-hello']);
    await fp.ok([`--context=${EAST}`, 'scale', 'deployment', 'hello', '-n', NS, '--replicas=3']);
    const [after] = await eventually(async () => {
      const got = await slices(WEST, 'hello');
      return got[0]?.endpoints?.length === 3 ? got : undefined;
    }, 'three endpoints imported in west', WAIT);
    expect(after.metadata.labels['kubernetes.io/service-name']).toBe('derived-hello');
    const si = (await serviceImport(WEST, 'hello'))!;
    expect(si.spec.ips).toEqual(before);
    expect(si.metadata.annotations['multicluster.kubernetes.io/derived-service']).toBe('derived-hello');
    await unexport(EAST, 'hello');
    for (const c of NAMES) {
      await eventually(async () => !(await serviceImport(c, 'hello')), `no ServiceImport in ${c}`, WAIT);
      await eventually(async () => (await slices(c, 'hello')).length === 0, `no imported slice in ${c}`, WAIT);
    }
    await cleanup('hello');
  });
});

describe('exports from two clusters', () => {
  it('a ServiceImport exists as long as one cluster exports the Service', async () => {
    await deploy(EAST, 'both', {}, 1);
    await apply(EAST, serviceExport('both'));
    await eventually(() => serviceImport(WEST, 'both'), 'import in west', WAIT);
    await deploy(WEST, 'both', {}, 1);
    await apply(WEST, serviceExport('both'));
    await eventually(async () => (await serviceImport(NORTH, 'both'))?.status?.clusters?.length === 2, 'both clusters listed', WAIT);
    const sources = await eventually(async () => {
      const got = (await slices(NORTH, 'both')).map((s) => s.metadata.labels['multicluster.kubernetes.io/source-cluster']).sort();
      return got.length === 2 ? got : undefined;
    }, 'one slice per source in north', WAIT);
    expect(sources).toEqual([EAST, WEST]);
    await unexport(EAST, 'both');
    await eventually(async () => (await serviceImport(NORTH, 'both'))?.status?.clusters?.length === 1, 'only west listed', WAIT);
    await stays(async () => !!(await serviceImport(NORTH, 'both')) && !!(await serviceImport(EAST, 'both')), 'the import stays while west exports');
    expect((await slices(NORTH, 'both')).map((s) => s.metadata.labels['multicluster.kubernetes.io/source-cluster'])).toEqual([WEST]);
    await unexport(WEST, 'both');
    for (const c of NAMES) await eventually(async () => !(await serviceImport(c, 'both')), `no import in ${c} once nobody exports`, WAIT);
    await cleanup('both');
  });

  it('ports: the union is exposed and a Conflict raised on both exports', async () => {
    const conds = await exportTwice('union', {}, { ports: [{ name: 'tcp', port: 42, targetPort: 8080, protocol: 'TCP' }, { name: 'stcp', port: 142, targetPort: 8080, protocol: 'SCTP' }] });
    for (const cond of conds) expect(cond.reason).toBe('PortConflict');
    const si = await eventually(async () => ((await serviceImport(NORTH, 'union'))?.spec.ports.length === 3 ? serviceImport(NORTH, 'union') : undefined), 'three ports', WAIT);
    expect(sortPorts(si!.spec.ports)).toEqual([
      { name: 'stcp', port: 142, protocol: 'SCTP' },
      { name: 'tcp', port: 42, protocol: 'TCP' },
      { name: 'udp', port: 42, protocol: 'UDP' },
    ]);
    await cleanup('union');
  });

  it('conflicting ports: the oldest export wins, Conflict on both', async () => {
    const conds = await exportTwice('clash', { ports: [{ name: 'tcp', port: 42, targetPort: 8080, protocol: 'TCP' }] }, { ports: [{ name: 'tcp', port: 43, targetPort: 8080, protocol: 'TCP' }] });
    for (const cond of conds) {
      expect(cond.reason).toBe('PortConflict');
      expect(cond.message).toContain(`port "tcp" (TCP 43) of "${WEST}" conflicts with "tcp" (TCP 42) of "${EAST}"`);
    }
    for (const c of NAMES) expect((await serviceImport(c, 'clash'))!.spec.ports).toEqual([{ name: 'tcp', port: 42, protocol: 'TCP' }]);
    await cleanup('clash');
  });

  it('headless in one, ClusterIP in the other: TypeConflict, the oldest type everywhere', async () => {
    const conds = await exportTwice('kind', {}, { clusterIP: 'None', sessionAffinity: 'None', sessionAffinityConfig: undefined });
    for (const cond of conds) {
      expect(cond.reason.split(',')).toContain('TypeConflict');
      expect(cond.message).toContain(`Conflicting type. Using "ClusterSetIP" from oldest service export in "${EAST}"`);
    }
    for (const c of NAMES) expect((await serviceImport(c, 'kind'))!.spec.type).toBe('ClusterSetIP');
    await cleanup('kind');
  });

  it('exported labels and annotations come from the oldest export; different ones are a conflict', async () => {
    const conds = await exportTwice('meta', {}, {}, [
      { exportedLabels: { 'dummy-label': 'true' }, exportedAnnotations: { 'dummy-annotation': 'true' } },
      { exportedLabels: { 'dummy-label2': 'true' }, exportedAnnotations: { 'dummy-annotation2': 'true' } },
    ]);
    for (const cond of conds) expect(cond.reason).toBe('LabelsConflict,AnnotationsConflict');
    const after = (await serviceImport(NORTH, 'meta'))!;
    expect(after.metadata.labels).toMatchObject({ 'dummy-label': 'true' });
    expect(after.metadata.annotations).toMatchObject({ 'dummy-annotation': 'true' });
    expect(after.metadata.labels).not.toHaveProperty(['dummy-label2']);
    expect(after.metadata.annotations).not.toHaveProperty(['dummy-annotation2']);
    await cleanup('meta');
  });
});

describe('what cannot be exported', () => {
  it('a headless Service is imported as Headless, without a clusterset IP', async () => {
    await deploy(EAST, 'headless', { clusterIP: 'None', sessionAffinity: 'None', sessionAffinityConfig: undefined });
    await apply(EAST, serviceExport('headless'));
    for (const c of NAMES) {
      const si = await eventually(() => serviceImport(c, 'headless'), `Headless import in ${c}`, WAIT);
      expect(si.spec.type).toBe('Headless');
    }
    await stays(async () => !(await serviceImport(WEST, 'headless'))?.spec.ips?.length, 'no ips on the Headless import');
    expect((await serviceImport(WEST, 'headless'))!.spec.ipFamilies).toEqual(['IPv4']);
    await eventually(async () => (await slices(WEST, 'headless'))[0]?.endpoints?.length === 2, 'headless endpoints imported', WAIT);
    await cleanup('headless');
  });

  it('an ExternalName Service: Valid=False InvalidServiceType, no import', async () => {
    await apply(EAST, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'external', namespace: NS }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    await apply(EAST, serviceExport('external'));
    const valid = await eventually(() => condition(EAST, 'external', 'Valid'), 'a Valid condition', WAIT);
    expect(valid).toMatchObject({ status: 'False', reason: 'InvalidServiceType' });
    expect(await condition(EAST, 'external', 'Ready')).toMatchObject({ status: 'False' });
    await stays(async () => !(await serviceImport(EAST, 'external')) && !(await serviceImport(WEST, 'external')), 'no ServiceImport for an ExternalName Service');
    await cleanup('external');
  });

  it('a ServiceExport without its Service: Valid=False NoService, then imported once the Service exists', async () => {
    await apply(EAST, serviceExport('later'));
    const valid = await eventually(() => condition(EAST, 'later', 'Valid'), 'a Valid condition', WAIT);
    expect(valid).toMatchObject({ status: 'False', reason: 'NoService' });
    await stays(async () => !(await serviceImport(WEST, 'later')), 'no ServiceImport without a Service', 2_000);
    await deploy(EAST, 'later', {}, 1);
    await eventually(async () => (await condition(EAST, 'later', 'Valid'))?.status === 'True', 'Valid=True once the Service exists', WAIT);
    await eventually(() => serviceImport(WEST, 'later'), 'the import once the Service exists', WAIT);
    await cleanup('later');
  });
});

describe('a ServiceExport at the federation', () => {
  it('is propagated with its Service, summarized at the federation, and imported from every cluster', async () => {
    await fp.ok(['--context=federation', 'create', 'deployment', 'fed', '-n', NS, '--image=nginx', '--replicas=3']);
    await apply('federation', service('fed', { sessionAffinity: 'None', sessionAffinityConfig: undefined }));
    await apply('federation', serviceExport('fed'));
    for (const c of NAMES) await eventually(async () => (await condition(c, 'fed', 'Valid'))?.status === 'True', `the propagated export valid in ${c}`, WAIT);
    const summary = await eventually(async () => ((await condition('federation', 'fed', 'Valid'))?.status === 'True' ? condition('federation', 'fed', 'Valid') : undefined), 'Valid at the federation', WAIT);
    expect(summary!.message).toBe(`exported from ${[...NAMES].sort().join(', ')}`);
    const si = await eventually(async () => ((await serviceImport(EAST, 'fed'))?.status?.clusters?.length === 3 ? serviceImport(EAST, 'fed') : undefined), 'three exporting clusters', WAIT);
    expect(si!.status.clusters.map((c: Obj) => c.cluster)).toEqual([...NAMES].sort());
    for (const c of NAMES) await eventually(async () => (await slices(c, 'fed')).filter((s) => s.endpoints?.length === 1).length === 3, `three sources with an endpoint each in ${c}`, WAIT);
  });

  it("drops an unreachable cluster's endpoints after the timeout, deletes nothing in it, takes them back when it returns", async () => {
    const fromNorth = async (c: string) => (await slices(c, 'fed')).filter((s) => s.metadata.labels['multicluster.kubernetes.io/source-cluster'] === NORTH);
    await fp.pg.isolateCluster(NORTH);
    await eventually(async () => (await fp.ok(['--context=federation', 'get', 'clusters', NORTH, '--no-headers'])).split(/\s+/)[1] === 'Offline', `${NORTH} Offline`, WAIT);
    const offlineAt = Date.now();
    // Its last known endpoints stay for the timeout...
    expect((await fromNorth(EAST)).length).toBe(1);
    expect((await fromNorth(WEST))[0].endpoints[0].conditions.ready).toBe(true);
    // ...then leave every import; the export itself still shapes the import.
    for (const c of [EAST, WEST]) await eventually(async () => (await fromNorth(c)).length === 0, `north's endpoints gone from ${c}`, WAIT);
    expect(Date.now() - offlineAt).toBeGreaterThanOrEqual(TIMEOUT_MS - 3_000);
    expect((await slices(EAST, 'fed')).length).toBe(2);
    expect((await serviceImport(EAST, 'fed'))!.spec.ips).toHaveLength(1);
    await fp.pg.startCluster(NORTH);
    await eventually(async () => (await fp.ok(['--context=federation', 'get', 'clusters', NORTH, '--no-headers'])).split(/\s+/)[1] === 'Ready', `${NORTH} Ready again`, WAIT);
    // Nothing was deleted in north.
    expect(await get(NORTH, 'serviceexport', 'fed')).toBeTruthy();
    expect(await get(NORTH, 'service', 'fed')).toBeTruthy();
    expect(await serviceImport(NORTH, 'fed')).toBeTruthy();
    for (const c of NAMES) await eventually(async () => (await fromNorth(c)).length === 1, `north's endpoints back in ${c}`, WAIT);
  });

  it('the federation deletes its export: the copies and imports go', async () => {
    await fp.ok(['--context=federation', 'delete', 'serviceexport', 'fed', '-n', NS]);
    for (const c of NAMES) {
      await eventually(async () => !(await get(c, 'serviceexport', 'fed')), `copy gone in ${c}`, WAIT);
      await eventually(async () => !(await serviceImport(c, 'fed')), `import gone in ${c}`, WAIT);
    }
  });
});

describe('namespace sameness', () => {
  it('imports only into the clusters that have the namespace', async () => {
    for (const c of [EAST, WEST]) await fp.ok([`--context=${c}`, 'create', 'namespace', 'solo']);
    await fp.ok([`--context=${EAST}`, 'create', 'deployment', 'one', '-n', 'solo', '--image=nginx']);
    await apply(EAST, service('one', {}, 'solo'));
    await apply(EAST, serviceExport('one', undefined, 'solo'));
    for (const c of [EAST, WEST]) await eventually(() => serviceImport(c, 'one', 'solo'), `import in ${c}`, WAIT);
    expect(await fp.k([`--context=${NORTH}`, 'get', 'namespace', 'solo'])).toMatchObject({ code: 1 });
    await fp.ok([`--context=${NORTH}`, 'create', 'namespace', 'solo']);
    await eventually(() => serviceImport(NORTH, 'one', 'solo'), 'import in north once the namespace exists', WAIT);
  });
});
