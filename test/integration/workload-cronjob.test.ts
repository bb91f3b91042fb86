import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KObject } from '../../src/apis/object.js';
import { JOBS, type GR, type InternalClient } from '../../src/playground/cluster/client.js';
import { parseCronSchedule } from '../../src/apis/batch/cron.js';
import { CronJobController, mostRecentScheduleTime } from '../../src/playground/cluster/controllers/cronjob.js';
import { JobController } from '../../src/playground/cluster/controllers/job.js';
import { processed, startTestRuntime, type TestRuntime } from '../helpers/cluster-runtime.js';
import { eventually } from '../helpers/eventually.js';
import { FakePodLifecycle } from '../helpers/fake-pod-lifecycle.js';

const CRON_JOBS: GR = ['batch', 'cronjobs'];
const at = (s: string) => Date.parse(s);
const iso = (t: number | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

describe('cron schedules', () => {
  it('computes next activations like robfig/cron', () => {
    expect(iso(parseCronSchedule('*/15 * * * *').next(at('2024-03-01T00:07:30Z')))).toBe('2024-03-01T00:15:00.000Z');
    expect(iso(parseCronSchedule('*/15 * * * *').next(at('2024-03-01T00:15:00Z')))).toBe('2024-03-01T00:30:00.000Z');
    expect(iso(parseCronSchedule('0 9 * * 1-5').next(at('2024-03-01T10:00:00Z')))).toBe('2024-03-04T09:00:00.000Z'); // Fri -> Mon
    expect(iso(parseCronSchedule('@hourly').next(at('2024-03-01T10:00:00Z')))).toBe('2024-03-01T11:00:00.000Z');
    expect(iso(parseCronSchedule('0 0 1 jan *').next(at('2024-03-01T10:00:00Z')))).toBe('2025-01-01T00:00:00.000Z');
    // Day of month OR day of week when neither is *.
    expect(iso(parseCronSchedule('0 0 13 * 5').next(at('2024-03-01T10:00:00Z')))).toBe('2024-03-08T00:00:00.000Z');
    // Time zones: 9:00 in New York is 14:00 UTC in winter and 13:00 UTC in summer.
    expect(iso(parseCronSchedule('0 9 * * *', 'America/New_York').next(at('2024-01-10T00:00:00Z')))).toBe('2024-01-10T14:00:00.000Z');
    expect(iso(parseCronSchedule('0 9 * * *', 'America/New_York').next(at('2024-07-10T00:00:00Z')))).toBe('2024-07-10T13:00:00.000Z');
    expect(iso(parseCronSchedule('@every 90s').next(at('2024-03-01T00:00:00.500Z')))).toBe('2024-03-01T00:01:30.000Z');
    expect(() => parseCronSchedule('61 * * * *')).toThrow();
  });

  it('finds the most recent missed time', () => {
    const s = parseCronSchedule('*/10 * * * *');
    expect(mostRecentScheduleTime(at('2024-03-01T00:00:00Z'), at('2024-03-01T00:05:00Z'), s)).toEqual({ missed: 0 });
    expect(mostRecentScheduleTime(at('2024-03-01T00:00:00Z'), at('2024-03-01T00:15:00Z'), s)).toEqual({ time: at('2024-03-01T00:10:00Z'), missed: 1 });
    const r = mostRecentScheduleTime(at('2024-03-01T00:00:00Z'), at('2024-03-01T02:05:00Z'), s);
    expect(iso(r.time)).toBe('2024-03-01T02:00:00.000Z');
    expect(r.missed).toBe(12);
  });
});

describe('CronJobController', () => {
  let t: TestRuntime;
  let client: InternalClient;
  let cron: CronJobController;
  let offset = 0;

  beforeEach(async () => {
    offset = 0;
    t = await startTestRuntime();
    client = t.runtime.client('test');
    cron = new CronJobController(t.runtime, { now: () => Date.now() + offset });
    await t.run(cron, new JobController(t.runtime), new FakePodLifecycle(t.runtime, { jobDurationMs: 50 }));
  });
  afterEach(async () => {
    await t.stop();
  });

  const cj = () => client.get(CRON_JOBS, 'default', 'tick')!;
  const jobs = () => client.list(JOBS, 'default').filter((j) => j.metadata?.ownerReferences?.[0]?.name === 'tick');
  const poke = (n: number) => client.modify(CRON_JOBS, 'default', 'tick', (o) => void (o.metadata!.annotations = { poke: String(n) }));

  it('creates a job per schedule time, tracks it and keeps history limits', async () => {
    const created = await client.create(CRON_JOBS, 'default', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick', namespace: 'default' },
      spec: {
        schedule: '* * * * *',
        successfulJobsHistoryLimit: 1,
        jobTemplate: { metadata: { labels: { team: 'a' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
      },
    });
    // The controller has looked at it: no schedule time has come yet.
    await processed(t.runtime, [cron], created);
    expect(jobs()).toHaveLength(0);
    offset = 61_000;
    await poke(1);
    const first = await eventually(() => jobs()[0], 'first job', 10_000);
    const scheduled = Math.floor((Date.now() + offset) / 60_000) * 60_000;
    expect(first.metadata!.name).toMatch(/^tick-\d+$/);
    expect(Number(first.metadata!.name!.slice(5)) * 60_000).toBeLessThanOrEqual(scheduled);
    expect(first.metadata!.labels).toMatchObject({ team: 'a' });
    expect(first.metadata!.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(new Date(Number(first.metadata!.name!.slice(5)) * 60_000).toISOString().replace('.000Z', 'Z'));
    expect(first.metadata!.ownerReferences![0]).toMatchObject({ kind: 'CronJob', name: 'tick', controller: true });
    await eventually(() => cj().status?.active?.[0]?.name === first.metadata!.name || cj().status?.lastSuccessfulTime, 'active', 10_000);
    await eventually(() => !cj().status?.active && cj().status?.lastSuccessfulTime, 'completed', 10_000);
    expect(cj().status.lastScheduleTime).toBeTruthy();

    offset += 60_000;
    await poke(2);
    await eventually(() => jobs().some((j) => j.metadata!.name !== first.metadata!.name), 'second job', 10_000);
    await eventually(() => jobs().length === 1 && jobs()[0]!.metadata!.name !== first.metadata!.name && cj().status?.lastSuccessfulTime && !cj().status?.active, 'history limit', 15_000);
  });

  it('does not schedule while suspended, and Forbid skips while a job runs', async () => {
    await client.create(CRON_JOBS, 'default', {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick', namespace: 'default' },
      spec: {
        schedule: '* * * * *',
        suspend: true,
        concurrencyPolicy: 'Forbid',
        jobTemplate: { spec: { template: { metadata: { annotations: { 'fake.kubefed.io/run-ms': '60000' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } },
      },
    });
    offset = 61_000;
    // A schedule time has passed, and the controller has looked: suspended, it starts nothing.
    await processed(t.runtime, [cron], await poke(1));
    expect(jobs()).toHaveLength(0);
    await client.modify(CRON_JOBS, 'default', 'tick', (o) => void (o.spec.suspend = false));
    await eventually(() => jobs().length === 1 && cj().status?.active?.length === 1, 'first job', 10_000);
    offset += 60_000;
    // The next schedule time: once the controller has looked, Forbid has started nothing and said why.
    await processed(t.runtime, [cron], await poke(2));
    expect(client.list(['', 'events'], 'default').find((e: KObject) => e.reason === 'JobAlreadyActive')).toBeDefined();
    expect(jobs()).toHaveLength(1);
  });
});
