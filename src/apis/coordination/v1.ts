/**
 * Schemas of coordination.k8s.io/v1 (io.k8s.api.coordination.v1): Lease. Kubernetes 1.33;
 * nothing is required and nothing is defaulted.
 */
import { def, int32, kindObj, listObj, microTime, obj, ref, str } from '../schema/builders.js';

const L = 'io.k8s.api.coordination.v1';
const gvk = (kind: string) => ({ group: 'coordination.k8s.io', version: 'v1', kind });

def(
  `${L}.LeaseSpec`,
  obj(
    {
      acquireTime: microTime('When the current holder acquired the lease.'),
      holderIdentity: str('Identity of the current holder of the lease.'),
      leaseDurationSeconds: int32(
        'How long, in seconds, other candidates must wait after the last observed renewal before they may take the lease over.',
      ),
      leaseTransitions: int32('How many times the lease has changed holders.'),
      preferredHolder: str(
        'Holder that should take the lease next under coordinated leader election; only meaningful together with strategy.',
      ),
      renewTime: microTime('When the current holder last renewed the lease.'),
      strategy: str(
        'Strategy the coordinated leader election uses to pick a holder, for example OldestEmulationVersion (CoordinatedLeaderElection feature).',
      ),
    },
    'LeaseSpec is the state of a lease: who holds it, since when and for how long.',
  ),
);

def(
  `${L}.Lease`,
  kindObj(gvk('Lease'), 'Lease is a lock with a holder and an expiry, used for leader election and node heartbeats.', {
    spec: ref(`${L}.LeaseSpec`, 'The state of the lease.'),
  }),
);
def(`${L}.LeaseList`, listObj(gvk('LeaseList'), `${L}.Lease`, 'LeaseList is a list of Leases.'));

/*
 * Conditional defaults: none (coordination/v1 has no SetDefaults_* functions).
 */
