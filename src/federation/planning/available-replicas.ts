/**
 * How many more replicas of a workload a member cluster could run (dynamic weights): for each
 * schedulable Ready node, how many more pods with the workload's requests fit in the node's
 * allocatable minus the requests of the pods bound to it that have not terminated, summed over
 * the nodes. Requests are counted as the Kubernetes scheduler counts them (PodRequests: the
 * containers' requests, or limits where only limits are set; at least each init container's,
 * sidecars added; plus overhead); every node also fits at most `pods` pods (110 when allocatable
 * does not say).
 */
import type { KObject } from '../../apis/object.js';
import { parseQuantity } from '../../apis/validation/pod.js';
import { tolerationMatches } from './taints.js';
import type { Taint, Toleration } from './scheduling-types.js';

/** A pod's requests per resource name, in nano-units. */
export type Requests = Record<string, bigint>;

const nano = (q: unknown): bigint => parseQuantity(q) ?? 0n;
const DEFAULT_MAX_PODS = 110n * 1_000_000_000n;

function containerRequests(c: any): Requests {
  const requests: Record<string, unknown> = c?.resources?.requests ?? {};
  const limits: Record<string, unknown> = c?.resources?.limits ?? {};
  const out: Requests = {};
  for (const k of new Set([...Object.keys(limits), ...Object.keys(requests)])) out[k] = nano(k in requests ? requests[k] : limits[k]);
  return out;
}

const plus = (a: Requests, b: Requests): Requests => {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0n) + v;
  return out;
};

/** PodRequests of a pod spec (or a pod template's spec). */
export function specRequests(spec: any): Requests {
  let sum: Requests = {};
  for (const c of spec?.containers ?? []) sum = plus(sum, containerRequests(c));
  let sidecars: Requests = {};
  let initPeak: Requests = {};
  for (const c of spec?.initContainers ?? []) {
    const r = containerRequests(c);
    if (c?.restartPolicy === 'Always') {
      sidecars = plus(sidecars, r);
      sum = plus(sum, r);
      continue;
    }
    for (const [k, v] of Object.entries(plus(sidecars, r))) if (v > (initPeak[k] ?? 0n)) initPeak = { ...initPeak, [k]: v };
  }
  for (const [k, v] of Object.entries(initPeak)) if (v > (sum[k] ?? 0n)) sum[k] = v;
  for (const [k, v] of Object.entries(spec?.overhead ?? {})) sum[k] = (sum[k] ?? 0n) + nano(v);
  return sum;
}

/** Requests given as quantities ({cpu: "100m", memory: "128Mi"}) in nano-units. */
export function requestsFromQuantities(list: Record<string, unknown>): Requests {
  const out: Requests = {};
  for (const [k, v] of Object.entries(list)) out[k] = nano(v);
  return out;
}

const nodeReady = (node: KObject): boolean => (node.status?.conditions ?? []).some((c: any) => c?.type === 'Ready' && c.status === 'True');

function nodeAdmits(node: KObject, tolerations: readonly Toleration[]): boolean {
  if (node.spec?.unschedulable || !nodeReady(node)) return false;
  return ((node.spec?.taints ?? []) as Taint[]).every((t) => t.effect === 'PreferNoSchedule' || tolerations.some((x) => tolerationMatches(x, t)));
}

/**
 * How many more pods asking `podRequests` fit on the nodes: per schedulable Ready node (whose
 * NoSchedule/NoExecute taints the pod tolerates), the smallest over requested resources of
 * (allocatable − requested by its non-terminated pods) ÷ request, and the pods still allowed;
 * summed.
 */
export function availableReplicas(nodes: readonly KObject[], pods: readonly KObject[], podRequests: Requests, tolerations: readonly Toleration[] = []): number {
  const used = new Map<string, { requests: Requests; count: number }>();
  for (const p of pods) {
    const node: unknown = p.spec?.nodeName;
    if (typeof node !== 'string' || !node || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    const u = used.get(node) ?? { requests: {}, count: 0 };
    used.set(node, { requests: plus(u.requests, specRequests(p.spec)), count: u.count + 1 });
  }
  let total = 0;
  for (const node of nodes) {
    if (!nodeAdmits(node, tolerations)) continue;
    const alloc: Record<string, unknown> = node.status?.allocatable ?? node.status?.capacity ?? {};
    const u = used.get(node.metadata?.name ?? '') ?? { requests: {}, count: 0 };
    const maxPods = alloc.pods !== undefined ? nano(alloc.pods) : DEFAULT_MAX_PODS;
    let fit = maxPods / 1_000_000_000n - BigInt(u.count);
    for (const [k, want] of Object.entries(podRequests)) {
      if (k === 'pods' || want <= 0n) continue;
      const free = nano(alloc[k]) - (u.requests[k] ?? 0n);
      const n = free <= 0n ? 0n : free / want;
      if (n < fit) fit = n;
    }
    if (fit > 0n) total += Number(fit);
  }
  return total;
}
