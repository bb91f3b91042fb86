/**
 * Where traffic for a Service port goes, as kube-proxy and cloud load balancers see it: the
 * ready addresses of the Service's Endpoints object with the port resolved for that Service
 * port, or, when there is no Endpoints object (no endpoints controller running), the same
 * computed from the pods the Service selects. Shared by the load balancers and the ingress.
 */
import type { KObject } from '../../../apis/object.js';
import { ENDPOINTS, PODS, type InternalClient } from '../client.js';
import { computeEndpointSubsets } from '../controllers/endpoints.js';
import { serviceSelector } from '../controllers/service-pods.js';

export interface Backend {
  host: string;
  port: number;
}

export const sameBackend = (a: Backend, b: Backend) => a.host === b.host && a.port === b.port;

/** A Service port by number or by name (TCP unless `protocol` says otherwise). */
export function findServicePort(svc: KObject, ref: number | string, protocol = 'TCP'): KObject | undefined {
  const ports: KObject[] = svc.spec?.ports ?? [];
  if (typeof ref === 'number') return ports.find((p) => p.port === ref && (p.protocol ?? 'TCP') === protocol);
  return ports.find((p) => p.name === ref);
}

/** Ready endpoints of one Service port, sorted by address. */
export function readyBackends(client: InternalClient, svc: KObject, svcPort: KObject): Backend[] {
  const ns = svc.metadata!.namespace!;
  const ep = client.get(ENDPOINTS, ns, svc.metadata!.name!);
  let subsets: KObject[];
  if (ep) subsets = ep.subsets ?? [];
  else {
    const selector = serviceSelector(svc);
    if (!selector || svc.spec?.type === 'ExternalName') return [];
    subsets = computeEndpointSubsets(svc, client.list(PODS, ns, { matchLabels: selector })) as KObject[];
  }
  const name = svcPort.name ?? '';
  const protocol = svcPort.protocol ?? 'TCP';
  const out: Backend[] = [];
  const seen = new Set<string>();
  for (const ss of subsets) {
    const ports: KObject[] = ss.ports ?? [];
    // An Endpoints object for a single-port Service may leave the port unnamed.
    const port = ports.find((p) => (p.name ?? '') === name && (p.protocol ?? 'TCP') === protocol) ?? (ports.length === 1 && (svc.spec?.ports ?? []).length === 1 ? ports[0] : undefined);
    if (!port || typeof port.port !== 'number') continue;
    for (const a of ss.addresses ?? []) {
      const k = `${a.ip}:${port.port}`;
      if (!a.ip || seen.has(k)) continue;
      seen.add(k);
      out.push({ host: a.ip, port: port.port });
    }
  }
  return out.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : a.port - b.port));
}

/** Round robin over a list of backends that may change between picks. */
export class RoundRobin {
  private next = 0;

  pick(backends: Backend[], exclude: Backend[] = []): Backend | undefined {
    const candidates = exclude.length ? backends.filter((b) => !exclude.some((x) => sameBackend(b, x))) : backends;
    if (candidates.length === 0) return undefined;
    const b = candidates[this.next % candidates.length]!;
    this.next = (this.next + 1) % 1_000_000_007;
    return b;
  }
}

/**
 * Session affinity by client IP (Service spec.sessionAffinity ClientIP): a client keeps its
 * backend while it stays ready and the client comes back within the timeout.
 */
export class ClientAffinity {
  private readonly sticky = new Map<string, { backend: Backend; until: number }>();

  get(client: string, backends: Backend[], exclude: Backend[]): Backend | undefined {
    const s = this.sticky.get(client);
    if (!s) return undefined;
    if (s.until < Date.now() || !backends.some((b) => sameBackend(b, s.backend)) || exclude.some((x) => sameBackend(x, s.backend))) {
      this.sticky.delete(client);
      return undefined;
    }
    return s.backend;
  }

  set(client: string, backend: Backend, timeoutSeconds: number): void {
    this.sticky.set(client, { backend, until: Date.now() + timeoutSeconds * 1000 });
    if (this.sticky.size > 10_000) {
      const now = Date.now();
      for (const [k, v] of this.sticky) if (v.until < now) this.sticky.delete(k);
    }
  }
}

/** Picks a backend for a client honouring the Service's session affinity, round robin otherwise. */
export function pickForService(svc: KObject, backends: Backend[], rr: RoundRobin, affinity: ClientAffinity, client: string | undefined, exclude: Backend[]): Backend | undefined {
  const sticky = svc.spec?.sessionAffinity === 'ClientIP' && client;
  if (sticky) {
    const b = affinity.get(client, backends, exclude);
    if (b) return b;
  }
  const b = rr.pick(backends, exclude);
  if (b && sticky) affinity.set(client, b, svc.spec?.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800);
  return b;
}
