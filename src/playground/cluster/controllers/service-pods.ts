/**
 * What the endpoints and EndpointSlice controllers share, ported from Kubernetes
 * (k8s.io/kubernetes/pkg/api/v1/pod, k8s.io/endpointslice/util and
 * pkg/controller/util/endpoint): which pods back a Service, how a Service port resolves to a
 * pod's port, which Services select a pod (with the Services' selectors cached), and the
 * `endpoints.kubernetes.io/last-change-trigger-time` bookkeeping.
 */
import type { KObject } from '../../../apis/object.js';
import { keyOf } from '../controller.js';

export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
export const HEADLESS_SERVICE_LABEL = 'service.kubernetes.io/headless';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

const isIPv4 = (ip: unknown): ip is string => typeof ip === 'string' && /^\d{1,3}(\.\d{1,3}){3}$/.test(ip);

/** podutil.GetPodReadyCondition. */
export function podReadyCondition(pod: KObject): KObject | undefined {
  return (pod.status?.conditions ?? []).find((c: KObject) => c?.type === 'Ready');
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: KObject): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/** podutil.IsPodTerminal: Succeeded or Failed. */
export function isPodTerminal(pod: KObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The pod's IPv4 address (status.podIP, else the first IPv4 of status.podIPs). */
export function podIPv4(pod: KObject): string | undefined {
  if (isIPv4(pod.status?.podIP)) return pod.status.podIP;
  for (const p of pod.status?.podIPs ?? []) if (isIPv4(p?.ip)) return p.ip;
  return undefined;
}

/**
 * endpointsliceutil.ShouldPodBeInEndpoints: not terminal, has an address, and (unless
 * terminating pods are included) not being deleted.
 */
export function shouldPodBeInEndpoints(pod: KObject, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!pod.status?.podIP && !(pod.status?.podIPs ?? []).length) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/** endpointutil.ShouldSetHostname: the pod asks for a hostname in this Service's subdomain. */
export function shouldSetHostname(pod: KObject, svc: KObject): boolean {
  return !!pod.spec?.hostname && pod.spec?.subdomain === svc.metadata?.name && pod.metadata?.namespace === svc.metadata?.namespace;
}

/** helper.IsServiceIPSet: a cluster IP that is not "None" (false for headless Services). */
export function isServiceIPSet(svc: KObject): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/** A Service's selector, or undefined when it has none (Services without selectors get no managed endpoints). */
export function serviceSelector(svc: KObject): Record<string, string> | undefined {
  const sel = svc.spec?.selector;
  if (!sel || typeof sel !== 'object' || Object.keys(sel).length === 0) return undefined;
  return sel as Record<string, string>;
}

export function selectorMatches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels?.[k] !== v) return false;
  return true;
}

/**
 * podutil.FindPort: a numeric targetPort is used as is; a named one is looked up among the
 * pod's container ports (name and protocol must match), including restartable init
 * containers (sidecars). Undefined when the pod has no such port.
 */
export function findPort(pod: KObject, svcPort: KObject): number | undefined {
  const target = svcPort.targetPort ?? svcPort.port;
  if (typeof target === 'number') return target > 0 ? target : undefined;
  if (typeof target === 'string' && /^\d+$/.test(target)) return Number(target);
  if (typeof target !== 'string' || !target) return undefined;
  const protocol = svcPort.protocol ?? 'TCP';
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c: KObject) => c?.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c?.ports ?? []) if (p?.name === target && (p.protocol ?? 'TCP') === protocol && typeof p.containerPort === 'number') return p.containerPort;
  }
  return undefined;
}

/** Go's time.Format(time.RFC3339Nano) in UTC: fractional seconds without trailing zeros. */
export function formatRFC3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2024-01-02T03:04:05.678Z
  return iso.replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}

const toMs = (t: unknown): number => {
  if (typeof t !== 'string' || !t) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : ms;
};

/**
 * endpointutil.TriggerTimeTracker: the time of the earliest change (a pod's Ready transition,
 * or the Service's creation) not yet reflected in a Service's endpoints. The first sync of a
 * Service reports its creation time; later syncs report the earliest changed trigger time, or
 * nothing when nothing changed.
 */
export class TriggerTimeTracker {
  private readonly states = new Map<string, { pods: Map<string, number>; service: number }>();

  compute(svc: KObject, pods: KObject[]): number | undefined {
    const key = keyOf(svc);
    const state = this.states.get(key);
    let minChanged: number | undefined;
    const podTimes = new Map<string, number>();
    for (const pod of pods) {
      const t = toMs(podReadyCondition(pod)?.lastTransitionTime);
      if (!t) continue;
      const name = pod.metadata!.name!;
      podTimes.set(name, t);
      if (t > (state?.pods.get(name) ?? 0)) minChanged = minChanged === undefined ? t : Math.min(minChanged, t);
    }
    const svcTime = toMs(svc.metadata?.creationTimestamp);
    if (svcTime > (state?.service ?? 0)) minChanged = minChanged === undefined ? svcTime : Math.min(minChanged, svcTime);
    this.states.set(key, { pods: podTimes, service: svcTime });
    if (!state) return svcTime || undefined;
    return minChanged;
  }

  delete(key: string): void {
    this.states.delete(key);
  }
}

/**
 * Which Services select which pods. Services' selectors are cached per namespace (like
 * Kubernetes' ServiceSelectorCache) and so is each pod's set of Services, recomputed only
 * when the pod's labels or the Services change.
 */
export class ServiceSelectorIndex {
  private readonly byNamespace = new Map<string, Map<string, Record<string, string>>>();
  /** pod key -> labels (as JSON) it was matched with and the Service keys that matched. */
  private readonly podCache = new Map<string, { labels: string; services: string[] }>();

  /** Records a Service (added or changed); returns true if its selector changed. */
  setService(svc: KObject): boolean {
    const ns = svc.metadata?.namespace ?? '';
    const name = svc.metadata!.name!;
    const sel = serviceSelector(svc);
    let m = this.byNamespace.get(ns);
    const before = m?.get(name);
    if (sel && before && JSON.stringify(before) === JSON.stringify(sel)) return false;
    if (!sel && !before) return false;
    if (sel) {
      if (!m) this.byNamespace.set(ns, (m = new Map()));
      m.set(name, { ...sel });
    } else m?.delete(name);
    this.invalidate(ns);
    return true;
  }

  deleteService(svc: KObject): void {
    const ns = svc.metadata?.namespace ?? '';
    if (this.byNamespace.get(ns)?.delete(svc.metadata!.name!)) this.invalidate(ns);
  }

  /** Keys ("ns/name") of the Services whose selectors match the pod's labels. */
  servicesFor(pod: KObject): string[] {
    const ns = pod.metadata?.namespace ?? '';
    const key = keyOf(pod);
    const labels = JSON.stringify(pod.metadata?.labels ?? {});
    const cached = this.podCache.get(key);
    if (cached && cached.labels === labels) return cached.services;
    const services: string[] = [];
    for (const [name, sel] of this.byNamespace.get(ns) ?? []) if (selectorMatches(sel, pod.metadata?.labels)) services.push(`${ns}/${name}`);
    this.podCache.set(key, { labels, services });
    return services;
  }

  forgetPod(pod: KObject): void {
    this.podCache.delete(keyOf(pod));
  }

  private invalidate(ns: string): void {
    const prefix = `${ns}/`;
    for (const k of this.podCache.keys()) if (k.startsWith(prefix)) this.podCache.delete(k);
  }
}

/**
 * Whether a pod change can change any Service's endpoints (Kubernetes' podEndpointsChanged):
 * address, readiness (and its transition time), deletion, node, hostname, phase, ports.
 */
export function podEndpointSignature(pod: KObject): string {
  const ready = podReadyCondition(pod);
  return JSON.stringify([
    pod.status?.podIP,
    pod.status?.podIPs,
    ready?.status,
    ready?.lastTransitionTime,
    !!pod.metadata?.deletionTimestamp,
    pod.spec?.nodeName,
    pod.spec?.hostname,
    pod.spec?.subdomain,
    pod.status?.phase,
    (pod.spec?.containers ?? []).map((c: KObject) => c?.ports),
    pod.metadata?.uid,
  ]);
}

/** Service keys to resync after a pod event (old and new label sets both count). */
export function servicesForPodEvent(index: ServiceSelectorIndex, type: string, pod: KObject, prev: KObject | undefined): Set<string> {
  const out = new Set<string>();
  if (type === 'MODIFIED' && prev) {
    const labelsChanged = JSON.stringify(prev.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {});
    if (!labelsChanged && podEndpointSignature(prev) === podEndpointSignature(pod)) return out;
    // Services that selected the old labels lose the pod.
    if (labelsChanged) for (const k of index.servicesFor(prev)) out.add(k);
  }
  for (const k of index.servicesFor(pod)) out.add(k);
  if (type === 'DELETED') index.forgetPod(pod);
  return out;
}
