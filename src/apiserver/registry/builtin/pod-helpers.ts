/** Pod facts the server derives itself: the graceful deletion period. */
import type { KObject } from '../../../apis/object.js';

/** Seconds a delete of this pod waits for the kubelet; 0 deletes at once (unscheduled or finished pods). */
export function podGracePeriod(pod: KObject, requested: number | undefined): number {
  if (!pod.spec?.nodeName) return 0;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  if (requested !== undefined) return requested;
  return pod.spec?.terminationGracePeriodSeconds ?? 30;
}
