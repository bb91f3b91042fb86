/**
 * The HA control plane: a 3-member etcd on loopback, `kubefed init --storage etcd --replicas 2`
 * (two control-plane processes sharing one etcd and one PKI, controllers leader-elected) and
 * nine playground clusters.
 *
 * - Across replicas: a write through one API replica is seen by a watch on the other, a stale
 *   update through either is a 409 (a fresh one through either succeeds), a ServiceAccount token
 *   issued by one is accepted by the other.
 * - Failure: 500 ConfigMaps created at the federation (through whichever replica answers, as
 *   behind a load balancer) while (a) the leading control-plane process is SIGKILLed — the
 *   standby takes the leases (takeover time printed) — and then (b) etcd's leader member is
 *   SIGKILLed. Afterwards every acknowledged write is there with the uid it was acknowledged
 *   with, every object is in every member exactly once (one uid, added once, never deleted, as
 *   the members' watches saw it), one PropagationRecord per object, nothing orphaned; deletions
 *   through the new leader remove the copies everywhere.
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { isAlreadyExists, isConflict, KubeApiError, KubeClient, kubeConfigFor, type Informer } from '../../src/federation/client/kube-client.js';
import { joinCluster } from '../../src/federation/clusters/join.js';
import { KUBEFED_NAMESPACE } from '../../src/federation/crds/federation-crds.js';
import { PROPAGATION_LEASE, TRAFFIC_LEASE } from '../../src/federation/controlplane.js';
import { MANAGED_LABEL } from '../../src/federation/propagation/intent.js';
import { isAlive } from '../../src/playground/control.js';
import { defaultTopology } from '../../src/playground/topology.js';
import { Playground } from '../../src/playground/world.js';
import { etcdSkipReason, startEtcd, type EtcdCluster, type EtcdMember } from '../helpers/etcd.js';
import { eventually } from '../helpers/eventually.js';
import { runKubefed } from '../helpers/kubefed-cli.js';
import { reserveOctets } from '../helpers/octets.js';
import { FAST_TIMING } from '../helpers/playground-network.js';
import { MemberCopies } from '../helpers/member-copies.js';

const CLUSTERS = 9;
const OBJECTS = 500;
/** Objects created per second while the failures happen. */
const RATE = 25;
const DELETED = 50;
const NS = 'ha';
/** Not propagated (a system namespace): the cross-replica checks' objects. */
const XNS = 'kube-public';
const dir = mkdtempSync(join(tmpdir(), 'kubefed-ha-'));
const kubeconfig = join(dir, 'kubeconfig');
const stateDir = join(dir, 'federation');
let etcd: EtcdCluster | undefined;
let pg: Playground | undefined;
const members = new Map<string, KubeClient>();
const clients: KubeClient[] = [];
const informers: Informer[] = [];
const seen = new MemberCopies();

const identity = (replica: string) => `${hostname()}_${replica}`;
const pidFile = (replica: string) => join(stateDir, replica === '0' ? 'controlplane.json' : `controlplane-${replica}.json`);
const replicaPid = (replica: string) => (JSON.parse(readFileSync(pidFile(replica), 'utf8')) as { pid: number }).pid;
const replicaClient = (replica: string, timeoutMs = 10_000) => {
  const c = KubeClient.fromKubeconfig(kubeconfig, replica === '0' ? 'ha' : `ha-replica-${replica}`, { maxInFlight: 32, timeoutMs });
  clients.push(c);
  return c;
};
const configMap = (name: string, data: Record<string, string> = { v: '1' }): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data });
const copies = () => seen.count();

async function leaseHolder(c: KubeClient, lease: string): Promise<string | undefined> {
  const l = await c.get('coordination.k8s.io/v1', 'Lease', KUBEFED_NAMESPACE, lease);
  return l?.spec?.holderIdentity as string | undefined;
}

/** etcd's leader, from a member's maintenance status (the JSON gateway). */
async function etcdLeader(cluster: EtcdCluster): Promise<EtcdMember> {
  const ids = new Map<string, EtcdMember>();
  let leader = '';
  for (const m of cluster.members.filter((x) => x.running)) {
    const r = await fetch(`${m.clientUrl}/v3/maintenance/status`, { method: 'POST', body: '{}' });
    const s = (await r.json()) as { header: { member_id: string }; leader: string };
    ids.set(s.header.member_id, m);
    leader = s.leader;
  }
  const m = ids.get(leader);
  if (!m) throw new Error(`etcd leader ${leader} is not among the members`);
  return m;
}

/** Failures a client behind a load balancer retries on another replica: no answer, or a 5xx/429. */
const retriable = (e: unknown) => !(e instanceof KubeApiError) || e.status >= 500 || e.status === 429;

beforeAll(async () => {
  if (etcdSkipReason) return;
  etcd = await startEtcd({ members: 3 });
  const topology = defaultTopology(CLUSTERS, 1, undefined, reserveOctets(CLUSTERS));
  topology.timing = { ...FAST_TIMING };
  pg = await Playground.up({ stateDir: join(dir, 'playground'), topology, kubeconfig, logger: pino({ level: 'silent' }) });
  const init = await runKubefed(
    [
      'init', 'ha', '--storage', 'etcd', '--etcd-servers', etcd.endpoints.join(','), '--replicas', '2',
      '--state-dir', stateDir, '--kubeconfig', kubeconfig, '--cluster-health-check-period-seconds', '1',
      '--leader-elect-lease-duration', '5s', '--leader-elect-renew-deadline', '4s', '--leader-elect-retry-period', '1s',
    ],
    { kubeconfig, timeoutMs: 180_000, env: { KUBEFED_LOG_LEVEL: 'warn' } },
  );
  if (init.code !== 0) throw new Error(`kubefed init failed (${init.code}): ${init.stderr}${init.stdout}`);
  const fed = replicaClient('0', 30_000);
  for (const name of pg.clusters.keys()) {
    const m = KubeClient.fromKubeconfig(kubeconfig, name);
    members.set(name, m);
    await joinCluster({ federation: fed, member: m, name });
  }
}, 240_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(informers.map((i) => i.stop()));
  await seen.stop();
  for (const m of members.values()) m.close();
  if (!etcdSkipReason) {
    await runKubefed(['stop', 'ha', '--state-dir', stateDir], { timeoutMs: 60_000 });
    for (const r of ['0', '1']) {
      try {
        const pid = replicaPid(r);
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      } catch {
        // not started, or already gone
      }
    }
  }
  await pg?.down();
  await etcd?.destroy();
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

describe.skipIf(!!etcdSkipReason)('HA control plane: two replicas over a 3-member etcd', () => {
  it('serves one state from both replicas: watches, conflicts and tokens cross replicas', async () => {
    const r0 = replicaClient('0');
    const r1 = replicaClient('1');
    expect(r0.server).not.toBe(r1.server);
    for (const c of [r0, r1]) expect((await c.request<{ message: string }>('GET', '/readyz?verbose')).message).toContain('[+]etcd ok');

    // Objects in a namespace the federation does not propagate: no controller touches them.
    // A watch on replica 1 sees what is written through replica 0, with the same uid and resourceVersion.
    const watched: KObject[] = [];
    const inf = await r1.informer('v1', 'ConfigMap', { namespace: XNS });
    inf.on('add', (o) => watched.push(o));
    await inf.start();
    informers.push(inf);
    const created = await r0.create({ ...configMap('seen'), metadata: { name: 'seen', namespace: XNS } });
    const seen = await eventually(() => watched.find((o) => o.metadata!.name === 'seen'), 'the watch on replica 1 seeing the create through replica 0', 10_000);
    expect(seen.metadata!.uid).toBe(created.metadata!.uid);
    expect(seen.metadata!.resourceVersion).toBe(created.metadata!.resourceVersion);

    // A list through replica 1 at a resourceVersion replica 0 returned never misses that write.
    for (let i = 0; i < 20; i++) {
      const rv = (await r0.create({ ...configMap(`rv-${i}`), metadata: { name: `rv-${i}`, namespace: XNS } })).metadata!.resourceVersion!;
      const l = await r1.request<{ items: KObject[] }>('GET', `/api/v1/namespaces/${XNS}/configmaps?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`);
      expect(l.items.map((o) => o.metadata!.name)).toContain(`rv-${i}`);
    }

    // Updates carrying a resourceVersion: the fresh one succeeds through either replica, the stale one is a 409 through either.
    const update = (c: KubeClient, rv: string, v: string) => c.replace({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seen', namespace: XNS, resourceVersion: rv }, data: { v } });
    const rv1 = created.metadata!.resourceVersion!;
    const rv2 = (await update(r1, rv1, '2')).metadata!.resourceVersion!;
    await expect(update(r0, rv1, 'stale')).rejects.toSatisfy(isConflict);
    const rv3 = (await update(r0, rv2, '3')).metadata!.resourceVersion!;
    await expect(update(r1, rv2, 'stale')).rejects.toSatisfy(isConflict);
    await expect(update(r1, rv1, 'stale')).rejects.toSatisfy(isConflict);
    expect((await r1.get('v1', 'ConfigMap', XNS, 'seen'))!.metadata!.resourceVersion).toBe(rv3);
    expect((await r0.get('v1', 'ConfigMap', XNS, 'seen'))!.data).toEqual({ v: '3' });

    // One service-account signing key: a token issued by replica 0 authenticates at replica 1.
    await r0.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: XNS } });
    const tr = await r0.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${XNS}/serviceaccounts/robot/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 600 } });
    const ca = readFileSync(join(stateDir, 'apiserver', 'pki', 'ca.crt'), 'utf8');
    const robot = new KubeClient(kubeConfigFor('robot', { server: r1.server, caPem: ca, token: tr.status.token }));
    clients.push(robot);
    const review = await robot.request<{ status: { userInfo: { username: string } } }>('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(review.status.userInfo.username).toBe('system:serviceaccount:kube-public:robot');
  }, 60_000);

  it('loses the leading control plane and an etcd member while propagating 500 objects: nothing lost, duplicated or orphaned', async () => {
    const replicas = [replicaClient('0'), replicaClient('1')];
    await replicas[0]!.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await eventually(async () => (await Promise.all([...members.values()].map((m) => m.get('v1', 'Namespace', undefined, NS)))).every(Boolean), 'the namespace in every member', 60_000);
    await seen.start(members, NS);
    const leader = await leaseHolder(replicas[0]!, PROPAGATION_LEASE);
    expect([identity('0'), identity('1')]).toContain(leader);
    const leading = leader === identity('0') ? '0' : '1';
    const standby = leading === '0' ? '1' : '0';

    // Writers as behind a load balancer: alternate replicas; on no answer or a 5xx, try the other.
    // An attempt whose answer was lost may have committed: AlreadyExists then acknowledges it.
    const acked = new Map<string, string>();
    const write = async (i: number) => {
      const name = `obj-${i}`;
      for (let attempt = 0; ; attempt++) {
        const c = replicas[(i + attempt) % 2]!;
        try {
          acked.set(name, (await c.create(configMap(name, { i: String(i) }))).metadata!.uid!);
          return;
        } catch (e) {
          if (isAlreadyExists(e) && attempt > 0) {
            acked.set(name, (await c.get('v1', 'ConfigMap', NS, name))!.metadata!.uid!);
            return;
          }
          if (!retriable(e) || attempt > 200) throw e;
          // Back off before the next replica (a killed etcd leader takes a moment to replace).
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const t0 = performance.now();
    const writer = Promise.all(
      Array.from({ length: OBJECTS }, async (_, i) => {
        const wait = t0 + (i * 1000) / RATE - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await write(i);
      }),
    );
    writer.catch(() => undefined);

    // (a) SIGKILL the leading control plane (its API server and controllers) once copies flow.
    await eventually(() => acked.size >= 100 && copies() >= 10 * CLUSTERS, 'a hundred objects acknowledged and copies flowing', 60_000);
    const killedAt = performance.now();
    process.kill(replicaPid(leading), 'SIGKILL');
    const survivor = replicas[Number(standby)]!;
    await eventually(async () => (await leaseHolder(survivor, PROPAGATION_LEASE)) === identity(standby), 'the standby taking the propagation lease', 60_000, 100);
    const takeover = (performance.now() - killedAt) / 1000;
    const atTakeover = copies();
    await eventually(() => copies() > atTakeover, 'propagation resuming under the new leader', 60_000, 50);
    const resumed = (performance.now() - killedAt) / 1000;
    await eventually(async () => (await leaseHolder(survivor, TRAFFIC_LEASE)) === identity(standby), 'the standby taking the traffic lease', 60_000, 100);
    process.stdout.write(`HA: leader (replica ${leading}) SIGKILLed with ${acked.size} objects acknowledged; standby took the lease after ${takeover.toFixed(1)} s, propagation resumed after ${resumed.toFixed(1)} s (lease 5 s, renew deadline 4 s, retry 1 s)\n`);

    // (b) SIGKILL etcd's leader member while writes and propagation go on.
    await eventually(() => acked.size >= 300, 'three hundred objects acknowledged', 120_000);
    const etcdVictim = await etcdLeader(etcd!);
    await etcdVictim.kill();
    process.stdout.write(`HA: etcd leader ${etcdVictim.name} SIGKILLed with ${acked.size} objects acknowledged\n`);
    // Two of three members are a quorum: the survivor stays ready (its etcd client moved on).
    await eventually(async () => (await survivor.request<{ message: string }>('GET', '/readyz?verbose')).message.includes('[+]etcd ok'), 'the surviving replica ready with two etcd members', 30_000);
    await writer;
    expect(acked.size).toBe(OBJECTS);

    // Every acknowledged write is there, with the uid it was acknowledged with.
    const names = Array.from({ length: OBJECTS }, (_, i) => `obj-${i}`);
    const atFederation = new Map((await survivor.list('v1', 'ConfigMap', { namespace: NS })).items.map((o: KObject) => [o.metadata!.name!, o.metadata!.uid!]));
    for (const n of names) expect(atFederation.get(n), `${n} at the federation with its acknowledged uid`).toBe(acked.get(n));

    // Every object converges in every member, exactly once.
    let counts: number[] = [];
    await eventually(
      async () => {
        counts = await Promise.all([...members.values()].map(async (m) => (await m.list('v1', 'ConfigMap', { namespace: NS, labelSelector: `${MANAGED_LABEL}=true` })).items.length));
        return counts.every((n) => n === OBJECTS);
      },
      'every object in every member',
      180_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message} (copies per cluster: ${counts.join(', ')}; want ${OBJECTS})`);
    });
    for (const [cluster, m] of members) {
      const l = await m.list('v1', 'ConfigMap', { namespace: NS, labelSelector: `${MANAGED_LABEL}=true` });
      expect(l.items.map((o: KObject) => o.metadata!.name).sort()).toEqual([...names].sort());
      for (const o of l.items as KObject[]) {
        const n = o.metadata!.name!;
        expect(o.data).toEqual({ i: n.slice(4) });
        expect([...(seen.added.get(cluster)!.get(n) ?? [])], `${n} added once in ${cluster}, with the uid it has`).toEqual([o.metadata!.uid]);
        expect(seen.deleted.get(cluster)!.get(n), `${n} never deleted in ${cluster}`).toBeUndefined();
      }
    }
    // One record per object, none left over.
    const records = async () =>
      (await survivor.list('core.kubefed.io/v1beta1', 'PropagationRecord', { namespace: KUBEFED_NAMESPACE })).items.map((r: KObject) => r.metadata!.name!).filter((n: string) => n.includes(`.ns-${NS}.`)).sort();
    expect(await records()).toEqual(names.map((n) => `configmaps.ns-${NS}.${n}`).sort());

    // Deletions through the new leader leave nothing behind in any member.
    await Promise.all(names.slice(0, DELETED).map((n) => survivor.delete('v1', 'ConfigMap', NS, n)));
    const kept = names.slice(DELETED);
    await eventually(
      async () => (await Promise.all([...members.values()].map(async (m) => (await m.list('v1', 'ConfigMap', { namespace: NS, labelSelector: `${MANAGED_LABEL}=true` })).items.length))).every((n) => n === kept.length),
      'the deleted objects gone from every member',
      60_000,
    );
    await eventually(async () => (await survivor.list('v1', 'ConfigMap', { namespace: NS })).items.filter((o: KObject) => o.metadata!.name!.startsWith('obj-')).length === kept.length, 'the deleted objects gone at the federation', 30_000);
    expect(await records()).toEqual(kept.map((n) => `configmaps.ns-${NS}.${n}`).sort());
  }, 420_000);
});
