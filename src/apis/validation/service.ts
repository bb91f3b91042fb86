/**
 * Validation of the non-workload built-in kinds, after Kubernetes 1.33: core/v1 Service,
 * Endpoints, Namespace, ConfigMap, Secret, ServiceAccount, Node and Event (pkg/apis/core/
 * validation), discovery.k8s.io EndpointSlice, coordination.k8s.io Lease, networking.k8s.io
 * Ingress and IngressClass, and rbac.authorization.k8s.io roles and bindings.
 */
import type { KObject } from '../object.js';
import { deepClone, deepEqual, isPlainObject } from '../object.js';
import { FieldPath, duplicate, forbidden, invalid, notSupported, required, tooLong, tooMany, type FieldError } from './field.js';
import {
  byteLength,
  isCIDR,
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isDomainPrefixedPath,
  isFullyQualifiedDomainName,
  isIP,
  isIPv4,
  isIPv6,
  isQualifiedName,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPortName,
  isValidPortNum,
  isWildcardDNS1123Subdomain,
  parseCIDR,
  parseIP,
  type NameRule,
} from './names.js';
import { labelSelectorConvertible, validateLabelSelector } from '../meta/labels.js';
import {
  validateFinalizers,
  validateImmutable,
  validateKubeFinalizerName,
  validateLabelName,
  validateLabels,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './objectmeta.js';
import { validateResourceQuantityValue, validateTaintEffect } from './pod.js';

type Obj = Record<string, any>;
const obj = (v: unknown): Obj => (isPlainObject(v) ? v : {});
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const P = (name: string) => FieldPath.root(name);
const SPEC = P('spec');
const META = P('metadata');

const meta = (o: KObject, namespaced: boolean, nameRule: NameRule, kubeFinalizers = true) =>
  validateObjectMeta(o.metadata ?? {}, { namespaced, nameRule, kubeFinalizers });
const metaUpdate = (o: KObject, old: KObject, kubeFinalizers = true) =>
  validateObjectMetaUpdate(o.metadata ?? {}, old.metadata ?? {}, undefined, { kubeFinalizers });

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_SECRET_SIZE = 1024 * 1024;
const KUBELET_PORT = 10250;

function validateProtocol(protocol: unknown, path: FieldPath): FieldError[] {
  if (!protocol) return [required(path, '')];
  return PROTOCOLS.includes(protocol as string) ? [] : [notSupported(path, protocol, PROTOCOLS)];
}

function validatePortNumOrName(port: unknown, path: FieldPath): FieldError[] {
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalid(path, port, m));
  const n = typeof port === 'number' ? port : 0;
  return isValidPortNum(n).map((m) => invalid(path, n, m));
}

/**
 * ValidateNonSpecialIP: no unspecified or link-local addresses (Endpoints, externalIPs).
 * Deliberate difference from Kubernetes: loopback addresses are allowed, because simulated
 * clusters give pods and load balancers distinct 127.x.y.z addresses (docs/api-compatibility.md).
 */
export function validateNonSpecialIP(ip: string, path: FieldPath): FieldError[] {
  const b = parseIP(ip);
  if (!b) return [invalid(path, ip, 'must be a valid IP address')];
  const errs: FieldError[] = [];
  const v4 = b.length === 4 ? b : b.slice(0, 10).every((x) => x === 0) && b[10] === 255 && b[11] === 255 ? b.slice(12) : undefined;
  const unspecified = v4 ? v4.every((x) => x === 0) : b.every((x) => x === 0);
  const linkLocalUnicast = v4 ? v4[0] === 169 && v4[1] === 254 : b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
  const linkLocalMulticast = v4 ? v4[0] === 224 && v4[1] === 0 && v4[2] === 0 : b[0] === 0xff && (b[1]! & 0x0f) === 0x02;
  if (unspecified) errs.push(invalid(path, ip, `may not be unspecified (${ip})`));
  if (linkLocalUnicast) errs.push(invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'));
  if (linkLocalMulticast) errs.push(invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'));
  return errs;
}

const ipErrors = (ip: string, path: FieldPath) => isIP(ip).map((m) => invalid(path, ip, m));
const cidrErrors = (cidr: string, path: FieldPath) => isCIDR(cidr).map((m) => invalid(path, cidr, m));

// --- Service -------------------------------------------------------------------------------------

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const SESSION_AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];
const IP_FAMILIES = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['PreferDualStack', 'RequireDualStack', 'SingleStack'];
const MAX_CLIENT_IP_AFFINITY_SECONDS = 86400;

const isHeadless = (spec: Obj) => arr(spec.clusterIPs).length === 1 && spec.clusterIPs[0] === 'None';
const externallyAccessible = (spec: Obj) =>
  spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && arr(spec.externalIPs).length > 0);
const needsHealthCheck = (spec: Obj) => spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';

/**
 * The registry's normalizeClusterIPs: clients that only set spec.clusterIP get spec.clusterIPs
 * to match, on create and when clusterIP alone changes on update. Mutates `svc`.
 */
export function normalizeClusterIPs(svc: KObject, old?: KObject): void {
  const spec = (svc.spec ??= {});
  const ips = arr(spec.clusterIPs);
  if (!old) {
    if (spec.clusterIP && ips.length === 0) spec.clusterIPs = [spec.clusterIP];
    return;
  }
  const os = obj(old.spec);
  if (arr(os.clusterIPs).length > 0 && ips.length === 0 && (os.clusterIP ?? '') === (spec.clusterIP ?? '')) spec.clusterIPs = os.clusterIPs;
  if ((os.clusterIP ?? '') !== (spec.clusterIP ?? '')) {
    const same = deepEqual(arr(os.clusterIPs), arr(spec.clusterIPs));
    if (os.clusterIP && !spec.clusterIP) {
      if (same) delete spec.clusterIPs;
    } else if (same) spec.clusterIPs = [spec.clusterIP];
  }
}

function validateServicePort(sp: Obj, requireName: boolean, names: Set<string>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !sp.name) errs.push(required(path.child('name'), ''));
  else if (sp.name) {
    errs.push(...isDNS1123Label(sp.name).map((m) => invalid(path.child('name'), sp.name, m)));
    if (names.has(sp.name)) errs.push(duplicate(path.child('name'), sp.name));
    else names.add(sp.name);
  }
  errs.push(...isValidPortNum(sp.port ?? 0).map((m) => invalid(path.child('port'), sp.port ?? 0, m)));
  errs.push(...validateProtocol(sp.protocol, path.child('protocol')));
  errs.push(...validatePortNumOrName(sp.targetPort, path.child('targetPort')));
  if (typeof sp.appProtocol === 'string') errs.push(...isQualifiedName(sp.appProtocol).map((m) => invalid(path.child('appProtocol'), sp.appProtocol, m)));
  return errs;
}

/** ValidateServiceClusterIPsRelatedFields. */
function validateClusterIPsRelated(spec: Obj): FieldError[] {
  if (spec.type === 'ExternalName') return [];
  const errs: FieldError[] = [];
  const ipsPath = SPEC.child('clusterIPs');
  const ips: string[] = arr(spec.clusterIPs);
  if (spec.clusterIP) {
    if (ips.length === 0) errs.push(required(ipsPath, ''));
    else if (ips[0] !== spec.clusterIP) errs.push(invalid(ipsPath, ips, 'first value must match `clusterIP`'));
  } else if (ips.length !== 0) errs.push(invalid(ipsPath, ips, 'must be empty when `clusterIP` is not specified'));
  const seen = new Set<string>();
  arr(spec.ipFamilies).forEach((f, i) => {
    const fp = SPEC.child('ipFamilies').index(i);
    if (!IP_FAMILIES.includes(f)) errs.push(notSupported(fp, f, IP_FAMILIES));
    if (seen.has(f)) errs.push(duplicate(fp, f));
    seen.add(f);
  });
  if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null && !IP_FAMILY_POLICIES.includes(spec.ipFamilyPolicy)) {
    errs.push(notSupported(SPEC.child('ipFamilyPolicy'), spec.ipFamilyPolicy, IP_FAMILY_POLICIES));
  }
  let badIPs = false;
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) {
        badIPs = true;
        errs.push(invalid(ipsPath, ips, "'None' must be the first and only value"));
      }
      return;
    }
    const e = ipErrors(ip, ipsPath.index(i));
    if (e.length) badIPs = true;
    errs.push(...e);
  });
  if (ips.length > 2) errs.push(invalid(ipsPath, ips, 'may only hold up to 2 values'));
  if (badIPs) return errs;
  if (ips.length > 1 && !(ips.length === 2 && isIPv4(ips[0]!) !== isIPv4(ips[1]!))) {
    errs.push(invalid(ipsPath, ips, 'may specify no more than one IP for each IP family'));
  }
  const families = arr(spec.ipFamilies);
  if (!isHeadless(spec)) {
    ips.forEach((ip, i) => {
      if (i >= families.length) return;
      if (families[i] === 'IPv4' && isIPv6(ip)) errs.push(invalid(ipsPath.index(i), ip, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (families[i] === 'IPv6' && !isIPv6(ip)) errs.push(invalid(ipsPath.index(i), ip, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
  }
  return errs;
}

function validateLoadBalancerClass(spec: Obj, oldSpec?: Obj): FieldError[] {
  const p = SPEC.child('loadBalancerClass');
  const errs: FieldError[] = [];
  const cls = spec.loadBalancerClass;
  if (oldSpec && oldSpec.type === 'LoadBalancer' && spec.type === 'LoadBalancer' && (oldSpec.loadBalancerClass ?? null) !== (cls ?? null)) {
    errs.push(invalid(p, cls ?? null, 'may not change once set'));
  }
  if (spec.type === 'LoadBalancer') {
    if (typeof cls === 'string') errs.push(...isQualifiedName(cls).map((m) => invalid(p, cls, m)));
  } else if (cls !== undefined && cls !== null) errs.push(forbidden(p, "may only be used when `type` is 'LoadBalancer'"));
  return errs;
}

function validateServiceSpec(spec: Obj, annotations: Record<string, string>): FieldError[] {
  const errs: FieldError[] = [];
  const portsPath = SPEC.child('ports');
  const ports = arr(spec.ports).map(obj);
  const headless = isHeadless(spec);
  if (ports.length === 0 && !headless && spec.type !== 'ExternalName') errs.push(required(portsPath, ''));
  switch (spec.type) {
    case 'LoadBalancer':
      ports.forEach((p, i) => {
        if (p.port === KUBELET_PORT) errs.push(invalid(portsPath.index(i), p.port, `may not expose port ${KUBELET_PORT} externally since it is used by kubelet`));
      });
      if (headless) errs.push(invalid(SPEC.child('clusterIPs').index(0), 'None', "may not be set to 'None' for LoadBalancer services"));
      break;
    case 'NodePort':
      if (headless) errs.push(invalid(SPEC.child('clusterIPs').index(0), 'None', "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if (arr(spec.clusterIPs).length > 0) errs.push(forbidden(SPEC.child('clusterIPs'), 'may not be set for ExternalName services'));
      if (arr(spec.ipFamilies).length > 0) errs.push(forbidden(SPEC.child('ipFamilies'), 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) errs.push(forbidden(SPEC.child('ipFamilyPolicy'), 'may not be set for ExternalName services'));
      // A CNAME may end in a dot.
      const cname = String(spec.externalName ?? '').replace(/\.$/, '');
      if (cname) errs.push(...isDNS1123Subdomain(cname).map((m) => invalid(SPEC.child('externalName'), cname, m)));
      else errs.push(required(SPEC.child('externalName'), ''));
      break;
    }
  }
  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, portsPath.index(i))));
  if (spec.selector) errs.push(...validateLabels(spec.selector, SPEC.child('selector')));
  const sa = SPEC.child('sessionAffinity');
  if (!spec.sessionAffinity) errs.push(required(sa, ''));
  else if (!SESSION_AFFINITIES.includes(spec.sessionAffinity)) errs.push(notSupported(sa, spec.sessionAffinity, SESSION_AFFINITIES));
  const sac = SPEC.child('sessionAffinityConfig');
  if (spec.sessionAffinity === 'ClientIP') {
    const msg = 'when session affinity type is ClientIP';
    const cfg = spec.sessionAffinityConfig;
    if (!cfg) errs.push(required(sac, msg));
    else if (!cfg.clientIP) errs.push(required(sac.child('clientIP'), msg));
    else if (cfg.clientIP.timeoutSeconds === undefined || cfg.clientIP.timeoutSeconds === null) errs.push(required(sac.child('clientIP', 'timeoutSeconds'), msg));
    else {
      const t = cfg.clientIP.timeoutSeconds;
      if (t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS) {
        errs.push(invalid(sac.child('clientIP', 'timeoutSeconds'), t, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`));
      }
    }
  } else if (spec.sessionAffinity === 'None' && spec.sessionAffinityConfig) {
    errs.push(forbidden(sac, 'must not be set when session affinity is None'));
  }
  errs.push(...validateClusterIPsRelated(spec));
  arr(spec.externalIPs).forEach((ip, i) => {
    const p = SPEC.child('externalIPs').index(i);
    const e = ipErrors(ip, p);
    errs.push(...(e.length ? e : validateNonSpecialIP(ip, p)));
  });
  const tp = SPEC.child('type');
  if (!spec.type) errs.push(required(tp, ''));
  else if (!SERVICE_TYPES.includes(spec.type)) errs.push(notSupported(tp, spec.type, SERVICE_TYPES));
  if (spec.type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p.nodePort) errs.push(forbidden(portsPath.index(i).child('nodePort'), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  const portKeys = new Set<string>();
  ports.forEach((p, i) => {
    if (p.nodePort) {
      const k = `${p.protocol}/${p.nodePort}`;
      if (nodePorts.has(k)) errs.push(duplicate(portsPath.index(i).child('nodePort'), p.nodePort));
      nodePorts.add(k);
    }
    const k = `${p.protocol}/${p.port}`;
    if (portKeys.has(k)) errs.push(duplicate(portsPath.index(i), { protocol: p.protocol, port: p.port }));
    portKeys.add(k);
  });
  const ranges = arr(spec.loadBalancerSourceRanges);
  const annKey = 'service.beta.kubernetes.io/load-balancer-source-ranges';
  if (ranges.length > 0) {
    const rp = SPEC.child('LoadBalancerSourceRanges'); // sic: Kubernetes capitalizes this path
    if (spec.type !== 'LoadBalancer') errs.push(forbidden(rp, "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => errs.push(...cidrErrors(String(r).trim(), rp.index(i))));
  } else if (annKey in annotations) {
    const ap = META.child('annotations').key(annKey);
    if (spec.type !== 'LoadBalancer') errs.push(forbidden(ap, "may only be used when `type` is 'LoadBalancer'"));
    const val = annotations[annKey]!.trim();
    if (val) for (const c of val.split(',')) errs.push(...cidrErrors(c.trim(), ap));
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null && spec.type !== 'LoadBalancer') {
    errs.push(forbidden(SPEC.child('allocateLoadBalancerNodePorts'), "may only be used when `type` is 'LoadBalancer'"));
  }
  if (spec.type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)) {
    errs.push(required(P('allocateLoadBalancerNodePorts'), '')); // sic: no `spec.` in Kubernetes
  }
  errs.push(...validateLoadBalancerClass(spec));
  const etp = SPEC.child('externalTrafficPolicy');
  if (!externallyAccessible(spec)) {
    if (spec.externalTrafficPolicy) errs.push(invalid(etp, spec.externalTrafficPolicy, 'may only be set for externally-accessible services'));
  } else if (!spec.externalTrafficPolicy) errs.push(required(etp, ''));
  else if (!TRAFFIC_POLICIES.includes(spec.externalTrafficPolicy)) errs.push(notSupported(etp, spec.externalTrafficPolicy, TRAFFIC_POLICIES));
  const hc = SPEC.child('healthCheckNodePort');
  if (!needsHealthCheck(spec)) {
    if (spec.healthCheckNodePort) errs.push(invalid(hc, spec.healthCheckNodePort, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  } else if (spec.healthCheckNodePort) {
    errs.push(...isValidPortNum(spec.healthCheckNodePort).map((m) => invalid(hc, spec.healthCheckNodePort, m)));
  }
  const itp = SPEC.child('internalTrafficPolicy');
  if (spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null) {
    if (['NodePort', 'LoadBalancer', 'ClusterIP'].includes(spec.type)) errs.push(required(itp, ''));
  } else if (!TRAFFIC_POLICIES.includes(spec.internalTrafficPolicy)) errs.push(notSupported(itp, spec.internalTrafficPolicy, TRAFFIC_POLICIES));
  if (spec.trafficDistribution !== undefined && spec.trafficDistribution !== null && spec.trafficDistribution !== 'PreferClose') {
    errs.push(notSupported(SPEC.child('trafficDistribution'), spec.trafficDistribution, ['PreferClose']));
  }
  return errs;
}

function serviceErrors(svc: KObject): FieldError[] {
  const errs = meta(svc, true, 'dns1035-label');
  const ann: Record<string, string> = svc.metadata?.annotations ?? {};
  const modeKey = 'service.kubernetes.io/topology-mode';
  const hintsKey = 'service.kubernetes.io/topology-aware-hints';
  if (modeKey in ann && hintsKey in ann && ann[modeKey] !== ann[hintsKey]) {
    errs.push(invalid(META.child('annotations').key(modeKey), ann[modeKey], `must match annotations[${hintsKey}] when both are specified`));
  }
  return [...errs, ...validateServiceSpec(obj(svc.spec), ann)];
}

/**
 * ValidateService. Service names are DNS-1035 labels. spec.clusterIPs is normalized from
 * spec.clusterIP first (on a copy), as the registry does before validating.
 */
export function validateService(svc: KObject): FieldError[] {
  const s = deepClone(svc);
  normalizeClusterIPs(s);
  return serviceErrors(s);
}

function validateUpgradeDowngradeClusterIPs(spec: Obj, os: Obj): FieldError[] {
  if (spec.type === 'ExternalName' || os.type === 'ExternalName') return [];
  if (isHeadless(spec) && isHeadless(os)) return [];
  const ips = arr(spec.clusterIPs);
  const oldIPs = arr(os.clusterIPs);
  const p = SPEC.child('clusterIPs');
  const errs: FieldError[] = [];
  if (oldIPs.length === ips.length) {
    oldIPs.forEach((ip, i) => {
      if (ip !== ips[i]) errs.push(invalid(p.index(i), ips, 'may not change once set'));
    });
  } else if (oldIPs.length > ips.length) {
    if (ips.length === 0) errs.push(invalid(p.index(0), ips, 'primary clusterIP can not be unset'));
    if (oldIPs.length > 0 && ips.length > 0 && ips[0] !== oldIPs[0]) errs.push(invalid(p.index(0), ips, 'may not change once set'));
    if (ips.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid(SPEC.child('ipFamilyPolicy'), spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary clusterIP"));
    }
  } else if (oldIPs.length > 0 && ips[0] !== oldIPs[0]) errs.push(invalid(p.index(0), ips, 'may not change once set'));
  return errs;
}

function validateUpgradeDowngradeIPFamilies(spec: Obj, os: Obj): FieldError[] {
  if (spec.type === 'ExternalName' || os.type === 'ExternalName') return [];
  if (isHeadless(spec) !== isHeadless(os) || isHeadless(spec)) return [];
  const fams = arr(spec.ipFamilies);
  const oldFams = arr(os.ipFamilies);
  const p = SPEC.child('ipFamilies').index(0);
  const errs: FieldError[] = [];
  if (oldFams.length === fams.length) {
    oldFams.forEach((f, i) => {
      if (f !== fams[i]) errs.push(invalid(p, fams, 'may not change once set'));
    });
  } else if (oldFams.length > fams.length) {
    if (arr(spec.clusterIPs).length === 0) errs.push(invalid(p, fams, 'primary ipFamily can not be unset'));
    if (fams.length > 0 && fams[0] !== oldFams[0]) errs.push(invalid(p, arr(spec.clusterIPs), 'may not change once set'));
    if (fams.length === 1 && spec.ipFamilyPolicy !== 'SingleStack') {
      errs.push(invalid(SPEC.child('ipFamilyPolicy'), spec.ipFamilyPolicy ?? null, "must be set to 'SingleStack' when releasing the secondary ipFamily"));
    }
  } else if (oldFams.length > 0 && fams.length > 0 && fams[0] !== oldFams[0]) errs.push(invalid(p, arr(spec.clusterIPs), 'may not change once set'));
  return errs;
}

/** ValidateServiceUpdate: cluster IPs and IP families keep their primary value (unless ExternalName is involved). */
export function validateServiceUpdate(svc: KObject, old: KObject): FieldError[] {
  const s = deepClone(svc);
  normalizeClusterIPs(s, old);
  const spec = obj(s.spec);
  const os = obj(old.spec);
  const errs = [
    ...metaUpdate(s, old),
    ...validateUpgradeDowngradeClusterIPs(spec, os),
    ...validateUpgradeDowngradeIPFamilies(spec, os),
    ...validateLoadBalancerClass(spec, os).filter((e) => e.detail === 'may not change once set'),
  ];
  if (needsHealthCheck(os) && needsHealthCheck(spec) && spec.healthCheckNodePort !== os.healthCheckNodePort) {
    errs.push(forbidden(SPEC.child('healthCheckNodePort'), 'field is immutable'));
  }
  return [...errs, ...serviceErrors(s)];
}

function validateLoadBalancerIngress(ingress: unknown, path: FieldPath, ipModes: boolean): FieldError[] {
  const errs: FieldError[] = [];
  arr(ingress).forEach((ing: Obj, i) => {
    const ip = path.index(i);
    if (ing?.ip) errs.push(...ipErrors(ing.ip, ip.child('ip')));
    if (ipModes) {
      if (!ing?.ipMode) {
        if (ing?.ip) errs.push(required(ip.child('ipMode'), 'must be specified when `ip` is set'));
      } else if (!['Proxy', 'VIP'].includes(ing.ipMode)) errs.push(notSupported(ip.child('ipMode'), ing.ipMode, ['Proxy', 'VIP']));
    }
    if (ing?.hostname) {
      errs.push(...isDNS1123Subdomain(ing.hostname).map((m) => invalid(ip.child('hostname'), ing.hostname, m)));
      if (parseIP(ing.hostname)) errs.push(invalid(ip.child('hostname'), ing.hostname, 'must be a DNS name, not an IP address'));
    }
  });
  return errs;
}

export function validateServiceStatusUpdate(svc: KObject, old: KObject): FieldError[] {
  const ingress = arr(svc.status?.loadBalancer?.ingress);
  const path = P('status').child('loadBalancer', 'ingress');
  const errs = metaUpdate(svc, old);
  if (svc.spec?.type !== 'LoadBalancer' && ingress.length > 0) errs.push(forbidden(path, "may only be used when `spec.type` is 'LoadBalancer'"));
  else errs.push(...validateLoadBalancerIngress(ingress, path, true));
  return errs;
}

// --- Endpoints and EndpointSlices ----------------------------------------------------------------

function validateEndpointAddress(a: Obj, path: FieldPath): FieldError[] {
  const errs = ipErrors(a.ip ?? '', path.child('ip'));
  if (a.hostname) errs.push(...isDNS1123Label(a.hostname).map((m) => invalid(path.child('hostname'), a.hostname, m)));
  if (typeof a.nodeName === 'string') errs.push(...isDNS1123Subdomain(a.nodeName).map((m) => invalid(path.child('nodeName'), a.nodeName, m)));
  return [...errs, ...validateNonSpecialIP(a.ip ?? '', path.child('ip'))];
}

function validateEndpointPort(port: Obj, requireName: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (requireName && !port.name) errs.push(required(path.child('name'), ''));
  else if (port.name) errs.push(...isDNS1123Label(port.name).map((m) => invalid(path.child('name'), port.name, m)));
  errs.push(...isValidPortNum(port.port ?? 0).map((m) => invalid(path.child('port'), port.port ?? 0, m)));
  errs.push(...validateProtocol(port.protocol, path.child('protocol')));
  if (typeof port.appProtocol === 'string') errs.push(...isQualifiedName(port.appProtocol).map((m) => invalid(path.child('appProtocol'), port.appProtocol, m)));
  return errs;
}

export function validateEndpoints(ep: KObject): FieldError[] {
  const errs = meta(ep, true, 'dns1123-subdomain');
  arr(ep.subsets).forEach((ss: Obj, i) => {
    const sp = P('subsets').index(i);
    if (arr(ss?.addresses).length === 0 && arr(ss?.notReadyAddresses).length === 0) {
      errs.push(required(sp, 'must specify `addresses` or `notReadyAddresses`'));
    }
    arr(ss?.addresses).forEach((a, j) => errs.push(...validateEndpointAddress(obj(a), sp.child('addresses').index(j))));
    arr(ss?.notReadyAddresses).forEach((a, j) => errs.push(...validateEndpointAddress(obj(a), sp.child('notReadyAddresses').index(j))));
    const ports = arr(ss?.ports);
    ports.forEach((p, j) => errs.push(...validateEndpointPort(obj(p), ports.length > 1, sp.child('ports').index(j))));
  });
  return errs;
}

export function validateEndpointsUpdate(ep: KObject, old: KObject): FieldError[] {
  return [...metaUpdate(ep, old), ...validateEndpoints(ep)];
}

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

function endpointSliceErrors(es: KObject, addressTypes: string[]): FieldError[] {
  const errs = meta(es, true, 'dns1123-subdomain');
  const at = es.addressType;
  if (!at) errs.push(required(P('addressType'), ''));
  else if (!addressTypes.includes(at)) errs.push(notSupported(P('addressType'), at, addressTypes));
  const endpoints = arr(es.endpoints);
  if (endpoints.length > 1000) errs.push(tooMany(P('endpoints'), endpoints.length, 1000));
  else {
    endpoints.forEach((e: Obj, i) => {
      const ep = P('endpoints').index(i);
      const ap = ep.child('addresses');
      const addrs = arr(e?.addresses);
      if (addrs.length === 0) errs.push(required(ap, 'must contain at least 1 address'));
      else if (addrs.length > 100) errs.push(tooMany(ap, addrs.length, 100));
      addrs.forEach((a: string, j) => {
        const p = ap.index(j);
        switch (at) {
          case 'IP':
            errs.push(...ipErrors(a, p));
            break;
          case 'IPv4':
            if (!isIPv4(a)) errs.push(invalid(p, a, 'must be a valid IPv4 address'));
            errs.push(...validateNonSpecialIP(a, p));
            break;
          case 'IPv6':
            if (!isIPv6(a)) errs.push(invalid(p, a, 'must be a valid IPv6 address'));
            errs.push(...validateNonSpecialIP(a, p));
            break;
          case 'FQDN':
            errs.push(...isFullyQualifiedDomainName(p, a));
            break;
        }
      });
      const topo = obj(e?.deprecatedTopology);
      if (Object.keys(topo).length > 16) errs.push(tooMany(ep.child('topology'), Object.keys(topo).length, 16));
      errs.push(...validateLabels(topo, ep.child('topology')));
      if (typeof e?.hostname === 'string') errs.push(...isDNS1123Label(e.hostname).map((m) => invalid(ep.child('hostname'), e.hostname, m)));
    });
  }
  const ports = arr(es.ports);
  if (ports.length > 100) errs.push(tooMany(P('ports'), ports.length, 100));
  else {
    const names = new Set<string>();
    ports.forEach((p: Obj, i) => {
      const pp = P('ports').index(i);
      const name = p?.name ?? '';
      if (name) errs.push(...isDNS1123Label(name).map((m) => invalid(pp.child('name'), name, m)));
      if (names.has(name)) errs.push(duplicate(pp.child('name'), name));
      names.add(name);
      if (p?.protocol === undefined || p?.protocol === null) errs.push(required(pp.child('protocol'), ''));
      else if (!PROTOCOLS.includes(p.protocol)) errs.push(notSupported(pp.child('protocol'), p.protocol, PROTOCOLS));
      if (typeof p?.appProtocol === 'string') errs.push(...isQualifiedName(p.appProtocol).map((m) => invalid(pp.child('appProtocol'), p.appProtocol, m)));
    });
  }
  return errs;
}

export function validateEndpointSlice(es: KObject): FieldError[] {
  return endpointSliceErrors(es, ADDRESS_TYPES);
}

/** Updates also accept the deprecated address type "IP"; addressType cannot change. */
export function validateEndpointSliceUpdate(es: KObject, old: KObject): FieldError[] {
  return [
    ...metaUpdate(es, old),
    ...endpointSliceErrors(es, ['FQDN', 'IP', 'IPv4', 'IPv6']),
    ...validateImmutable(es.addressType, old.addressType, P('addressType')),
  ];
}

// --- Namespace -----------------------------------------------------------------------------------

function namespaceFinalizerErrors(name: string, path: FieldPath): FieldError[] {
  return [...validateFinalizers([name], path).filter((e) => e.badValue === name), ...validateKubeFinalizerName(name, path)];
}

/** ValidateNamespace: a DNS-1123 label name; spec.finalizers are reported on `spec.finalizers` (no index). */
export function validateNamespace(ns: KObject): FieldError[] {
  const errs = meta(ns, false, 'dns1123-label');
  for (const f of arr(ns.spec?.finalizers)) errs.push(...namespaceFinalizerErrors(f, SPEC.child('finalizers')));
  return errs;
}

export function validateNamespaceUpdate(ns: KObject, old: KObject): FieldError[] {
  return metaUpdate(ns, old);
}

export function validateNamespaceStatusUpdate(ns: KObject, old: KObject): FieldError[] {
  const errs = metaUpdate(ns, old);
  const phase = ns.status?.phase ?? '';
  const p = P('status').child('Phase'); // sic
  if (!ns.metadata?.deletionTimestamp) {
    if (phase !== 'Active') errs.push(invalid(p, phase, "may only be 'Active' if `deletionTimestamp` is empty"));
  } else if (phase !== 'Terminating') errs.push(invalid(p, phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"));
  return errs;
}

/** The namespaces/finalize subresource. */
export function validateNamespaceFinalizeUpdate(ns: KObject, old: KObject): FieldError[] {
  const errs = metaUpdate(ns, old);
  arr(ns.spec?.finalizers).forEach((f, i) => errs.push(...namespaceFinalizerErrors(f, SPEC.child('finalizers').index(i))));
  return errs;
}

// --- ConfigMap, Secret, ServiceAccount -----------------------------------------------------------

const base64Length = (v: unknown) => Buffer.from(String(v ?? ''), 'base64').length;
const immutableWhenSet = 'field is immutable when `immutable` is set';

export function validateConfigMap(cm: KObject): FieldError[] {
  const errs = meta(cm, true, 'dns1123-subdomain');
  const data = obj(cm.data);
  const binary = obj(cm.binaryData);
  let size = 0;
  for (const [k, v] of Object.entries(data)) {
    errs.push(...isConfigMapKey(k).map((m) => invalid(P('data').key(k), k, m)));
    if (k in binary) errs.push(invalid(P('data').key(k), k, 'duplicate of key present in binaryData'));
    size += byteLength(String(v));
  }
  for (const [k, v] of Object.entries(binary)) {
    errs.push(...isConfigMapKey(k).map((m) => invalid(P('binaryData').key(k), k, m)));
    size += base64Length(v);
  }
  // Reported on the whole object (empty path).
  if (size > MAX_SECRET_SIZE) errs.push(tooLong(P(''), '', MAX_SECRET_SIZE));
  return errs;
}

export function validateConfigMapUpdate(cm: KObject, old: KObject): FieldError[] {
  const errs = metaUpdate(cm, old);
  if (old.immutable === true) {
    if (cm.immutable !== true) errs.push(forbidden(P('immutable'), immutableWhenSet));
    if (!deepEqual(cm.data ?? null, old.data ?? null)) errs.push(forbidden(P('data'), immutableWhenSet));
    if (!deepEqual(cm.binaryData ?? null, old.binaryData ?? null)) errs.push(forbidden(P('binaryData'), immutableWhenSet));
  }
  return [...errs, ...validateConfigMap(cm)];
}

/** Secret data (base64 in JSON) merged with stringData, as the decoded object Kubernetes validates. */
function secretData(s: KObject): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(obj(s.data))) m.set(k, Buffer.from(String(v ?? ''), 'base64'));
  for (const [k, v] of Object.entries(obj(s.stringData))) m.set(k, Buffer.from(String(v ?? ''), 'utf8'));
  return m;
}

function validateJSONKey(data: Map<string, Buffer>, key: string, path: FieldPath): FieldError[] {
  const v = data.get(key);
  if (v === undefined) return [required(path.key(key), '')];
  try {
    const parsed = JSON.parse(v.toString('utf8'));
    if (!isPlainObject(parsed)) throw new Error('json: cannot unmarshal into Go value of type map[string]interface {}');
    return [];
  } catch (e) {
    return [invalid(path.key(key), '<secret contents redacted>', (e as Error).message)];
  }
}

export function validateSecret(s: KObject): FieldError[] {
  const errs = meta(s, true, 'dns1123-subdomain');
  const dp = P('data');
  const data = secretData(s);
  let size = 0;
  for (const [k, v] of data) {
    errs.push(...isConfigMapKey(k).map((m) => invalid(dp.key(k), k, m)));
    size += v.length;
  }
  if (size > MAX_SECRET_SIZE) errs.push(tooLong(dp, '', MAX_SECRET_SIZE));
  switch (s.type ?? '') {
    case 'kubernetes.io/service-account-token':
      if (!s.metadata?.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(required(META.child('annotations').key('kubernetes.io/service-account.name'), ''));
      }
      break;
    case 'kubernetes.io/dockercfg':
      errs.push(...validateJSONKey(data, '.dockercfg', dp));
      break;
    case 'kubernetes.io/dockerconfigjson':
      errs.push(...validateJSONKey(data, '.dockerconfigjson', dp));
      break;
    case 'kubernetes.io/basic-auth':
      if (!data.has('username') && !data.has('password')) errs.push(required(dp.key('username'), ''), required(dp.key('password'), ''));
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data.get('ssh-privatekey')?.length) errs.push(required(dp.key('ssh-privatekey'), ''));
      break;
    case 'kubernetes.io/tls':
      if (!data.has('tls.crt')) errs.push(required(dp.key('tls.crt'), ''));
      if (!data.has('tls.key')) errs.push(required(dp.key('tls.key'), ''));
      break;
  }
  return errs;
}

export function validateSecretUpdate(s: KObject, old: KObject): FieldError[] {
  const errs = [...metaUpdate(s, old), ...validateImmutable(s.type ?? '', old.type ?? '', P('type'))];
  if (old.immutable === true) {
    if (s.immutable !== true) errs.push(forbidden(P('immutable'), immutableWhenSet));
    if (!deepEqual(s.data ?? null, old.data ?? null)) errs.push(forbidden(P('data'), immutableWhenSet));
  }
  return [...errs, ...validateSecret(s)];
}

export function validateServiceAccount(sa: KObject): FieldError[] {
  return meta(sa, true, 'dns1123-subdomain');
}

export function validateServiceAccountUpdate(sa: KObject, old: KObject): FieldError[] {
  return [...metaUpdate(sa, old), ...validateServiceAccount(sa)];
}

// --- Node ----------------------------------------------------------------------------------------

/** Node taints; Kubernetes reports them on `metadata.taints`. */
function validateNodeTaints(taints: unknown): FieldError[] {
  const path = META.child('taints');
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arr(taints).forEach((t: Obj, i) => {
    const ip = path.index(i);
    errs.push(...validateLabelName(t?.key ?? '', ip.child('key')));
    const msgs = isValidLabelValue(t?.value ?? '');
    if (msgs.length) errs.push(invalid(ip.child('value'), t?.value ?? '', msgs.join(';')));
    errs.push(...validateTaintEffect(t?.effect, false, ip.child('effect')));
    const k = `${t?.effect ?? ''}\u0000${t?.key ?? ''}`;
    if (seen.has(k)) {
      errs.push({ type: 'FieldValueDuplicate', field: ip.toString(), badValue: t, detail: 'taints must be unique by key and effect pair' });
      return;
    }
    seen.add(k);
  });
  return errs;
}

const podCIDRsOf = (spec: Obj): string[] => arr(spec.podCIDRs).length ? arr(spec.podCIDRs) : spec.podCIDR ? [spec.podCIDR] : [];

function validateNodeResources(node: KObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['capacity', 'allocatable']) {
    for (const [k, v] of Object.entries(obj(node.status?.[f]))) errs.push(...validateResourceQuantityValue(k, v, P('status').child(f, k)));
  }
  return errs;
}

export function validateNode(node: KObject): FieldError[] {
  const errs = meta(node, false, 'dns1123-subdomain');
  errs.push(...validateNodeTaints(node.spec?.taints));
  errs.push(...validateNodeResources(node));
  const cidrs = podCIDRsOf(obj(node.spec));
  const p = SPEC.child('podCIDRs');
  cidrs.forEach((c, i) => errs.push(...cidrErrors(c, p.index(i))));
  if (cidrs.length > 1) {
    const parsed = cidrs.map(parseCIDR);
    const dual = cidrs.length === 2 && parsed.every(Boolean) && (parsed[0]!.ip.length === 4) !== (parsed[1]!.ip.length === 4);
    if (!dual) errs.push(invalid(p, cidrs, 'may specify no more than one CIDR for each IP family'));
    const seen = new Set<string>();
    cidrs.forEach((c, i) => {
      if (seen.has(c)) errs.push(duplicate(p.index(i), c));
      seen.add(c);
    });
  }
  return errs;
}

/** ValidateNode plus the update rules (podCIDRs and providerID may only be set once). */
export function validateNodeUpdate(node: KObject, old: KObject): FieldError[] {
  const errs = [...validateNode(node), ...metaUpdate(node, old)];
  const seen = new Set<string>();
  arr(node.status?.addresses).forEach((a, i) => {
    const k = JSON.stringify([a?.type, a?.address]);
    if (seen.has(k)) errs.push(duplicate(P('status').child('addresses').index(i), a));
    seen.add(k);
  });
  const oldCIDRs = podCIDRsOf(obj(old.spec));
  const newCIDRs = podCIDRsOf(obj(node.spec));
  const cidrMsg = 'node updates may not change podCIDR except from "" to valid';
  if (oldCIDRs.length > 0) {
    if (oldCIDRs.length !== newCIDRs.length) errs.push(forbidden(SPEC.child('podCIDRs'), cidrMsg));
    else oldCIDRs.forEach((c, i) => c !== newCIDRs[i] && errs.push(forbidden(SPEC.child('podCIDRs'), cidrMsg)));
  }
  if (old.spec?.providerID && old.spec.providerID !== node.spec?.providerID) {
    errs.push(forbidden(SPEC.child('providerID'), 'node updates may not change providerID except from "" to valid'));
  }
  if ((node.spec?.externalID ?? '') !== (old.spec?.externalID ?? '')) errs.push(forbidden(SPEC.child('externalID'), 'may not be updated'));
  return errs;
}

// --- Event (core/v1 storage layout) --------------------------------------------------------------

export interface EventValidationOptions {
  /** The request came through events.k8s.io/v1, which validates strictly. core/v1 does not. */
  strict?: boolean;
}

/** legacyValidateEvent, which every Event passes through. */
function legacyEventErrors(ev: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const ns = ev.metadata?.namespace ?? '';
  const ions = ev.involvedObject?.namespace ?? '';
  const mismatch = () => invalid(P('involvedObject').child('namespace'), ions, 'does not match event.namespace');
  if (!ev.eventTime) {
    if (!ions) {
      if (ns !== '' && ns !== 'default') errs.push(mismatch());
    } else if (ns !== ions) errs.push(mismatch());
  } else {
    if (!ions && ns !== 'default' && ns !== 'kube-system') errs.push(mismatch());
    // core/v1 calls it reportingComponent; Kubernetes reports the internal name.
    const rc = ev.reportingComponent ?? '';
    if (!rc) errs.push(required(P('reportingController'), ''));
    errs.push(...isQualifiedName(rc).map((m) => invalid(P('reportingController'), rc, m)));
    const limits: [string, number][] = [
      ['reportingInstance', 128],
      ['action', 128],
      ['reason', 128],
    ];
    for (const [f, max] of limits) {
      const v = String(ev[f] ?? '');
      if (!v) errs.push(required(P(f), ''));
      if (v.length > max) errs.push(invalid(P(f), '', `can have at most ${max} characters`));
    }
    if (String(ev.message ?? '').length > 1024) errs.push(invalid(P('message'), '', 'can have at most 1024 characters'));
  }
  errs.push(...isDNS1123Subdomain(ns).map((m) => invalid(P('namespace'), ns, m)));
  return errs;
}

function eventSeriesErrors(ev: KObject): FieldError[] {
  if (!ev.series) return [];
  const errs: FieldError[] = [];
  if ((ev.series.count ?? 0) < 2) errs.push(invalid(P('series.count'), '', 'should be at least 2'));
  if (!ev.series.lastObservedTime) errs.push(required(P('series.lastObservedTime'), ''));
  return errs;
}

/** ValidateEventCreate. Events are validated in the core/v1 layout they are stored in. */
export function validateEvent(ev: KObject, opts: EventValidationOptions = {}): FieldError[] {
  const errs = legacyEventErrors(ev);
  if (!opts.strict) return errs;
  errs.push(...meta(ev, true, 'dns1123-subdomain'), ...eventSeriesErrors(ev));
  if (!ev.eventTime) errs.push(required(P('eventTime'), ''));
  if (ev.type !== 'Normal' && ev.type !== 'Warning') errs.push(invalid(P('type'), '', `has invalid value: ${ev.type ?? ''}`));
  for (const f of ['firstTimestamp', 'lastTimestamp']) if (ev[f]) errs.push(invalid(P(f), '', 'needs to be unset'));
  if (ev.count) errs.push(invalid(P('count'), '', 'needs to be unset'));
  if (ev.source?.component || ev.source?.host) errs.push(invalid(P('source'), '', 'needs to be unset'));
  return errs;
}

export function validateEventUpdate(ev: KObject, old: KObject, opts: EventValidationOptions = {}): FieldError[] {
  const errs = legacyEventErrors(ev);
  if (!opts.strict) return errs;
  errs.push(...metaUpdate(ev, old));
  if (!deepEqual(ev.series ?? null, old.series ?? null)) errs.push(...eventSeriesErrors(ev));
  const fields: [string, string][] = [
    ['involvedObject', 'involvedObject'], ['reason', 'reason'], ['message', 'message'], ['source', 'source'],
    ['firstTimestamp', 'firstTimestamp'], ['lastTimestamp', 'lastTimestamp'], ['count', 'count'], ['type', 'type'],
    ['eventTime', 'eventTime'], ['action', 'action'], ['related', 'related'], ['reportingComponent', 'reportingController'],
    ['reportingInstance', 'reportingInstance'],
  ];
  for (const [f, name] of fields) errs.push(...validateImmutable(ev[f], old[f], P(name)));
  return errs;
}

// --- Lease ---------------------------------------------------------------------------------------

function leaseSpecErrors(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const p = SPEC;
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) {
    errs.push(invalid(p.child('leaseDurationSeconds'), spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (typeof spec.leaseTransitions === 'number' && spec.leaseTransitions < 0) {
    errs.push(invalid(p.child('leaseTransitions'), spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  if (typeof spec.strategy === 'string') {
    // Kubernetes reports strategy problems on `spec.strategy.strategy`.
    const sp = p.child('strategy', 'strategy');
    if (spec.strategy.split('/').length === 1) {
      if (spec.strategy !== 'OldestEmulationVersion') errs.push(notSupported(sp, spec.strategy, ['OldestEmulationVersion']));
    } else errs.push(...isQualifiedName(spec.strategy).map((m) => invalid(sp, spec.strategy, m)));
  }
  if (spec.preferredHolder && !spec.strategy) errs.push(forbidden(p.child('preferredHolder'), 'may only be specified if `strategy` is defined'));
  return errs;
}

export function validateLease(lease: KObject): FieldError[] {
  return [...meta(lease, true, 'dns1123-subdomain', false), ...leaseSpecErrors(obj(lease.spec))];
}

export function validateLeaseUpdate(lease: KObject, old: KObject): FieldError[] {
  return [...metaUpdate(lease, old, false), ...leaseSpecErrors(obj(lease.spec))];
}

// --- Ingress and IngressClass --------------------------------------------------------------------

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

interface IngressOptions {
  allowInvalidSecretName?: boolean;
  allowInvalidWildcardHostRule?: boolean;
}

function validateTypedLocalObjectReference(ref: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof ref.apiGroup === 'string') errs.push(...isDNS1123Subdomain(ref.apiGroup).map((m) => invalid(path.child('apiGroup'), ref.apiGroup, m)));
  for (const f of ['kind', 'name']) {
    if (!ref[f]) errs.push(required(path.child(f), ''));
    else errs.push(...isValidPathSegmentName(ref[f]).map((m) => invalid(path.child(f), ref[f], m)));
  }
  return errs;
}

function validateIngressBackend(b: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (b.resource && b.service) return [invalid(path, '', 'cannot set both resource and service backends')];
  if (b.resource) return validateTypedLocalObjectReference(obj(b.resource), path.child('resource'));
  if (!b.service) return [invalid(path, '', 'resource or service backend is required')];
  const svc = obj(b.service);
  if (!svc.name) errs.push(required(path.child('service', 'name'), ''));
  else errs.push(...isDNS1035Label(svc.name).map((m) => invalid(path.child('service', 'name'), svc.name, m)));
  const port = obj(svc.port);
  const hasName = !!port.name;
  const hasNumber = !!port.number;
  if (hasName && hasNumber) errs.push(invalid(path, '', 'cannot set both port name & port number'));
  else if (hasName) errs.push(...isValidPortName(port.name).map((m) => invalid(path.child('service', 'port', 'name'), port.name, m)));
  else if (hasNumber) errs.push(...isValidPortNum(port.number).map((m) => invalid(path.child('service', 'port', 'number'), port.number, m)));
  else errs.push(required(path, 'port name or number is required'));
  return errs;
}

function validateHTTPIngressPath(p: Obj, path: FieldPath): FieldError[] {
  if (!p.pathType) return [required(path.child('pathType'), 'pathType must be specified')];
  const errs: FieldError[] = [];
  const pp = path.child('path');
  const value: string = p.path ?? '';
  switch (p.pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/')) errs.push(invalid(pp, value, 'must be an absolute path'));
      if (value) {
        for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(invalid(pp, value, `must not contain '${seq}'`));
        for (const suf of INVALID_PATH_SUFFIXES) if (value.endsWith(suf)) errs.push(invalid(pp, value, `cannot end with '${suf}'`));
      }
      break;
    case 'ImplementationSpecific':
      if (value && !value.startsWith('/')) errs.push(invalid(pp, value, 'must be an absolute path'));
      break;
    default:
      errs.push(notSupported(path.child('pathType'), p.pathType, PATH_TYPES));
  }
  return [...errs, ...validateIngressBackend(obj(p.backend), path.child('backend'))];
}

function validateIngressRuleValue(rule: Obj, path: FieldPath): FieldError[] {
  if (!rule.http) return [];
  const hp = path.child('http');
  const paths = arr(rule.http.paths);
  const errs: FieldError[] = paths.length === 0 ? [required(hp.child('paths'), '')] : [];
  paths.forEach((p, i) => errs.push(...validateHTTPIngressPath(obj(p), hp.child('paths').index(i))));
  return errs;
}

function validateIngressSpec(spec: Obj, opts: IngressOptions): FieldError[] {
  const errs: FieldError[] = [];
  const rules = arr(spec.rules);
  if (rules.length === 0 && !spec.defaultBackend) errs.push(invalid(SPEC, spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend) errs.push(...validateIngressBackend(obj(spec.defaultBackend), SPEC.child('defaultBackend')));
  rules.forEach((r: Obj, i) => {
    const rp = SPEC.child('rules').index(i);
    const host: string = r?.host ?? '';
    let wildcard = false;
    if (host) {
      if (parseIP(host)) errs.push(invalid(rp.child('host'), host, 'must be a DNS name, not an IP address'));
      if (host.includes('*')) {
        errs.push(...isWildcardDNS1123Subdomain(host).map((m) => invalid(rp.child('host'), host, m)));
        wildcard = true;
      } else errs.push(...isDNS1123Subdomain(host).map((m) => invalid(rp.child('host'), host, m)));
    }
    if (!wildcard || !opts.allowInvalidWildcardHostRule) errs.push(...validateIngressRuleValue(obj(r), rp));
  });
  arr(spec.tls).forEach((t: Obj, i) => {
    const tp = SPEC.child('tls').index(i);
    arr(t?.hosts).forEach((h: string, j) => {
      const check = h.includes('*') ? isWildcardDNS1123Subdomain : isDNS1123Subdomain;
      errs.push(...check(h).map((m) => invalid(tp.child('hosts').index(j), h, m)));
    });
    if (!opts.allowInvalidSecretName && t?.secretName) errs.push(...isDNS1123Subdomain(t.secretName).map((m) => invalid(tp.child('secretName'), t.secretName, m)));
  });
  if (typeof spec.ingressClassName === 'string') {
    errs.push(...isDNS1123Subdomain(spec.ingressClassName).map((m) => invalid(SPEC.child('ingressClassName'), spec.ingressClassName, m)));
  }
  return errs;
}

/** ValidateIngressCreate. */
export function validateIngress(ing: KObject): FieldError[] {
  const errs = [...meta(ing, true, 'dns1123-subdomain'), ...validateIngressSpec(obj(ing.spec), {})];
  const ann = ing.metadata?.annotations?.['kubernetes.io/ingress.class'];
  if (ann !== undefined && typeof ing.spec?.ingressClassName === 'string' && ann !== ing.spec.ingressClassName) {
    errs.push(invalid(P('annotations').child('kubernetes.io/ingress.class'), ann, 'must match `ingressClassName` when both are specified'));
  }
  return errs;
}

/** ValidateIngressUpdate: invalid values already stored (TLS secret names, wildcard rules) stay allowed. */
export function validateIngressUpdate(ing: KObject, old: KObject): FieldError[] {
  const os = obj(old.spec);
  const opts: IngressOptions = {
    allowInvalidSecretName: arr(os.tls).some((t) => t?.secretName && isDNS1123Subdomain(t.secretName).length > 0),
    allowInvalidWildcardHostRule: arr(os.rules).some((r) => String(r?.host ?? '').includes('*') && validateIngressRuleValue(obj(r), SPEC).length > 0),
  };
  return [...metaUpdate(ing, old), ...meta(ing, true, 'dns1123-subdomain'), ...validateIngressSpec(obj(ing.spec), opts)];
}

export function validateIngressStatusUpdate(ing: KObject, old: KObject): FieldError[] {
  return [...metaUpdate(ing, old), ...validateLoadBalancerIngress(ing.status?.loadBalancer?.ingress, P('status').child('loadBalancer', 'ingress'), false)];
}

function ingressClassSpecErrors(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const cp = SPEC.child('controller');
  if (!spec.controller) errs.push(required(cp, ''));
  else {
    if (byteLength(spec.controller) > 250) errs.push(tooLong(cp, '', 250));
    errs.push(...isDomainPrefixedPath(cp, spec.controller));
  }
  const params = spec.parameters;
  if (!params) return errs;
  const pp = SPEC.child('parameters');
  errs.push(...validateTypedLocalObjectReference(params, pp));
  if (params.scope === undefined || params.scope === null) return [...errs, required(pp.child('scope'), '')];
  if (!['Cluster', 'Namespace'].includes(params.scope)) errs.push(notSupported(pp.child('scope'), params.scope, ['Cluster', 'Namespace']));
  else if (params.scope === 'Namespace') {
    if (params.namespace === undefined || params.namespace === null) errs.push(required(pp.child('namespace'), "`parameters.scope` is set to 'Namespace'"));
    else errs.push(...isDNS1123Label(params.namespace).map((m) => invalid(pp.child('namespace'), params.namespace, m)));
  } else if (params.namespace !== undefined && params.namespace !== null) {
    errs.push(forbidden(pp.child('namespace'), "`parameters.scope` is set to 'Cluster'"));
  }
  return errs;
}

export function validateIngressClass(ic: KObject): FieldError[] {
  return [...meta(ic, false, 'dns1123-subdomain'), ...ingressClassSpecErrors(obj(ic.spec))];
}

export function validateIngressClassUpdate(ic: KObject, old: KObject): FieldError[] {
  return [
    ...metaUpdate(ic, old),
    ...validateImmutable(ic.spec?.controller ?? '', old.spec?.controller ?? '', SPEC.child('controller')),
    ...validateIngressClass(ic),
  ];
}

// --- RBAC ----------------------------------------------------------------------------------------

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function policyRuleErrors(rule: Obj, namespaced: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (arr(rule.verbs).length === 0) errs.push(required(path.child('verbs'), 'verbs must contain at least one value'));
  if (arr(rule.nonResourceURLs).length > 0) {
    if (namespaced) errs.push(invalid(path.child('nonResourceURLs'), rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
    if (arr(rule.apiGroups).length > 0 || arr(rule.resources).length > 0 || arr(rule.resourceNames).length > 0) {
      errs.push(invalid(path.child('nonResourceURLs'), rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return errs;
  }
  if (arr(rule.apiGroups).length === 0) errs.push(required(path.child('apiGroups'), 'resource rules must supply at least one api group'));
  if (arr(rule.resources).length === 0) errs.push(required(path.child('resources'), 'resource rules must supply at least one resource'));
  if (arr(rule.resourceNames).length > 0 && arr(rule.resources).length > 1) {
    errs.push(required(path.child('resourceNames'), 'resource names cannot apply to multiple resources'));
  }
  return errs;
}

function rulesErrors(role: KObject, namespaced: boolean): FieldError[] {
  return arr(role.rules).flatMap((r, i) => policyRuleErrors(obj(r), namespaced, P('rules').index(i)));
}

export function validateRole(role: KObject): FieldError[] {
  return [...meta(role, true, 'path-segment'), ...rulesErrors(role, true)];
}

export function validateRoleUpdate(role: KObject, old: KObject): FieldError[] {
  return [...validateRole(role), ...metaUpdate(role, old)];
}

export function validateClusterRole(role: KObject): FieldError[] {
  const errs = [...meta(role, false, 'path-segment'), ...rulesErrors(role, false)];
  const agg = role.aggregationRule;
  if (agg) {
    const p = P('aggregationRule').child('clusterRoleSelectors');
    const sels = arr(agg.clusterRoleSelectors);
    if (sels.length === 0) errs.push(required(p, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
    sels.forEach((s, i) => {
      errs.push(...validateLabelSelector(s, p.index(i)));
      if (!labelSelectorConvertible(s)) errs.push(invalid(p.index(i), s, 'invalid label selector.'));
    });
  }
  return errs;
}

export function validateClusterRoleUpdate(role: KObject, old: KObject): FieldError[] {
  return [...validateClusterRole(role), ...metaUpdate(role, old)];
}

function subjectErrors(s: Obj, namespaced: boolean, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.name) errs.push(required(path.child('name'), ''));
  switch (s.kind) {
    case 'ServiceAccount':
      if (s.name) errs.push(...isDNS1123Subdomain(s.name).map((m) => invalid(path.child('name'), s.name, m)));
      if (s.apiGroup) errs.push(notSupported(path.child('apiGroup'), s.apiGroup, ['']));
      if (!namespaced && !s.namespace) errs.push(required(path.child('namespace'), ''));
      break;
    case 'User':
    case 'Group':
      if (!s.name) errs.push(invalid(path.child('name'), '', `${s.kind === 'User' ? 'user' : 'group'} name cannot be empty`));
      if (s.apiGroup !== RBAC_GROUP) errs.push(notSupported(path.child('apiGroup'), s.apiGroup ?? '', [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(path.child('kind'), s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

function bindingErrors(b: KObject, namespaced: boolean): FieldError[] {
  const errs = meta(b, namespaced, 'path-segment');
  const ref = obj(b.roleRef);
  const rp = P('roleRef');
  if (ref.apiGroup !== RBAC_GROUP) errs.push(notSupported(rp.child('apiGroup'), ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (!kinds.includes(ref.kind)) errs.push(notSupported(rp.child('kind'), ref.kind ?? '', kinds));
  if (!ref.name) errs.push(required(rp.child('name'), ''));
  else errs.push(...isValidPathSegmentName(ref.name).map((m) => invalid(rp.child('name'), ref.name, m)));
  arr(b.subjects).forEach((s, i) => errs.push(...subjectErrors(obj(s), namespaced, P('subjects').index(i))));
  return errs;
}

function roleRefChanged(b: KObject, old: KObject): FieldError[] {
  return deepEqual(b.roleRef ?? null, old.roleRef ?? null) ? [] : [invalid(P('roleRef'), b.roleRef ?? null, 'cannot change roleRef')];
}

export function validateRoleBinding(b: KObject): FieldError[] {
  return bindingErrors(b, true);
}

export function validateRoleBindingUpdate(b: KObject, old: KObject): FieldError[] {
  return [...bindingErrors(b, true), ...metaUpdate(b, old), ...roleRefChanged(b, old)];
}

export function validateClusterRoleBinding(b: KObject): FieldError[] {
  return bindingErrors(b, false);
}

export function validateClusterRoleBindingUpdate(b: KObject, old: KObject): FieldError[] {
  return [...bindingErrors(b, false), ...metaUpdate(b, old), ...roleRefChanged(b, old)];
}
