/**
 * Crash safety of propagation: the control plane (`kubefed init --foreground`, its own process,
 * durable storage) is killed with SIGKILL while it propagates 500 ConfigMaps to 9 clusters
 * (and deletes 50 of them); after a restart on the same state every object converges exactly
 * once: each surviving object is in every member, created there once (one uid, never deleted);
 * the deleted ones are gone everywhere; nothing is left behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/federation/client/kube-client.js';
import { joinCluster } from '../../src/federation/clusters/join.js';
import { KUBEFED_NAMESPACE } from '../../src/federation/crds/federation-crds.js';
import { MANAGED_LABEL, SYNC_FINALIZER } from '../../src/federation/propagation/intent.js';
import { defaultTopology } from '../../src/playground/topology.js';
import { Playground } from '../../src/playground/world.js';
import { eventually } from '../helpers/eventually.js';
import { FAST_TIMING } from '../helpers/playground-network.js';
import { MemberCopies } from '../helpers/member-copies.js';
import { reserveOctets } from '../helpers/octets.js';

const ROOT = join(import.meta.dirname, '../..');
const NS = 'crash';
const OBJECTS = 500;
const DELETED = 50;
const dir = mkdtempSync(join(tmpdir(), 'kubefed-crash-'));
const kubeconfig = join(dir, 'kubeconfig');
let pg: Playground;
let cp: ChildProcess | undefined;
const members = new Map<string, KubeClient>();
const seen = new MemberCopies();
const { added, deleted } = seen;

/** Starts the control plane in its own process; resolves once it serves. */
function startControlPlane(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/kubefed.js'), 'init', 'fed', '--foreground', '--state-dir', join(dir, 'federation'), '--kubeconfig', kubeconfig, '--cluster-health-check-period-seconds', '1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, KUBEFED_LOG_LEVEL: 'error' },
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('serving at')) resolve(child);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`control plane exited (${code}): ${out}`)));
  });
}

const fedClient = () => KubeClient.fromKubeconfig(kubeconfig, 'fed', { maxInFlight: 32 });
const configMap = (i: number) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `obj-${i}`, namespace: NS }, data: { i: String(i) } });
const copies = () => seen.count();

beforeAll(async () => {
  const topology = defaultTopology(9, 1, undefined, reserveOctets(9));
  topology.timing = { ...FAST_TIMING };
  pg = await Playground.up({ stateDir: join(dir, 'playground'), topology, kubeconfig, logger: pino({ level: 'silent' }) });
  cp = await startControlPlane();
  const fed = fedClient();
  for (const name of pg.clusters.keys()) {
    const m = KubeClient.fromKubeconfig(kubeconfig, name);
    members.set(name, m);
    await joinCluster({ federation: fed, member: m, name });
  }
  fed.close();
}, 180_000);

afterAll(async () => {
  cp?.kill('SIGKILL');
  await seen.stop();
  for (const m of members.values()) m.close();
  await pg?.down();
  rmSync(dir, { recursive: true, force: true });
});

describe('control plane killed mid-propagation', () => {
  it('converges exactly once after a restart: nothing lost, duplicated or orphaned', async () => {
    let fed = fedClient();
    await fed.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await eventually(async () => (await Promise.all([...members.values()].map((m) => m.get('v1', 'Namespace', undefined, NS)))).every(Boolean), 'namespace everywhere', 30_000);
    await seen.start(members, NS);

    // Create everything (and delete the first 50) while the control plane propagates; kill it
    // once a fifth of the copies are out. Creates interrupted by the kill are retried after restart.
    const acknowledged = new Set<number>();
    const deletions = new Set<number>();
    let killed = false;
    const creator = (async () => {
      for (let i = 0; i < OBJECTS && !killed; i += 25) {
        await Promise.all(
          Array.from({ length: 25 }, async (_, j) => {
            try {
              await fed.create(configMap(i + j));
              acknowledged.add(i + j);
              if (i + j < DELETED) {
                await fed.delete('v1', 'ConfigMap', NS, `obj-${i + j}`);
                deletions.add(i + j);
              }
            } catch {
              /* the control plane died under this request: retried below */
            }
          }),
        );
      }
    })();
    await eventually(() => copies() >= (OBJECTS * 9) / 5, 'a fifth of the copies propagated', 60_000);
    killed = true;
    cp!.kill('SIGKILL');
    await creator;
    const atKill = copies();
    expect(atKill).toBeLessThan(OBJECTS * 9);
    fed.close();

    cp = await startControlPlane();
    fed = fedClient();
    // Every create and delete acknowledged before the kill is still there; finish the rest.
    const stored = await fed.list('v1', 'ConfigMap', { namespace: NS });
    const names = new Set(stored.items.map((o: any) => o.metadata.name as string));
    for (const i of acknowledged) if (!deletions.has(i)) expect(names.has(`obj-${i}`), `acknowledged obj-${i} kept`).toBe(true);
    for (let i = 0; i < OBJECTS; i++) {
      if (!names.has(`obj-${i}`) && !deletions.has(i)) await fed.create(configMap(i));
      if (i < DELETED && !deletions.has(i)) await fed.delete('v1', 'ConfigMap', NS, `obj-${i}`);
    }

    const surviving = Array.from({ length: OBJECTS - DELETED }, (_, k) => `obj-${k + DELETED}`);
    let counts: number[] = [];
    await eventually(
      async () => {
        counts = await Promise.all([...members.values()].map(async (m) => (await m.list('v1', 'ConfigMap', { namespace: NS, labelSelector: `${MANAGED_LABEL}=true` })).items.length));
        return counts.every((n) => n === surviving.length);
      },
      'every surviving object in every member and the deleted ones gone',
      120_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message} (copies per cluster: ${counts.join(', ')}; want ${surviving.length})`);
    });
    for (const [cluster, m] of members) {
      const l = await m.list('v1', 'ConfigMap', { namespace: NS, labelSelector: `${MANAGED_LABEL}=true` });
      expect(l.items.map((o: any) => o.metadata.name).sort()).toEqual([...surviving].sort());
      for (const o of l.items) expect(o.data.i).toBe(o.metadata.name.slice(4));
      // Exactly once: each surviving copy was created once and never deleted.
      for (const n of surviving) {
        expect(added.get(cluster)!.get(n)?.size, `${n} created once in ${cluster}`).toBe(1);
        expect(deleted.get(cluster)!.get(n), `${n} never deleted in ${cluster}`).toBeUndefined();
      }
      for (let i = 0; i < DELETED; i++) expect(added.get(cluster)!.get(`obj-${i}`)?.size ?? 0).toBeLessThanOrEqual(1);
    }
    // The federation side: every survivor holds the finalizer; deleted objects and their records are gone.
    const ours = async () => (await fed.list('v1', 'ConfigMap', { namespace: NS })).items.filter((o: any) => o.metadata.name.startsWith('obj-'));
    await eventually(async () => (await ours()).length === surviving.length, 'deleted objects gone at the federation', 30_000);
    const fedItems = await ours();
    for (const o of fedItems) expect(o.metadata.finalizers).toContain(SYNC_FINALIZER);
    const records = await fed.list('core.kubefed.io/v1beta1', 'PropagationRecord', { namespace: KUBEFED_NAMESPACE });
    const recordNames = records.items.map((r: any) => r.metadata.name as string).filter((n) => n.includes(`.ns-${NS}.`));
    expect(recordNames.sort()).toEqual(surviving.map((n) => `configmaps.ns-${NS}.${n}`).sort());
    fed.close();
  }, 300_000);
});
