/**
 * Member clusters: join/unjoin (library) against real member API servers, and the cluster
 * controller probing them through playground faults (stop, isolate), with status visible to
 * kubectl at the federation.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { KubeApiError, KubeClient, kubeConfigFor } from '../../src/federation/client/kube-client.js';
import { ClusterController } from '../../src/federation/clusters/cluster-controller.js';
import { CORE_API_VERSION } from '../../src/federation/crds/federation-crds.js';
import { joinCluster, unjoinCluster } from '../../src/federation/clusters/join.js';
import { KUBEFED_NAMESPACE } from '../../src/federation/crds/federation-crds.js';
import { eventually } from '../helpers/eventually.js';
import { memberRole, memberServiceAccount, startFederationBed, type FederationBed } from '../helpers/federation.js';
import { kubectl } from '../helpers/kubectl.js';
import { reserveOctets, UNUSED_OCTET } from '../helpers/octets.js';

const NS = KUBEFED_NAMESPACE;
const RBAC = 'rbac.authorization.k8s.io/v1';
let bed: FederationBed;
let controller: ClusterController;
let names: string[];
const events: string[] = [];

const member = (name: string) => bed.memberClients.get(name)!;
const k = (args: string[]) => kubectl(['--kubeconfig', bed.kubeconfig, ...args]);
const names_ = (l: { items: KObject[] }) => l.items.map((o) => o.metadata!.name!).sort();

/** Everything a join creates, on both sides. */
async function footprint(name: string): Promise<unknown> {
  const m = member(name);
  const ns = await m.get('v1', 'Namespace', undefined, NS);
  return {
    fedSecrets: names_(await bed.fedClient.list('v1', 'Secret', { namespace: NS })),
    kfcs: names_(await bed.fedClient.list(CORE_API_VERSION, 'KubeFedCluster', { namespace: NS })),
    clusters: names_(await bed.fedClient.list(CORE_API_VERSION, 'Cluster')),
    memberNamespace: ns ? ns.status?.phase : 'absent',
    memberSAs: names_(await m.list('v1', 'ServiceAccount', { namespace: NS })).filter((n) => n !== 'default'),
    memberRoles: names_(await m.list(RBAC, 'ClusterRole')).filter((n) => n.includes('kubefed')),
    memberBindings: names_(await m.list(RBAC, 'ClusterRoleBinding')).filter((n) => n.includes('kubefed')),
  };
}

const kfcStatus = async (name: string) => (await bed.fedClient.get(CORE_API_VERSION, 'KubeFedCluster', NS, name))?.status;

beforeAll(async () => {
  bed = await startFederationBed({ clusters: 2, firstOctet: reserveOctets(2) });
  names = [...bed.memberClients.keys()];
  controller = new ClusterController({ federation: bed.fedClient, log: pino({ level: process.env.KUBEFED_TEST_LOG ?? 'silent' }), probePeriodMs: 200, probeTimeoutMs: 500, failureThreshold: 3, successThreshold: 1 });
  controller.onChange((n) => events.push(n));
  await controller.start();
}, 120_000);

afterAll(async () => {
  await controller?.stop();
  await bed?.stop();
});

describe('joining member clusters', () => {
  it('refuses credentials the member rejects, before creating anything', async () => {
    const name = names[0]!;
    const before = await footprint(name);
    const e = bed.playground.cluster(name).kubeconfigEntry();
    const bad = new KubeClient(kubeConfigFor(name, { server: e.server, caPem: e.caPem, token: 'not-a-valid-token' }));
    await expect(joinCluster({ federation: bed.fedClient, member: bad, name })).rejects.toThrow(`credentials for cluster "${name}" were rejected by ${e.server} (401 Unauthorized)`);
    bad.close();
    expect(await footprint(name)).toEqual(before);
  });

  it('refuses a member that cannot be reached', async () => {
    const name = names[0]!;
    const before = await footprint(name);
    const e = bed.playground.cluster(name).kubeconfigEntry();
    const gone = new KubeClient(kubeConfigFor(name, { server: `https://127.${UNUSED_OCTET}.0.1:6443`, caPem: e.caPem, certPem: e.clientCertPem!, keyPem: e.clientKeyPem! }), { timeoutMs: 5_000 });
    await expect(joinCluster({ federation: bed.fedClient, member: gone, name })).rejects.toThrow(/^cluster "gce-[a-z0-9-]+" is unreachable at https:\/\/127\.\d+\.0\.1:6443: .*ECONNREFUSED/);
    gone.close();
    expect(await footprint(name)).toEqual(before);
  });

  it('undoes every step on both sides when a late step fails', async () => {
    const name = names[0]!;
    const before = await footprint(name);
    class FailingFederation extends KubeClient {
      override async create(obj: KObject, opts?: { fieldManager?: string }): Promise<KObject> {
        if (obj.kind === 'KubeFedCluster') throw new KubeApiError(500, { reason: 'InternalError', message: 'injected failure' }, 'POST kubefedclusters');
        return super.create(obj, opts);
      }
    }
    const failing = new FailingFederation(bed.fedClient.kc);
    await expect(joinCluster({ federation: failing, member: member(name), name })).rejects.toThrow(`joining cluster "${name}" failed while creating KubeFedCluster "${NS}/${name}" in the federation: injected failure; nothing was left behind`);
    failing.close();
    // The member namespace the join created goes through Terminating.
    await eventually(async () => JSON.stringify(await footprint(name)) === JSON.stringify(before), 'the member namespace to be gone');
  });

  it('joins both clusters: Ready with region, zones and version, in kubectl get clusters', async () => {
    for (const name of names) {
      const r = await joinCluster({ federation: bed.fedClient, member: member(name), name });
      expect(r.serviceAccount).toBe(`${NS}/${memberServiceAccount(name)}`);
      expect(r.apiEndpoint).toBe(bed.playground.cluster(name).url);
    }
    for (const name of names) {
      const spec = bed.playground.cluster(name).spec;
      const m = await eventually(() => {
        const c = controller.get(name);
        return c?.phase === 'Ready' && c.zones.length > 0 ? c : undefined;
      }, `${name} Ready with zones`);
      expect(m.region).toBe(spec.region);
      expect(m.zones).toEqual(spec.zones);
      expect(events).toContain(name);
      const s = await eventually(async () => {
        const st = await kfcStatus(name);
        return st?.zones?.length ? st : undefined;
      }, `${name} status written`);
      expect(s.phase).toBe('Ready');
      expect(s.region).toBe(spec.region);
      expect(s.kubernetesVersion).toMatch(/^v1\.\d+/);
      expect(s.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'True', reason: 'ClusterReady', message: '/healthz responded with ok' })]);
      expect(s.conditions[0].lastProbeTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const cluster = await eventually(async () => {
        const c = await bed.fedClient.get(CORE_API_VERSION, 'Cluster', undefined, name);
        return c?.status?.zones?.length ? c : undefined;
      }, `Cluster ${name} status`);
      expect(cluster.spec).toEqual({ apiEndpoint: bed.playground.cluster(name).url, kubeFedCluster: { namespace: NS, name } });
      expect(cluster.status.phase).toBe('Ready');
    }
    const get = await k(['--context=federation', 'get', 'clusters']);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toMatch(/^NAME\s+STATUS\s+REGION\s+ZONES\s+AGE$/m);
    for (const name of names) {
      const spec = bed.playground.cluster(name).spec;
      expect(get.stdout).toMatch(new RegExp(`^${name}\\s+Ready\\s+${spec.region}\\s+.*${spec.zones[0]}.*\\s+\\d+s$`, 'm'));
    }
    const kfcs = await k(['--context=federation', 'get', 'kubefedclusters', '-n', NS]);
    expect(kfcs.code, kfcs.stderr).toBe(0);
    for (const name of names) expect(kfcs.stdout).toMatch(new RegExp(`^${name}\\s+\\d+s\\s+True\\s+`, 'm'));
  });

  it('gives the federation a limited ServiceAccount in the member, not cluster-admin', async () => {
    const name = names[0]!;
    const m = member(name);
    const sa = memberServiceAccount(name);
    const role = memberRole(name);
    expect(await m.get('v1', 'ServiceAccount', NS, sa)).toBeDefined();
    const binding = (await m.get(RBAC, 'ClusterRoleBinding', undefined, role))!;
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: NS }]);
    const rules = (await m.get(RBAC, 'ClusterRole', undefined, role))!.rules as { apiGroups?: string[]; resources?: string[]; verbs: string[]; nonResourceURLs?: string[] }[];
    for (const r of rules) {
      expect(r.apiGroups ?? []).not.toContain('*');
      expect(r.resources ?? []).not.toContain('*');
    }
    expect(rules).toContainEqual(expect.objectContaining({ apiGroups: ['apps'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], resources: expect.arrayContaining(['deployments', 'replicasets']) }));
    for (const r of rules) expect(r.verbs).not.toContain('*');
    // The token the federation holds: what it needs works, the rest is forbidden.
    const kfc = (await bed.fedClient.get(CORE_API_VERSION, 'KubeFedCluster', NS, name))!;
    const secret = (await bed.fedClient.get('v1', 'Secret', NS, kfc.spec.secretRef.name))!;
    expect(secret.type).toBe('Opaque');
    expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'KubeFedCluster', name, uid: kfc.metadata!.uid });
    const fedView = new KubeClient(kubeConfigFor(name, { server: kfc.spec.apiEndpoint, caPem: Buffer.from(kfc.spec.caBundle, 'base64').toString(), token: Buffer.from(secret.data.token, 'base64').toString() }));
    try {
      expect((await fedView.list('v1', 'Node')).items.length).toBe(2);
      await fedView.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-federation', namespace: 'default' }, data: { a: '1' } });
      await expect(fedView.create({ apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'escalate' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: sa, namespace: NS }] })).rejects.toMatchObject({ status: 403 });
      await expect(fedView.request('POST', `/api/v1/namespaces/${NS}/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} })).rejects.toMatchObject({ status: 403 });
    } finally {
      await m.delete('v1', 'ConfigMap', 'default', 'from-federation');
      fedView.close();
    }
  });

  it('refuses to join the same name twice', async () => {
    const name = names[0]!;
    const before = await footprint(name);
    await expect(joinCluster({ federation: bed.fedClient, member: member(name), name })).rejects.toThrow(`cluster "${name}" is already joined to the federation (KubeFedCluster ${NS}/${name} exists`);
    expect(await footprint(name)).toEqual(before);
  });
});

describe('cluster health', () => {
  it('turns Offline only after the failure threshold when the cluster stops, and Ready when it starts', async () => {
    const name = names[1]!;
    await eventually(() => controller.get(name)?.phase === 'Ready', `${name} Ready`);
    const seen = events.length;
    await bed.playground.stopCluster(name);
    // One failed probe is not enough.
    await eventually(() => controller.probeState(name)!.lastResult === 'Offline', 'a first failed probe');
    expect(controller.probeState(name)!.consecutive).toBeLessThan(3);
    expect(controller.get(name)!.phase).toBe('Ready');
    await eventually(() => controller.get(name)?.phase === 'Offline', `${name} Offline`);
    expect(controller.probeState(name)!.consecutive).toBeGreaterThanOrEqual(3);
    expect(events.slice(seen)).toContain(name);
    const s = await eventually(async () => {
      const st = await kfcStatus(name);
      return st?.phase === 'Offline' ? st : undefined;
    }, 'Offline status');
    expect(s.conditions).toEqual([
      expect.objectContaining({ type: 'Ready', status: 'False', reason: 'ClusterNotReady' }),
      expect.objectContaining({ type: 'Offline', status: 'True', reason: 'ClusterNotReachable', message: 'cluster is not reachable' }),
    ]);
    const get = await eventually(async () => {
      const r = await k(['--context=federation', 'get', 'clusters']);
      return new RegExp(`^${name}\\s+Offline\\s`, 'm').test(r.stdout) ? r : undefined;
    }, 'kubectl to show Offline');
    expect(get.stdout).toMatch(new RegExp(`^${names[0]}\\s+Ready\\s`, 'm'));
    // The other cluster was not disturbed.
    expect(controller.get(names[0]!)!.phase).toBe('Ready');

    const seen2 = events.length;
    await bed.playground.startCluster(name);
    await eventually(() => controller.get(name)?.phase === 'Ready', `${name} Ready again`);
    expect(events.slice(seen2)).toContain(name);
    const back = await eventually(async () => {
      const st = await kfcStatus(name);
      return st?.phase === 'Ready' ? st : undefined;
    }, 'Ready status');
    expect(back.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'True', reason: 'ClusterReady' })]);
    expect(Date.parse(back.conditions[0].lastTransitionTime)).toBeGreaterThanOrEqual(Date.parse(s.conditions[0].lastTransitionTime));
  });

  it('turns Offline when the cluster is isolated and Ready when it is reconnected', async () => {
    const name = names[0]!;
    await bed.playground.isolateCluster(name);
    await eventually(() => controller.get(name)?.phase === 'Offline', `${name} Offline`);
    await eventually(async () => (await bed.fedClient.get(CORE_API_VERSION, 'Cluster', undefined, name))?.status?.phase === 'Offline', 'Cluster status Offline');
    await bed.playground.startCluster(name);
    await eventually(() => controller.get(name)?.phase === 'Ready', `${name} Ready`);
    await eventually(async () => (await bed.fedClient.get(CORE_API_VERSION, 'Cluster', undefined, name))?.status?.phase === 'Ready', 'Cluster status Ready');
  });

  it('rebuilds the client when the token changes: NotReady with a bad one, Ready again with the good one', async () => {
    const name = names[0]!;
    const kfc = (await bed.fedClient.get(CORE_API_VERSION, 'KubeFedCluster', NS, name))!;
    const secretName = kfc.spec.secretRef.name as string;
    const good = (await bed.fedClient.get('v1', 'Secret', NS, secretName))!.data.token as string;
    const oldClient = controller.get(name)!.client;
    await bed.fedClient.patch('v1', 'Secret', NS, secretName, { data: { token: Buffer.from('revoked').toString('base64') } }, 'merge');
    await eventually(() => controller.get(name)?.phase === 'NotReady', `${name} NotReady`);
    expect(controller.get(name)!.client).not.toBe(oldClient);
    await expect(oldClient.request('GET', '/api')).rejects.toThrow('client is closed');
    const s = await eventually(async () => {
      const st = await kfcStatus(name);
      return st?.phase === 'NotReady' ? st : undefined;
    }, 'NotReady status');
    expect(s.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'False', reason: 'ClusterNotReady' })]);
    await bed.fedClient.patch('v1', 'Secret', NS, secretName, { data: { token: good } }, 'merge');
    await eventually(() => controller.get(name)?.phase === 'Ready', `${name} Ready`);
  });

  it('merges KubeFedCluster and Cluster labels into the member, Cluster labels winning', async () => {
    const name = names[0]!;
    const seen = events.length;
    await bed.fedClient.patch(CORE_API_VERSION, 'KubeFedCluster', NS, name, { metadata: { labels: { team: 'a', tier: 'gold' } } }, 'merge');
    const r = await k(['--context=federation', 'label', 'clusters', name, 'team=b', 'env=prod']);
    expect(r.code, r.stderr).toBe(0);
    await eventually(() => controller.get(name)?.labels.env === 'prod' && controller.get(name)?.labels.tier === 'gold', 'labels to reach the member');
    expect(controller.get(name)!.labels).toEqual({ team: 'b', tier: 'gold', env: 'prod' });
    expect(events.slice(seen)).toContain(name);
    const un = await k(['--context=federation', 'label', 'clusters', name, 'team-']);
    expect(un.code, un.stderr).toBe(0);
    await eventually(() => controller.get(name)?.labels.team === 'a', 'the KubeFedCluster label to show through');
  });

  it('a restarted controller takes the members from their stored status, before probing', async () => {
    const c2 = new ClusterController({ federation: bed.fedClient, log: pino({ level: 'silent' }), probePeriodMs: 200 });
    const firstSeen = new Map<string, { phase: string; zones: string[]; probes: number }>();
    c2.onChange((n) => {
      if (!firstSeen.has(n)) firstSeen.set(n, { phase: c2.get(n)!.phase, zones: c2.get(n)!.zones, probes: c2.probeState(n)!.probes });
    });
    try {
      await c2.start();
      await eventually(() => firstSeen.size === 2, 'both members');
      for (const name of names) expect(firstSeen.get(name)).toEqual({ phase: 'Ready', zones: bed.playground.cluster(name).spec.zones, probes: 0 });
      await eventually(() => names.every((n) => c2.probeState(n)!.probes > 0), 'a probe of each');
    } finally {
      await c2.stop();
    }
  });

  it('probes fifty clusters cheaply and writes status only when it changes', async () => {
    const source = (await bed.fedClient.get(CORE_API_VERSION, 'KubeFedCluster', NS, names[0]!))!;
    const extra = Array.from({ length: 48 }, (_, i) => `extra-${i}`);
    const started = Date.now();
    await Promise.all(extra.map((n) => bed.fedClient.create({ apiVersion: CORE_API_VERSION, kind: 'KubeFedCluster', metadata: { name: n, namespace: NS }, spec: source.spec })));
    await eventually(() => controller.list().filter((c) => c.phase === 'Ready').length === 50, 'fifty Ready clusters', 20_000, 50);
    expect(Date.now() - started).toBeLessThan(15_000);
    const versions = async () => {
      const kfcs = (await bed.fedClient.list(CORE_API_VERSION, 'KubeFedCluster', { namespace: NS })).items as KObject[];
      const clusters = (await bed.fedClient.list(CORE_API_VERSION, 'Cluster')).items as KObject[];
      return Object.fromEntries([...kfcs.map((o) => [`kfc/${o.metadata!.name}`, o.metadata!.resourceVersion]), ...clusters.map((o) => [`cluster/${o.metadata!.name}`, o.metadata!.resourceVersion])]);
    };
    // Settled: every status has been written.
    await eventually(async () => ((await bed.fedClient.list(CORE_API_VERSION, 'Cluster')).items as KObject[]).filter((c) => c.status?.phase === 'Ready').length === 50, 'all Cluster objects to have status', 20_000, 100);
    await eventually(async () => ((await bed.fedClient.list(CORE_API_VERSION, 'Cluster')).items as KObject[]).every((c) => c.status?.zones?.length), 'region/zones written for the new ones', 20_000, 100);
    const before = await versions();
    const probes = controller.probeState('extra-0')!.probes;
    await eventually(() => controller.probeState('extra-0')!.probes >= probes + 3 && controller.probeState('extra-47')!.probes >= probes + 3, 'three more probe rounds', 10_000);
    expect(await versions()).toEqual(before);
    await Promise.all(extra.map((n) => bed.fedClient.delete(CORE_API_VERSION, 'KubeFedCluster', NS, n)));
    await eventually(() => controller.list().length === 2, 'the extra clusters to leave');
    await eventually(async () => (await bed.fedClient.list(CORE_API_VERSION, 'Cluster')).items.length === 2, 'their Cluster objects to go');
  });
});

describe('unjoining', () => {
  it('removes both sides', async () => {
    const name = names[0]!;
    const client = controller.get(name)!.client;
    const seen = events.length;
    const { warnings } = await unjoinCluster({ federation: bed.fedClient, member: member(name), name });
    expect(warnings).toEqual([]);
    expect(await bed.fedClient.get(CORE_API_VERSION, 'KubeFedCluster', NS, name)).toBeUndefined();
    expect((await bed.fedClient.list('v1', 'Secret', { namespace: NS })).items.filter((s: KObject) => s.metadata!.name!.startsWith(`${name}-`))).toEqual([]);
    expect(await member(name).get('v1', 'ServiceAccount', NS, memberServiceAccount(name))).toBeUndefined();
    expect(await member(name).get(RBAC, 'ClusterRole', undefined, memberRole(name))).toBeUndefined();
    expect(await member(name).get(RBAC, 'ClusterRoleBinding', undefined, memberRole(name))).toBeUndefined();
    await eventually(() => controller.get(name) === undefined, `${name} to leave the registry`);
    expect(events.slice(seen)).toContain(name);
    await expect(client.request('GET', '/api')).rejects.toThrow('client is closed');
    await eventually(async () => (await bed.fedClient.get(CORE_API_VERSION, 'Cluster', undefined, name)) === undefined, 'its Cluster object to go');
    await expect(unjoinCluster({ federation: bed.fedClient, member: member(name), name })).rejects.toThrow(`cluster "${name}" is not joined to the federation`);
  });

  it('removes the federation side of an unreachable member and says what was left behind', async () => {
    const name = names[1]!;
    await bed.playground.stopCluster(name);
    try {
      const { warnings } = await unjoinCluster({ federation: bed.fedClient, member: member(name), name });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(new RegExp(`^cluster "${name}" is unreachable at ${bed.playground.cluster(name).url.replace(/\./g, '\\.')}: .*; its ServiceAccount ${NS}/${memberServiceAccount(name)}, ClusterRole and ClusterRoleBinding ${memberRole(name)} were left in place$`));
      expect(await bed.fedClient.get(CORE_API_VERSION, 'KubeFedCluster', NS, name)).toBeUndefined();
      await eventually(() => controller.get(name) === undefined, `${name} to leave the registry`);
    } finally {
      await bed.playground.startCluster(name);
    }
    // A later unjoin with the member back cleans up the member side.
    const again = await unjoinCluster({ federation: bed.fedClient, member: member(name), name });
    expect(again.warnings).toEqual([]);
    expect(await member(name).get('v1', 'ServiceAccount', NS, memberServiceAccount(name))).toBeUndefined();
    expect(await member(name).get(RBAC, 'ClusterRole', undefined, memberRole(name))).toBeUndefined();
  });
});
