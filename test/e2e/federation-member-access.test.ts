/**
 * Member RBAC follows the enabled types (seed 004's `kubefedctl enable pods` on a running
 * federation), with the real CLI and kubectl on three joined playground clusters:
 * - `kubefed enable pods` while one member is stopped: a Pod created at the federation runs in
 *   the others; the FederatedTypeConfig says the stopped one is pending; once it starts it gets
 *   the grant and the Pod;
 * - `kubefed enable` of a CRD installed in the members: its objects reach every member;
 * - `kubefed disable` takes the grant away again (the member role's rules, read directly);
 * - the role never holds `*` on `*`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBEFED_NAMESPACE } from '../../src/federation/crds/federation-crds.js';
import { clusterRoleName, serviceAccountName } from '../../src/federation/clusters/member-access.js';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { runKubefed } from '../helpers/kubefed-cli.js';
import { reserveOctets } from '../helpers/octets.js';

const NAMES = ['alpha', 'beta', 'gamma'] as const;
const [ALPHA, BETA, GAMMA] = NAMES;
const NS = 'access';
const WAIT = 30_000;
let fp: FederatedPlayground;

const kubefed = (...args: string[]) => runKubefed(['--context=federation', ...args], { kubeconfig: fp.kubeconfig });

async function kubefedOk(...args: string[]): Promise<string> {
  const r = await kubefed(...args);
  if (r.code !== 0) throw new Error(`kubefed ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** `kubectl auth can-i` as the federation's ServiceAccount in a member. */
async function federationCan(cluster: string, ...args: string[]): Promise<string> {
  const r = await fp.k([`--context=${cluster}`, 'auth', 'can-i', `--as=system:serviceaccount:${KUBEFED_NAMESPACE}:${serviceAccountName(cluster)}`, ...args]);
  return r.stdout.trim();
}

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
}

/** The member ClusterRole's rules, read with the member's admin credentials. */
async function roleRules(cluster: string): Promise<Rule[]> {
  return JSON.parse(await fp.ok([`--context=${cluster}`, 'get', 'clusterrole', clusterRoleName(cluster), '-o', 'json'])).rules;
}

const grants = (rules: Rule[], group: string, resource: string, verb: string) =>
  rules.some((r) => (r.apiGroups ?? []).includes(group) && (r.resources ?? []).includes(resource) && r.verbs.includes(verb) && !r.resourceNames?.length);

/** The MembersAuthorized condition of a FederatedTypeConfig. */
async function membersAuthorized(ftc: string): Promise<{ status: string; reason: string; message: string } | undefined> {
  const o = JSON.parse(await fp.ok(['--context=federation', 'get', 'federatedtypeconfig', ftc, '-n', KUBEFED_NAMESPACE, '-o', 'json']));
  return (o.status?.conditions ?? []).find((c: { type: string }) => c.type === 'MembersAuthorized');
}

const podPhase = async (cluster: string, name: string) => (await fp.k([`--context=${cluster}`, 'get', 'pod', name, '-n', NS, '-o', 'jsonpath={.status.phase}'])).stdout;

const crontabCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } } }],
  },
};

beforeAll(async () => {
  fp = await startFederatedPlayground({ clusters: 3, nodes: 1, firstOctet: reserveOctets(3), names: [...NAMES] });
  for (const ctx of ['federation', ...NAMES]) await fp.ok([`--context=${ctx}`, 'apply', '-f', '-'], JSON.stringify(crontabCrd));
  for (const ctx of ['federation', ...NAMES]) await fp.ok([`--context=${ctx}`, 'wait', '--for=condition=Established', 'crd/crontabs.stable.example.com']);
  await fp.ok(['--context=federation', 'create', 'namespace', NS]);
  for (const c of NAMES) await eventually(async () => (await fp.k([`--context=${c}`, 'get', 'namespace', NS])).code === 0, `namespace ${NS} in ${c}`, WAIT);
}, 120_000);

afterAll(async () => {
  await fp?.stop();
});

describe('member RBAC follows the enabled types', () => {
  it('joins with exactly the default types granted, never * on *', async () => {
    for (const c of NAMES) {
      const rules = await roleRules(c);
      expect(grants(rules, 'apps', 'deployments', 'create')).toBe(true);
      expect(grants(rules, '', 'pods', 'create')).toBe(false);
      for (const r of rules) {
        expect(r.apiGroups ?? []).not.toContain('*');
        expect(r.resources ?? []).not.toContain('*');
        expect(r.verbs).not.toContain('*');
      }
      expect(await federationCan(c, 'create', 'pods', '-n', NS)).toBe('no');
      expect(await federationCan(c, 'update', `clusterroles/${clusterRoleName(c)}`)).toBe('yes');
      expect(await federationCan(c, 'update', 'clusterroles/cluster-admin')).toBe('no');
    }
  });

  it('kubefed enable pods: granted in every running member, the stopped one catches up when it starts', async () => {
    await fp.pg.stopCluster(GAMMA);
    await eventually(async () => (await fp.ok(['--context=federation', 'get', 'clusters', GAMMA, '--no-headers'])).split(/\s+/)[1] !== 'Ready', `${GAMMA} not Ready at the federation`, WAIT);

    expect(await kubefedOk('enable', 'pods')).toContain('federatedtypeconfig.core.kubefed.io/pods created');
    await fp.ok(['--context=federation', 'run', 'probe', '-n', NS, '--image=nginx', '--port=80']);
    for (const c of [ALPHA, BETA]) await eventually(async () => (await podPhase(c, 'probe')) === 'Running', `pod probe Running in ${c}`, WAIT);
    for (const c of [ALPHA, BETA]) expect(await federationCan(c, 'create', 'pods', '-n', NS)).toBe('yes');

    const pending = await eventually(async () => {
      const cond = await membersAuthorized('pods');
      return cond?.status === 'False' ? cond : undefined;
    }, 'pods MembersAuthorized False while gamma is stopped', WAIT);
    expect(pending.reason).toBe('UpdatePending');
    expect(pending.message).toContain(GAMMA);
    expect(pending.message).not.toContain(ALPHA);

    await fp.pg.startCluster(GAMMA);
    await eventually(async () => (await podPhase(GAMMA, 'probe')) === 'Running', `pod probe Running in ${GAMMA} after it started`, WAIT);
    expect(grants(await roleRules(GAMMA), '', 'pods', 'create')).toBe(true);
    const done = await eventually(async () => {
      const cond = await membersAuthorized('pods');
      return cond?.status === 'True' ? cond : undefined;
    }, 'pods MembersAuthorized True', WAIT);
    expect(done.reason).toBe('Granted');
  });

  it('kubefed enable of a CRD installed in the members: its objects reach every member', async () => {
    await kubefedOk('enable', 'crontabs.stable.example.com');
    await fp.ok(['--context=federation', 'apply', '-n', NS, '-f', '-'], JSON.stringify({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'nightly' }, spec: { cronSpec: '0 3 * * *' } }));
    for (const c of NAMES) {
      const spec = await eventually(async () => {
        const r = await fp.k([`--context=${c}`, 'get', 'crontab', 'nightly', '-n', NS, '-o', 'jsonpath={.spec.cronSpec}']);
        return r.code === 0 && r.stdout ? r.stdout : undefined;
      }, `crontab nightly in ${c}`, WAIT);
      expect(spec).toBe('0 3 * * *');
      expect(grants(await roleRules(c), 'stable.example.com', 'crontabs', 'create')).toBe(true);
    }
  });

  it('kubefed disable takes the grant away again', async () => {
    await kubefedOk('disable', 'pods');
    for (const c of NAMES) {
      await eventually(async () => !grants(await roleRules(c), '', 'pods', 'create'), `pods no longer granted in ${c}`, WAIT);
      const rules = await roleRules(c);
      // Reading pods (capacity) stays; writing them is gone.
      expect(grants(rules, '', 'pods', 'list')).toBe(true);
      for (const verb of ['create', 'update', 'patch', 'delete']) expect(grants(rules, '', 'pods', verb)).toBe(false);
      expect(await federationCan(c, 'delete', 'pods', '-n', NS)).toBe('no');
      // The other enabled types keep theirs.
      expect(grants(rules, 'stable.example.com', 'crontabs', 'create')).toBe(true);
    }
    const cond = await eventually(async () => {
      const x = await membersAuthorized('pods');
      return x?.reason === 'Revoked' ? x : undefined;
    }, 'pods MembersAuthorized Revoked', WAIT);
    expect(cond.status).toBe('True');
  });
});
