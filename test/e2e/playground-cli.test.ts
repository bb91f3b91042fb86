/**
 * The playground through its command line, as README's first command runs it: the default
 * nine-cluster world in the background with the federation control plane and every cluster
 * joined, kubectl against its contexts (one per cluster and "federation"), status, down, and up
 * again on the same state directory with the same clusters and objects, in the clusters and in
 * the federation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { runKubefed } from '../helpers/kubefed-cli.js';
import { kubectl } from '../helpers/kubectl.js';

const dir = mkdtempSync(join(tmpdir(), 'kubefed-pgcli-'));
const stateDir = join(dir, 'state');
const kubeconfig = join(stateDir, 'kubeconfig');

/** kubefed with the caller's $KUBECONFIG, as a user runs it (playground commands go by --state-dir). */
const kubefed = (args: string[], timeoutMs = 120_000) => runKubefed(args, { timeoutMs, kubeconfig: process.env.KUBECONFIG });

const k = (args: string[]) => kubectl(['--kubeconfig', kubeconfig, ...args], { cacheDir: join(dir, 'cache') });

/** The federation's `get clusters` once it lists all nine Ready. */
const nineReady = () =>
  eventually(
    async () => {
      const r = await k(['--context=federation', 'get', 'clusters', '--request-timeout=5s']);
      return r.code === 0 && r.stdout.match(/^gce-[a-z0-9-]+\s+Ready\s/gm)?.length === 9 ? r.stdout : undefined;
    },
    'nine Ready clusters at the federation',
    60_000,
  );

afterAll(async () => {
  await kubefed(['playground', 'down', '--state-dir', stateDir]);
  rmSync(dir, { recursive: true, force: true });
});

describe('kubefed playground (command line)', () => {
  it('has help on every verb', async () => {
    for (const args of [['--help'], ['playground', '--help'], ['playground', 'up', '--help'], ['playground', 'zone', 'fail', '--help'], ['apiserver', '--help']]) {
      const r = await kubefed(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage: kubefed');
    }
  });

  it('starts the default world and its federation in the background and serves kubectl', async () => {
    const up = await kubefed(['playground', 'up', '--detach', '--state-dir', stateDir]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('Playground is up: 9 clusters in 3 regions (us-central1, europe-west1, asia-east1), 27 nodes');
    expect(up.stdout).toMatch(/^Federation: https:\/\/\S+, every cluster joined \(context "federation"\)$/m);
    const nodes = await k(['--context=gce-asia-east1-a', 'get', 'nodes', '-L', 'topology.kubernetes.io/zone']);
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout.match(/^gce-asia-east1-a-node-\d\s+Ready\s.*asia-east1-a$/gm)).toHaveLength(3);
    const contexts = (await k(['config', 'get-contexts', '-o', 'name'])).stdout.trim().split('\n');
    expect(contexts).toHaveLength(10);
    expect(contexts).toContain('federation');
    expect((await k(['config', 'current-context'])).stdout.trim()).toBe('federation');
    const clusters = await nineReady();
    expect(clusters.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+REGION\s+ZONES\s+AGE/);
    expect(clusters).toMatch(/^gce-europe-west1-c\s+Ready\s+europe-west1\s+\S*europe-west1-c\S*\s/m);
    const status = await kubefed(['playground', 'status', '--state-dir', stateDir]);
    expect(status.stdout).toMatch(/^gce-europe-west1-c\s+europe-west1\s+europe-west1-c\s+running\s+3\/3\s+https:\/\/127\.\d+\.0\.1:6443$/m);
  });

  it('stages faults through the command line and reports bad names', async () => {
    const fail = await kubefed(['playground', 'zone', 'fail', 'asia-east1-b', '--state-dir', stateDir]);
    expect(fail.code, fail.stderr).toBe(0);
    expect(fail.stdout).toContain('gce-asia-east1-b/gce-asia-east1-b-node-0');
    const restore = await kubefed(['playground', 'zone', 'restore', 'asia-east1-b', '--state-dir', stateDir]);
    expect(restore.code).toBe(0);
    const bad = await kubefed(['playground', 'cluster', 'stop', 'gce-mars-1', '--state-dir', stateDir]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('no cluster named "gce-mars-1"');
  });

  it('keeps clusters, federation and objects across down and up', async () => {
    expect((await k(['--context=gce-us-central1-b', 'create', 'configmap', 'keep-me', '--from-literal=a=1'])).code).toBe(0);
    const fed = await k(['--context=federation', 'create', 'configmap', 'fed-keep', '--from-literal=b=2']);
    expect(fed.code, fed.stderr).toBe(0);
    const inMember = (cluster: string) => async () => {
      const r = await k([`--context=${cluster}`, 'get', 'configmap', 'fed-keep', '-o', 'jsonpath={.data.b}', '--request-timeout=5s']);
      return r.code === 0 && r.stdout === '2';
    };
    await eventually(inMember('gce-asia-east1-c'), 'fed-keep propagated before down', 30_000);
    const uid = (await k(['--context=gce-asia-east1-c', 'get', 'configmap', 'fed-keep', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    const down = await kubefed(['playground', 'down', '--state-dir', stateDir]);
    expect(down.stdout).toContain('Playground stopped');
    expect((await k(['--context=gce-us-central1-b', 'get', 'ns', '--request-timeout=2s'])).code).not.toBe(0);
    expect((await k(['--context=federation', 'get', 'ns', '--request-timeout=2s'])).code).not.toBe(0);
    const up = await kubefed(['playground', 'up', '--detach', '--state-dir', stateDir]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('every cluster joined (context "federation")');
    const cm = await k(['--context=gce-us-central1-b', 'get', 'configmap', 'keep-me', '-o', 'jsonpath={.data.a}']);
    expect(cm.stdout).toBe('1');
    // The federation came back with its objects, and its clusters joined once (not twice).
    const atFed = await k(['--context=federation', 'get', 'configmap', 'fed-keep', '-o', 'jsonpath={.data.b}']);
    expect(atFed.code, atFed.stderr).toBe(0);
    expect(atFed.stdout).toBe('2');
    await nineReady();
    const kfcs = await k(['--context=federation', 'get', 'kubefedclusters', '-n', 'kube-federation-system', '-o', 'name']);
    expect(kfcs.stdout.trim().split('\n')).toHaveLength(9);
    for (const c of ['gce-us-central1-a', 'gce-asia-east1-c']) await eventually(inMember(c), `fed-keep in ${c} after up`, 30_000);
    // The restarted controllers still own the copies: a change at the federation reaches them, in place.
    expect((await k(['--context=federation', 'patch', 'configmap', 'fed-keep', '--type=merge', '-p', '{"data":{"b":"3"}}'])).code).toBe(0);
    await eventually(async () => (await k(['--context=gce-asia-east1-c', 'get', 'configmap', 'fed-keep', '-o', 'jsonpath={.data.b}'])).stdout === '3', 'the change in gce-asia-east1-c', 30_000);
    expect((await k(['--context=gce-asia-east1-c', 'get', 'configmap', 'fed-keep', '-o', 'jsonpath={.metadata.uid}'])).stdout).toBe(uid);
  });
});
