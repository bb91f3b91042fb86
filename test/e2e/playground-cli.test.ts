/**
 * The playground through its command line, as README's first command runs it: the default
 * nine-cluster world in the background, kubectl against one of its contexts, status, down, and
 * up again on the same state directory with the same clusters and objects.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kubectl } from '../helpers/kubectl.js';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'kubefed-pgcli-'));
const stateDir = join(dir, 'state');
const kubeconfig = join(stateDir, 'kubeconfig');

function kubefed(args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin/kubefed.js'), ...args], { timeout: timeoutMs, env: { ...process.env, KUBEFED_LOG_LEVEL: 'warn' } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
  });
}

const k = (args: string[]) => kubectl(['--kubeconfig', kubeconfig, ...args], { cacheDir: join(dir, 'cache') });

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

  it('starts the default world in the background and serves kubectl', async () => {
    const up = await kubefed(['playground', 'up', '--detach', '--state-dir', stateDir]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('Playground is up: 9 clusters in 3 regions (us-central1, europe-west1, asia-east1), 27 nodes');
    const nodes = await k(['--context=gce-asia-east1-a', 'get', 'nodes', '-L', 'topology.kubernetes.io/zone']);
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout.match(/^gce-asia-east1-a-node-\d\s+Ready\s.*asia-east1-a$/gm)).toHaveLength(3);
    const contexts = await k(['config', 'get-contexts', '-o', 'name']);
    expect(contexts.stdout.trim().split('\n').sort()).toHaveLength(9);
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

  it('keeps clusters and objects across down and up', async () => {
    expect((await k(['--context=gce-us-central1-b', 'create', 'configmap', 'keep-me', '--from-literal=a=1'])).code).toBe(0);
    const down = await kubefed(['playground', 'down', '--state-dir', stateDir]);
    expect(down.stdout).toContain('Playground stopped');
    expect((await k(['--context=gce-us-central1-b', 'get', 'ns', '--request-timeout=2s'])).code).not.toBe(0);
    const up = await kubefed(['playground', 'up', '--detach', '--state-dir', stateDir]);
    expect(up.code, up.stderr).toBe(0);
    const cm = await k(['--context=gce-us-central1-b', 'get', 'configmap', 'keep-me', '-o', 'jsonpath={.data.a}']);
    expect(cm.stdout).toBe('1');
  });
});
