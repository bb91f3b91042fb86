/**
 * The EndpointSlice controller (Kubernetes' pkg/controller/endpointslice and its reconciler in
 * k8s.io/endpointslice): for every Service with a selector, discovery.k8s.io/v1 EndpointSlices
 * named `<service>-<random>` list the selected pods (terminating ones included, with their
 * ready/serving/terminating conditions, node, zone and target), grouped by identical resolved
 * ports, at most 100 endpoints per slice. Like Kubernetes it changes existing slices in place
 * (removing gone endpoints, updating changed ones, filling slices that have room) instead of
 * recreating them, turns would-be deletions plus creations into updates, keeps one empty
 * placeholder slice for a Service with no endpoints, and leaves deletion of a deleted
 * Service's slices to the garbage collector (they are owned by the Service).
 *
 * Only IPv4 slices are produced (the playground's address plan is IPv4).
 */
import { deepEqual, type KObject } from '../../../apis/object.js';
import { StatusError } from '../../../apiserver/errors.js';
import { ENDPOINT_SLICES, NODES, PODS, SERVICES } from '../client.js';
import { Controller, keyOf, splitKey } from '../controller.js';
import type { ClusterRuntime } from '../runtime.js';
import {
  findPort,
  formatRFC3339Nano,
  HEADLESS_SERVICE_LABEL,
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
  ZONE_LABEL,
} from './service-pods.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const MAX_ENDPOINTS_PER_SLICE = 100;
const ADDRESS_TYPE = 'IPv4';

interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
  nodeName?: string;
  zone?: string;
}

interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

const portsKey = (ports: KObject[] | undefined) =>
  (ports ?? []).map((p) => `${p?.name ?? ''}/${p?.protocol ?? 'TCP'}/${p?.port ?? ''}/${p?.appProtocol ?? ''}`).join(',');

/** The identity of an endpoint within a Service (Kubernetes' endpoint hash). */
const endpointKey = (e: KObject) =>
  JSON.stringify([[...(e.addresses ?? [])].sort(), e.hostname ?? '', e.targetRef?.namespace ?? '', e.targetRef?.name ?? '']);

/** Endpoint fields compared to decide whether a stored endpoint is up to date. */
const endpointView = (e: KObject) => ({
  addresses: e.addresses ?? [],
  conditions: { ready: e.conditions?.ready ?? null, serving: e.conditions?.serving ?? null, terminating: e.conditions?.terminating ?? null },
  hostname: e.hostname ?? null,
  targetRef: e.targetRef ? { kind: e.targetRef.kind, namespace: e.targetRef.namespace, name: e.targetRef.name, uid: e.targetRef.uid } : null,
  nodeName: e.nodeName ?? null,
  zone: e.zone ?? null,
  hints: e.hints ?? null,
});

/** setEndpointSliceLabels: the Service's labels except reserved ones, plus ours. */
function sliceLabels(svc: KObject, current?: Record<string, string>): { labels: Record<string, string>; changed: boolean } {
  const reserved = (k: string) => k === SERVICE_NAME_LABEL || k === MANAGED_BY_LABEL || k === HEADLESS_SERVICE_LABEL;
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata?.labels ?? {})) if (!reserved(k)) labels[k] = v as string;
  if (!isServiceIPSet(svc)) labels[HEADLESS_SERVICE_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = svc.metadata!.name!;
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return { labels, changed: current ? !deepEqual(current, labels) : true };
}

function ownerRef(svc: KObject) {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata!.name!, uid: svc.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

const ownedBy = (slice: KObject, svc: KObject) => (slice.metadata?.ownerReferences ?? []).some((r) => r.kind === 'Service' && r.uid === svc.metadata?.uid);

/** getEndpointSlicePrefix: "<service>-" unless that is too long for generateName. */
function slicePrefix(name: string): string {
  return name.length + 1 <= 253 - 5 ? `${name}-` : name;
}

function newSlice(svc: KObject, ports: SlicePort[]): KObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: slicePrefix(svc.metadata!.name!),
      namespace: svc.metadata!.namespace!,
      labels: sliceLabels(svc).labels,
      ownerReferences: [ownerRef(svc)],
    },
    addressType: ADDRESS_TYPE,
    endpoints: [],
    ports,
  };
}

export class EndpointSliceController extends Controller {
  private readonly index = new ServiceSelectorIndex();
  private readonly triggers = new TriggerTimeTracker();

  constructor(runtime: ClusterRuntime) {
    super(runtime.client('endpointslice-controller'), 'endpointslices', { concurrency: 4 });
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
    // Slices we manage that change behind our back are put right.
    this.watch(ENDPOINT_SLICES, (e) => {
      const labels = e.obj.metadata?.labels ?? {};
      if (labels[MANAGED_BY_LABEL] !== CONTROLLER_NAME || !labels[SERVICE_NAME_LABEL]) return;
      if (e.type === 'MODIFIED' && e.prev && deepEqual(e.prev.endpoints, e.obj.endpoints) && deepEqual(e.prev.ports, e.obj.ports) && deepEqual(e.prev.metadata?.labels, labels)) return;
      this.queue.add(`${e.obj.metadata!.namespace}/${labels[SERVICE_NAME_LABEL]}`);
    });
    // Zones come from nodes: a node appearing, going or changing zone resyncs its pods' Services.
    this.watch(NODES, (e) => {
      if (e.type === 'MODIFIED' && e.prev?.metadata?.labels?.[ZONE_LABEL] === e.obj.metadata?.labels?.[ZONE_LABEL]) return;
      const node = e.obj.metadata!.name!;
      for (const pod of this.client.list(PODS)) {
        if (pod.spec?.nodeName === node) for (const k of this.index.servicesFor(pod)) this.queue.add(k);
      }
    });
    for (const svc of this.client.list(SERVICES)) {
      this.index.setService(svc);
      this.queue.add(keyOf(svc));
    }
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const svc = this.client.get(SERVICES, namespace, name);
    if (!svc) {
      // The garbage collector deletes the Service's slices (they are owned by it).
      this.triggers.delete(key);
      return;
    }
    if (svc.spec?.type === 'ExternalName' || svc.metadata?.deletionTimestamp) return;
    const selector = serviceSelector(svc);
    if (!selector) return;

    const pods = this.client.list(PODS, namespace, { matchLabels: selector });
    const publishNotReady = !!svc.spec?.publishNotReadyAddresses;
    let missingNode = false;

    // Desired endpoints, grouped by their resolved ports.
    const desired = new Map<string, { ports: SlicePort[]; endpoints: Map<string, SliceEndpoint> }>();
    for (const pod of [...pods].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1))) {
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const ip = podIPv4(pod);
      if (!ip) continue;
      const nodeName: string | undefined = pod.spec?.nodeName || undefined;
      const node = nodeName ? this.client.get(NODES, '', nodeName) : undefined;
      if (nodeName && !node && !publishNotReady) {
        // Kubernetes skips pods on unknown nodes and retries later.
        missingNode = true;
        continue;
      }
      const ports = this.endpointPorts(svc, pod);
      const pk = portsKey(ports);
      let group = desired.get(pk);
      if (!group) desired.set(pk, (group = { ports, endpoints: new Map() }));
      const ep = this.podToEndpoint(pod, ip, node, svc);
      group.endpoints.set(endpointKey(ep), ep);
    }

    const existing = this.client
      .list(ENDPOINT_SLICES, namespace, { matchLabels: { [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: CONTROLLER_NAME } })
      .filter((s) => !s.metadata?.deletionTimestamp);

    const toCreate: KObject[] = [];
    const toUpdate: KObject[] = [];
    const toDelete: KObject[] = [];
    const existingByPorts = new Map<string, KObject[]>();
    for (const s of existing) {
      if (s.addressType !== ADDRESS_TYPE || !ownedBy(s, svc)) {
        toDelete.push(s);
        continue;
      }
      const pk = portsKey(s.ports);
      const list = existingByPorts.get(pk) ?? [];
      list.push(s);
      existingByPorts.set(pk, list);
    }
    for (const [pk, group] of desired) {
      const r = this.reconcilePorts(svc, existingByPorts.get(pk) ?? [], group.ports, group.endpoints);
      toCreate.push(...r.create);
      toUpdate.push(...r.update);
      toDelete.push(...r.delete);
      existingByPorts.delete(pk);
    }
    // Port sets no longer wanted.
    for (const slices of existingByPorts.values()) toDelete.push(...slices);

    // A Service without endpoints keeps one empty placeholder slice.
    if (existing.length === toDelete.length && toCreate.length === 0) {
      const isPlaceholder = (s: KObject) => s.addressType === ADDRESS_TYPE && !(s.endpoints ?? []).length && !(s.ports ?? []).length && ownedBy(s, svc);
      if (toDelete.length === 1 && isPlaceholder(toDelete[0]!)) {
        const s = toDelete.pop()!;
        const { labels, changed } = sliceLabels(svc, s.metadata?.labels);
        if (changed) toUpdate.push({ ...s, metadata: { ...s.metadata, labels } });
      } else toCreate.push(newSlice(svc, []));
    }

    // Deleting one slice and creating another is an update of the first.
    while (toCreate.length && toDelete.some((s) => s.addressType === ADDRESS_TYPE && ownedBy(s, svc))) {
      const i = toDelete.findIndex((s) => s.addressType === ADDRESS_TYPE && ownedBy(s, svc));
      const old = toDelete.splice(i, 1)[0]!;
      const fresh = toCreate.shift()!;
      toUpdate.push({ ...fresh, metadata: { ...old.metadata, labels: fresh.metadata!.labels, ownerReferences: fresh.metadata!.ownerReferences } });
    }

    const triggerTime = this.triggers.compute(svc, pods);
    const stamp = (s: KObject) => {
      const annotations: Record<string, string> = { ...(s.metadata?.annotations ?? {}) };
      if (triggerTime !== undefined) annotations[LAST_CHANGE_TRIGGER_TIME] = formatRFC3339Nano(triggerTime);
      else delete annotations[LAST_CHANGE_TRIGGER_TIME];
      s.metadata = { ...s.metadata, annotations };
      if (!Object.keys(annotations).length) delete s.metadata.annotations;
      return s;
    };
    for (const s of toCreate) {
      try {
        await this.client.create(ENDPOINT_SLICES, namespace, stamp(s));
      } catch (e) {
        if (e instanceof StatusError && e.code === 403 && /terminat/i.test(e.message)) return;
        throw e;
      }
    }
    for (const s of toUpdate) await this.client.update(ENDPOINT_SLICES, stamp(s));
    for (const s of toDelete) await this.client.delete(ENDPOINT_SLICES, namespace, s.metadata!.name!, { preconditions: { uid: s.metadata!.uid! } });
    if (missingNode) this.queue.addAfter(key, 1_000);
  }

  /** reconcileByPortMapping: edit existing slices in place, fill those with room, create the rest. */
  private reconcilePorts(svc: KObject, slices: KObject[], ports: SlicePort[], want: Map<string, SliceEndpoint>) {
    const desiredSet = new Map(want);
    const update = new Map<string, KObject>();
    const unchanged = new Map<string, KObject>();
    const del: KObject[] = [];
    for (const s of slices) {
      const kept: KObject[] = [];
      let changed = false;
      for (const ep of s.endpoints ?? []) {
        const k = endpointKey(ep);
        const got = desiredSet.get(k);
        if (!got) continue;
        kept.push(got);
        if (!deepEqual(endpointView(got), endpointView(ep))) changed = true;
        desiredSet.delete(k);
      }
      const { labels, changed: labelsChanged } = sliceLabels(svc, s.metadata?.labels);
      if (changed || kept.length !== (s.endpoints ?? []).length) {
        if (kept.length === 0) del.push(s);
        else update.set(s.metadata!.name!, { ...s, endpoints: kept, metadata: { ...s.metadata, labels } });
      } else if (labelsChanged) update.set(s.metadata!.name!, { ...s, metadata: { ...s.metadata, labels } });
      else unchanged.set(s.metadata!.name!, s);
    }
    const pop = (): SliceEndpoint => {
      const [k, v] = desiredSet.entries().next().value as [string, SliceEndpoint];
      desiredSet.delete(k);
      return v;
    };
    // Fill slices being updated anyway, fullest first.
    if (desiredSet.size && update.size) {
      for (const s of [...update.values()].sort((a, b) => b.endpoints.length - a.endpoints.length)) {
        while (desiredSet.size && s.endpoints.length < MAX_ENDPOINTS_PER_SLICE) s.endpoints.push(pop());
      }
    }
    const create: KObject[] = [];
    while (desiredSet.size) {
      let fill: KObject | undefined;
      // The leftovers fit one unchanged slice: pick the fullest one that has room.
      if (desiredSet.size < MAX_ENDPOINTS_PER_SLICE && unchanged.size) {
        let best: KObject | undefined;
        for (const s of unchanged.values()) {
          const n = (s.endpoints ?? []).length;
          if (n + desiredSet.size <= MAX_ENDPOINTS_PER_SLICE && (!best || n > (best.endpoints ?? []).length)) best = s;
        }
        if (best) {
          fill = { ...best, endpoints: [...(best.endpoints ?? [])] };
          unchanged.delete(best.metadata!.name!);
          update.set(best.metadata!.name!, fill);
        }
      }
      if (!fill) {
        fill = newSlice(svc, ports);
        create.push(fill);
      }
      while (desiredSet.size && fill.endpoints.length < MAX_ENDPOINTS_PER_SLICE) fill.endpoints.push(pop());
    }
    return { create, update: [...update.values()], delete: del };
  }

  /** getEndpointPorts: the Service's ports resolved for one pod (ports the pod lacks are left out). */
  private endpointPorts(svc: KObject, pod: KObject): SlicePort[] {
    const out: SlicePort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      out.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
    }
    return out;
  }

  /** podToEndpoint. */
  private podToEndpoint(pod: KObject, ip: string, node: KObject | undefined, svc: KObject): SliceEndpoint {
    const serving = isPodReady(pod);
    const terminating = !!pod.metadata?.deletionTimestamp;
    // "ready" is never true for a terminating pod unless not-ready addresses are published.
    const ready = !!svc.spec?.publishNotReadyAddresses || (serving && !terminating);
    const ep: SliceEndpoint = {
      addresses: [ip],
      conditions: { ready, serving, terminating },
      targetRef: { kind: 'Pod', namespace: pod.metadata!.namespace!, name: pod.metadata!.name!, uid: pod.metadata!.uid! },
    };
    if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec.hostname;
    if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
    const zone = node?.metadata?.labels?.[ZONE_LABEL];
    if (zone) ep.zone = zone;
    return ep;
  }
}
