/**
 * What routes point at: a Service port of the federation, with the Service's shards (the
 * EndpointSlices the control plane publishes per member cluster, MCS labels) as its endpoints.
 * One index serves Ingress backends and HTTPRoute backendRefs alike; what cannot be resolved is
 * a Problem on the object that refers to it, and still a Backend (with no endpoints: requests for
 * it fail) so the route keeps its place.
 */
import type { KObject } from '../../apis/object.js';
import { endpointId, type Backend, type Endpoint } from '../model.js';

export const MAX_RATE_ANNOTATIONS = ['kubefed.io/max-rate-per-endpoint', 'networking.gke.io/max-rate-per-endpoint'];
export const HEALTH_PATH_ANNOTATION = 'kubefed.io/health-check-path';

const MCS_SERVICE = 'multicluster.kubernetes.io/service-name';
const MCS_CLUSTER = 'multicluster.kubernetes.io/source-cluster';
const PHASE_ANNOTATION = 'kubefed.io/cluster-phase';
const REGION_ANNOTATION = 'kubefed.io/region';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

/** Something the edge cannot use, for an event on the object (and the edge's log). */
export interface Problem {
  object: ObjectRef;
  reason: string;
  message: string;
}

export const refOf = (o: KObject): ObjectRef => ({ apiVersion: o.apiVersion ?? '', kind: o.kind ?? '', ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata?.name ?? '', ...(o.metadata?.uid ? { uid: o.metadata.uid } : {}) });
export const nsName = (o: KObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
/** Sorts older objects first (then by namespace/name), as Ingress and Gateway API precedence ties are broken. */
export const creationOrder = (o: KObject) => `${o.metadata?.creationTimestamp ?? ''}|${nsName(o)}`;

/** What the index reads. */
export interface BackendSources {
  services: KObject[];
  /** Shard EndpointSlices (label multicluster.kubernetes.io/service-name). */
  slices: KObject[];
  /** Cluster objects (core.kubefed.io), for regions. */
  clusters: KObject[];
}

/** Why a Service port cannot be used. */
export interface BackendError {
  reason: 'BackendNotFound' | 'PortNotFound';
  message: string;
}

export interface Resolved {
  backend: Backend;
  error?: BackendError;
}

/** Reads a positive number annotation; a bad value is a problem. */
function maxRate(svc: KObject, problems: Problem[]): number | undefined {
  for (const a of MAX_RATE_ANNOTATIONS) {
    const v = svc.metadata?.annotations?.[a];
    if (v === undefined) continue;
    const n = Number(v);
    if (Number.isFinite(n) && n > 0) return n;
    problems.push({ object: refOf(svc), reason: 'InvalidMaxRate', message: `annotation ${a}: "${v}" is not a positive number of requests per second; no capacity is declared` });
  }
  return undefined;
}

export class BackendIndex {
  private readonly services = new Map<string, KObject>();
  private readonly slices = new Map<string, KObject[]>();
  private readonly regions = new Map<string, string>();
  private readonly built = new Map<string, Resolved>();
  /** Problems already reported: `<referrer uid or key>|<backend key>`. */
  private readonly reported = new Set<string>();

  constructor(
    objs: BackendSources,
    private readonly problems: Problem[],
  ) {
    for (const s of objs.services) this.services.set(nsName(s), s);
    for (const s of objs.slices) {
      const svc = s.metadata?.labels?.[MCS_SERVICE];
      if (!svc) continue;
      const k = `${s.metadata?.namespace ?? ''}/${svc}`;
      this.slices.set(k, [...(this.slices.get(k) ?? []), s]);
    }
    for (const c of objs.clusters) if (c.status?.region) this.regions.set(c.metadata!.name!, c.status.region);
  }

  /** The backend for a Service port (number or name) referenced from `from`; an unusable one is a problem on `from`. */
  backend(namespace: string, service: string, port: number | string | undefined, from: KObject): Backend {
    const r = this.resolve(namespace, service, port);
    const seen = `${from.metadata?.uid ?? `${from.kind}|${nsName(from)}`}|${r.backend.key}`;
    if (r.error && !this.reported.has(seen)) {
      this.reported.add(seen);
      this.problems.push({ object: refOf(from), reason: r.error.reason, message: r.error.message });
    }
    return r.backend;
  }

  /** The backend for a Service port, and why it cannot be used (undefined: it can). */
  resolve(namespace: string, service: string, port: number | string | undefined): Resolved {
    const key = `${namespace}/${service}:${port ?? ''}`;
    let r = this.built.get(key);
    if (!r) this.built.set(key, (r = this.build(key, namespace, service, port)));
    return r;
  }

  private build(key: string, namespace: string, service: string, port: number | string | undefined): Resolved {
    const unusable = { key, namespace, service, port: port ?? '', endpoints: [] };
    const svc = this.services.get(`${namespace}/${service}`);
    if (!svc) return { backend: unusable, error: { reason: 'BackendNotFound', message: `Service "${namespace}/${service}" does not exist at the federation; requests for it are answered 503` } };
    const ports: any[] = svc.spec?.ports ?? [];
    const sp = typeof port === 'number' ? ports.find((p) => p.port === port) : port ? ports.find((p) => p.name === port) : ports.length === 1 ? ports[0] : undefined;
    if (!sp) return { backend: unusable, error: { reason: 'PortNotFound', message: `Service "${namespace}/${service}" has no port ${port === undefined ? '(the Service has several; name one)' : JSON.stringify(port)}` } };
    const portName: string = sp.name ?? '';
    const endpoints: Endpoint[] = [];
    for (const slice of this.slices.get(`${namespace}/${service}`) ?? []) {
      const cluster = slice.metadata?.labels?.[MCS_CLUSTER];
      if (!cluster) continue;
      const ready = slice.metadata?.annotations?.[PHASE_ANNOTATION] === undefined || slice.metadata.annotations[PHASE_ANNOTATION] === 'Ready';
      const slicePort = (slice.ports ?? []).find((p: any) => (p.name ?? '') === portName);
      if (!slicePort?.port) continue;
      const region = slice.metadata?.annotations?.[REGION_ANNOTATION] ?? this.regions.get(cluster);
      for (const e of slice.endpoints ?? []) {
        const address = e.addresses?.[0];
        if (!address) continue;
        endpoints.push({
          id: endpointId(cluster, address, slicePort.port),
          cluster,
          ...(region ? { region } : {}),
          ...(e.zone ? { zone: e.zone } : {}),
          address,
          port: slicePort.port,
          ready: ready && e.conditions?.ready !== false,
        });
      }
    }
    endpoints.sort((a, b) => a.id.localeCompare(b.id));
    const rate = maxRate(svc, this.problems);
    const health = svc.metadata?.annotations?.[HEALTH_PATH_ANNOTATION];
    const tls = sp.appProtocol === 'https' || sp.name === 'https';
    return { backend: { key, namespace, service, port: port ?? sp.port, endpoints, ...(rate ? { maxRatePerEndpoint: rate } : {}), ...(health?.startsWith('/') ? { healthCheckPath: health } : {}), ...(tls ? { tls: true } : {}) } };
  }
}
