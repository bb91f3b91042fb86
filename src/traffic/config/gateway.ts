/**
 * The Gateway API at the global edge: Gateways of a GatewayClass whose controllerName is
 * `kubefed.io/global-edge`, and the HTTPRoutes attached to them, compiled into the same routes
 * as Ingresses (so the same locality, capacity, health and retry rules apply), plus the status
 * the Gateway API asks of the controller (conditions of classes, Gateways, listeners and route
 * parents). The control plane's status controller only writes what this computes.
 *
 * What the edge implements, as the specification words it:
 * - listeners: HTTP on port 80 and HTTPS on port 443 (the edge's ports), hostname, TLS
 *   termination with certificateRefs to TLS Secrets (another namespace's with a ReferenceGrant),
 *   allowedRoutes (namespaces Same/All/Selector, kinds: HTTPRoute); Gateways are merged onto the
 *   edge's one set of addresses (the global addresses of the traffic settings);
 * - HTTPRoutes: parentRefs to Gateways (sectionName, port), hostnames intersected with the
 *   listeners', matches on path (Exact, PathPrefix, RegularExpression), headers (Exact,
 *   RegularExpression) and method, weighted backendRefs to Services (another namespace's with a
 *   ReferenceGrant), precedence across routes as the specification orders it.
 * - not implemented: query parameter matches and filters (a rule using them is dropped and the
 *   route reports PartiallyInvalid, or Accepted False if no rule is left), timeouts (served with
 *   the edge's own, with a warning), listener isolation, other route kinds and protocols.
 */
import { isIP } from 'node:net';
import { labelSelectorMatcher } from '../../apis/meta/labels.js';
import type { KObject } from '../../apis/object.js';
import { GATEWAY_GROUP, GLOBAL_GATEWAY_CONTROLLER } from '../../federation/crds/gateway-api-crds.js';
import type { HeaderMatch, PathMatch, Route, TlsCertificate, WeightedBackend } from '../model.js';
import { creationOrder, nsName, refOf, type BackendIndex, type Problem } from './backends.js';
import { checkCertificate } from './certificates.js';

/** The edge's ports: listeners elsewhere are not served. */
export const EDGE_HTTP_PORT = 80;
export const EDGE_HTTPS_PORT = 443;

/** Features of the GatewayClass status (names of the Gateway API's conformance features). */
export const SUPPORTED_FEATURES = ['Gateway', 'HTTPRoute', 'HTTPRouteMethodMatching', 'HTTPRouteParentRefPort', 'ReferenceGrant'];

/** What the Gateway API part of the compiler reads (all optional: the types may not be served). */
export interface GatewayObjects {
  gatewayClasses?: KObject[];
  gateways?: KObject[];
  httpRoutes?: KObject[];
  referenceGrants?: KObject[];
  /** Namespaces, for listeners that admit routes by namespace labels. */
  namespaces?: KObject[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration: number;
}

export interface RouteGroupKind {
  group: string;
  kind: string;
}

export interface GatewayClassStatus {
  object: KObject;
  conditions: Condition[];
  supportedFeatures: { name: string }[];
}

export interface ListenerStatus {
  name: string;
  supportedKinds: RouteGroupKind[];
  attachedRoutes: number;
  conditions: Condition[];
}

export interface GatewayStatus {
  object: KObject;
  addresses: { type: 'IPAddress' | 'Hostname'; value: string }[];
  conditions: Condition[];
  listeners: ListenerStatus[];
}

export interface RouteParentStatus {
  parentRef: Record<string, string | number>;
  controllerName: string;
  conditions: Condition[];
}

export interface HTTPRouteStatus {
  object: KObject;
  /** Our entries of status.parents, one per parentRef to a Gateway of ours (none: remove ours). */
  parents: RouteParentStatus[];
}

/** The status the Gateway API asks of the edge's controller. */
export interface GatewayApiStatus {
  gatewayClasses: GatewayClassStatus[];
  gateways: GatewayStatus[];
  httpRoutes: HTTPRouteStatus[];
}

export interface GatewayContext {
  backends: BackendIndex;
  problems: Problem[];
  /** TLS Secrets by namespace/name. */
  secrets: Map<string, KObject>;
  globalAddresses: string[];
}

export interface CompiledGateways {
  /** Routes with their tie-break order (older route, then rule and match order). */
  routes: { route: Route; order: string }[];
  certificates: TlsCertificate[];
  status: GatewayApiStatus;
}

const HTTP_ROUTE: RouteGroupKind = { group: GATEWAY_GROUP, kind: 'HTTPRoute' };

type Fail = { reason: string; message: string };
type Cond = (type: string, status: Condition['status'], reason: string, message: string) => Condition;
const conditionsAt =
  (o: KObject): Cond =>
  (type, status, reason, message) => ({ type, status, reason, message, observedGeneration: o.metadata?.generation ?? 0 });

/** Whether `host` (exact or `*.` wildcard) is covered by the wildcard `*.<suffix>` (any number of labels). */
function under(host: string, wildcard: string): boolean {
  const suffix = wildcard.slice(1);
  const h = host.startsWith('*.') ? host.slice(1) : host;
  return h.length > suffix.length && h.endsWith(suffix);
}

/**
 * The host names a route serves through a listener: the intersection of the listener's hostname
 * with the route's, as the specification defines it ('' stands for any host; [] no intersection).
 */
export function effectiveHostnames(listener: string | undefined, route: string[]): string[] {
  if (!route.length) return [listener ?? ''];
  if (!listener) return route;
  const out = new Set<string>();
  for (const h of route) {
    if (h === listener || (listener.startsWith('*.') && under(h, listener))) out.add(h);
    else if (h.startsWith('*.') && under(listener, h)) out.add(listener);
  }
  return [...out];
}

/** ReferenceGrants by the namespace they grant access to. */
class Grants {
  private readonly byNamespace = new Map<string, KObject[]>();

  constructor(grants: KObject[]) {
    for (const g of grants) {
      const ns = g.metadata?.namespace ?? '';
      this.byNamespace.set(ns, [...(this.byNamespace.get(ns) ?? []), g]);
    }
  }

  allows(from: { group: string; kind: string; namespace: string }, to: { group: string; kind: string; namespace: string; name: string }): boolean {
    return (this.byNamespace.get(to.namespace) ?? []).some(
      (g) =>
        (g.spec?.from ?? []).some((f: any) => (f.group ?? '') === from.group && f.kind === from.kind && f.namespace === from.namespace) &&
        (g.spec?.to ?? []).some((t: any) => (t.group ?? '') === to.group && t.kind === to.kind && (!t.name || t.name === to.name)),
    );
  }
}

interface Listener {
  name: string;
  hostname?: string;
  port: number;
  protocol: string;
  supportedKinds: RouteGroupKind[];
  /** Which route namespaces it admits. */
  admits: (namespace: string) => boolean;
  /** Why it is not accepted (undefined: accepted). */
  rejected?: Fail;
  conflict?: Fail;
  unresolved?: Fail;
  certificates: TlsCertificate[];
  /** Routes attached (namespace/name). */
  attached: Set<string>;
}

interface Gateway {
  object: KObject;
  listeners: Listener[];
  /** Why it is not accepted as a whole (undefined: accepted, maybe with some listeners not). */
  rejected?: Fail;
  /** Requested addresses the edge does not have. */
  unusable: string[];
}

/** Whether the edge serves a listener's routes (and certificates). */
const serves = (l: Listener, g: Gateway) => !g.rejected && !l.rejected && !l.conflict && (l.protocol === 'HTTP' || l.certificates.length > 0);

/** A rule of an HTTPRoute, compiled once for all its parents. */
interface Rule {
  index: number;
  matches: { path: PathMatch; headers: HeaderMatch[]; method?: string }[];
  backends: WeightedBackend[];
}

interface CompiledRules {
  rules: Rule[];
  dropped: string[];
  /** Why some backendRef cannot be resolved (first reason; every message). */
  unresolved?: Fail;
}

export function compileGateways(objs: GatewayObjects, ctx: GatewayContext): CompiledGateways {
  const out: CompiledGateways = { routes: [], certificates: [], status: { gatewayClasses: [], gateways: [], httpRoutes: [] } };
  const grants = new Grants(objs.referenceGrants ?? []);
  const namespaceLabels = new Map((objs.namespaces ?? []).map((n) => [n.metadata?.name ?? '', { ...(n.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': n.metadata?.name ?? '' }]));

  // Classes of the edge.
  const classes = new Map<string, Fail | undefined>();
  for (const gc of objs.gatewayClasses ?? []) {
    if (gc.spec?.controllerName !== GLOBAL_GATEWAY_CONTROLLER || gc.metadata?.deletionTimestamp) continue;
    const c = conditionsAt(gc);
    const p = gc.spec?.parametersRef;
    const fail = p ? { reason: 'InvalidParameters', message: `parametersRef ${p.kind} ${p.name}: the global edge takes no parameters` } : undefined;
    classes.set(gc.metadata!.name!, fail);
    out.status.gatewayClasses.push({
      object: gc,
      conditions: [fail ? c('Accepted', 'False', fail.reason, fail.message) : c('Accepted', 'True', 'Accepted', 'Gateways of this class are served by the global edge')],
      supportedFeatures: SUPPORTED_FEATURES.map((name) => ({ name })),
    });
  }

  // Gateways of those classes.
  const gateways = new Map<string, Gateway>();
  for (const gw of [...(objs.gateways ?? [])].sort(byAge)) {
    const cls = gw.spec?.gatewayClassName;
    if (!classes.has(cls) || gw.metadata?.deletionTimestamp) continue;
    const g = compileGateway(gw, classes.get(cls), ctx, grants, namespaceLabels);
    gateways.set(nsName(gw), g);
  }

  // Routes attached to them.
  for (const route of [...(objs.httpRoutes ?? [])].sort(byAge)) {
    if (route.metadata?.deletionTimestamp) continue;
    const ns = route.metadata?.namespace ?? '';
    const key = nsName(route);
    const hostnames: string[] = (route.spec?.hostnames ?? []).map((h: string) => h.toLowerCase());
    const c = conditionsAt(route);
    const parents: RouteParentStatus[] = [];
    const served = new Set<string>();
    let rules: CompiledRules | undefined;
    for (const ref of route.spec?.parentRefs ?? []) {
      const group = ref.group ?? GATEWAY_GROUP;
      const kind = ref.kind ?? 'Gateway';
      if (group !== GATEWAY_GROUP || kind !== 'Gateway') continue;
      const gw = gateways.get(`${ref.namespace ?? ns}/${ref.name}`);
      if (!gw) continue;
      rules ??= compileRules(route, ctx, grants);
      const gwName = nsName(gw.object);
      const conditions: Condition[] = [];
      const candidates = gw.listeners.filter((l) => (!ref.sectionName || l.name === ref.sectionName) && (ref.port === undefined || l.port === ref.port));
      const allowed = candidates.filter((l) => l.supportedKinds.some((k) => k.kind === HTTP_ROUTE.kind && k.group === HTTP_ROUTE.group) && l.admits(ns));
      const attached = allowed.map((l) => ({ l, hosts: effectiveHostnames(l.hostname, hostnames) })).filter((a) => a.hosts.length);
      if (!candidates.length) {
        const which = [ref.sectionName ? `named "${ref.sectionName}"` : '', ref.port !== undefined ? `on port ${ref.port}` : ''].filter(Boolean).join(' ');
        conditions.push(c('Accepted', 'False', 'NoMatchingParent', `Gateway ${gwName} has no listener ${which}`));
      } else if (!allowed.length) {
        conditions.push(c('Accepted', 'False', 'NotAllowedByListeners', `no listener of Gateway ${gwName} (${candidates.map((l) => l.name).join(', ')}) admits HTTPRoutes from namespace "${ns}"`));
      } else if (!attached.length) {
        conditions.push(c('Accepted', 'False', 'NoMatchingListenerHostname', `no hostname of the route intersects the hostnames of the listeners of Gateway ${gwName} (${allowed.map((l) => `${l.name}: ${l.hostname ?? '*'}`).join(', ')})`));
      } else if (!rules.rules.length) {
        for (const a of attached) a.l.attached.add(key);
        conditions.push(c('Accepted', 'False', 'UnsupportedValue', `no rule can be served: ${rules.dropped.join('; ')}`));
      } else {
        for (const a of attached) {
          a.l.attached.add(key);
          if (serves(a.l, gw)) for (const h of a.hosts) served.add(h);
        }
        conditions.push(c('Accepted', 'True', 'Accepted', `attached to listener${attached.length > 1 ? 's' : ''} ${attached.map((a) => a.l.name).join(', ')} of Gateway ${gwName}`));
        if (rules.dropped.length) conditions.push(c('PartiallyInvalid', 'True', 'UnsupportedValue', `Dropped Rule${rules.dropped.length > 1 ? 's' : ''}: ${rules.dropped.join('; ')}`));
      }
      conditions.push(rules.unresolved ? c('ResolvedRefs', 'False', rules.unresolved.reason, rules.unresolved.message) : c('ResolvedRefs', 'True', 'ResolvedRefs', 'all backendRefs are resolved'));
      const parentRef: Record<string, string | number> = { group, kind, ...(ref.namespace ? { namespace: ref.namespace } : {}), name: ref.name, ...(ref.sectionName ? { sectionName: ref.sectionName } : {}), ...(ref.port !== undefined ? { port: ref.port } : {}) };
      parents.push({ parentRef, controllerName: GLOBAL_GATEWAY_CONTROLLER, conditions });
    }
    if (parents.length || (route.status?.parents ?? []).some((p: any) => p.controllerName === GLOBAL_GATEWAY_CONTROLLER)) out.status.httpRoutes.push({ object: route, parents });
    if (!rules || !served.size) continue;
    const source = `HTTPRoute ${key}`;
    const pad = (n: number) => String(n).padStart(3, '0');
    for (const host of [...served].sort()) {
      for (const rule of rules.rules) {
        rule.matches.forEach((m, mi) => {
          const r: Route = { hosts: host ? [host] : [], path: m.path, ...(m.headers.length ? { headers: m.headers } : {}), ...(m.method ? { method: m.method } : {}), backends: rule.backends, source };
          out.routes.push({ route: r, order: `${creationOrder(route)}|${pad(rule.index)}|${pad(mi)}` });
        });
      }
    }
  }

  for (const g of gateways.values()) {
    out.status.gateways.push(gatewayStatus(g, ctx.globalAddresses));
    for (const l of g.listeners) if (serves(l, g)) out.certificates.push(...l.certificates);
  }
  return out;
}

const byAge = (a: KObject, b: KObject) => creationOrder(a).localeCompare(creationOrder(b));

function compileGateway(gw: KObject, classFail: Fail | undefined, ctx: GatewayContext, grants: Grants, namespaceLabels: Map<string, Record<string, string>>): Gateway {
  const ns = gw.metadata?.namespace ?? '';
  const listeners: Listener[] = (gw.spec?.listeners ?? []).map((spec: any): Listener => {
    const protocol: string = spec.protocol ?? '';
    const l: Listener = { name: spec.name, port: spec.port, protocol, supportedKinds: [], admits: () => false, certificates: [], attached: new Set() };
    if (spec.hostname) l.hostname = String(spec.hostname).toLowerCase();
    if (protocol !== 'HTTP' && protocol !== 'HTTPS') {
      l.rejected = { reason: 'UnsupportedProtocol', message: `protocol ${protocol} is not supported by the global edge (HTTP and HTTPS are)` };
      return l;
    }
    const edgePort = protocol === 'HTTP' ? EDGE_HTTP_PORT : EDGE_HTTPS_PORT;
    if (spec.port !== edgePort) l.rejected = { reason: 'PortUnavailable', message: `the global edge serves ${protocol} on port ${edgePort}, not ${spec.port}` };
    const kinds: any[] = spec.allowedRoutes?.kinds ?? [];
    const valid = kinds.filter((k) => (k.group ?? GATEWAY_GROUP) === GATEWAY_GROUP && k.kind === 'HTTPRoute');
    l.supportedKinds = !kinds.length || valid.length ? [HTTP_ROUTE] : [];
    if (valid.length < kinds.length) {
      const bad = kinds.filter((k) => !valid.includes(k)).map((k) => `${k.kind}${k.group ? `.${k.group}` : ''}`);
      l.unresolved = { reason: 'InvalidRouteKinds', message: `route kinds ${bad.join(', ')} are not supported (HTTPRoute is)` };
    }
    const from = spec.allowedRoutes?.namespaces?.from ?? 'Same';
    if (from === 'All') l.admits = () => true;
    else if (from === 'Selector') {
      const matches = labelSelectorMatcher(spec.allowedRoutes?.namespaces?.selector);
      l.admits = (n) => matches(namespaceLabels.get(n));
    } else l.admits = (n) => n === ns;
    if (protocol === 'HTTPS') listenerCertificates(gw, spec, l, ctx, grants);
    return l;
  });
  markConflicts(listeners.filter((l) => l.protocol === 'HTTP' || l.protocol === 'HTTPS'));
  const unsupported: string[] = [];
  const unusable: string[] = [];
  for (const a of gw.spec?.addresses ?? []) {
    const type = a.type ?? 'IPAddress';
    if (type !== 'IPAddress' && type !== 'Hostname') unsupported.push(`${type} ${a.value ?? ''}`.trim());
    else if (a.value && !ctx.globalAddresses.includes(a.value)) unusable.push(a.value);
  }
  const invalid = listeners.filter((l) => l.rejected || l.conflict).map((l) => `${l.name}: ${(l.rejected ?? l.conflict)!.message}`);
  let rejected: Fail | undefined;
  if (classFail) rejected = { reason: 'Invalid', message: `GatewayClass ${gw.spec.gatewayClassName} is not accepted: ${classFail.message}` };
  else if (unsupported.length) rejected = { reason: 'UnsupportedAddress', message: `address types other than IPAddress and Hostname are not supported: ${unsupported.join(', ')}` };
  else if (invalid.length === listeners.length) rejected = { reason: 'ListenersNotValid', message: `no listener can be served: ${invalid.join('; ') || 'there are none'}` };
  return { object: gw, listeners, ...(rejected ? { rejected } : {}), unusable };
}

/** HTTPS: the listener's certificateRefs, checked; the first problem is its ResolvedRefs reason. */
function listenerCertificates(gw: KObject, spec: any, l: Listener, ctx: GatewayContext, grants: Grants): void {
  const ns = gw.metadata?.namespace ?? '';
  if (spec.tls?.mode === 'Passthrough') {
    l.rejected ??= { reason: 'UnsupportedProtocol', message: 'HTTPS with TLS mode Passthrough is not supported (the edge terminates TLS)' };
    return;
  }
  const refs: any[] = spec.tls?.certificateRefs ?? [];
  const errors: Fail[] = [];
  if (!refs.length) errors.push({ reason: 'InvalidCertificateRef', message: 'an HTTPS listener needs tls.certificateRefs' });
  refs.forEach((r, i) => {
    const where = `tls.certificateRefs[${i}]`;
    const group = r.group ?? '';
    const kind = r.kind ?? 'Secret';
    const sns = r.namespace ?? ns;
    if (group !== '' || kind !== 'Secret') return errors.push({ reason: 'InvalidCertificateRef', message: `${where}: ${kind}${group ? `.${group}` : ''} is not supported (Secrets are)` });
    if (sns !== ns && !grants.allows({ group: GATEWAY_GROUP, kind: 'Gateway', namespace: ns }, { group: '', kind: 'Secret', namespace: sns, name: r.name })) {
      return errors.push({ reason: 'RefNotPermitted', message: `${where}: Secret "${sns}/${r.name}" is in another namespace and no ReferenceGrant there allows Gateways of "${ns}" to use it` });
    }
    const secret = ctx.secrets.get(`${sns}/${r.name}`);
    if (!secret) return errors.push({ reason: 'InvalidCertificateRef', message: `${where}: Secret "${sns}/${r.name}" does not exist or is not of type kubernetes.io/tls` });
    const cert = checkCertificate(secret);
    if (typeof cert === 'string') {
      ctx.problems.push({ object: refOf(secret), reason: 'InvalidCertificate', message: `${cert}; the Gateway ${nsName(gw)} cannot use it` });
      return errors.push({ reason: 'InvalidCertificateRef', message: `${where}: Secret "${sns}/${r.name}" ${cert}` });
    }
    l.certificates.push({ hosts: l.hostname ? [l.hostname] : [], ...cert, source: `Secret ${sns}/${r.name}` });
  });
  if (errors.length && !l.unresolved) l.unresolved = { reason: errors[0]!.reason, message: errors.map((e) => e.message).join('; ') };
}

/** Listeners sharing a port with another protocol, or port, protocol and hostname, are conflicted. */
function markConflicts(listeners: Listener[]): void {
  for (const l of listeners) {
    const others = listeners.filter((o) => o !== l && o.port === l.port);
    const proto = others.find((o) => o.protocol !== l.protocol);
    if (proto) l.conflict = { reason: 'ProtocolConflict', message: `listener ${proto.name} uses port ${l.port} with protocol ${proto.protocol}` };
    const host = others.find((o) => o.protocol === l.protocol && (o.hostname ?? '') === (l.hostname ?? ''));
    if (!proto && host) l.conflict = { reason: 'HostnameConflict', message: `listener ${host.name} has the same port, protocol and hostname (${l.hostname ?? 'none'})` };
  }
}

function gatewayStatus(g: Gateway, globalAddresses: string[]): GatewayStatus {
  const gw = g.object;
  const c = conditionsAt(gw);
  const invalid = g.listeners.filter((l) => l.rejected || l.conflict);
  let accepted: Condition;
  if (g.rejected) accepted = c('Accepted', 'False', g.rejected.reason, g.rejected.message);
  else if (invalid.length) accepted = c('Accepted', 'True', 'ListenersNotValid', `listeners not served: ${invalid.map((l) => `${l.name}: ${(l.rejected ?? l.conflict)!.message}`).join('; ')}`);
  else accepted = c('Accepted', 'True', 'Accepted', 'served by the global edge');
  let programmed: Condition;
  if (g.rejected) programmed = c('Programmed', 'False', 'Invalid', 'the Gateway is not accepted');
  else if (g.unusable.length) programmed = c('Programmed', 'False', 'AddressNotUsable', `the global edge has the addresses ${globalAddresses.join(', ') || '(none)'}; it cannot use ${g.unusable.join(', ')}`);
  else if (!globalAddresses.length) programmed = c('Programmed', 'False', 'AddressNotAssigned', 'the traffic settings (ConfigMap kubefed-traffic, globalAddresses) name no global address yet');
  else programmed = c('Programmed', 'True', 'Programmed', `served at ${globalAddresses.join(', ')}`);
  return {
    object: gw,
    addresses: programmed.status === 'True' ? globalAddresses.map((value) => ({ type: isIP(value) ? 'IPAddress' : 'Hostname', value })) : [],
    conditions: [accepted, programmed],
    listeners: g.listeners.map((l) => listenerStatus(l, g, c)),
  };
}

function listenerStatus(l: Listener, g: Gateway, c: Cond): ListenerStatus {
  const bad = l.rejected ?? l.conflict;
  const programmed = serves(l, g);
  return {
    name: l.name,
    supportedKinds: l.supportedKinds,
    attachedRoutes: l.attached.size,
    conditions: [
      bad ? c('Accepted', 'False', bad.reason, bad.message) : c('Accepted', 'True', 'Accepted', `${l.protocol} on port ${l.port}`),
      programmed ? c('Programmed', 'True', 'Programmed', 'served by the global edge') : c('Programmed', 'False', 'Invalid', bad?.message ?? (g.rejected ? 'the Gateway is not accepted' : (l.unresolved?.message ?? 'no usable certificate'))),
      l.unresolved ? c('ResolvedRefs', 'False', l.unresolved.reason, l.unresolved.message) : c('ResolvedRefs', 'True', 'ResolvedRefs', 'all references are resolved'),
      l.conflict ? c('Conflicted', 'True', l.conflict.reason, l.conflict.message) : c('Conflicted', 'False', 'NoConflicts', 'no conflicts'),
    ],
  };
}

const PATH_TYPES: Record<string, PathMatch['type']> = { Exact: 'Exact', PathPrefix: 'Prefix', RegularExpression: 'RegularExpression' };

const regexError = (expr: string): string | undefined => {
  try {
    new RegExp(`^(?:${expr})$`);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
};

/** A match as the edge takes it, or why it cannot. */
function compileMatch(m: any, where: string): Rule['matches'][number] | string {
  if (m.queryParams?.length) return `${where}.queryParams: query parameter matching is not supported by the global edge`;
  const type = PATH_TYPES[m.path?.type ?? 'PathPrefix'];
  const value: string = m.path?.value ?? '/';
  if (!type) return `${where}.path.type: ${m.path.type} is not a path match type`;
  if (type !== 'RegularExpression' && !value.startsWith('/')) return `${where}.path.value: "${value}" must start with /`;
  if (type === 'RegularExpression' && regexError(value)) return `${where}.path.value: not a regular expression: ${regexError(value)}`;
  const headers: HeaderMatch[] = [];
  for (const [hi, h] of (m.headers ?? []).entries()) {
    const name = String(h.name ?? '').toLowerCase();
    // Header names are case-insensitive; only the first match of a name counts.
    if (headers.some((x) => x.name === name)) continue;
    const htype = h.type ?? 'Exact';
    if (htype !== 'Exact' && htype !== 'RegularExpression') return `${where}.headers[${hi}].type: ${htype} is not a header match type`;
    if (htype === 'RegularExpression' && regexError(h.value)) return `${where}.headers[${hi}].value: not a regular expression: ${regexError(h.value)}`;
    headers.push({ name, type: htype, value: h.value });
  }
  return { path: { type, value }, headers, ...(m.method ? { method: String(m.method).toUpperCase() } : {}) };
}

/** The rules of an HTTPRoute: matches, weighted backends (resolved like Ingress backends), and what cannot be served. */
function compileRules(route: KObject, ctx: GatewayContext, grants: Grants): CompiledRules {
  const ns = route.metadata?.namespace ?? '';
  const out: CompiledRules = { rules: [], dropped: [] };
  const unresolved: Fail[] = [];
  const specRules: any[] = route.spec?.rules?.length ? route.spec.rules : [{}];
  specRules.forEach((rule, ri) => {
    const where = `spec.rules[${ri}]`;
    const backends: WeightedBackend[] = (rule.backendRefs ?? []).map((b: any, bi: number) => {
      const at = `${where}.backendRefs[${bi}]`;
      const fail = (reason: string, message: string) => {
        unresolved.push({ reason, message: `${at}: ${message}` });
        ctx.problems.push({ object: refOf(route), reason, message: `${at}: ${message}` });
      };
      const group = b.group ?? '';
      const kind = b.kind ?? 'Service';
      const bns = b.namespace ?? ns;
      const weight = typeof b.weight === 'number' ? b.weight : 1;
      const unusable = { key: `${bns}/${b.name}:${b.port ?? ''}`, namespace: bns, service: b.name, port: b.port ?? '', endpoints: [] };
      if (group !== '' || kind !== 'Service') {
        fail('InvalidKind', `${kind}${group ? `.${group}` : ''} is not a supported backend (Services are)`);
        return { backend: unusable, weight };
      }
      if (bns !== ns && !grants.allows({ group: GATEWAY_GROUP, kind: 'HTTPRoute', namespace: ns }, { group: '', kind: 'Service', namespace: bns, name: b.name })) {
        fail('RefNotPermitted', `Service "${bns}/${b.name}" is in another namespace and no ReferenceGrant there allows HTTPRoutes of "${ns}" to refer to it`);
        return { backend: unusable, weight };
      }
      if (typeof b.port !== 'number') {
        fail('BackendNotFound', `a Service backendRef needs a port`);
        return { backend: unusable, weight };
      }
      const r = ctx.backends.resolve(bns, b.name, b.port);
      if (r.error) {
        unresolved.push({ reason: 'BackendNotFound', message: `${at}: ${r.error.message}` });
        ctx.backends.backend(bns, b.name, b.port, route);
      }
      return { backend: r.backend, weight };
    });
    const unsupported: string[] = [];
    const filterTypes = [...(rule.filters ?? []), ...(rule.backendRefs ?? []).flatMap((b: any) => b.filters ?? [])].map((f: any) => f.type);
    if (filterTypes.length) unsupported.push(`filters (${[...new Set(filterTypes)].join(', ')}) are not supported by the global edge`);
    if (rule.timeouts) ctx.problems.push({ object: refOf(route), reason: 'UnsupportedValue', message: `${where}.timeouts: not applied; the global edge's own timeouts apply` });
    const matches: Rule['matches'] = [];
    const specMatches: any[] = rule.matches?.length ? rule.matches : [{}];
    specMatches.forEach((m, mi) => {
      const cm = compileMatch(m, `matches[${mi}]`);
      if (typeof cm === 'string') unsupported.push(cm);
      else matches.push(cm);
    });
    if (unsupported.length) {
      const text = `${where}${rule.name ? ` (${rule.name})` : ''}: ${unsupported.join('; ')}`;
      out.dropped.push(text);
      ctx.problems.push({ object: refOf(route), reason: 'UnsupportedValue', message: `rule dropped: ${text}` });
      return;
    }
    out.rules.push({ index: ri, matches, backends });
  });
  if (unresolved.length) out.unresolved = { reason: unresolved[0]!.reason, message: unresolved.map((u) => u.message).join('; ') };
  return out;
}
