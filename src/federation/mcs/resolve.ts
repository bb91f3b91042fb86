/**
 * What the ServiceExports of one namespaced name across the clusterset make (KEP-1645,
 * "Constraints and Conflict Resolution"), as a pure function:
 *
 * - Validity, per export: its cluster must hold a Service of the same name (`Valid=False`,
 *   reason `NoService`) that is not of type ExternalName (`InvalidServiceType`); otherwise
 *   `Valid=True`, reason `Valid`. Only valid exports make up the clusterset service.
 * - Precedence: the valid exports ordered by their `creationTimestamp`, oldest first (ties by
 *   cluster name). Every property comes from the oldest export's Service.
 * - Ports: the union of the constituent Services' ports, merged first by name, then by
 *   (protocol, port): a port whose name is already taken with another protocol, port or
 *   appProtocol, or whose (protocol, port) is already taken under another name, is dropped in
 *   favour of the older one. Ports that are not identical in every constituent Service are a
 *   conflict (`PortConflict`), even when the union keeps them all (as the mcs-api conformance
 *   suite expects).
 * - Type (headless or not: `TypeConflict`), session affinity (`SessionAffinityConflict`) and its
 *   config (`SessionAffinityConfigConflict`), internal traffic policy
 *   (`InternalTrafficPolicyConflict`), traffic distribution (`TrafficDistributionConflict`), IP
 *   families (`IPFamilyConflict`), and the exports' exportedLabels (`LabelsConflict`) and
 *   exportedAnnotations (`AnnotationsConflict`): the oldest export's value.
 * - `Conflict` goes on every valid export of the service: `True` with the reasons joined by
 *   commas (in the order above) and a message naming, per property, the value used, the cluster
 *   it comes from and how many clusters disagree; otherwise `False`, reason `NoConflicts`. An
 *   invalid export takes no part and gets `Conflict=False`.
 */
import { deepEqual, type KObject } from '../../apis/object.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface McsCondition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export interface McsPort {
  name: string;
  protocol: string;
  port: number;
  appProtocol?: string;
}

/** One cluster's ServiceExport and the Service of the same name there (if any). */
export interface ClusterExport {
  cluster: string;
  export: KObject;
  service?: KObject;
}

/** The clusterset service the valid exports make, as every importing cluster should see it. */
export interface DerivedService {
  type: 'ClusterSetIP' | 'Headless';
  ports: McsPort[];
  sessionAffinity: string;
  sessionAffinityConfig?: Record<string, unknown>;
  internalTrafficPolicy?: string;
  trafficDistribution?: string;
  /** The IP families of the exported Services (a Headless import's; a ClusterSetIP import's are those of its allocated IPs). */
  ipFamilies: string[];
  /** Labels and annotations the oldest export asks to be set on the ServiceImport. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The exporting clusters, sorted by name. */
  clusters: string[];
}

export interface Resolution {
  /** Per cluster with a ServiceExport: its Valid and Conflict conditions. */
  conditions: Map<string, { valid: McsCondition; conflict: McsCondition }>;
  /** Absent when no export is valid: then no cluster imports the service. */
  derived?: DerivedService;
}

export const CONDITION_VALID = 'Valid';
export const CONDITION_CONFLICT = 'Conflict';
export const CONDITION_READY = 'Ready';

const created = (e: ClusterExport) => {
  const t = Date.parse(e.export.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
};

/** Oldest export first (creationTimestamp has seconds granularity: ties by cluster name). */
export const byPrecedence = (a: ClusterExport, b: ClusterExport) => created(a) - created(b) || a.cluster.localeCompare(b.cluster);

export function validity(e: ClusterExport): McsCondition {
  const name = e.export.metadata?.name ?? '';
  const svc = e.service;
  if (!svc || svc.metadata?.deletionTimestamp) return { type: CONDITION_VALID, status: 'False', reason: 'NoService', message: `there is no Service "${name}" in namespace "${e.export.metadata?.namespace ?? ''}" of this cluster` };
  if (svc.spec?.type === 'ExternalName') return { type: CONDITION_VALID, status: 'False', reason: 'InvalidServiceType', message: `Service "${name}" is of type ExternalName, which cannot be exported` };
  return { type: CONDITION_VALID, status: 'True', reason: 'Valid', message: `Service "${name}" is exported to the clusterset` };
}

export function servicePorts(svc: KObject | undefined): McsPort[] {
  return (svc?.spec?.ports ?? []).map((p: KObject) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: Number(p.port), ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
}

const portText = (p: McsPort) => `${p.name ? `"${p.name}" ` : ''}(${p.protocol} ${p.port}${p.appProtocol ? ` ${p.appProtocol}` : ''})`;
const samePort = (a: McsPort, b: McsPort) => a.protocol === b.protocol && a.port === b.port && (a.appProtocol ?? '') === (b.appProtocol ?? '');
const portKey = (p: McsPort) => `${p.name}|${p.protocol}|${p.port}|${p.appProtocol ?? ''}`;
const portSet = (ports: McsPort[]) => ports.map(portKey).sort();

/** The union of the ports, in precedence order; what was dropped and why. */
export function mergePorts(exports: { cluster: string; ports: McsPort[] }[]): { ports: McsPort[]; dropped: string[] } {
  const out: { port: McsPort; cluster: string }[] = [];
  const dropped: string[] = [];
  for (const e of exports) {
    for (const p of e.ports) {
      const byName = out.find((o) => o.port.name === p.name);
      if (byName) {
        if (!samePort(byName.port, p)) dropped.push(`port ${portText(p)} of "${e.cluster}" conflicts with ${portText(byName.port)} of "${byName.cluster}"`);
        continue;
      }
      const byNumber = out.find((o) => o.port.protocol === p.protocol && o.port.port === p.port);
      if (byNumber) {
        dropped.push(`port ${portText(p)} of "${e.cluster}" conflicts with ${portText(byNumber.port)} of "${byNumber.cluster}"`);
        continue;
      }
      out.push({ port: p, cluster: e.cluster });
    }
  }
  return { ports: out.map((o) => o.port), dropped };
}

const isHeadless = (svc: KObject) => svc.spec?.clusterIP === 'None';
const families = (svc: KObject): string[] => (Array.isArray(svc.spec?.ipFamilies) && svc.spec.ipFamilies.length ? [...svc.spec.ipFamilies] : ['IPv4']);
/** Without undefined members, so that absent and undefined compare equal. */
const plain = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

interface Property {
  reason: string;
  what: string;
  value: (e: ClusterExport) => unknown;
}

const PROPERTIES: Property[] = [
  { reason: 'TypeConflict', what: 'type', value: (e) => (isHeadless(e.service!) ? 'Headless' : 'ClusterSetIP') },
  { reason: 'SessionAffinityConflict', what: 'session affinity', value: (e) => e.service!.spec?.sessionAffinity ?? 'None' },
  { reason: 'SessionAffinityConfigConflict', what: 'session affinity config', value: (e) => plain(e.service!.spec?.sessionAffinityConfig) },
  { reason: 'InternalTrafficPolicyConflict', what: 'internal traffic policy', value: (e) => e.service!.spec?.internalTrafficPolicy },
  { reason: 'TrafficDistributionConflict', what: 'traffic distribution', value: (e) => e.service!.spec?.trafficDistribution },
  { reason: 'IPFamilyConflict', what: 'IP families', value: (e) => families(e.service!) },
  { reason: 'LabelsConflict', what: 'exported labels', value: (e) => plain(e.export.spec?.exportedLabels ?? {}) },
  { reason: 'AnnotationsConflict', what: 'exported annotations', value: (e) => plain(e.export.spec?.exportedAnnotations ?? {}) },
];

const shown = (v: unknown) => (v === undefined ? 'none' : JSON.stringify(v));

/**
 * The conditions of a ServiceExport created at the federation, from those of its copies in the
 * members: Valid is True when every copy is valid (Unknown while no member has one yet), False
 * with the copies' reasons and a message per cluster otherwise; Conflict is the service's.
 */
export function summarize(copies: { cluster: string; valid: McsCondition; conflict: McsCondition }[]): McsCondition[] {
  const sorted = [...copies].sort((a, b) => a.cluster.localeCompare(b.cluster));
  const invalid = sorted.filter((c) => c.valid.status !== 'True');
  const valid: McsCondition = !sorted.length
    ? { type: CONDITION_VALID, status: 'Unknown', reason: 'Pending', message: 'no member cluster holds this ServiceExport yet' }
    : invalid.length
      ? { type: CONDITION_VALID, status: 'False', reason: [...new Set(invalid.map((c) => c.valid.reason))].join(','), message: invalid.map((c) => `${c.cluster}: ${c.valid.message}`).join('; ') }
      : { type: CONDITION_VALID, status: 'True', reason: 'Valid', message: `exported from ${sorted.map((c) => c.cluster).join(', ')}` };
  const conflict = sorted.find((c) => c.conflict.status === 'True')?.conflict ?? { type: CONDITION_CONFLICT, status: 'False', reason: 'NoConflicts', message: 'the exporting clusters agree' };
  return [valid, conflict];
}

export function resolveExports(all: ClusterExport[]): Resolution {
  const conditions = new Map<string, { valid: McsCondition; conflict: McsCondition }>();
  const valid: ClusterExport[] = [];
  for (const e of all) {
    const v = validity(e);
    if (v.status === 'True') valid.push(e);
    else conditions.set(e.cluster, { valid: v, conflict: { type: CONDITION_CONFLICT, status: 'False', reason: 'NoConflicts', message: 'the export is not valid, so it takes no part in the clusterset service' } });
  }
  if (!valid.length) return { conditions };
  valid.sort(byPrecedence);
  const oldest = valid[0]!;
  const total = valid.length;
  const reasons: string[] = [];
  const messages: string[] = [];

  const exportPorts = valid.map((e) => ({ cluster: e.cluster, ports: servicePorts(e.service) }));
  const { ports, dropped } = mergePorts(exportPorts);
  const firstSet = portSet(exportPorts[0]!.ports);
  const portsDisagree = exportPorts.filter((p) => !deepEqual(portSet(p.ports), firstSet)).length;
  if (portsDisagree) {
    reasons.push('PortConflict');
    messages.push(`Conflicting ports. Exposing the union of the ports of every exporting cluster${dropped.length ? `, except: ${dropped.join('; ')} (the oldest service export wins)` : ''}. ${portsDisagree}/${total} clusters disagree with the oldest service export in "${oldest.cluster}".`);
  }
  for (const p of PROPERTIES) {
    const want = p.value(oldest);
    const disagree = valid.filter((e) => !deepEqual(p.value(e), want)).length;
    if (!disagree) continue;
    reasons.push(p.reason);
    messages.push(`Conflicting ${p.what}. Using ${shown(want)} from oldest service export in "${oldest.cluster}". ${disagree}/${total} clusters disagree.`);
  }
  const conflict: McsCondition = reasons.length
    ? { type: CONDITION_CONFLICT, status: 'True', reason: reasons.join(','), message: messages.join(' ') }
    : { type: CONDITION_CONFLICT, status: 'False', reason: 'NoConflicts', message: total === 1 ? 'no other cluster exports this service' : `the ${total} exporting clusters agree` };
  for (const e of valid) conditions.set(e.cluster, { valid: validity(e), conflict });

  const svc = oldest.service!;
  const spec = svc.spec ?? {};
  const derived: DerivedService = {
    type: isHeadless(svc) ? 'Headless' : 'ClusterSetIP',
    ports,
    sessionAffinity: spec.sessionAffinity ?? 'None',
    ...(spec.sessionAffinityConfig ? { sessionAffinityConfig: plain(spec.sessionAffinityConfig) } : {}),
    ...(spec.internalTrafficPolicy ? { internalTrafficPolicy: spec.internalTrafficPolicy } : {}),
    ...(spec.trafficDistribution ? { trafficDistribution: spec.trafficDistribution } : {}),
    ipFamilies: families(svc),
    labels: { ...(oldest.export.spec?.exportedLabels ?? {}) },
    annotations: { ...(oldest.export.spec?.exportedAnnotations ?? {}) },
    clusters: valid.map((e) => e.cluster).sort(),
  };
  return { conditions, derived };
}
