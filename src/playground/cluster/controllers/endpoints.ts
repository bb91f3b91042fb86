/**
 * The endpoints controller (Kubernetes' pkg/controller/endpoint): for every Service with a
 * selector, the core/v1 Endpoints object of the same name lists the selected pods' addresses
 * (ready ones under `addresses`, the others under `notReadyAddresses` unless the Service
 * publishes not-ready addresses) with the Service's ports resolved per pod, repacked into
 * subsets of addresses sharing the same ports. Services without selectors are left to whoever
 * writes their Endpoints; an Endpoints object whose Service is gone is deleted.
 *
 * Differences from Kubernetes: subsets, addresses and ports are sorted by value (Kubernetes
 * sorts subsets and ports by a hash of their contents), so the order can differ from a real
 * cluster's while the contents are the same.
 */
import { deepEqual, type KObject } from '../../../apis/object.js';
import { StatusError } from '../../../apiserver/errors.js';
import { ENDPOINTS, isConflict, PODS, SERVICES } from '../client.js';
import { Controller, keyOf, splitKey } from '../controller.js';
import type { ClusterRuntime } from '../runtime.js';
import {
  formatRFC3339Nano,
  HEADLESS_SERVICE_LABEL,
  findPort,
  isPodReady,
  isServiceIPSet,
  LAST_CHANGE_TRIGGER_TIME,
  podIPv4,
  serviceSelector,
  ServiceSelectorIndex,
  servicesForPodEvent,
  shouldPodBeInEndpoints,
  shouldSetHostname,
  TriggerTimeTracker,
} from './service-pods.js';

export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
/** Endpoints objects hold at most this many addresses (Kubernetes' maxCapacity). */
export const MAX_ENDPOINTS_CAPACITY = 1000;
/** Leader-election Endpoints (old-style locks) are never treated as leftovers. */
const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind: string; namespace: string; name: string; uid: string };
}

interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** v1.EndpointAddress of a pod for a Service (podToEndpointAddressForService). */
function podToEndpointAddress(pod: KObject, ip: string): EndpointAddress {
  const a: EndpointAddress = { ip };
  if (pod.spec?.nodeName) a.nodeName = pod.spec.nodeName;
  a.targetRef = { kind: 'Pod', namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata!.uid! };
  return a;
}

function endpointPortFromServicePort(sp: KObject, port: number): EndpointPort {
  return { ...(sp.name ? { name: sp.name } : {}), port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) };
}

const addrKey = (a: EndpointAddress) => `${a.ip}\x00${a.targetRef?.uid ?? ''}`;
const portKey = (p: EndpointPort) => `${p.name ?? ''}\x00${p.port}\x00${p.protocol}\x00${p.appProtocol ?? ''}`;
const compareStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** endpoints.LessEndpointAddress: by IP (as bytes), then target UID. */
function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  return compareStr(a.ip, b.ip) || compareStr(a.targetRef?.uid ?? '', b.targetRef?.uid ?? '');
}

/**
 * endpoints.RepackSubsets: map every port to the addresses offering it (an address not ready
 * for any subset it appears in is not ready), then group ports by identical address sets.
 */
export function repackSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  const allAddrs = new Map<string, EndpointAddress>();
  const NO_PORT = '\x00none';
  const portInfo = new Map<string, EndpointPort | undefined>();
  const portToAddrs = new Map<string, Map<string, boolean>>();
  const mapAddr = (addr: EndpointAddress, pk: string, ready: boolean) => {
    const k = addrKey(addr);
    if (!allAddrs.has(k)) allAddrs.set(k, addr);
    let set = portToAddrs.get(pk);
    if (!set) portToAddrs.set(pk, (set = new Map()));
    const was = set.get(k);
    if (was === undefined || was) set.set(k, ready);
  };
  for (const ss of subsets) {
    const ports = ss.ports?.length ? ss.ports : [undefined];
    for (const p of ports) {
      const pk = p ? portKey(p) : NO_PORT;
      portInfo.set(pk, p);
      for (const a of ss.addresses ?? []) mapAddr(a, pk, true);
      for (const a of ss.notReadyAddresses ?? []) mapAddr(a, pk, false);
    }
  }
  // Group ports by the exact set of (address, ready) they map to.
  const groups = new Map<string, { addrs: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const [pk, addrs] of portToAddrs) {
    const sig = [...addrs].map(([k, r]) => `${k}\x00${r}`).sort().join('\x01');
    let g = groups.get(sig);
    if (!g) groups.set(sig, (g = { addrs, ports: [] }));
    const p = portInfo.get(pk);
    if (p) g.ports.push(p);
  }
  const out: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [k, r] of g.addrs) (r ? ready : notReady).push(allAddrs.get(k)!);
    ready.sort(compareAddresses);
    notReady.sort(compareAddresses);
    g.ports.sort((a, b) => compareStr(portKey(a), portKey(b)));
    const ss: EndpointSubset = {};
    if (ready.length) ss.addresses = ready;
    if (notReady.length) ss.notReadyAddresses = notReady;
    if (g.ports.length) ss.ports = g.ports;
    out.push(ss);
  }
  const firstAddr = (ss: EndpointSubset) => (ss.addresses?.[0] ?? ss.notReadyAddresses?.[0])?.ip ?? '';
  return out.sort((a, b) => compareStr(firstAddr(a), firstAddr(b)) || compareStr(JSON.stringify(a.ports ?? []), JSON.stringify(b.ports ?? [])));
}

/** truncateEndpoints: keeps at most MAX_ENDPOINTS_CAPACITY addresses, not-ready ones dropped first. */
function truncateEndpoints(subsets: EndpointSubset[]): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const ss of subsets) {
    totalReady += ss.addresses?.length ?? 0;
    totalNotReady += ss.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= MAX_ENDPOINTS_CAPACITY) return false;
  const truncateReady = totalReady > MAX_ENDPOINTS_CAPACITY;
  const max = truncateReady ? MAX_ENDPOINTS_CAPACITY : MAX_ENDPOINTS_CAPACITY - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = max;
  for (const ss of subsets) {
    const inSubset = (truncateReady ? ss.addresses?.length : ss.notReadyAddresses?.length) ?? 0;
    const toBeAdded = Math.min(canBeAdded, Math.ceil((inSubset / numTotal) * max));
    if (truncateReady) {
      ss.addresses = (ss.addresses ?? []).slice(0, toBeAdded);
      delete ss.notReadyAddresses;
      canBeAdded -= ss.addresses.length;
      if (!ss.addresses.length) delete ss.addresses;
    } else {
      ss.notReadyAddresses = (ss.notReadyAddresses ?? []).slice(0, toBeAdded);
      canBeAdded -= ss.notReadyAddresses.length;
      if (!ss.notReadyAddresses.length) delete ss.notReadyAddresses;
    }
  }
  return true;
}

/**
 * The subsets Kubernetes' endpoints controller computes for a Service from the pods its
 * selector matches (before truncation).
 */
export function computeEndpointSubsets(svc: KObject, pods: KObject[]): EndpointSubset[] {
  const publishNotReady = !!svc.spec?.publishNotReadyAddresses;
  const svcPorts: KObject[] = svc.spec?.ports ?? [];
  let subsets: EndpointSubset[] = [];
  const add = (pod: KObject, epa: EndpointAddress, epp: EndpointPort | undefined) => {
    const ports = epp ? [epp] : [];
    if (publishNotReady || isPodReady(pod)) subsets.push({ addresses: [epa], ports });
    else subsets.push({ notReadyAddresses: [epa], ports });
  };
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
    const ip = podIPv4(pod);
    if (!ip) continue;
    const epa = podToEndpointAddress(pod, ip);
    if (shouldSetHostname(pod, svc)) epa.hostname = pod.spec.hostname;
    if (svcPorts.length === 0) {
      // Headless Services may have no ports.
      if (svc.spec?.clusterIP === 'None') add(pod, epa, undefined);
      continue;
    }
    for (const sp of svcPorts) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      add(pod, epa, endpointPortFromServicePort(sp, port));
    }
  }
  subsets = repackSubsets(subsets);
  return subsets;
}

function withoutKey(labels: Record<string, string> | undefined, key: string): Record<string, string> {
  const out = { ...(labels ?? {}) };
  delete out[key];
  return out;
}

export class EndpointsController extends Controller {
  private readonly index = new ServiceSelectorIndex();
  private readonly triggers = new TriggerTimeTracker();

  constructor(private readonly runtime: ClusterRuntime) {
    super(runtime.client('endpoint-controller'), 'endpoints', { concurrency: 4 });
  }

  start(): void {
    this.watch(SERVICES, (e) => {
      if (e.type === 'DELETED') this.index.deleteService(e.obj);
      else this.index.setService(e.obj);
      this.queue.add(keyOf(e.obj));
    });
    this.watch(PODS, (e) => {
      for (const k of servicesForPodEvent(this.index, e.type, e.obj, e.prev)) this.queue.add(k);
    });
    // An Endpoints object deleted behind our back is recreated (or stays gone if its Service is).
    this.watch(ENDPOINTS, (e) => {
      if (e.type === 'DELETED') this.queue.add(keyOf(e.obj));
    });
    for (const svc of this.client.list(SERVICES)) {
      this.index.setService(svc);
      this.queue.add(keyOf(svc));
    }
    // checkLeftoverEndpoints: Endpoints whose Service went away while we were not running.
    for (const ep of this.client.list(ENDPOINTS)) {
      if (ep.metadata?.annotations?.[LEADER_ANNOTATION] === undefined) this.queue.add(keyOf(ep));
    }
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.client.get(SERVICES, namespace, name);
    if (!svc) {
      this.triggers.delete(key);
      const ep = this.client.get(ENDPOINTS, namespace, name);
      if (ep && ep.metadata?.annotations?.[LEADER_ANNOTATION] === undefined) {
        await this.client.delete(ENDPOINTS, namespace, name, { preconditions: { uid: ep.metadata!.uid! } });
      }
      return;
    }
    if (svc.spec?.type === 'ExternalName') return;
    const selector = serviceSelector(svc);
    if (!selector) return;

    const pods = this.client.list(PODS, namespace, { matchLabels: selector });
    const triggerTime = this.triggers.compute(svc, pods);
    const subsets = computeEndpointSubsets(svc, pods);

    const current = this.client.get(ENDPOINTS, namespace, name);
    const svcLabels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
    if (current) {
      const compareLabels = withoutKey(current.metadata?.labels, HEADLESS_SERVICE_LABEL);
      const total = subsets.reduce((n, ss) => n + (ss.addresses?.length ?? 0) + (ss.notReadyAddresses?.length ?? 0), 0);
      const capacityOk = total <= MAX_ENDPOINTS_CAPACITY && current.metadata?.annotations?.[OVER_CAPACITY_ANNOTATION] === undefined;
      const headlessOk = isServiceIPSet(svc) === (current.metadata?.labels?.[HEADLESS_SERVICE_LABEL] === undefined);
      if (deepEqual(current.subsets ?? [], subsets) && deepEqual(compareLabels, svcLabels) && capacityOk && headlessOk) return;
    }

    const annotations: Record<string, string> = { ...(current?.metadata?.annotations ?? {}) };
    if (triggerTime !== undefined) annotations[LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(triggerTime);
    else delete annotations[LAST_CHANGE_TRIGGER_TIME];
    const finalSubsets = subsets.map((ss) => ({ ...ss }));
    if (truncateEndpoints(finalSubsets)) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
    else delete annotations[OVER_CAPACITY_ANNOTATION];
    const labels = { ...svcLabels };
    if (!isServiceIPSet(svc)) labels[HEADLESS_SERVICE_LABEL] = '';
    else delete labels[HEADLESS_SERVICE_LABEL];

    const body: KObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        ...(current ? current.metadata : {}),
        name,
        namespace,
        labels,
        annotations,
      },
      ...(finalSubsets.length ? { subsets: finalSubsets } : {}),
    };
    if (!Object.keys(annotations).length) delete body.metadata!.annotations;
    try {
      if (current) await this.client.update(ENDPOINTS, body);
      else await this.client.create(ENDPOINTS, namespace, body);
    } catch (e) {
      // A terminating namespace refuses new objects: nothing to do until the Service is deleted.
      if (!current && e instanceof StatusError && e.code === 403 && /terminat/i.test(e.message)) return;
      if (!isConflict(e) && !(e instanceof StatusError && e.code === 404)) {
        this.runtime.log.warn({ service: key, err: (e as Error).message }, current ? 'failed to update endpoints' : 'failed to create endpoints');
      }
      throw e;
    }
  }
}
