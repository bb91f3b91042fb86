/**
 * Seed 004 (KubeFed v2, "Linking Kubernetes clusters") replayed with real kubectl on two
 * playground clusters named as in the seed, earth and vulcan, with the federation joined to both:
 * namespace fedtestns created at the federation, then the seed's FederatedNamespace,
 * FederatedDeployment and FederatedService YAML created unchanged; both members get the namespace,
 * one ready httpbin replica each (no ReplicaSchedulingPreference: replicas are not divided) and a
 * NodePort Service with a node port of their own; status reports Propagation True and every
 * cluster Ok. Then vulcan is taken out of the placement (its copies go, earth's stay) and
 * unjoined with the seed's own command line (`kubefedctl unjoin vulcan --host-cluster-context
 * earth --v=2`). As in KubeFed, member objects are named after the Federated object
 * (`fedhttp`); the template's metadata.name (`http`) is ignored.
 * Requires a build (`npm test` builds first): the unjoin runs the built CLI.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBEFED_NAMESPACE } from '../../src/federation/crds/federation-crds.js';
import { eventually } from '../helpers/eventually.js';
import { startFederatedPlayground, type FederatedPlayground } from '../helpers/federated-playground.js';
import { memberRole, memberServiceAccount } from '../helpers/federation.js';
import { runKubefed } from '../helpers/kubefed-cli.js';
import { httpGet } from '../helpers/playground-network.js';
import { reserveOctets } from '../helpers/octets.js';

const ROOT = join(import.meta.dirname, '../..');
const fixture = (p: string) => join(ROOT, 'test/fixtures/seeds', p);
const NS = 'fedtestns';
const MEMBERS = ['earth', 'vulcan'] as const;
let fp: FederatedPlayground;

/** The built CLI, with the playground's kubeconfig as $KUBECONFIG (current context: federation). */
const kubefedctl = (args: string[]) => runKubefed(args, { kubeconfig: fp.kubeconfig });

/** kubectl -o json, parsed. */
async function json(args: string[]): Promise<any> {
  return JSON.parse(await fp.ok([...args, '-o', 'json']));
}

/** Names kubectl lists (empty when none). */
async function names(args: string[]): Promise<string[]> {
  return (await fp.ok([...args, '-o', 'name', '--ignore-not-found'])).split('\n').filter(Boolean).sort();
}

/** A Federated object's status once it reports Propagation True for exactly `clusters`, all Ok. */
async function propagated(resource: string, name: string, clusters: readonly string[]): Promise<any> {
  return eventually(
    async () => {
      const o = await json(['--context=federation', 'get', resource, '-n', NS, name]);
      const cond = (o.status?.conditions ?? []).find((c: any) => c.type === 'Propagation');
      const listed = (o.status?.clusters ?? []) as { name: string; status: string }[];
      const ok = cond?.status === 'True' && listed.length === clusters.length && clusters.every((c) => listed.some((l) => l.name === c && l.status === 'Ok'));
      return ok && o.status.observedGeneration === o.metadata.generation ? o : undefined;
    },
    `${resource} ${name} propagated to ${clusters.join(', ')}`,
    30_000,
  );
}

beforeAll(async () => {
  const built = join(ROOT, 'dist/src/cli/commands/join.js');
  if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(ROOT, 'src/cli/commands/join.ts')).mtimeMs) throw new Error('dist is missing or older than src: run `npm run build` first');
  fp = await startFederatedPlayground({ clusters: 2, nodes: 1, firstOctet: reserveOctets(2), names: [...MEMBERS] });
}, 120_000);

afterAll(async () => {
  await fp?.stop();
});

describe('seed 004: KubeFed v2 federated types on earth and vulcan', () => {
  it('has earth and vulcan joined and Ready', async () => {
    expect(fp.clusters.sort()).toEqual([...MEMBERS]);
    await eventually(async () => {
      const o = await fp.ok(['--context=federation', 'get', 'clusters']);
      return MEMBERS.every((m) => new RegExp(`^${m}\\s+Ready\\s`, 'm').test(o));
    }, 'earth and vulcan Ready', 30_000);
  });

  it('propagates the seed\'s FederatedNamespace, FederatedDeployment and FederatedService to both clusters', async () => {
    // "The fedtestns namespace has to exist before the create step."
    expect(await fp.ok(['--context=federation', 'create', 'namespace', NS])).toBe(`namespace/${NS} created\n`);
    expect(await fp.ok(['--context=federation', 'create', '-f', fixture('004-federated-namespace.yaml')])).toBe('federatednamespace.types.kubefed.io/fedns created\n');
    expect(await fp.ok(['--context=federation', 'create', '-f', fixture('004-federated-deployment.yaml')])).toBe('federateddeployment.types.kubefed.io/fedhttp created\n');
    expect(await fp.ok(['--context=federation', 'create', '-f', fixture('004-federated-service.yaml')])).toBe('federatedservice.types.kubefed.io/fed-service created\n');

    for (const m of MEMBERS) {
      await eventually(async () => (await names([`--context=${m}`, 'get', 'namespace', NS])).length === 1, `namespace ${NS} in ${m}`, 30_000);
      // Not divided: each cluster runs the template's one replica.
      const deploy = await eventually(async () => {
        const d = (await fp.k([`--context=${m}`, 'get', 'deployment', '-n', NS, 'fedhttp', '-o', 'json'])).stdout;
        const o = d ? JSON.parse(d) : undefined;
        return o?.spec?.replicas === 1 && o.status?.readyReplicas === 1 ? o : undefined;
      }, `deployment fedhttp 1/1 ready in ${m}`, 30_000);
      expect(deploy.metadata.labels).toMatchObject({ 'kubefed.io/managed': 'true' });
      expect(deploy.spec.template.spec.containers[0]).toMatchObject({ name: 'httpbin', image: 'docker.io/kennethreitz/httpbin', ports: [{ containerPort: 80 }] });
      expect(await names([`--context=${m}`, 'get', 'deployments', '-n', NS])).toEqual(['deployment.apps/fedhttp']);
      const table = await fp.ok([`--context=${m}`, 'get', 'deploy', '-n', NS]);
      expect(table).toMatch(/^fedhttp\s+1\/1\s+1\s+1\s/m);

      // "The pods on both clusters can also be accessed on port 80."
      const pods = (await json([`--context=${m}`, 'get', 'pods', '-n', NS, '-l', 'app=httpbin,version=v1'])).items;
      expect(pods).toHaveLength(1);
      expect(pods[0].status.phase).toBe('Running');
      const res = await httpGet(pods[0].status.podIP, 80, '/get');
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ cluster: m, namespace: NS, pod: pods[0].metadata.name });

      // The Service: NodePort, with ports the member allocated itself.
      const svc = await eventually(async () => {
        const s = (await fp.k([`--context=${m}`, 'get', 'service', '-n', NS, 'fed-service', '-o', 'json'])).stdout;
        return s ? JSON.parse(s) : undefined;
      }, `service fed-service in ${m}`, 30_000);
      expect(svc.spec.type).toBe('NodePort');
      expect(svc.spec.selector).toEqual({ app: 'httpbin' });
      expect(svc.spec.ports).toHaveLength(1);
      expect(svc.spec.ports[0]).toMatchObject({ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 });
      expect(svc.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
      expect(svc.spec.ports[0].nodePort).toBeLessThanOrEqual(32767);
      expect(svc.spec.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      const eps = await eventually(async () => {
        const e = await json([`--context=${m}`, 'get', 'endpoints', '-n', NS, 'fed-service']);
        return e.subsets?.[0]?.addresses?.length ? e : undefined;
      }, `endpoints of fed-service in ${m}`, 30_000);
      expect(eps.subsets[0].addresses.map((a: any) => a.ip)).toEqual([pods[0].status.podIP]);
    }

    // Status at the federation: Propagation True, both clusters Ok.
    for (const [resource, name] of [
      ['federatednamespace', 'fedns'],
      ['federateddeployment', 'fedhttp'],
      ['federatedservice', 'fed-service'],
    ] as const) {
      const o = await propagated(resource, name, MEMBERS);
      expect(o.status.clusters).toEqual([
        { name: 'earth', status: 'Ok' },
        { name: 'vulcan', status: 'Ok' },
      ]);
      expect(o.metadata.finalizers).toContain('kubefed.io/sync-controller');
    }
    // The federation's own copies are templates: no Deployment or Service named after them.
    expect(await names(['--context=federation', 'get', 'deployments,services', '-n', NS])).toEqual([]);
  });

  it('removes vulcan\'s copies when vulcan leaves the placement, and keeps earth\'s', async () => {
    const earthDeploy = (await json(['--context=earth', 'get', 'deployment', '-n', NS, 'fedhttp'])).metadata.uid;
    const earthSvc = (await json(['--context=earth', 'get', 'service', '-n', NS, 'fed-service'])).metadata.uid;
    expect(await fp.ok(['--context=federation', 'patch', 'federateddeployment', 'fedhttp', '-n', NS, '--type=merge', '-p', '{"spec":{"placement":{"clusters":[{"name":"earth"}]}}}'])).toBe(
      'federateddeployment.types.kubefed.io/fedhttp patched\n',
    );
    expect(await fp.ok(['--context=federation', 'patch', 'federatedservice', 'fed-service', '-n', NS, '--type=json', '-p', '[{"op":"remove","path":"/spec/placement/clusters/1"}]'])).toBe(
      'federatedservice.types.kubefed.io/fed-service patched\n',
    );

    await eventually(async () => (await names(['--context=vulcan', 'get', 'deployments,services', '-n', NS])).length === 0, 'vulcan\'s deployment and service removed', 30_000);
    await eventually(async () => (await names(['--context=vulcan', 'get', 'pods', '-n', NS])).length === 0, 'vulcan\'s httpbin pod gone', 30_000);
    for (const [resource, name] of [
      ['federateddeployment', 'fedhttp'],
      ['federatedservice', 'fed-service'],
    ] as const) {
      const o = await propagated(resource, name, ['earth']);
      expect(o.status.clusters).toEqual([{ name: 'earth', status: 'Ok' }]);
    }
    // earth's copies were left alone (same objects), and the namespace is still placed in both.
    expect((await json(['--context=earth', 'get', 'deployment', '-n', NS, 'fedhttp'])).metadata.uid).toBe(earthDeploy);
    expect((await json(['--context=earth', 'get', 'service', '-n', NS, 'fed-service'])).metadata.uid).toBe(earthSvc);
    expect(await fp.ok(['--context=earth', 'get', 'deploy', '-n', NS])).toMatch(/^fedhttp\s+1\/1\s/m);
    expect(await names(['--context=vulcan', 'get', 'namespace', NS])).toEqual([`namespace/${NS}`]);
  });

  it('unjoins vulcan with the seed\'s command line', async () => {
    expect(await names(['--context=vulcan', 'get', 'serviceaccount', '-n', KUBEFED_NAMESPACE, memberServiceAccount('vulcan')])).toHaveLength(1);
    // The seed's form: the federation is found from the kubeconfig (earth is a member, not the federation).
    const r = await kubefedctl(['unjoin', 'vulcan', '--host-cluster-context', 'earth', '--v=2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('Cluster "vulcan" left the federation.\n');
    expect(r.stderr).toBe('note: context "earth" does not serve the federation API; using the current context "federation"\n');

    const clusters = await eventually(async () => {
      const o = await fp.ok(['--context=federation', 'get', 'clusters']);
      return /^vulcan\s/m.test(o) ? undefined : o;
    }, 'vulcan gone from the federation\'s clusters', 30_000);
    expect(clusters).toMatch(/^earth\s+Ready\s/m);
    expect(await names(['--context=federation', 'get', 'kubefedclusters', '-n', KUBEFED_NAMESPACE])).toEqual(['kubefedcluster.core.kubefed.io/earth']);
    expect((await names(['--context=federation', 'get', 'secrets', '-n', KUBEFED_NAMESPACE])).filter((n) => n.startsWith('secret/vulcan-'))).toEqual([]);
    // The member side: the federation's ServiceAccount, ClusterRole and binding are gone.
    expect(await names(['--context=vulcan', 'get', 'serviceaccount', '-n', KUBEFED_NAMESPACE, memberServiceAccount('vulcan')])).toEqual([]);
    expect(await names(['--context=vulcan', 'get', 'clusterrole,clusterrolebinding', memberRole('vulcan')])).toEqual([]);
    expect((await names(['--context=vulcan', 'get', 'clusterroles,clusterrolebindings'])).filter((n) => n.includes('kubefed'))).toEqual([]);

    // earth carries on; the namespace status lists earth only.
    expect(await fp.ok(['--context=earth', 'get', 'deploy', '-n', NS])).toMatch(/^fedhttp\s+1\/1\s/m);
    const ns = await propagated('federatednamespace', 'fedns', ['earth']);
    expect(ns.status.clusters).toEqual([{ name: 'earth', status: 'Ok' }]);
    // As in KubeFed (and the seed: "I did have to manually clean up the resources rolled out in
    // the second cluster"), unjoining leaves what was propagated to the cluster in place.
    expect(await names(['--context=vulcan', 'get', 'namespace', NS])).toEqual([`namespace/${NS}`]);
  });

  it('removes the members\' copies with the federated resources', async () => {
    // "If you remove the federated resources, you remove the resources at the same time."
    const out = await fp.ok(['--context=federation', 'delete', '-f', fixture('004-federated-service.yaml'), '-f', fixture('004-federated-deployment.yaml')]);
    expect(out).toBe('federatedservice.types.kubefed.io "fed-service" deleted\nfederateddeployment.types.kubefed.io "fedhttp" deleted\n');
    expect(await names(['--context=earth', 'get', 'deployments,services', '-n', NS])).toEqual([]);
    expect(await names(['--context=federation', 'get', 'federateddeployments,federatedservices', '-n', NS])).toEqual([]);
    await eventually(async () => (await names(['--context=earth', 'get', 'pods', '-n', NS])).length === 0, 'earth\'s httpbin pod gone', 30_000);
    expect(await names(['--context=earth', 'get', 'namespace', NS])).toEqual([`namespace/${NS}`]);
  });
});
