/**
 * Compiling what the federation holds into the edge's configuration: Ingresses of the
 * `kubefed-global` class (and of no class while it is the default) into routes, their Services'
 * shards (EndpointSlices with the MCS labels) into backends, TLS Secrets into certificates, and
 * the traffic settings ConfigMap into client locations, region coordinates and trusted proxies.
 *
 * One function, used by the edge (to route) and by the control plane's ingress controller (to
 * report): what cannot be used becomes a Problem naming the object, and everything else is
 * still served.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import type { KObject } from '../../apis/object.js';
import { endpointId, emptyEdgeConfig, type Backend, type EdgeConfig, type Endpoint, type LocationRange, type RegionInfo, type Route, type TlsCertificate } from '../model.js';
import { servedByEdge } from '../ingress-class.js';
import { compareRoutes } from './precedence.js';

export const MAX_RATE_ANNOTATIONS = ['kubefed.io/max-rate-per-endpoint', 'networking.gke.io/max-rate-per-endpoint'];
export const HEALTH_PATH_ANNOTATION = 'kubefed.io/health-check-path';
/** The traffic settings: ConfigMap `kubefed-traffic` in the federation's namespace. */
export const TRAFFIC_CONFIG_MAP = 'kubefed-traffic';

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

/** What the compiler reads (all from the federation API). */
export interface TrafficObjects {
  ingresses: KObject[];
  ingressClasses: KObject[];
  services: KObject[];
  /** Shard EndpointSlices (label multicluster.kubernetes.io/service-name). */
  slices: KObject[];
  /** TLS Secrets. */
  secrets: KObject[];
  /** Cluster objects (core.kubefed.io), for regions. */
  clusters: KObject[];
  /** The `kubefed-traffic` ConfigMap, if any. */
  settings?: KObject;
}

export interface Compiled {
  config: EdgeConfig;
  problems: Problem[];
  /** Ingresses the edge serves (namespace/name), whose status shows the global address. */
  served: KObject[];
  /** The global addresses from the settings. */
  globalAddresses: string[];
}

const refOf = (o: KObject): ObjectRef => ({ apiVersion: o.apiVersion ?? '', kind: o.kind ?? '', ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata?.name ?? '', ...(o.metadata?.uid ? { uid: o.metadata.uid } : {}) });
const nsName = (o: KObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

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

class BackendIndex {
  private readonly services = new Map<string, KObject>();
  private readonly slices = new Map<string, KObject[]>();
  private readonly regions = new Map<string, string>();
  private readonly built = new Map<string, Backend>();

  constructor(
    objs: TrafficObjects,
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

  /** The backend for a Service port (number or name) referenced from `from`; undefined with a problem when unusable. */
  backend(namespace: string, service: string, port: number | string | undefined, from: KObject): Backend | undefined {
    const key = `${namespace}/${service}:${port ?? ''}`;
    const cached = this.built.get(key);
    if (cached) return cached;
    const svc = this.services.get(`${namespace}/${service}`);
    if (!svc) {
      this.problems.push({ object: refOf(from), reason: 'BackendNotFound', message: `Service "${namespace}/${service}" does not exist at the federation; requests for it are answered 503` });
      return this.remember(key, { key, namespace, service, port: port ?? '', endpoints: [] });
    }
    const ports: any[] = svc.spec?.ports ?? [];
    const sp = typeof port === 'number' ? ports.find((p) => p.port === port) : port ? ports.find((p) => p.name === port) : ports.length === 1 ? ports[0] : undefined;
    if (!sp) {
      this.problems.push({ object: refOf(from), reason: 'PortNotFound', message: `Service "${namespace}/${service}" has no port ${port === undefined ? '(the Service has several; name one)' : JSON.stringify(port)}` });
      return this.remember(key, { key, namespace, service, port: port ?? '', endpoints: [] });
    }
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
    return this.remember(key, { key, namespace, service, port: port ?? sp.port, endpoints, ...(rate ? { maxRatePerEndpoint: rate } : {}), ...(health?.startsWith('/') ? { healthCheckPath: health } : {}), ...(tls ? { tls: true } : {}) });
  }

  private remember(key: string, b: Backend): Backend {
    this.built.set(key, b);
    return b;
  }
}

/** `service.port.number` or `.name` of an Ingress backend (v1 form; the server converts the legacy one). */
function ingressBackend(b: any): { service: string; port: number | string | undefined } | undefined {
  const s = b?.service;
  if (!s?.name) return undefined;
  return { service: s.name, port: s.port?.number ?? s.port?.name ?? undefined };
}

function checkCertificate(secret: KObject): { certPem: string; keyPem: string } | string {
  const data = secret.data ?? {};
  if (!data['tls.crt'] || !data['tls.key']) return 'has no tls.crt and tls.key';
  const certPem = Buffer.from(data['tls.crt'], 'base64').toString('utf8');
  const keyPem = Buffer.from(data['tls.key'], 'base64').toString('utf8');
  try {
    const cert = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    if (!cert.checkPrivateKey(key)) return 'tls.key does not match the certificate in tls.crt';
    if (Date.parse(cert.validTo) < Date.now()) return `the certificate expired on ${cert.validTo}`;
  } catch (e) {
    return `tls.crt/tls.key is not a valid PEM certificate and key: ${(e as Error).message}`;
  }
  return { certPem, keyPem };
}

/** Checks one CIDR (a.b.c.d/n or IPv6/n); returns an error text or undefined. */
export function cidrError(cidr: unknown): string | undefined {
  if (typeof cidr !== 'string') return 'must be a string like 10.0.0.0/8';
  const [ip, bits, extra] = cidr.split('/');
  const v = isIP(ip ?? '');
  if (!v || extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return `"${cidr}" is not a CIDR (address/prefix length)`;
  if (Number(bits) > (v === 4 ? 32 : 128)) return `"${cidr}": the prefix length is more than ${v === 4 ? 32 : 128}`;
  return undefined;
}

interface Settings {
  globalAddresses: string[];
  locations: LocationRange[];
  regions: Record<string, RegionInfo>;
  trustedProxies: string[];
}

/** The traffic settings ConfigMap; malformed entries are problems and left out. */
export function readSettings(cm: KObject | undefined, problems: Problem[]): Settings {
  const out: Settings = { globalAddresses: [], locations: [], regions: {}, trustedProxies: [] };
  if (!cm) return out;
  const data: Record<string, string> = cm.data ?? {};
  const bad = (key: string, message: string) => problems.push({ object: refOf(cm), reason: 'InvalidTrafficSettings', message: `data.${key}: ${message}` });
  const yaml = (key: string): unknown => {
    if (data[key] === undefined) return undefined;
    try {
      return parseYaml(data[key]);
    } catch (e) {
      bad(key, `not YAML: ${(e as Error).message}`);
      return undefined;
    }
  };
  const list = (key: string): unknown[] => {
    const v = yaml(key);
    if (v === undefined || v === null) return [];
    if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
    if (Array.isArray(v)) return v;
    bad(key, 'must be a list');
    return [];
  };
  for (const a of list('globalAddresses')) {
    if (typeof a === 'string' && a) out.globalAddresses.push(a);
    else bad('globalAddresses', `${JSON.stringify(a)} is not an address`);
  }
  list('locations').forEach((e: any, i) => {
    const err = cidrError(e?.cidr);
    if (err) return bad(`locations[${i}].cidr`, err);
    if (e.region !== undefined && typeof e.region !== 'string') return bad(`locations[${i}].region`, 'must be a string');
    if (e.zone !== undefined && typeof e.zone !== 'string') return bad(`locations[${i}].zone`, 'must be a string');
    if (!e.region && !e.zone) return bad(`locations[${i}]`, 'names neither a region nor a zone');
    out.locations.push({ cidr: e.cidr, location: { ...(e.region ? { region: e.region } : {}), ...(e.zone ? { zone: e.zone } : {}) } });
  });
  const regions = yaml('regions');
  if (regions !== undefined && regions !== null) {
    if (typeof regions !== 'object' || Array.isArray(regions)) bad('regions', 'must be a map of region name to {latitude, longitude}');
    else {
      for (const [name, r] of Object.entries(regions as Record<string, any>)) {
        const lat = Number(r?.latitude);
        const lon = Number(r?.longitude);
        if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) bad(`regions.${name}`, 'needs latitude (-90..90) and longitude (-180..180)');
        else out.regions[name] = { latitude: lat, longitude: lon };
      }
    }
  }
  for (const c of list('trustedProxies')) {
    const err = cidrError(c);
    if (err) bad('trustedProxies', err);
    else out.trustedProxies.push(c as string);
  }
  return out;
}

const age = (o: KObject) => `${o.metadata?.creationTimestamp ?? ''}|${nsName(o)}`;

/** Compiles everything into one EdgeConfig. */
export function compileTraffic(objs: TrafficObjects): Compiled {
  const problems: Problem[] = [];
  const settings = readSettings(objs.settings, problems);
  const backends = new BackendIndex(objs, problems);
  const config = emptyEdgeConfig();
  config.locations = settings.locations;
  config.regions = settings.regions;
  config.trustedProxies = settings.trustedProxies;
  const served = objs.ingresses.filter((i) => !i.metadata?.deletionTimestamp && servedByEdge(i, objs.ingressClasses)).sort((a, b) => age(a).localeCompare(age(b)));
  const secrets = new Map(objs.secrets.map((s) => [nsName(s), s]));
  const claimed = new Map<string, KObject>();
  const routes: { route: Route; order: string }[] = [];
  let defaultFrom: KObject | undefined;

  for (const ing of served) {
    const ns = ing.metadata?.namespace ?? '';
    const source = `Ingress ${ns}/${ing.metadata?.name}`;
    const def = ingressBackend(ing.spec?.defaultBackend);
    if (ing.spec?.defaultBackend && !def) problems.push({ object: refOf(ing), reason: 'UnsupportedBackend', message: 'spec.defaultBackend: only Service backends are supported' });
    if (def) {
      if (!defaultFrom) {
        defaultFrom = ing;
        const b = backends.backend(ns, def.service, def.port, ing);
        if (b) config.defaultBackend = b;
      } else problems.push({ object: refOf(ing), reason: 'DefaultBackendConflict', message: `spec.defaultBackend: the global default backend is already set by the older Ingress ${nsName(defaultFrom)}; this one is ignored` });
    }
    (ing.spec?.rules ?? []).forEach((rule: any, ri: number) => {
      const host: string = (rule.host ?? '').toLowerCase();
      (rule.http?.paths ?? []).forEach((p: any, pi: number) => {
        const where = `spec.rules[${ri}].http.paths[${pi}]`;
        const b = ingressBackend(p.backend);
        if (!b) return problems.push({ object: refOf(ing), reason: 'UnsupportedBackend', message: `${where}.backend: only Service backends are supported` });
        const type = p.pathType === 'Exact' ? 'Exact' : 'Prefix';
        const path: string = p.path || '/';
        const claim = `${host}|${type}|${path}`;
        const owner = claimed.get(claim);
        if (owner) return problems.push({ object: refOf(ing), reason: 'HostPathConflict', message: `${where}: host "${host || '*'}" path ${type} "${path}" is already routed by the older Ingress ${nsName(owner)}; this rule is ignored` });
        claimed.set(claim, ing);
        const backend = backends.backend(ns, b.service, b.port, ing);
        if (!backend) return;
        routes.push({ route: { hosts: host ? [host] : [], path: { type, value: path }, backends: [{ backend, weight: 1 }], source }, order: age(ing) });
      });
    });
    for (const [ti, t] of (ing.spec?.tls ?? []).entries()) {
      if (!t.secretName) continue;
      const s = secrets.get(`${ns}/${t.secretName}`);
      const secretRef = { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: t.secretName };
      if (!s) {
        problems.push({ object: refOf(ing), reason: 'TLSSecretNotFound', message: `spec.tls[${ti}]: Secret "${ns}/${t.secretName}" does not exist; HTTPS for ${(t.hosts ?? []).join(', ') || 'its hosts'} uses the default certificate` });
        continue;
      }
      const c = checkCertificate(s);
      if (typeof c === 'string') {
        problems.push({ object: refOf(ing), reason: 'InvalidCertificate', message: `spec.tls[${ti}]: Secret "${ns}/${t.secretName}" ${c}` });
        problems.push({ object: { ...secretRef, ...(s.metadata?.uid ? { uid: s.metadata.uid } : {}) }, reason: 'InvalidCertificate', message: `${c}; the Ingress ${nsName(ing)} cannot use it` });
        continue;
      }
      const cert: TlsCertificate = { hosts: (t.hosts ?? []).map((h: string) => h.toLowerCase()), ...c, source: `Secret ${ns}/${t.secretName}` };
      config.certificates.push(cert);
    }
  }
  config.routes = routes.sort((a, b) => compareRoutes(a.route, b.route) || a.order.localeCompare(b.order)).map((r) => r.route);
  return { config, problems, served, globalAddresses: settings.globalAddresses };
}
