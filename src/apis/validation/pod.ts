/**
 * Pod and PodSpec validation after pkg/apis/core/validation (ValidatePodCreate, ValidatePodSpec,
 * ValidatePodTemplateSpec, ValidatePodUpdate, ValidatePodStatusUpdate), Kubernetes 1.33.
 * Paths and messages follow Kubernetes, including its odd spots (noted where they occur).
 */
import type { KObject } from '../object.js';
import { deepEqual, isPlainObject } from '../object.js';
import { FieldPath, duplicate, forbidden, invalid, notSupported, required, type FieldError, notFoundValue } from './field.js';
import {
  inclusiveRangeError,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isHTTPHeaderName,
  isIP,
  isIPv4,
  isIPv6,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidGroupID,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  isValidUserID,
} from './names.js';
import { validateLabelSelector } from '../meta/labels.js';
import {
  IS_NEGATIVE,
  validateAnnotations,
  validateLabelName,
  validateLabels,
  validateNonnegative,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './objectmeta.js';

export interface PodValidationOptions {
  /**
   * RelaxedEnvironmentVariableValidation (beta and on by default since Kubernetes 1.32):
   * environment variable names may be any printable ASCII except '='. False selects the
   * strict C-identifier-like rule.
   */
  relaxedEnvVarNames?: boolean;
  /** The spec belongs to a Pod rather than to a template (hostPort must then equal containerPort with hostNetwork). */
  resourceIsPod?: boolean;
}

const MAX_INT32 = 2147483647;
type Obj = Record<string, any>;
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Obj => (isPlainObject(v) ? v : {});

/**
 * field.NotFound ("Not found: \"x\""). field.ts has no NotFound type, so this is reported as
 * an Invalid value with detail "not found": `...name: Invalid value: "x": not found`.
 */
export const notFound = (path: FieldPath, value: unknown): FieldError => notFoundValue(path, value);

// --- Quantities and resource names ------------------------------------------------------------

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([KMGTPE]i)|([numkMGTPE])|[eE]([+-]?\d+))?$/;
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_EXP: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

/** A resource.Quantity as integer nano-units (rounded up), or undefined when it does not parse. */
export function parseQuantity(q: unknown): bigint | undefined {
  const s = typeof q === 'number' ? String(q) : q;
  if (typeof s !== 'string') return undefined;
  const m = QUANTITY.exec(s.trim());
  if (!m) return undefined;
  const [, sign, num, bin, dec, exp] = m;
  const [intPart, frac = ''] = num!.split('.');
  let mantissa = BigInt((intPart || '0') + frac);
  let exp10 = 9 - frac.length;
  if (bin) mantissa *= 2n ** BigInt(BINARY_EXP[bin]!);
  else if (dec) exp10 += DECIMAL_EXP[dec]!;
  else if (exp) exp10 += Number(exp);
  let v: bigint;
  if (exp10 >= 0) v = mantissa * 10n ** BigInt(exp10);
  else {
    const d = 10n ** BigInt(-exp10);
    v = (mantissa + d - 1n) / d;
  }
  return sign === '-' ? -v : v;
}

const quantityString = (q: unknown) => String(q);

const STANDARD_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu',
  'limits.memory', 'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets',
  'configmaps', 'persistentvolumeclaims', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
]);
const INTEGER_RESOURCES = new Set([
  'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers',
]);

const isHugePage = (n: string) => n.startsWith('hugepages-');
export const isNativeResource = (n: string) => !n.includes('/') || n.includes('kubernetes.io/');
export function isExtendedResourceName(n: string): boolean {
  if (isNativeResource(n) || n.startsWith('requests.')) return false;
  return isQualifiedName('requests.' + n).length === 0;
}
export const isOvercommitAllowed = (n: string) => isNativeResource(n) && !isHugePage(n);
export const isIntegerResourceName = (n: string) => INTEGER_RESOURCES.has(n) || isExtendedResourceName(n);
const isStandardResourceName = (n: string) =>
  STANDARD_RESOURCES.has(n) || isHugePage(n) || n.startsWith('requests.hugepages-') || n.startsWith('limits.hugepages-');
const isStandardContainerResourceName = (n: string) => ['cpu', 'memory', 'ephemeral-storage'].includes(n) || isHugePage(n);

/** validateResourceName: a qualified name; unprefixed names must be standard. */
export function validateResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(path, name, m));
  if (errs.length) return errs;
  if (!name.includes('/') && !isStandardResourceName(name)) errs.push(invalid(path, name, 'must be a standard resource type or fully qualified'));
  return errs;
}

function validateContainerResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = validateResourceName(name, path);
  if (!name.includes('/')) {
    if (!isStandardContainerResourceName(name)) errs.push(invalid(path, name, 'must be a standard resource for containers'));
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** ValidateResourceQuantityValue: not negative, and whole for integer resources. */
export function validateResourceQuantityValue(name: string, q: unknown, path: FieldPath): FieldError[] {
  const v = parseQuantity(q);
  if (v === undefined) return [];
  const errs: FieldError[] = [];
  if (v < 0n) errs.push(invalid(path, quantityString(q), IS_NEGATIVE));
  if (isIntegerResourceName(name) && v % 1_000_000_000n !== 0n) errs.push(invalid(path, quantityString(q), 'must be an integer'));
  return errs;
}

/** ValidateResourceRequirements of a container: names, values, requests <= limits. */
export function validateResourceRequirements(res: Obj | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const limits = obj(res?.limits);
  const requests = obj(res?.requests);
  const limPath = path.child('limits');
  const reqPath = path.child('requests');
  let limCpuMem = false;
  let reqCpuMem = false;
  let hugePages = false;
  for (const [name, q] of Object.entries(limits)) {
    const p = limPath.key(name);
    errs.push(...validateContainerResourceName(name, p), ...validateResourceQuantityValue(name, q, p));
    if (isHugePage(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') limCpuMem = true;
  }
  for (const [name, q] of Object.entries(requests)) {
    const p = reqPath.key(name);
    errs.push(...validateContainerResourceName(name, p), ...validateResourceQuantityValue(name, q, p));
    if (name in limits) {
      const rv = parseQuantity(q);
      const lv = parseQuantity(limits[name]);
      if (rv !== undefined && lv !== undefined) {
        if (rv !== lv && !isOvercommitAllowed(name)) {
          errs.push(invalid(reqPath, quantityString(q), `must be equal to ${name} limit of ${quantityString(limits[name])}`));
        } else if (rv > lv) {
          errs.push(invalid(reqPath, quantityString(q), `must be less than or equal to ${name} limit of ${quantityString(limits[name])}`));
        }
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePage(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') reqCpuMem = true;
  }
  if (!limCpuMem && !reqCpuMem && hugePages) errs.push(forbidden(path, 'HugePages require cpu or memory'));
  return errs;
}

/** Kubernetes' QoS class of a Pod (ComputePodQOS; pod-level resources are not considered). */
export function computePodQOSClass(pod: KObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  const containers = [...arr(pod.spec?.containers), ...arr(pod.spec?.initContainers)];
  for (const c of containers) {
    for (const [name, q] of Object.entries(obj(c?.resources?.requests))) {
      const v = parseQuantity(q);
      if ((name === 'cpu' || name === 'memory') && v !== undefined && v > 0n) requests.set(name, (requests.get(name) ?? 0n) + v);
    }
    const found = new Set<string>();
    for (const [name, q] of Object.entries(obj(c?.resources?.limits))) {
      const v = parseQuantity(q);
      if ((name === 'cpu' || name === 'memory') && v !== undefined && v > 0n) {
        found.add(name);
        limits.set(name, (limits.get(name) ?? 0n) + v);
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, r] of requests) if (limits.get(name) !== r) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** qos.GetPodQOS: the recorded class if there is one. */
const podQOS = (pod: KObject) => pod.status?.qosClass || computePodQOSClass(pod);

// --- Paths inside a volume ---------------------------------------------------------------------

function validatePathNoBacksteps(target: string, path: FieldPath): FieldError[] {
  return target.replace(/\\/g, '/').split('/').includes('..') ? [invalid(path, target, "must not contain '..'")] : [];
}

function validateLocalDescendingPath(target: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (target.startsWith('/')) errs.push(invalid(path, target, 'must be a relative path'));
  return [...errs, ...validatePathNoBacksteps(target, path)];
}

function validateLocalNonReservedPath(target: string, path: FieldPath): FieldError[] {
  const errs = validateLocalDescendingPath(target, path);
  if (target.startsWith('..') && !target.startsWith('../')) errs.push(invalid(path, target, "must not start with '..'"));
  return errs;
}

const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const badMode = (m: unknown) => typeof m === 'number' && (m > 0o777 || m < 0);

function validateKeyToPath(kp: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!kp.key) errs.push(required(path.child('key'), ''));
  if (!kp.path) errs.push(required(path.child('path'), ''));
  errs.push(...validateLocalNonReservedPath(kp.path ?? '', path.child('path')));
  if (badMode(kp.mode)) errs.push(invalid(path.child('mode'), kp.mode, FILE_MODE_ERROR));
  return errs;
}

// --- Downward API --------------------------------------------------------------------------------

const DOWNWARD_LABELS = new Set([
  'metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName',
  'spec.restartPolicy', 'spec.serviceAccountName', 'spec.schedulerName', 'status.phase', 'status.hostIP', 'status.hostIPs',
  'status.podIP', 'status.podIPs',
]);
const ENV_FIELD_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP',
  'status.hostIPs', 'status.podIP', 'status.podIPs',
];
const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
const RESOURCE_FIELD_PATHS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

/** fieldpath.SplitMaybeSubscriptedPath: `metadata.labels['key']`. */
function splitSubscript(fp: string): [string, string] | undefined {
  if (!fp.endsWith("']")) return undefined;
  const s = fp.slice(0, -2);
  const i = s.indexOf("['");
  if (i <= 0) return undefined;
  return [s.slice(0, i), s.slice(i + 2)];
}

function validateObjectFieldSelector(fs: Obj, expressions: string[], path: FieldPath): FieldError[] {
  if (!fs.apiVersion) return [required(path.child('apiVersion'), '')];
  if (!fs.fieldPath) return [required(path.child('fieldPath'), '')];
  const fp: string = fs.fieldPath;
  let convertError: string | undefined;
  let internal = fp;
  const sub = splitSubscript(fp);
  if (fs.apiVersion !== 'v1') convertError = `unsupported pod version: ${fs.apiVersion}`;
  else if (sub) {
    if (sub[0] !== 'metadata.annotations' && sub[0] !== 'metadata.labels') convertError = `field label does not support subscript: ${fp}`;
  } else if (fp === 'spec.host') internal = 'spec.nodeName';
  else if (!DOWNWARD_LABELS.has(fp)) convertError = `field label not supported: ${fp}`;
  if (convertError) return [invalid(path.child('fieldPath'), fp, `error converting fieldPath: ${convertError}`)];
  if (sub) {
    const key = sub[0] === 'metadata.annotations' ? sub[1].toLowerCase() : sub[1];
    return isQualifiedName(key).map((m) => invalid(path, key, m));
  }
  if (!expressions.includes(internal)) return [notSupported(path.child('fieldPath'), internal, expressions)];
  return [];
}

function validateResourceFieldSelector(fs: Obj, volume: boolean, path: FieldPath): FieldError[] {
  if (volume && !fs.containerName) return [required(path.child('containerName'), '')];
  if (!fs.resource) return [required(path.child('resource'), '')];
  const r: string = fs.resource;
  if (!RESOURCE_FIELD_PATHS.includes(r) && !r.startsWith('requests.hugepages-') && !r.startsWith('limits.hugepages-')) {
    return [notSupported(path.child('resource'), r, RESOURCE_FIELD_PATHS)];
  }
  return [];
}

function validateDownwardAPIVolumeFile(file: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!file.path) errs.push(required(path.child('path'), ''));
  errs.push(...validateLocalNonReservedPath(file.path ?? '', path.child('path')));
  if (file.fieldRef) {
    errs.push(...validateObjectFieldSelector(obj(file.fieldRef), VOLUME_FIELD_PATHS, path.child('fieldRef')));
    if (file.resourceFieldRef) errs.push(invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (file.resourceFieldRef) {
    errs.push(...validateResourceFieldSelector(obj(file.resourceFieldRef), true, path.child('resourceFieldRef')));
  } else {
    errs.push(required(path, 'one of fieldRef and resourceFieldRef is required'));
  }
  if (badMode(file.mode)) errs.push(invalid(path.child('mode'), file.mode, FILE_MODE_ERROR));
  return errs;
}

// --- Volumes -------------------------------------------------------------------------------------

/** Volume source fields in the order Kubernetes checks them, with the name it uses in "more than 1" errors. */
const VOLUME_SOURCES: [string, string][] = [
  ['emptyDir', 'emptyDir'], ['hostPath', 'hostPath'], ['gitRepo', 'gitRepo'], ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'], ['secret', 'secret'], ['nfs', 'nfs'], ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'], ['flocker', 'flocker'], ['persistentVolumeClaim', 'persistentVolumeClaim'], ['rbd', 'rbd'],
  ['cinder', 'cinder'], ['cephfs', 'cephFS'], ['quobyte', 'quobyte'], ['downwardAPI', 'downwarAPI' /* sic */], ['fc', 'fc'],
  ['flexVolume', 'flexVolume'], ['configMap', 'configMap'], ['azureFile', 'azureFile'], ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'], ['portworxVolume', 'portworxVolume'], ['azureDisk', 'azureDisk'],
  ['storageos', 'storageos'], ['projected', 'projected'], ['scaleIO', 'scaleIO'], ['csi', 'csi'], ['ephemeral', 'ephemeral'],
  ['image', 'image'],
];

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

function validateProjectedSources(proj: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  const addPath = (p: string, bad: unknown) => {
    if (seen.has(p)) errs.push(invalid(path, bad, 'conflicting duplicate paths'));
    seen.add(p);
  };
  arr(proj.sources).forEach((src: Obj, i) => {
    const sp = path.child('sources').index(i);
    let n = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      if (!src?.[kind]) continue;
      n++;
      const s = obj(src[kind]);
      if (!s.name) errs.push(required(sp.child(kind, 'name'), ''));
      arr(s.items).forEach((kp: Obj, j) => {
        errs.push(...validateKeyToPath(obj(kp), sp.child(kind, 'items').index(j)));
        if (kp?.path) addPath(kp.path, s.name ?? '');
      });
    }
    if (src?.downwardAPI) {
      n++;
      for (const f of arr(src.downwardAPI.items)) {
        errs.push(...validateDownwardAPIVolumeFile(obj(f), sp.child('downwardAPI')));
        if (f?.path) addPath(f.path, f.path);
      }
    }
    if (src?.serviceAccountToken) {
      n++;
      const t = obj(src.serviceAccountToken);
      const exp = t.expirationSeconds;
      const ep = sp.child('serviceAccountToken', 'expirationSeconds');
      if (typeof exp === 'number' && exp < 600) errs.push(invalid(ep, exp, 'may not specify a duration less than 10 minutes'));
      if (typeof exp === 'number' && exp > 2 ** 32) errs.push(invalid(ep, exp, 'may not specify a duration larger than 2^32 seconds'));
      if (!t.path) errs.push(required(path.child('path'), ''));
      else errs.push(...validateLocalNonReservedPath(t.path, path.child('path')));
    }
    if (src?.clusterTrustBundle) n++;
    if (n > 1) errs.push(forbidden(sp, 'may not specify more than 1 volume type'));
  });
  return errs;
}

/** Checks of the volume source types commonly used with this server; others are only counted. */
function validateOneSource(kind: string, s: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case 'emptyDir': {
      const v = parseQuantity(s.sizeLimit);
      if (v !== undefined && v < 0n) errs.push(forbidden(path.child('sizeLimit'), 'SizeLimit field must be a valid resource quantity'));
      break;
    }
    case 'hostPath':
      if (!s.path) return [required(path.child('path'), '')];
      errs.push(...validatePathNoBacksteps(s.path, path.child('path')));
      if (s.type !== undefined && s.type !== null && !HOST_PATH_TYPES.includes(s.type)) errs.push(notSupported(path.child('type'), s.type, HOST_PATH_TYPES));
      break;
    case 'gitRepo':
      if (!s.repository) errs.push(required(path.child('repository'), ''));
      errs.push(...validateLocalDescendingPath(s.directory ?? '', path.child('directory')));
      break;
    case 'secret':
    case 'configMap':
      if (kind === 'secret' ? !s.secretName : !s.name) errs.push(required(path.child(kind === 'secret' ? 'secretName' : 'name'), ''));
      if (badMode(s.defaultMode)) errs.push(invalid(path.child('defaultMode'), s.defaultMode, FILE_MODE_ERROR));
      arr(s.items).forEach((kp, i) => errs.push(...validateKeyToPath(obj(kp), path.child('items').index(i))));
      break;
    case 'nfs':
      if (!s.server) errs.push(required(path.child('server'), ''));
      if (!s.path) errs.push(required(path.child('path'), ''));
      if (!String(s.path ?? '').startsWith('/')) errs.push(invalid(path.child('path'), s.path ?? '', 'must be an absolute path'));
      break;
    case 'persistentVolumeClaim':
      if (!s.claimName) errs.push(required(path.child('claimName'), ''));
      break;
    case 'downwardAPI':
      if (badMode(s.defaultMode)) errs.push(invalid(path.child('defaultMode'), s.defaultMode, FILE_MODE_ERROR));
      for (const f of arr(s.items)) errs.push(...validateDownwardAPIVolumeFile(obj(f), path));
      break;
    case 'projected':
      if (badMode(s.defaultMode)) errs.push(invalid(path.child('defaultMode'), s.defaultMode, FILE_MODE_ERROR));
      errs.push(...validateProjectedSources(s, path));
      break;
    case 'csi':
      if (!s.driver) errs.push(required(path.child('driver'), ''));
      break;
    case 'ephemeral':
      if (!s.volumeClaimTemplate) errs.push(required(path.child('volumeClaimTemplate'), ''));
      break;
  }
  return errs;
}

function validateVolumeSource(vol: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const [kind, name] of VOLUME_SOURCES) {
    if (vol[kind] === undefined || vol[kind] === null) continue;
    if (n > 0) {
      errs.push(forbidden(path.child(name), 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    errs.push(...validateOneSource(kind, obj(vol[kind]), path.child(kind)));
  }
  if (n === 0) errs.push(required(path, 'must specify a volume type'));
  return errs;
}

/** ValidateVolumes: returns the volumes that passed (by name) and the errors of the others. */
export function validateVolumes(volumes: unknown, path: FieldPath): { names: Map<string, Obj>; errs: FieldError[] } {
  const names = new Map<string, Obj>();
  const errs: FieldError[] = [];
  arr(volumes).forEach((v: Obj, i) => {
    const vol = obj(v);
    const ip = path.index(i);
    const np = ip.child('name');
    const el = validateVolumeSource(vol, ip);
    if (!vol.name) el.push(required(np, ''));
    else el.push(...isDNS1123Label(vol.name).map((m) => invalid(np, vol.name, m)));
    if (names.has(vol.name)) el.push(duplicate(np, vol.name));
    if (el.length === 0) names.set(vol.name, vol);
    else errs.push(...el);
  });
  return { names, errs };
}

// --- Containers ----------------------------------------------------------------------------------

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function validateContainerPorts(ports: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  arr(ports).forEach((p: Obj, i) => {
    const port = obj(p);
    const ip = path.index(i);
    if (port.name) {
      const msgs = isValidPortName(port.name);
      if (msgs.length) errs.push(...msgs.map((m) => invalid(ip.child('name'), port.name, m)));
      else if (names.has(port.name)) errs.push(duplicate(ip.child('name'), port.name));
      else names.add(port.name);
    }
    if (!port.containerPort) errs.push(required(ip.child('containerPort'), ''));
    else errs.push(...isValidPortNum(port.containerPort).map((m) => invalid(ip.child('containerPort'), port.containerPort, m)));
    if (port.hostPort) errs.push(...isValidPortNum(port.hostPort).map((m) => invalid(ip.child('hostPort'), port.hostPort, m)));
    if (!port.protocol) errs.push(required(ip.child('protocol'), ''));
    else if (!PROTOCOLS.includes(port.protocol)) errs.push(notSupported(ip.child('protocol'), port.protocol, PROTOCOLS));
  });
  return errs;
}

function envNameErrors(name: string, opts: PodValidationOptions): string[] {
  return opts.relaxedEnvVarNames === false ? isEnvVarName(name) : isRelaxedEnvVarName(name);
}

function validateKeySelector(sel: Obj, path: FieldPath): FieldError[] {
  const errs = isDNS1123Subdomain(sel.name ?? '').map((m) => invalid(path.child('name'), sel.name ?? '', m));
  if (!sel.key) errs.push(required(path.child('key'), ''));
  else errs.push(...isConfigMapKey(sel.key).map((m) => invalid(path.child('key'), sel.key, m)));
  return errs;
}

function validateEnvVarValueFrom(ev: Obj, path: FieldPath): FieldError[] {
  if (!ev.valueFrom) return [];
  const vf = obj(ev.valueFrom);
  const errs: FieldError[] = [];
  let n = 0;
  if (vf.fieldRef) {
    n++;
    errs.push(...validateObjectFieldSelector(obj(vf.fieldRef), ENV_FIELD_PATHS, path.child('fieldRef')));
  }
  if (vf.resourceFieldRef) {
    n++;
    errs.push(...validateResourceFieldSelector(obj(vf.resourceFieldRef), false, path.child('resourceFieldRef')));
  }
  if (vf.configMapKeyRef) {
    n++;
    errs.push(...validateKeySelector(obj(vf.configMapKeyRef), path.child('configMapKeyRef')));
  }
  if (vf.secretKeyRef) {
    n++;
    errs.push(...validateKeySelector(obj(vf.secretKeyRef), path.child('secretKeyRef')));
  }
  if (n === 0) errs.push(invalid(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (ev.value) errs.push(invalid(path, '', 'may not be specified when `value` is not empty'));
  else if (n > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  return errs;
}

export function validateEnv(env: unknown, path: FieldPath, opts: PodValidationOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  arr(env).forEach((e: Obj, i) => {
    const ev = obj(e);
    const ip = path.index(i);
    if (!ev.name) errs.push(required(ip.child('name'), ''));
    else errs.push(...envNameErrors(ev.name, opts).map((m) => invalid(ip.child('name'), ev.name, m)));
    errs.push(...validateEnvVarValueFrom(ev, ip.child('valueFrom')));
  });
  return errs;
}

function validateEnvFrom(envFrom: unknown, path: FieldPath, opts: PodValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  arr(envFrom).forEach((e: Obj, i) => {
    const ev = obj(e);
    const ip = path.index(i);
    if (ev.prefix) errs.push(...envNameErrors(ev.prefix, opts).map((m) => invalid(ip.child('prefix'), ev.prefix, m)));
    let n = 0;
    for (const kind of ['configMapRef', 'secretRef']) {
      if (!ev[kind]) continue;
      n++;
      const ref = obj(ev[kind]);
      const np = ip.child(kind, 'name');
      if (!ref.name) errs.push(required(np, ''));
      // ValidateConfigMapName / ValidateSecretName with prefix=true (a trailing '-' is masked).
      else errs.push(...isDNS1123Subdomain(ref.name.endsWith('-') ? ref.name.slice(0, -2) + 'a' : ref.name).map((m) => invalid(np, ref.name, m)));
    }
    if (n === 0) errs.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
  });
  return errs;
}

function validateVolumeMounts(c: Obj, volumes: Map<string, Obj>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  const devices = new Map<string, string>(arr(c.volumeDevices).map((d: Obj) => [d?.name, d?.devicePath]));
  arr(c.volumeMounts).forEach((m: Obj, i) => {
    const mnt = obj(m);
    const ip = path.index(i);
    if (!mnt.name) errs.push(required(ip.child('name'), ''));
    if (!volumes.has(mnt.name)) errs.push(notFound(ip.child('name'), mnt.name ?? ''));
    if (!mnt.mountPath) errs.push(required(ip.child('mountPath'), ''));
    if (mountPoints.has(mnt.mountPath)) errs.push(invalid(ip.child('mountPath'), mnt.mountPath, 'must be unique'));
    mountPoints.add(mnt.mountPath);
    if (devices.has(mnt.name)) errs.push(invalid(ip.child('name'), mnt.name, 'must not already exist in volumeDevices'));
    if ([...devices.values()].includes(mnt.mountPath)) errs.push(invalid(ip.child('mountPath'), mnt.mountPath, 'must not already exist as a path in volumeDevices'));
    // Kubernetes reports these on the list's path, not the item's.
    if (mnt.subPath) errs.push(...validateLocalDescendingPath(mnt.subPath, path.child('subPath')));
    if (mnt.subPathExpr) {
      if (mnt.subPath) errs.push(invalid(ip.child('subPathExpr'), mnt.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...validateLocalDescendingPath(mnt.subPathExpr, path.child('subPathExpr')));
    }
    if (mnt.mountPropagation !== undefined) {
      const supported = ['Bidirectional', 'HostToContainer', 'None'];
      const pp = path.child('mountPropagation');
      if (!supported.includes(mnt.mountPropagation)) errs.push(notSupported(pp, mnt.mountPropagation, supported));
      if (mnt.mountPropagation === 'Bidirectional' && c.securityContext?.privileged !== true) {
        errs.push(forbidden(pp, 'Bidirectional mount propagation is available only to privileged containers'));
      }
    }
  });
  return errs;
}

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const SCHEMES = ['HTTP', 'HTTPS'];

function validatePortNumOrName(port: unknown, path: FieldPath): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => invalid(path, port, m));
  if (typeof port === 'string') return isValidPortName(port).map((m) => invalid(path, port, m));
  return isValidPortNum(0).map((m) => invalid(path, 0, m));
}

/** validateHandler: exactly one of exec, httpGet, tcpSocket, grpc (probes) or sleep (lifecycle hooks). */
function validateHandler(h: Obj, kinds: string[], gracePeriod: number | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const kind of kinds) {
    if (!h[kind]) continue;
    const kp = path.child(kind);
    if (n > 0) {
      errs.push(forbidden(kp, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    const a = obj(h[kind]);
    switch (kind) {
      case 'exec':
        if (arr(a.command).length === 0) errs.push(required(kp.child('command'), ''));
        break;
      case 'httpGet':
        if (!a.path) errs.push(required(kp.child('path'), ''));
        errs.push(...validatePortNumOrName(a.port, kp.child('port')));
        if (!SCHEMES.includes(a.scheme)) errs.push(notSupported(kp.child('scheme'), a.scheme ?? '', SCHEMES));
        for (const hdr of arr(a.httpHeaders)) errs.push(...isHTTPHeaderName(hdr?.name ?? '').map((m) => invalid(kp.child('httpHeaders'), hdr?.name ?? '', m)));
        break;
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(a.port, kp.child('port')));
        break;
      case 'grpc':
        errs.push(...validatePortNumOrName(Number(a.port ?? 0), kp.child('port')));
        break;
      case 'sleep': {
        const s = a.seconds ?? 0;
        if (gracePeriod !== undefined && (s <= 0 || s > gracePeriod)) {
          errs.push(invalid(kp, s, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod})`));
        }
        break;
      }
    }
  }
  if (n === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];

function validateProbe(probe: Obj, gracePeriod: number | undefined, path: FieldPath): FieldError[] {
  const errs = validateHandler(probe, PROBE_HANDLERS, gracePeriod, path);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...validateNonnegative(probe[f] ?? 0, path.child(f)));
  }
  const t = probe.terminationGracePeriodSeconds;
  if (typeof t === 'number' && t <= 0) errs.push(invalid(path.child('terminationGracePeriodSeconds'), t, 'must be greater than 0'));
  return errs;
}

function validateProbes(c: Obj, gracePeriod: number | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (c.lifecycle) {
    for (const hook of ['postStart', 'preStop']) {
      if (c.lifecycle[hook]) errs.push(...validateHandler(obj(c.lifecycle[hook]), LIFECYCLE_HANDLERS, gracePeriod, path.child('lifecycle', hook)));
    }
  }
  for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = c[kind];
    if (!probe) continue;
    const pp = path.child(kind);
    errs.push(...validateProbe(obj(probe), gracePeriod, pp));
    if (kind !== 'readinessProbe' && (probe.successThreshold ?? 0) !== 1) errs.push(invalid(pp.child('successThreshold'), probe.successThreshold ?? 0, 'must be 1'));
    if (kind === 'readinessProbe' && probe.terminationGracePeriodSeconds !== undefined) {
      errs.push(invalid(pp.child('terminationGracePeriodSeconds'), probe.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
    }
  }
  return errs;
}

function validateSeccompProfileField(sp: Obj | undefined, path: FieldPath): FieldError[] {
  if (!sp) return [];
  const errs: FieldError[] = [];
  const types = ['Localhost', 'RuntimeDefault', 'Unconfined'];
  if (!sp.type) errs.push(required(path.child('type'), 'type is required when seccompProfile is set'));
  else if (!types.includes(sp.type)) errs.push(notSupported(path.child('type'), sp.type, types));
  if (sp.type === 'Localhost') {
    if (sp.localhostProfile === undefined) errs.push(required(path.child('localhostProfile'), 'must be set when seccomp type is Localhost'));
    else errs.push(...validateLocalDescendingPath(sp.localhostProfile, path.child('localhostProfile')));
  } else if (sp.localhostProfile !== undefined) {
    errs.push(invalid(path.child('localhostProfile'), sp, 'can only be set when seccomp type is Localhost'));
  }
  return errs;
}

function validateSecurityContext(sc: Obj | undefined, path: FieldPath): FieldError[] {
  if (!sc) return [];
  const errs: FieldError[] = [];
  if (typeof sc.runAsUser === 'number') errs.push(...isValidUserID(sc.runAsUser).map((m) => invalid(path.child('runAsUser'), sc.runAsUser, m)));
  if (typeof sc.runAsGroup === 'number') errs.push(...isValidGroupID(sc.runAsGroup).map((m) => invalid(path.child('runAsGroup'), sc.runAsGroup, m)));
  if (sc.procMount !== undefined && !['Default', 'Unmasked'].includes(sc.procMount)) {
    errs.push(notSupported(path.child('procMount'), sc.procMount, ['Default', 'Unmasked']));
  }
  errs.push(...validateSeccompProfileField(sc.seccompProfile, path.child('seccompProfile')));
  if (sc.allowPrivilegeEscalation === false && sc.privileged === true) {
    errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
  return errs;
}

const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];

/** validateContainerCommon: what regular, init and ephemeral containers share. */
function validateContainerCommon(c: Obj, volumes: Map<string, Obj>, path: FieldPath, opts: PodValidationOptions): FieldError[] {
  const errs: FieldError[] = [];
  const np = path.child('name');
  if (!c.name) errs.push(required(np, ''));
  else errs.push(...isDNS1123Label(c.name).map((m) => invalid(np, c.name, m)));
  if (!c.image) errs.push(required(path.child('image'), ''));
  const tmp = c.terminationMessagePolicy;
  if (!tmp) errs.push(required(path.child('terminationMessagePolicy'), ''));
  else if (!TERMINATION_MESSAGE_POLICIES.includes(tmp)) errs.push(notSupported(path.child('terminationMessagePolicy'), tmp, TERMINATION_MESSAGE_POLICIES));
  errs.push(...validateContainerPorts(c.ports, path.child('ports')));
  errs.push(...validateEnv(c.env, path.child('env'), opts));
  errs.push(...validateEnvFrom(c.envFrom, path.child('envFrom'), opts));
  errs.push(...validateVolumeMounts(c, volumes, path.child('volumeMounts')));
  const pp = path.child('imagePullPolicy');
  if (!c.imagePullPolicy) errs.push(required(pp, ''));
  else if (!PULL_POLICIES.includes(c.imagePullPolicy)) errs.push(notSupported(pp, c.imagePullPolicy, PULL_POLICIES));
  errs.push(...validateResourceRequirements(c.resources, path.child('resources')));
  errs.push(...validateSecurityContext(c.securityContext, path.child('securityContext')));
  return errs;
}

/** Host ports must not collide (protocol/hostIP/port) within the given containers. */
function checkHostPortConflicts(containers: Obj[], path: FieldPath, indexOffset = 0): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    arr(c?.ports).forEach((p: Obj, pi) => {
      if (!p?.hostPort) return;
      const key = `${p.protocol ?? ''}/${p.hostIP ?? ''}/${p.hostPort}`;
      if (seen.has(key)) errs.push(duplicate(path.index(ci + indexOffset).child('ports').index(pi).child('hostPort'), key));
      seen.add(key);
    });
  });
  return errs;
}

function validateContainers(containers: unknown, volumes: Map<string, Obj>, gracePeriod: number | undefined, path: FieldPath, opts: PodValidationOptions): FieldError[] {
  const list = arr(containers).map(obj);
  if (list.length === 0) return [required(path, '')];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((c, i) => {
    const cp = path.index(i);
    errs.push(...validateContainerCommon(c, volumes, cp, opts));
    if (names.has(c.name)) errs.push(duplicate(cp.child('name'), c.name));
    else names.add(c.name);
    errs.push(...validateProbes(c, gracePeriod, cp));
    if (c.restartPolicy !== undefined) errs.push(forbidden(cp.child('restartPolicy'), 'may not be set for non-init containers'));
  });
  errs.push(...checkHostPortConflicts(list, path));
  return errs;
}

function validateInitContainers(
  inits: unknown,
  regular: unknown,
  volumes: Map<string, Obj>,
  gracePeriod: number | undefined,
  path: FieldPath,
  opts: PodValidationOptions,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>(arr(regular).map((c: Obj) => c?.name));
  arr(inits).map(obj).forEach((c, i) => {
    const cp = path.index(i);
    errs.push(...validateContainerCommon(c, volumes, cp, opts));
    let restartAlways = false;
    if (c.restartPolicy !== undefined) {
      if (c.restartPolicy !== 'Always') errs.push(notSupported(cp.child('restartPolicy'), c.restartPolicy, ['Always']));
      restartAlways = c.restartPolicy === 'Always';
    }
    if (names.has(c.name)) errs.push(duplicate(cp.child('name'), c.name));
    else if (c.name) names.add(c.name);
    errs.push(...checkHostPortConflicts([c], path, i));
    if (restartAlways) errs.push(...validateProbes(c, gracePeriod, cp));
    else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[f]) errs.push(forbidden(cp.child(f), 'may not be set for init containers without restartPolicy=Always'));
      }
    }
    if (arr(c.resizePolicy).length > 0) errs.push(invalid(cp.child('resizePolicy'), c.resizePolicy, 'must not be set for init containers'));
  });
  return errs;
}

function validateEphemeralContainers(spec: Obj, volumes: Map<string, Obj>, path: FieldPath, opts: PodValidationOptions): FieldError[] {
  const list = arr(spec.ephemeralContainers).map(obj);
  if (list.length === 0) return [];
  const errs: FieldError[] = [];
  const others = new Set<string>([...arr(spec.containers), ...arr(spec.initContainers)].map((c: Obj) => c?.name));
  const all = new Set(others);
  list.forEach((c, i) => {
    const cp = path.index(i);
    errs.push(...validateContainerCommon(c, volumes, cp, opts));
    if (all.has(c.name)) errs.push(duplicate(cp.child('name'), c.name));
    else all.add(c.name);
    if (c.targetContainerName && !others.has(c.targetContainerName)) errs.push(notFound(cp.child('targetContainerName'), c.targetContainerName));
    for (const f of ['ports', 'resources', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle']) {
      const v = c[f];
      if (v !== undefined && !(isPlainObject(v) && Object.keys(v).length === 0) && !(Array.isArray(v) && v.length === 0)) {
        errs.push(forbidden(cp.child(f), 'cannot be set for an Ephemeral Container'));
      }
    }
  });
  return errs;
}

// --- Scheduling ----------------------------------------------------------------------------------

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTaintEffect(effect: string | undefined, allowEmpty: boolean, path: FieldPath): FieldError[] {
  if (!allowEmpty && !effect) return [required(path, '')];
  return TAINT_EFFECTS.includes(effect ?? '') ? [] : [notSupported(path, effect ?? '', TAINT_EFFECTS)];
}

export function validateTolerations(tolerations: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  arr(tolerations).forEach((t: Obj, i) => {
    const tol = obj(t);
    const ip = path.index(i);
    if (tol.key) errs.push(...validateLabelName(tol.key, ip.child('key')));
    if (!tol.key && tol.operator !== 'Exists') {
      errs.push(invalid(ip.child('operator'), tol.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (tol.tolerationSeconds !== undefined && tol.tolerationSeconds !== null && tol.effect !== 'NoExecute') {
      errs.push(invalid(ip.child('effect'), tol.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (tol.operator ?? '') {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(tol.value ?? '');
        if (msgs.length) errs.push(invalid(ip.child('operator'), tol.value ?? '', msgs.join(';')));
        break;
      }
      case 'Exists':
        if (tol.value) errs.push(invalid(ip.child('operator'), tol, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(ip.child('operator'), tol.operator, ['Equal', 'Exists']));
    }
    if (tol.effect) errs.push(...validateTaintEffect(tol.effect, true, ip.child('effect')));
  });
  return errs;
}

function validateNodeSelectorRequirement(rq: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const values = arr(rq.values);
  switch (rq.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(forbidden(path.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) errs.push(required(path.child('values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      break;
    default:
      errs.push(invalid(path.child('operator'), rq.operator ?? '', 'not a valid selector operator'));
  }
  return [...errs, ...validateLabelName(rq.key ?? '', path.child('key'))];
}

function validateNodeFieldSelectorRequirement(rq: Obj, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (rq.operator === 'In' || rq.operator === 'NotIn') {
    if (arr(rq.values).length !== 1) errs.push(required(path.child('values'), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
  } else errs.push(invalid(path.child('operator'), rq.operator ?? '', 'not a valid selector operator'));
  if (rq.key !== 'metadata.name') errs.push(invalid(path.child('key'), rq.key ?? '', 'not a valid field selector key'));
  else arr(rq.values).forEach((v, i) => errs.push(...isDNS1123Subdomain(v).map((m) => invalid(path.child('values').index(i), v, m))));
  return errs;
}

function validateNodeSelectorTerm(term: Obj, path: FieldPath): FieldError[] {
  return [
    ...arr(term.matchExpressions).flatMap((r, j) => validateNodeSelectorRequirement(obj(r), path.child('matchExpressions').index(j))),
    ...arr(term.matchFields).flatMap((r, j) => validateNodeFieldSelectorRequirement(obj(r), path.child('matchFields').index(j))),
  ];
}

function validatePodAffinityTerm(term: Obj, path: FieldPath): FieldError[] {
  const errs = [
    ...validateLabelSelector(term.labelSelector, path.child('labelSelector')),
    ...validateLabelSelector(term.namespaceSelector, path.child('namespaceSelector')),
  ];
  // Kubernetes reports bad namespaces on `namespace` (singular).
  for (const ns of arr(term.namespaces)) errs.push(...isDNS1123Label(ns).map((m) => invalid(path.child('namespace'), ns, m)));
  for (const f of ['matchLabelKeys', 'mismatchLabelKeys']) {
    const keys = arr(term[f]);
    if (keys.length && !term.labelSelector) errs.push(forbidden(path.child(f), 'must not be specified when labelSelector is not set'));
    else keys.forEach((k, i) => errs.push(...validateLabelName(k, path.child(f).index(i))));
  }
  if (!term.topologyKey) errs.push(required(path.child('topologyKey'), 'can not be empty'));
  return [...errs, ...validateLabelName(term.topologyKey ?? '', path.child('topologyKey'))];
}

function validateWeighted(terms: unknown, path: FieldPath, inner: (t: Obj, p: FieldPath) => FieldError[], innerField: string): FieldError[] {
  return arr(terms).flatMap((t: Obj, i) => {
    const ip = path.index(i);
    const errs: FieldError[] = [];
    const w = t?.weight ?? 0;
    if (w <= 0 || w > 100) errs.push(invalid(ip.child('weight'), w, 'must be in the range 1-100'));
    return [...errs, ...inner(obj(t?.[innerField]), ip.child(innerField))];
  });
}

function validateAffinity(affinity: Obj | undefined, path: FieldPath): FieldError[] {
  if (!affinity) return [];
  const errs: FieldError[] = [];
  const na = affinity.nodeAffinity;
  if (na) {
    const np = path.child('nodeAffinity');
    const req = na.requiredDuringSchedulingIgnoredDuringExecution;
    if (req) {
      const tp = np.child('requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms');
      const terms = arr(req.nodeSelectorTerms);
      if (terms.length === 0) errs.push(required(tp, 'must have at least one node selector term'));
      terms.forEach((t, i) => errs.push(...validateNodeSelectorTerm(obj(t), tp.index(i))));
    }
    errs.push(...validateWeighted(na.preferredDuringSchedulingIgnoredDuringExecution, np.child('preferredDuringSchedulingIgnoredDuringExecution'), validateNodeSelectorTerm, 'preference'));
  }
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const pa = affinity[kind];
    if (!pa) continue;
    const kp = path.child(kind);
    arr(pa.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) =>
      errs.push(...validatePodAffinityTerm(obj(t), kp.child('requiredDuringSchedulingIgnoredDuringExecution').index(i))),
    );
    errs.push(...validateWeighted(pa.preferredDuringSchedulingIgnoredDuringExecution, kp.child('preferredDuringSchedulingIgnoredDuringExecution'), validatePodAffinityTerm, 'podAffinityTerm'));
  }
  return errs;
}

function validateTopologySpreadConstraints(constraints: unknown, path: FieldPath): FieldError[] {
  const list = arr(constraints).map(obj);
  const errs: FieldError[] = [];
  list.forEach((c, i) => {
    const ip = path.index(i);
    if (!(c.maxSkew > 0)) errs.push(invalid(ip.child('maxSkew'), c.maxSkew ?? 0, 'must be greater than zero'));
    if (!c.topologyKey) errs.push(required(ip.child('topologyKey'), 'can not be empty'));
    if (!['DoNotSchedule', 'ScheduleAnyway'].includes(c.whenUnsatisfiable)) {
      errs.push(notSupported(ip.child('whenUnsatisfiable'), c.whenUnsatisfiable ?? '', ['DoNotSchedule', 'ScheduleAnyway']));
    }
    if (list.slice(i + 1).some((o) => o.topologyKey === c.topologyKey && o.whenUnsatisfiable === c.whenUnsatisfiable)) {
      errs.push(duplicate(ip.child('{topologyKey, whenUnsatisfiable}'), `{${c.topologyKey ?? ''}, ${c.whenUnsatisfiable ?? ''}}`));
    }
    if (c.minDomains !== undefined) {
      if (!(c.minDomains > 0)) errs.push(invalid(ip.child('minDomains'), c.minDomains, 'must be greater than zero'));
      if (c.whenUnsatisfiable !== 'DoNotSchedule') {
        errs.push(invalid(ip.child('minDomains'), c.minDomains, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${c.whenUnsatisfiable ?? ''}`));
      }
    }
    for (const f of ['nodeAffinityPolicy', 'nodeTaintsPolicy']) {
      if (c[f] !== undefined && !['Honor', 'Ignore'].includes(c[f])) errs.push(notSupported(ip.child(f), c[f], ['Honor', 'Ignore']));
    }
    errs.push(...validateLabelSelector(c.labelSelector, ip.child('labelSelector')));
  });
  return errs;
}

function validatePodDNSConfig(spec: Obj, path: FieldPath): FieldError[] {
  const cfg = spec.dnsConfig;
  if (spec.dnsPolicy === 'None') {
    if (!cfg) return [required(path, 'must provide `dnsConfig` when `dnsPolicy` is None')];
    if (arr(cfg.nameservers).length === 0) return [required(path.child('nameservers'), 'must provide at least one DNS nameserver when `dnsPolicy` is None')];
  }
  if (!cfg) return [];
  const errs: FieldError[] = [];
  const ns = arr(cfg.nameservers);
  if (ns.length > 3) errs.push(invalid(path.child('nameservers'), ns, 'must not have more than 3 nameservers'));
  ns.forEach((ip, i) => errs.push(...isIP(ip).map((m) => invalid(path.child('nameservers').index(i), ip, m))));
  const searches = arr(cfg.searches);
  if (searches.length > 32) errs.push(invalid(path.child('searches'), searches, 'must not have more than 32 search paths'));
  if (searches.join(' ').length > 2048) errs.push(invalid(path.child('searches'), searches, 'must not have more than 2048 characters (including spaces) in the search list'));
  searches.forEach((s: string, i) => {
    const t = String(s).replace(/\.$/, '');
    errs.push(...isDNS1123Subdomain(t).map((m) => invalid(path.child('searches').index(i), t, m)));
  });
  arr(cfg.options).forEach((o, i) => {
    if (!o?.name) errs.push(required(path.child('options').index(i), 'must not be empty'));
  });
  return errs;
}

function validatePodSecurityContext(spec: Obj, path: FieldPath): FieldError[] {
  const sc = spec.securityContext;
  if (!sc) return [];
  const errs: FieldError[] = [];
  for (const f of ['fsGroup', 'runAsGroup']) {
    if (typeof sc[f] === 'number') errs.push(...isValidGroupID(sc[f]).map((m) => invalid(path.child(f), sc[f], m)));
  }
  if (typeof sc.runAsUser === 'number') errs.push(...isValidUserID(sc.runAsUser).map((m) => invalid(path.child('runAsUser'), sc.runAsUser, m)));
  arr(sc.supplementalGroups).forEach((g, i) => errs.push(...isValidGroupID(g).map((m) => invalid(path.child('supplementalGroups').index(i), g, m))));
  if (spec.shareProcessNamespace === true && spec.hostPID === true) {
    errs.push(invalid(path.child('shareProcessNamespace'), true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  }
  const seen = new Set<string>();
  arr(sc.sysctls).forEach((s: Obj, i) => {
    const np = path.child('sysctls').index(i).child('name');
    if (!s?.name) errs.push(required(np, ''));
    else if (s.name.length > 253 || !/^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/.test(s.name)) {
      errs.push(invalid(np, s.name, 'must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$'));
    } else if (seen.has(s.name)) errs.push(duplicate(np, s.name));
    seen.add(s?.name);
  });
  if (sc.fsGroupChangePolicy !== undefined && !['Always', 'OnRootMismatch'].includes(sc.fsGroupChangePolicy)) {
    errs.push(notSupported(path.child('fsGroupChangePolicy'), sc.fsGroupChangePolicy, ['Always', 'OnRootMismatch']));
  }
  return [...errs, ...validateSeccompProfileField(sc.seccompProfile, path.child('seccompProfile'))];
}

// --- PodSpec -------------------------------------------------------------------------------------

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];

/** ValidatePodSpec. `path` is the spec's path (`spec`, `spec.template.spec`). */
export function validatePodSpec(spec: Obj | undefined, path: FieldPath, opts: PodValidationOptions = {}): FieldError[] {
  const s = obj(spec);
  const errs: FieldError[] = [];
  if (s.terminationGracePeriodSeconds === undefined || s.terminationGracePeriodSeconds === null) {
    errs.push(required(path.child('terminationGracePeriodSeconds'), ''));
  }
  const grace: number | undefined = s.terminationGracePeriodSeconds ?? undefined;
  const { names: volumes, errs: volErrs } = validateVolumes(s.volumes, path.child('volumes'));
  errs.push(...volErrs);
  errs.push(...validateContainers(s.containers, volumes, grace, path.child('containers'), opts));
  errs.push(...validateInitContainers(s.initContainers, s.containers, volumes, grace, path.child('initContainers'), opts));
  errs.push(...validateEphemeralContainers(s, volumes, path.child('ephemeralContainers'), opts));
  if (s.hostNetwork === true) {
    arr(s.containers).forEach((c: Obj, i) =>
      arr(c?.ports).forEach((p: Obj, j) => {
        const hp = p?.hostPort ?? 0;
        if ((opts.resourceIsPod || hp !== 0) && hp !== p?.containerPort) {
          errs.push(invalid(path.child('containers').index(i).child('ports').index(j).child('hostPort'), hp, 'must match `containerPort` when `hostNetwork` is true'));
        }
      }),
    );
  }
  const rp = path.child('restartPolicy');
  if (!s.restartPolicy) errs.push(required(rp, ''));
  else if (!RESTART_POLICIES.includes(s.restartPolicy)) errs.push(notSupported(rp, s.restartPolicy, RESTART_POLICIES));
  const dp = path.child('dnsPolicy');
  if (!s.dnsPolicy) errs.push(required(dp, ''));
  else if (!DNS_POLICIES.includes(s.dnsPolicy)) errs.push(notSupported(dp, s.dnsPolicy, DNS_POLICIES));
  errs.push(...validateLabels(s.nodeSelector, path.child('nodeSelector')));
  errs.push(...validatePodSecurityContext(s, path.child('securityContext')));
  arr(s.imagePullSecrets).forEach((r, i) => {
    if (!isPlainObject(r) || Object.keys(r).some((k) => k !== 'name')) errs.push(invalid(path.child('imagePullSecrets').index(i), r, 'only name may be set'));
  });
  errs.push(...validateAffinity(s.affinity, path.child('affinity')));
  errs.push(...validatePodDNSConfig(s, path.child('dnsConfig')));
  arr(s.readinessGates).forEach((g, i) => {
    const p = path.child('readinessGates').index(i).child('conditionType');
    errs.push(...isQualifiedName(g?.conditionType ?? '').map((m) => invalid(p, g?.conditionType ?? '', m)));
  });
  const gates = new Set<string>();
  arr(s.schedulingGates).forEach((g, i) => {
    const p = path.child('schedulingGates').index(i);
    errs.push(...isQualifiedName(g?.name ?? '').map((m) => invalid(p, g?.name ?? '', m)));
    if (gates.has(g?.name)) errs.push(duplicate(p, g?.name));
    gates.add(g?.name);
  });
  errs.push(...validateTopologySpreadConstraints(s.topologySpreadConstraints, path.child('topologySpreadConstraints')));
  for (const f of ['serviceAccountName', 'nodeName', 'priorityClassName']) {
    if (s[f]) errs.push(...isDNS1123Subdomain(s[f]).map((m) => invalid(path.child(f), s[f], m)));
  }
  if (s.activeDeadlineSeconds !== undefined && s.activeDeadlineSeconds !== null) {
    const v = s.activeDeadlineSeconds;
    if (v < 1 || v > MAX_INT32) errs.push(invalid(path.child('activeDeadlineSeconds'), v, inclusiveRangeError(1, MAX_INT32)));
  }
  for (const f of ['hostname', 'subdomain']) {
    if (s[f]) errs.push(...isDNS1123Label(s[f]).map((m) => invalid(path.child(f), s[f], m)));
  }
  errs.push(...validateTolerations(s.tolerations, path.child('tolerations')));
  arr(s.hostAliases).forEach((h: Obj, i) => {
    const hp = path.child('hostAliases').index(i);
    errs.push(...isIP(h?.ip ?? '').map((m) => invalid(hp.child('ip'), h?.ip ?? '', m)));
    arr(h?.hostnames).forEach((n, j) => errs.push(...isDNS1123Subdomain(n).map((m) => invalid(hp.child('hostnames').index(j), n, m))));
  });
  if (typeof s.runtimeClassName === 'string') {
    errs.push(...isDNS1123Subdomain(s.runtimeClassName).map((m) => invalid(path.child('runtimeClassName'), s.runtimeClassName, m)));
  }
  if (s.preemptionPolicy !== undefined && s.preemptionPolicy !== null) {
    const pp = path.child('preemptionPolicy');
    if (!s.preemptionPolicy) errs.push(required(pp, ''));
    else if (!['PreemptLowerPriority', 'Never'].includes(s.preemptionPolicy)) errs.push(notSupported(pp, s.preemptionPolicy, ['PreemptLowerPriority', 'Never']));
  }
  if (s.os) {
    if (!s.os.name) errs.push(required(path.child('os', 'name'), 'cannot be empty'));
    else if (!['linux', 'windows'].includes(s.os.name)) errs.push(notSupported(path.child('os'), s.os.name, ['linux', 'windows']));
  }
  return errs;
}

// --- Annotations with meaning for pods ----------------------------------------------------------

function validateSeccompAnnotation(p: string, path: FieldPath): FieldError[] {
  if (['runtime/default', 'docker/default', 'unconfined'].includes(p)) return [];
  if (p.startsWith('localhost/')) return validateLocalDescendingPath(p.slice('localhost/'.length), path);
  return [invalid(path, p, 'must be a valid seccomp profile')];
}

/** ValidatePodSpecificAnnotations: mirror pods, pod-deletion-cost, seccomp annotations. */
export function validatePodSpecificAnnotations(annotations: Record<string, string> | undefined, spec: Obj | undefined, path: FieldPath): FieldError[] {
  const a = annotations ?? {};
  const errs: FieldError[] = [];
  const mirror = 'kubernetes.io/config.mirror';
  if (mirror in a && !spec?.nodeName) errs.push(invalid(path.key(mirror), a[mirror], 'must set spec.nodeName if mirror pod annotation is set'));
  const cost = 'controller.kubernetes.io/pod-deletion-cost';
  if (cost in a) {
    const v = a[cost]!;
    const n = Number(v);
    if (!/^[+-]?\d+$/.test(v.trim()) || v.trim() !== v || n < -2147483648 || n > MAX_INT32) errs.push(invalid(path.key(cost), v, 'must be a 32bit integer'));
  }
  for (const [k, v] of Object.entries(a)) {
    if (k === 'seccomp.security.alpha.kubernetes.io/pod' || k.startsWith('container.seccomp.security.alpha.kubernetes.io/')) {
      errs.push(...validateSeccompAnnotation(v, path.child(k)));
    }
  }
  return errs;
}

/** ValidatePodTemplateSpec. `path` is the template's path (`spec.template`). */
export function validatePodTemplateSpec(t: Obj | undefined, path: FieldPath, opts: PodValidationOptions = {}): FieldError[] {
  const tmpl = obj(t);
  const meta = obj(tmpl.metadata);
  const errs = [
    // Kubernetes reports template label and annotation problems on `template.labels`, not `template.metadata.labels`.
    ...validateLabels(meta.labels, path.child('labels')),
    ...validateAnnotations(meta.annotations, path.child('annotations')),
    ...validatePodSpecificAnnotations(meta.annotations, tmpl.spec, path.child('annotations')),
    ...validatePodSpec(tmpl.spec, path.child('spec'), opts),
  ];
  if (arr(tmpl.spec?.ephemeralContainers).length > 0) {
    errs.push(forbidden(path.child('spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

/** Checks shared by pod create and update (validatePodMetadataAndSpec). */
function validatePodMetadataAndSpec(pod: KObject, opts: PodValidationOptions): FieldError[] {
  const meta = FieldPath.root('metadata');
  const spec = FieldPath.root('spec');
  const o = { ...opts, resourceIsPod: true };
  const errs = [
    ...validateObjectMeta(pod.metadata ?? {}, { namespaced: true, nameRule: 'dns1123-subdomain' }),
    ...validatePodSpecificAnnotations(pod.metadata?.annotations, pod.spec, meta.child('annotations')),
    ...validatePodSpec(pod.spec, spec, o),
  ];
  if (!pod.spec?.serviceAccountName) {
    arr(pod.spec?.volumes).forEach((v: Obj, vi) =>
      arr(v?.projected?.sources).forEach((src: Obj, si) => {
        if (src?.serviceAccountToken) {
          errs.push(forbidden(spec.child('volumes').index(vi).child('projected', 'sources').index(si).child('serviceAccountToken'), 'must not be specified when serviceAccountName is not set'));
        }
      }),
    );
  }
  for (const kind of ['containers', 'initContainers']) {
    arr(pod.spec?.[kind]).forEach((c: Obj, i) => {
      if (typeof c?.image === 'string' && c.image !== c.image.trim()) {
        errs.push(invalid(spec.child(kind).index(i).child('image'), c.image, 'must not have leading or trailing whitespace'));
      }
    });
  }
  return errs;
}

/** ValidatePodCreate. */
export function validatePod(pod: KObject, opts: PodValidationOptions = {}): FieldError[] {
  const errs = validatePodMetadataAndSpec(pod, opts);
  const spec = FieldPath.root('spec');
  if (arr(pod.spec?.ephemeralContainers).length > 0) errs.push(forbidden(spec.child('ephemeralContainers'), 'cannot be set on create'));
  if (pod.spec?.nodeName && arr(pod.spec?.schedulingGates).length > 0) {
    errs.push(forbidden(spec.child('nodeName'), 'cannot be set until all schedulingGates have been cleared'));
  }
  return errs;
}

// --- Pod updates ---------------------------------------------------------------------------------

const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function validateOnlyAddedTolerations(newT: unknown, oldT: unknown, path: FieldPath): FieldError[] {
  for (const old of arr(oldT)) {
    const found = arr(newT).some((n: Obj) => deepEqual({ ...obj(old), tolerationSeconds: n?.tolerationSeconds }, { ...obj(n), tolerationSeconds: n?.tolerationSeconds }));
    if (!found) return [forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(newT, path);
}

/** A short account of what changed (Kubernetes appends a cmp.Diff of the two specs). */
function specDiff(oldSpec: Obj, newSpec: Obj): string {
  const lines: string[] = [];
  for (const k of new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])) {
    if (deepEqual(oldSpec[k], newSpec[k])) continue;
    if (oldSpec[k] !== undefined) lines.push(`-\t${k}: ${JSON.stringify(oldSpec[k])}`);
    if (newSpec[k] !== undefined) lines.push(`+\t${k}: ${JSON.stringify(newSpec[k])}`);
  }
  return lines.join('\n');
}

/** ValidatePodUpdate: only images, activeDeadlineSeconds, added tolerations (and a few more) may change. */
export function validatePodUpdate(pod: KObject, old: KObject, opts: PodValidationOptions = {}): FieldError[] {
  const meta = FieldPath.root('metadata');
  const spec = FieldPath.root('spec');
  const errs = [
    ...validateObjectMetaUpdate(pod.metadata ?? {}, old.metadata ?? {}),
    ...validatePodMetadataAndSpec(pod, opts),
    ...validatePodAnnotationUpdates(pod, old, meta.child('annotations')),
  ];
  const ns = obj(pod.spec);
  const os = obj(old.spec);
  for (const kind of ['containers', 'initContainers']) {
    const nc = arr(ns[kind]);
    if (nc.length !== arr(os[kind]).length) return [...errs, forbidden(spec.child(kind), 'pod updates may not add or remove containers')];
    nc.forEach((c: Obj, i) => {
      if (!c?.image) errs.push(required(spec.child(kind).index(i).child('image'), ''));
      if (typeof c?.image === 'string' && c.image.trim() !== c.image) {
        errs.push(invalid(spec.child(kind).index(i).child('image'), c.image, 'must not have leading or trailing whitespace'));
      }
    });
  }
  const ad = spec.child('activeDeadlineSeconds');
  if (ns.activeDeadlineSeconds !== undefined && ns.activeDeadlineSeconds !== null) {
    const v = ns.activeDeadlineSeconds;
    if (v < 0 || v > MAX_INT32) return [...errs, invalid(ad, v, inclusiveRangeError(0, MAX_INT32))];
    if (typeof os.activeDeadlineSeconds === 'number' && os.activeDeadlineSeconds < v) {
      return [...errs, invalid(ad, v, 'must be less than or equal to previous value')];
    }
  } else if (os.activeDeadlineSeconds !== undefined && os.activeDeadlineSeconds !== null) {
    errs.push(invalid(ad, null, 'must not update from a positive integer to nil value'));
  }
  errs.push(...validateOnlyAddedTolerations(ns.tolerations, os.tolerations, spec.child('tolerations')));
  const oldGates = new Set(arr(os.schedulingGates).map((g: Obj) => g?.name));
  arr(ns.schedulingGates).forEach((g: Obj, i) => {
    if (!oldGates.has(g?.name)) errs.push(forbidden(spec.child('schedulingGates').index(i).child('name'), `only deletion is allowed, but found new scheduling gate '${g?.name}'`));
  });
  if (deepEqual(ns, os)) return errs;
  // Kubernetes reports this one on `metadata`.
  if (podQOS(old) !== computePodQOSClass(pod)) errs.push(invalid(meta, pod.status?.qosClass ?? '', 'Pod QoS is immutable'));

  const munged: Obj = JSON.parse(JSON.stringify(ns));
  for (const kind of ['containers', 'initContainers']) {
    arr(munged[kind]).forEach((c: Obj, i) => {
      const oldImage = arr(os[kind])[i]?.image;
      if (oldImage === undefined) delete c.image;
      else c.image = oldImage;
    });
  }
  if (os.activeDeadlineSeconds === undefined) delete munged.activeDeadlineSeconds;
  else munged.activeDeadlineSeconds = os.activeDeadlineSeconds;
  for (const f of ['schedulingGates', 'tolerations']) {
    if (os[f] === undefined) delete munged[f];
    else munged[f] = os[f];
  }
  if (typeof os.terminationGracePeriodSeconds === 'number' && os.terminationGracePeriodSeconds < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = os.terminationGracePeriodSeconds;
  }
  // A pod still waiting on scheduling gates may gain nodeSelector entries.
  if (arr(os.schedulingGates).length > 0 && !deepEqual(munged.nodeSelector, os.nodeSelector)) {
    const oldSel = obj(os.nodeSelector);
    const newSel = obj(munged.nodeSelector);
    if (Object.entries(oldSel).some(([k, v]) => newSel[k] !== v)) {
      errs.push(invalid(spec.child('nodeSelector'), munged.nodeSelector ?? null, 'only additions to spec.nodeSelector are allowed (no mutations or deletions)'));
    }
    if (os.nodeSelector === undefined) delete munged.nodeSelector;
    else munged.nodeSelector = os.nodeSelector;
  }
  if (!deepEqual(munged, os)) {
    errs.push(forbidden(spec, `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${specDiff(os, munged)}`));
  }
  return errs;
}

/** ValidatePodSpecificAnnotationUpdates: the mirror-pod annotation cannot be added, changed or removed. */
function validatePodAnnotationUpdates(pod: KObject, old: KObject, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const na = pod.metadata?.annotations ?? {};
  const oa = old.metadata?.annotations ?? {};
  const mirror = 'kubernetes.io/config.mirror';
  if (mirror in oa && na[mirror] !== oa[mirror]) errs.push(forbidden(path.key(mirror), 'may not remove or update mirror pod annotation'));
  if (mirror in na && !(mirror in oa)) errs.push(forbidden(path.key(mirror), 'may not add mirror pod annotation'));
  return [...errs, ...validatePodSpecificAnnotations(na, pod.spec, path)];
}

function validateContainerStateTransition(newStatuses: unknown, oldStatuses: unknown, path: FieldPath, restartPolicy: string, inits?: Obj[]): FieldError[] {
  if (restartPolicy === 'Always') return [];
  const errs: FieldError[] = [];
  arr(oldStatuses).forEach((o: Obj, i) => {
    const term = o?.state?.terminated;
    if (!term) return;
    if ((term.exitCode ?? 0) !== 0 && restartPolicy === 'OnFailure') return;
    if (inits?.some((c) => c?.name === o.name && c?.restartPolicy === 'Always')) return;
    for (const n of arr(newStatuses)) {
      if (n?.name === o.name && !n?.state?.terminated) errs.push(forbidden(path.index(i).child('state'), 'may not be transitioned to non-terminated state'));
    }
  });
  return errs;
}

function validateIPList(list: unknown, path: FieldPath): FieldError[] {
  const ips = arr(list);
  const errs = ips.flatMap((x: Obj, i) => isIP(x?.ip ?? '').map((m) => invalid(path.index(i), x?.ip ?? '', m)));
  if (ips.length > 1) {
    const dual = ips.length === 2 && isIPv4(ips[0]?.ip ?? '') !== isIPv4(ips[1]?.ip ?? '') && ips.every((x: Obj) => isIPv4(x?.ip ?? '') || isIPv6(x?.ip ?? ''));
    if (!dual) errs.push(invalid(path, ips, 'may specify no more than one IP for each IP family'));
    const seen = new Set<string>();
    ips.forEach((x: Obj, i) => {
      if (seen.has(x?.ip)) errs.push(duplicate(path.index(i), x));
      seen.add(x?.ip);
    });
  }
  return errs;
}

const SYSTEM_POD_CONDITIONS = new Set(['PodScheduled', 'Ready', 'Initialized']);

/** ValidatePodStatusUpdate. */
export function validatePodStatusUpdate(pod: KObject, old: KObject): FieldError[] {
  const meta = FieldPath.root('metadata');
  const st = FieldPath.root('status');
  const errs = [...validateObjectMetaUpdate(pod.metadata ?? {}, old.metadata ?? {}), ...validatePodAnnotationUpdates(pod, old, meta.child('annotations'))];
  // Kubernetes reports condition types on `metadata.conditions[i].Type`.
  arr(pod.status?.conditions).forEach((c: Obj, i) => {
    if (SYSTEM_POD_CONDITIONS.has(c?.type)) return;
    errs.push(...isQualifiedName(c?.type ?? '').map((m) => invalid(meta.child('conditions').index(i).child('Type'), c?.type ?? '', m)));
  });
  if ((pod.spec?.nodeName ?? '') !== (old.spec?.nodeName ?? '')) errs.push(forbidden(st.child('nodeName'), 'may not be changed directly'));
  const nn = pod.status?.nominatedNodeName;
  if (nn && nn !== old.status?.nominatedNodeName) errs.push(...isDNS1123Subdomain(nn).map((m) => invalid(st.child('nominatedNodeName'), nn, m)));
  const rp = old.spec?.restartPolicy ?? '';
  errs.push(...validateContainerStateTransition(pod.status?.containerStatuses, old.status?.containerStatuses, st.child('containerStatuses'), rp));
  errs.push(...validateContainerStateTransition(pod.status?.initContainerStatuses, old.status?.initContainerStatuses, st.child('initContainerStatuses'), rp, arr(old.spec?.initContainers)));
  errs.push(...validateContainerStateTransition(pod.status?.ephemeralContainerStatuses, old.status?.ephemeralContainerStatuses, st.child('ephemeralContainerStatuses'), 'Never'));
  errs.push(...validateIPList(pod.status?.podIPs, st.child('podIPs')));
  const hostIPs = arr(pod.status?.hostIPs);
  if (hostIPs.length > 0) {
    if ((pod.status?.hostIP ?? '') !== hostIPs[0]?.ip) errs.push(invalid(st.child('hostIPs').index(0).child('ip'), hostIPs[0]?.ip ?? '', 'must be equal to `hostIP`'));
    errs.push(...validateIPList(hostIPs, st.child('hostIPs')));
  }
  return errs;
}
