/**
 * `kubefed join` / `kubefed unjoin` through the command line (the built CLI), with kubectl
 * checking both sides: the federation's KubeFedCluster and Cluster objects (kept Ready by a
 * running cluster controller) and the member's ServiceAccount, ClusterRole and binding.
 * Requires a build (`npm test` builds first).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterController } from '../../src/federation/clusters/cluster-controller.js';
import { KUBEFED_NAMESPACE } from '../../src/federation/crds/federation-crds.js';
import { mergeKubeconfig } from '../../src/kubeconfig.js';
import { eventually } from '../helpers/eventually.js';
import { memberRole, memberServiceAccount, startFederationBed, type FederationBed } from '../helpers/federation.js';
import { runKubefed } from '../helpers/kubefed-cli.js';
import { kubectl } from '../helpers/kubectl.js';
import { reserveOctets, UNUSED_OCTET } from '../helpers/octets.js';

const ROOT = join(import.meta.dirname, '../..');
const NS = KUBEFED_NAMESPACE;
let bed: FederationBed;
let controller: ClusterController;
let m0: string;
let m1: string;

/** kubefed with no $KUBECONFIG: every command names its kubeconfig and contexts with flags. */
const kubefed = (args: string[]) => runKubefed(args);

const k = (args: string[]) => kubectl(['--kubeconfig', bed.kubeconfig, ...args], { cacheDir: join(bed.dir, 'kubectl-cache') });

/** Names of objects kubectl lists (empty when none or the namespace is missing). */
async function names(args: string[]): Promise<string[]> {
  const r = await k([...args, '-o', 'name', '--ignore-not-found']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean).sort();
}

/** What a join leaves in the federation and in member `m`. */
async function footprint(m: string): Promise<Record<string, string[]>> {
  return {
    kubefedclusters: await names(['--context=federation', 'get', 'kubefedclusters', '-n', NS]),
    secrets: await names(['--context=federation', 'get', 'secrets', '-n', NS]),
    clusters: await names(['--context=federation', 'get', 'clusters']),
    memberNamespace: await names([`--context=${m}`, 'get', 'namespace', NS]),
    memberRbac: (await names([`--context=${m}`, 'get', 'clusterroles,clusterrolebindings'])).filter((n) => n.includes('kubefed')),
  };
}

beforeAll(async () => {
  const built = join(ROOT, 'dist/src/cli/commands/join.js');
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(ROOT, 'src/cli/commands/join.ts')).mtimeMs) throw new Error('dist is missing or older than src: run `npm run build` first');
  bed = await startFederationBed({ clusters: 2, firstOctet: reserveOctets(2) });
  [m0, m1] = [...bed.memberClients.keys()] as [string, string];
  const e = bed.playground.cluster(m0).kubeconfigEntry();
  mergeKubeconfig(bed.kubeconfig, [
    { name: 'bad-creds', server: e.server, caPem: e.caPem, token: 'not-a-valid-token' },
    { name: 'nowhere', server: `https://127.${UNUSED_OCTET}.0.2:6443`, caPem: e.caPem, clientCertPem: e.clientCertPem!, clientKeyPem: e.clientKeyPem! },
  ]);
  controller = new ClusterController({ federation: bed.fedClient, log: pino({ level: process.env.KUBEFED_TEST_LOG ?? 'silent' }), probePeriodMs: 200, probeTimeoutMs: 500 });
  await controller.start();
}, 120_000);

afterAll(async () => {
  await controller?.stop();
  await bed?.stop();
});

describe('kubefed join / unjoin', () => {
  it('has help', async () => {
    for (const verb of ['join', 'unjoin']) {
      const r = await kubefed([verb, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: kubefed ${verb} [options] <name>`);
      expect(r.stdout).toContain('--cluster-context');
      expect(r.stdout).toContain('--host-cluster-context');
    }
  });

  it('refuses rejected credentials and an unreachable server, leaving nothing behind', async () => {
    const before = await footprint(m0);
    const bad = await kubefed(['--kubeconfig', bed.kubeconfig, '--context=federation', 'join', 'bad-creds']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(`error: credentials for cluster "bad-creds" were rejected by ${bed.playground.cluster(m0).url} (401 Unauthorized)`);
    const gone = await kubefed(['--kubeconfig', bed.kubeconfig, '--context=federation', 'join', 'nowhere']);
    expect(gone.code).toBe(1);
    expect(gone.stderr.trim()).toBe(`error: cluster "nowhere" is unreachable at https://127.${UNUSED_OCTET}.0.2:6443: connect ECONNREFUSED 127.${UNUSED_OCTET}.0.2:6443`);
    const noContext = await kubefed(['--kubeconfig', bed.kubeconfig, '--context=federation', 'join', 'no-such-context']);
    expect(noContext.code).toBe(1);
    expect(noContext.stderr).toContain('context "no-such-context" is not in');
    expect(await footprint(m0)).toEqual(before);
  });

  it('joins with the seed form and with --host-cluster-context; kubectl shows both Ready', async () => {
    const seed = await kubefed(['--kubeconfig', bed.kubeconfig, '--context=federation', 'join', m0, `--cluster-context=${m0}`, '--host-cluster-context=federation']);
    expect(seed.code, seed.stderr).toBe(0);
    expect(seed.stdout).toBe(`Cluster "${m0}" joined the federation.\n`);
    const local = await kubefed(['join', m1, '--kubeconfig', bed.kubeconfig, '--host-cluster-context', 'federation']);
    expect(local.code, local.stderr).toBe(0);
    expect(local.stdout).toBe(`Cluster "${m1}" joined the federation.\n`);

    const rows = (s: string) => [m0, m1].every((m) => new RegExp(`^${m}\\s+Ready\\s+${bed.playground.cluster(m).spec.region}\\s+\\S*${bed.playground.cluster(m).spec.zones[0]}\\S*\\s+\\d+s$`, 'm').test(s));
    const get = await eventually(async () => {
      const r = await k(['--context=federation', 'get', 'clusters']);
      return r.code === 0 && rows(r.stdout) ? r : undefined;
    }, 'both clusters Ready with region and zones');
    expect(get.stdout.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+REGION\s+ZONES\s+AGE$/);
    const kfcs = await k(['--context=federation', 'get', 'kubefedclusters', '-n', NS]);
    expect(kfcs.code, kfcs.stderr).toBe(0);
    expect(kfcs.stdout.split('\n')[0]).toMatch(/^NAME\s+AGE\s+READY\s+REGION$/);
    for (const m of [m0, m1]) expect(kfcs.stdout).toMatch(new RegExp(`^${m}\\s+\\d+s\\s+True\\s+${bed.playground.cluster(m).spec.region}$`, 'm'));
    const wide = await k(['--context=federation', 'get', 'kubefedcluster', m0, '-n', NS, '-o', 'jsonpath={.spec.apiEndpoint} {.status.kubernetesVersion}']);
    expect(wide.stdout).toMatch(new RegExp(`^${bed.playground.cluster(m0).url.replace(/\./g, '\\.')} v1\\.\\d+`));
  });

  it('leaves a limited ServiceAccount, role and binding in the member', async () => {
    const sa = memberServiceAccount(m0);
    const role = memberRole(m0);
    expect(await names([`--context=${m0}`, 'get', 'serviceaccount', sa, '-n', NS])).toEqual([`serviceaccount/${sa}`]);
    expect(await names([`--context=${m0}`, 'get', 'clusterrole', role])).toEqual([`clusterrole.rbac.authorization.k8s.io/${role}`]);
    const binding = await k([`--context=${m0}`, 'get', 'clusterrolebinding', role, '-o', 'jsonpath={.roleRef.name} {.subjects[0].kind}/{.subjects[0].namespace}/{.subjects[0].name}']);
    expect(binding.stdout).toBe(`${role} ServiceAccount/${NS}/${sa}`);
    const as = `--as=system:serviceaccount:${NS}:${sa}`;
    const can = async (...args: string[]) => (await k([`--context=${m0}`, 'auth', 'can-i', as, ...args])).stdout.trim();
    expect(await can('create', 'deployments.apps', '-n', 'default')).toBe('yes');
    expect(await can('list', 'nodes')).toBe('yes');
    expect(await can('get', '/healthz')).toBe('yes');
    expect(await can('create', 'clusterrolebindings')).toBe('no');
    expect(await can('delete', 'nodes')).toBe('no');
    expect(await can('*', '*')).toBe('no');
  });

  it('refuses to join a cluster twice', async () => {
    const before = await footprint(m0);
    const again = await kubefed(['--kubeconfig', bed.kubeconfig, '--context=federation', 'join', m0]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`error: cluster "${m0}" is already joined to the federation (KubeFedCluster ${NS}/${m0} exists`);
    expect(await footprint(m0)).toEqual(before);
  });

  it('unjoins: both sides are cleaned up', async () => {
    const r = await kubefed(['--kubeconfig', bed.kubeconfig, '--context=federation', 'unjoin', m1]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Cluster "${m1}" left the federation.\n`);
    expect(r.stderr).toBe('');
    expect(await names(['--context=federation', 'get', 'kubefedclusters', '-n', NS])).toEqual([`kubefedcluster.core.kubefed.io/${m0}`]);
    expect((await names(['--context=federation', 'get', 'secrets', '-n', NS])).filter((n) => n.startsWith(`secret/${m1}-`))).toEqual([]);
    await eventually(async () => (await names(['--context=federation', 'get', 'clusters'])).join() === `cluster.core.kubefed.io/${m0}`, 'the Cluster object to go');
    expect(await names([`--context=${m1}`, 'get', 'serviceaccount', memberServiceAccount(m1), '-n', NS])).toEqual([]);
    expect((await names([`--context=${m1}`, 'get', 'clusterroles,clusterrolebindings'])).filter((n) => n.includes('kubefed'))).toEqual([]);
    const twice = await kubefed(['--kubeconfig', bed.kubeconfig, '--context=federation', 'unjoin', m1]);
    expect(twice.code).toBe(1);
    expect(twice.stderr.trim()).toBe(`error: cluster "${m1}" is not joined to the federation (no KubeFedCluster ${NS}/${m1})`);
  });

  it('unjoins a stopped member with a warning about what was left in it', async () => {
    await bed.playground.stopCluster(m0);
    try {
      const r = await kubefed(['--kubeconfig', bed.kubeconfig, '--context=federation', 'unjoin', m0]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`Cluster "${m0}" left the federation.\n`);
      expect(r.stderr).toMatch(new RegExp(`^warning: cluster "${m0}" is unreachable at .*; its ServiceAccount ${NS}/${memberServiceAccount(m0)}, ClusterRole and ClusterRoleBinding ${memberRole(m0)} were left in place\\n$`));
      expect(await names(['--context=federation', 'get', 'kubefedclusters', '-n', NS])).toEqual([]);
    } finally {
      await bed.playground.startCluster(m0);
    }
  });
});
