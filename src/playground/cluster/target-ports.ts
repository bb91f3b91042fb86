/**
 * Which ports Services expect a pod to listen on. In Kubernetes a containerPort is
 * informational: an image listens where it listens, and a Service reaches it on whatever
 * targetPort it names. A simulated container only serves what it is told to, so the kubelet
 * asks this index for the TCP ports the Services selecting a pod target on it, resolved as the
 * endpoints controllers resolve them (podutil.FindPort: numeric as is, omitted = port, named
 * against the pod's declared ports, a name no container declares resolves to nothing). What
 * the pod serves thus matches what Endpoints, EndpointSlices and load balancers send to it.
 */
import type { KObject } from '../../apis/object.js';
import { SERVICES, type InternalClient } from './client.js';
import type { ObjectEvent } from './controller.js';
import { findPort, selectorMatches, serviceSelector, ServiceSelectorIndex } from './controllers/service-pods.js';

/** Services that get managed endpoints (the endpoints controllers skip ExternalName ones). */
const hasEndpoints = (svc: KObject | undefined): boolean => !!svc && svc.spec?.type !== 'ExternalName' && !!serviceSelector(svc);

/** What about a Service decides the ports it targets on the pods it selects. */
const targetSignature = (svc: KObject | undefined): string =>
  hasEndpoints(svc) ? JSON.stringify([svc!.spec.selector, svc!.spec.ports ?? [], svc!.metadata?.deletionTimestamp ? 1 : 0]) : '';

export class ServiceTargetPorts {
  private readonly index = new ServiceSelectorIndex();

  constructor(private readonly client: InternalClient) {
    for (const svc of client.list(SERVICES)) this.index.setService(svc);
  }

  /**
   * Follows a Service event. Returns which pods may now need other ports (those the old or
   * the new selector matches, in the Service's namespace), or undefined when nothing that
   * decides target ports changed.
   */
  observe(e: ObjectEvent): ((pod: KObject) => boolean) | undefined {
    if (e.type === 'DELETED') this.index.deleteService(e.obj);
    else this.index.setService(e.obj);
    const before = e.type === 'ADDED' ? '' : targetSignature(e.prev ?? e.obj);
    const after = e.type === 'DELETED' ? '' : targetSignature(e.obj);
    if (before === after) return undefined;
    const ns = e.obj.metadata?.namespace;
    const selectors = [e.prev, e.obj].map((s) => (s ? serviceSelector(s) : undefined)).filter((s) => s !== undefined);
    return (pod) => pod.metadata?.namespace === ns && selectors.some((sel) => selectorMatches(sel, pod.metadata?.labels));
  }

  /** TCP ports the Services selecting the pod send traffic to, sorted. */
  portsFor(pod: KObject): number[] {
    const ports = new Set<number>();
    for (const key of this.index.servicesFor(pod)) {
      const i = key.indexOf('/');
      const svc = this.client.get(SERVICES, key.slice(0, i), key.slice(i + 1));
      if (!hasEndpoints(svc) || svc!.metadata?.deletionTimestamp) continue;
      for (const sp of svc!.spec.ports ?? []) {
        if ((sp?.protocol ?? 'TCP') !== 'TCP') continue;
        const port = findPort(pod, sp);
        if (port !== undefined && port <= 65535) ports.add(port);
      }
    }
    return [...ports].sort((a, b) => a - b);
  }

  /** Drops what is cached about a pod that is gone. */
  forget(namespace: string, name: string): void {
    this.index.forgetPod({ metadata: { namespace, name } });
  }
}
