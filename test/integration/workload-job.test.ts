import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { mergeKubeconfig } from '../../src/kubeconfig.js';
import { EVENTS, JOBS, PODS, type InternalClient } from '../../src/playground/cluster/client.js';
import { JobController } from '../../src/playground/cluster/controllers/job.js';
import { startTestRuntime, type TestRuntime } from '../helpers/cluster-runtime.js';
import { eventually } from '../helpers/eventually.js';
import { FAIL_ANNOTATION, FakePodLifecycle, RUN_MS_ANNOTATION } from '../helpers/fake-pod-lifecycle.js';
import { kubectl } from '../helpers/kubectl.js';

function job(name: string, spec: KObject = {}, podAnnotations: Record<string, string> = {}): KObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      template: { metadata: { annotations: podAnnotations }, spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }] } },
      ...spec,
    },
  };
}

const cond = (j: KObject | undefined, type: string) => (j?.status?.conditions ?? []).find((c: KObject) => c.type === type);
const isActive = (p: KObject) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';

describe('JobController', () => {
  let t: TestRuntime;
  let client: InternalClient;
  let fake: FakePodLifecycle;
  let dir: string;
  let kubeconfig: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubefed-job-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(async () => {
    t = await startTestRuntime();
    client = t.runtime.client('test');
    fake = new FakePodLifecycle(t.runtime, { jobDurationMs: 100 });
    await t.run(new JobController(t.runtime), fake);
    kubeconfig = join(dir, `kubeconfig-${Date.now()}`);
    mergeKubeconfig(kubeconfig, [t.server.kubeconfigEntry('test')]);
  });
  afterEach(async () => {
    await t.stop();
  });

  const k = (...args: string[]) => kubectl(['--kubeconfig', kubeconfig, '-n', 'default', ...args], { cacheDir: join(dir, 'cache') });
  const get = (name: string) => client.get(JOBS, 'default', name);
  const podsOf = (name: string) => client.list(PODS, 'default', { matchLabels: { 'batch.kubernetes.io/job-name': name } });

  it('runs completions with bounded parallelism and completes', async () => {
    await client.create(JOBS, 'default', job('calc', { completions: 4, parallelism: 2 }));
    let maxActive = 0;
    const sampler = setInterval(() => {
      maxActive = Math.max(maxActive, podsOf('calc').filter(isActive).length);
    }, 3);
    const wait = k('wait', '--for=condition=complete', 'job/calc', '--timeout=30s');
    await eventually(() => cond(get('calc'), 'Complete')?.status === 'True', 'complete', 20_000);
    clearInterval(sampler);
    const r = await wait;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('job.batch/calc condition met');
    expect(maxActive).toBe(2);
    const j = get('calc')!;
    expect(j.status).toMatchObject({ succeeded: 4, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(j.status.active).toBeUndefined();
    expect(j.status.failed).toBeUndefined();
    expect(j.status.startTime).toBeTruthy();
    expect(j.status.completionTime).toBeTruthy();
    expect(j.status.conditions.map((c: KObject) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(cond(j, 'Complete')).toMatchObject({ status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' });
    expect(cond(j, 'Complete').lastProbeTime).toBeTruthy();
    const pods = podsOf('calc');
    expect(pods).toHaveLength(4);
    for (const p of pods) {
      expect(p.metadata!.generateName).toBe('calc-');
      expect(p.metadata!.labels).toMatchObject({ 'job-name': 'calc', 'controller-uid': j.metadata!.uid, 'batch.kubernetes.io/controller-uid': j.metadata!.uid });
      expect(p.metadata!.finalizers).toBeUndefined();
      expect(p.status.phase).toBe('Succeeded');
    }
    const events = client.list(EVENTS, 'default').filter((e) => e.involvedObject?.name === 'calc');
    expect(events.some((e) => e.reason === 'Completed' && e.message === 'Job completed')).toBe(true);
    expect(events.filter((e) => e.reason === 'SuccessfulCreate')).toHaveLength(4);
    const got = await k('get', 'job', 'calc');
    expect(got.stdout).toMatch(/calc\s+Complete\s+4\/4/);
  });

  it('tracks pods with a finalizer while they run', async () => {
    await client.create(JOBS, 'default', job('fin', {}, { [RUN_MS_ANNOTATION]: '600' }));
    const p = await eventually(() => podsOf('fin').find((x) => x.status?.phase === 'Running'), 'running pod', 10_000);
    expect(p.metadata!.finalizers).toEqual(['batch.kubernetes.io/job-tracking']);
    await eventually(() => get('fin')?.status?.active === 1 && get('fin')?.status?.ready === 1, 'active and ready', 10_000);
    await eventually(() => cond(get('fin'), 'Complete'), 'complete', 10_000);
    expect(podsOf('fin')[0]!.metadata!.finalizers).toBeUndefined();
  });

  it('runs Indexed jobs', async () => {
    await client.create(JOBS, 'default', job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    await eventually(() => cond(get('idx'), 'Complete'), 'complete', 15_000);
    const j = get('idx')!;
    expect(j.status.completedIndexes).toBe('0-2');
    expect(j.status.succeeded).toBe(3);
    const pods = podsOf('idx').sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
    expect(pods.map((p) => p.metadata!.annotations!['batch.kubernetes.io/job-completion-index'])).toEqual(['0', '1', '2']);
    for (const p of pods) {
      const ix = p.metadata!.annotations!['batch.kubernetes.io/job-completion-index'];
      expect(p.metadata!.labels!['batch.kubernetes.io/job-completion-index']).toBe(ix);
      expect(p.metadata!.generateName).toBe(`idx-${ix}-`);
      expect(p.spec.hostname).toBe(`idx-${ix}`);
      expect(p.spec.containers[0].env).toEqual([
        { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
      ]);
    }
  });

  it('fails after backoffLimit failures', async () => {
    await client.create(JOBS, 'default', job('bad', { backoffLimit: 1 }, { [FAIL_ANNOTATION]: 'true' }));
    await eventually(() => cond(get('bad'), 'Failed'), 'failed', 20_000);
    const j = get('bad')!;
    expect(j.status.failed).toBe(2);
    expect(cond(j, 'FailureTarget')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' });
    expect(cond(j, 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(j.status.completionTime).toBeUndefined();
    expect(podsOf('bad')).toHaveLength(2);
    const r = await k('wait', '--for=condition=failed', 'job/bad', '--timeout=10s');
    expect(r.code, r.stderr).toBe(0);
  });

  it('stops at activeDeadlineSeconds', async () => {
    await client.create(JOBS, 'default', job('slow', { activeDeadlineSeconds: 1 }, { [RUN_MS_ANNOTATION]: '60000' }));
    await eventually(() => cond(get('slow'), 'Failed'), 'deadline', 15_000);
    expect(cond(get('slow'), 'Failed')).toMatchObject({ reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    await eventually(() => podsOf('slow').length === 0, 'pods removed', 10_000);
    expect(get('slow')!.status.failed).toBe(1);
  });

  it('suspends and resumes', async () => {
    await client.create(JOBS, 'default', job('sus', { suspend: true }));
    await eventually(() => cond(get('sus'), 'Suspended')?.status === 'True', 'suspended', 10_000);
    expect(podsOf('sus')).toHaveLength(0);
    expect(get('sus')!.status.startTime).toBeUndefined();
    await client.modify(JOBS, 'default', 'sus', (o) => void (o.spec.suspend = false));
    await eventually(() => cond(get('sus'), 'Complete'), 'complete after resume', 15_000);
    expect(cond(get('sus'), 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed' });
  });

  it('lets pods go when the job is deleted', async () => {
    await client.create(JOBS, 'default', job('del', { parallelism: 2, completions: 2 }, { [RUN_MS_ANNOTATION]: '60000' }));
    await eventually(() => podsOf('del').filter((p) => p.status?.phase === 'Running').length === 2, 'running', 10_000);
    await client.delete(JOBS, 'default', 'del', { propagationPolicy: 'Background' });
    await eventually(() => podsOf('del').length === 0, 'pods gone', 15_000);
  });

  it('deletes finished jobs after ttlSecondsAfterFinished', async () => {
    await client.create(JOBS, 'default', job('ttl', { ttlSecondsAfterFinished: 1 }));
    await eventually(() => cond(get('ttl'), 'Complete'), 'complete', 10_000);
    expect(get('ttl')).toBeDefined();
    await eventually(() => !get('ttl') && podsOf('ttl').length === 0, 'job and pods deleted', 10_000);
  });
});
