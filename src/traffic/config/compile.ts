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
import { parse as parseYaml } from 'yaml';
import type { KObject } from '../../apis/object.js';
import { emptyEdgeConfig, type EdgeConfig, type LocationRange, type RegionInfo, type Route, type TlsCertificate } from '../model.js';
import { servedByEdge } from '../ingress-class.js';
import { parseCidr } from '../locality/locate.js';
import { BackendIndex, creationOrder, nsName, refOf, type Problem } from './backends.js';
import { checkCertificate } from './certificates.js';
import { compileGateways, type GatewayApiStatus, type GatewayObjects } from './gateway.js';
import { compareRoutes } from './precedence.js';

export { HEALTH_PATH_ANNOTATION, MAX_RATE_ANNOTATIONS, type ObjectRef, type Problem } from './backends.js';
/** The traffic settings: ConfigMap `kubefed-traffic` in the federation's namespace. */
export const TRAFFIC_CONFIG_MAP = 'kubefed-traffic';

/** What the compiler reads (all from the federation API; the Gateway API kinds when served). */
export interface TrafficObjects extends GatewayObjects {
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
  /** Status of the Gateway API objects the edge serves, for the control plane to write. */
  gatewayApi: GatewayApiStatus;
}

/** `service.port.number` or `.name` of an Ingress backend (v1 form; the server converts the legacy one). */
function ingressBackend(b: any): { service: string; port: number | string | undefined } | undefined {
  const s = b?.service;
  if (!s?.name) return undefined;
  return { service: s.name, port: s.port?.number ?? s.port?.name ?? undefined };
}

/** Checks one CIDR (a.b.c.d/n or IPv6/n) as the edge's locator reads it; an error text or undefined. */
export function cidrError(cidr: unknown): string | undefined {
  if (typeof cidr !== 'string') return 'must be a string like 10.0.0.0/8';
  const c = parseCidr(cidr);
  return typeof c === 'string' ? c : undefined;
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

/** Compiles everything into one EdgeConfig. */
export function compileTraffic(objs: TrafficObjects): Compiled {
  const problems: Problem[] = [];
  const settings = readSettings(objs.settings, problems);
  const backends = new BackendIndex(objs, problems);
  const config = emptyEdgeConfig();
  config.locations = settings.locations;
  config.regions = settings.regions;
  config.trustedProxies = settings.trustedProxies;
  const served = objs.ingresses.filter((i) => !i.metadata?.deletionTimestamp && servedByEdge(i, objs.ingressClasses)).sort((a, b) => creationOrder(a).localeCompare(creationOrder(b)));
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
        config.defaultBackend = backends.backend(ns, def.service, def.port, ing);
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
        routes.push({ route: { hosts: host ? [host] : [], path: { type, value: path }, backends: [{ backend, weight: 1 }], source }, order: creationOrder(ing) });
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
  const gateways = compileGateways(objs, { backends, problems, secrets, globalAddresses: settings.globalAddresses });
  routes.push(...gateways.routes);
  config.certificates.push(...gateways.certificates);
  config.routes = routes.sort((a, b) => compareRoutes(a.route, b.route) || a.order.localeCompare(b.order)).map((r) => r.route);
  return { config, problems, served, globalAddresses: settings.globalAddresses, gatewayApi: gateways.status };
}
