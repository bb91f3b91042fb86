/**
 * Leader election over a real API server's Leases: one candidate leads; when the leader can no
 * longer reach the API it steps down after its renew deadline, and only then can a standby take
 * over (after the lease duration on its own clock): the two never lead at once. A leader that
 * stops releases the lease, so a standby takes over at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/federation/client/kube-client.js';
import { LeaderElector } from '../../src/federation/leader-election.js';
import { startTestServer, silentLogger, type TestServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';

let t: TestServer;
const TIMING = { leaseDurationMs: 1_500, renewDeadlineMs: 1_000, retryPeriodMs: 100 };

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

interface Candidate {
  id: string;
  client: KubeClient;
  elector: LeaderElector;
  leading: boolean;
  started: number;
  stopped: number;
}

function candidate(id: string, name: string): Candidate {
  const client = KubeClient.fromKubeconfig(t.kubeconfig, 'test');
  const c: Candidate = { id, client, leading: false, started: 0, stopped: 0 } as Candidate;
  c.elector = new LeaderElector(client, { name, namespace: 'default', identity: id, ...TIMING }, {
    onStartedLeading: () => {
      c.leading = true;
      c.started++;
    },
    onStoppedLeading: () => {
      c.leading = false;
      c.stopped++;
    },
  }, silentLogger());
  return c;
}

describe('LeaderElector', () => {
  it('fails over to a standby only after the leader has stopped leading, never both at once', async () => {
    const a = candidate('a', 'partition');
    const b = candidate('b', 'partition');
    a.elector.start();
    await eventually(() => a.leading, 'a leading');
    b.elector.start();
    // b sees a holding the lease and keeps waiting while a renews.
    await eventually(async () => b.elector.leader === 'a', 'b observing a as the leader');
    let both = false;
    const watch = setInterval(() => (both ||= a.leading && b.leading), 5);
    try {
      // a loses the API: it can no longer renew.
      a.client.close();
      await eventually(() => b.leading, 'b taking over', 10_000);
      expect(a.leading).toBe(false);
      expect(a.stopped).toBe(1);
    } finally {
      clearInterval(watch);
    }
    expect(both).toBe(false);
    const lease = (await b.client.get('coordination.k8s.io/v1', 'Lease', 'default', 'partition'))!;
    expect(lease.spec).toMatchObject({ holderIdentity: 'b', leaseDurationSeconds: 2, leaseTransitions: 1 });
    await a.elector.stop();
    await b.elector.stop();
    b.client.close();
  });

  it('a leader that stops releases the lease and a standby takes over at once', async () => {
    const a = candidate('a', 'handover');
    const b = candidate('b', 'handover');
    a.elector.start();
    await eventually(() => a.leading, 'a leading');
    b.elector.start();
    await eventually(async () => b.elector.leader === 'a', 'b observing a');
    await a.elector.stop();
    expect(a.leading).toBe(false);
    // Released: no longer held by a (b may already hold it).
    const released = (await b.client.get('coordination.k8s.io/v1', 'Lease', 'default', 'handover'))!;
    expect(released.spec.holderIdentity).not.toBe('a');
    await eventually(() => b.leading, 'b taking over');
    await b.elector.stop();
    a.client.close();
    b.client.close();
  });

  it('refuses a renew deadline not shorter than the lease', () => {
    expect(() => new LeaderElector(KubeClient.fromKubeconfig(t.kubeconfig, 'test'), { name: 'x', namespace: 'default', identity: 'x', leaseDurationMs: 1000, renewDeadlineMs: 1000 }, { onStartedLeading() {}, onStoppedLeading() {} }, silentLogger())).toThrow('the renew deadline must be shorter than the lease duration');
  });
});
