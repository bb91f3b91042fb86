/**
 * Writes what propagation found back to the federation: per-cluster status and a Propagation
 * condition on Federated<Kind> objects, and the summed member status on plain workloads,
 * Services and Ingresses. Writes only when something changed.
 */
import { deepEqual, nowTimestamp } from '../../apis/object.js';
import { isConflict, isNotFound, type KubeClient } from '../client/kube-client.js';
import type { ClusterPropagation, Intent, StatusAggregator } from '../context.js';
import { aggregatedFields, aggregateStatus, aggregatesStatus, type MemberCopy, type UnknownCluster } from './aggregate.js';

/** Per-cluster outcomes that count as propagated. */
const OK = new Set(['Ok']);

export interface StatusReport {
  intent: Intent;
  results: ClusterPropagation[];
  /** Member copies with their freshness and reachability, for status sums. */
  copies: MemberCopy[];
  /** Reachable clusters that should hold a copy. */
  expected: number;
  /** Selected clusters that cannot be reached now. */
  unknown: UnknownCluster[];
}

/** The outcome of a cluster that cannot be reached now (propagation reports it ClusterNotReady). */
const UNREACHABLE = 'ClusterNotReady';

function propagationCondition(results: ClusterPropagation[], previous: any): Record<string, unknown> {
  const bad = results.filter((r) => !OK.has(r.status));
  const status = bad.length ? 'False' : 'True';
  const reason = bad.length ? 'CheckClusters' : '';
  const message = bad.length ? `not in the desired state in ${bad.length} cluster(s): ${bad.map((b) => `${b.cluster}: ${b.status}`).join(', ')}` : '';
  const same = previous && previous.status === status && previous.reason === reason;
  const now = nowTimestamp();
  return { type: 'Propagation', status, reason, message, lastUpdateTime: same ? previous.lastUpdateTime : now, lastTransitionTime: same ? previous.lastTransitionTime : now };
}

export class StatusWriter implements StatusAggregator {
  constructor(
    private readonly federation: KubeClient,
    private readonly fieldManager: string,
  ) {}

  async report(intent: Intent, results: ClusterPropagation[]): Promise<void> {
    const selected = results.filter((r) => r.status !== 'NotSelected');
    await this.write({
      intent,
      results,
      copies: results.filter((r) => r.member).map((r) => ({ cluster: r.cluster, obj: r.member!, upToDate: r.status === 'Ok', reachable: r.status !== UNREACHABLE })),
      expected: selected.filter((r) => r.status !== UNREACHABLE).length,
      unknown: selected.filter((r) => r.status === UNREACHABLE).map((r) => ({ cluster: r.cluster, phase: (r.message ?? '').replace(/^cluster is /, '') || 'unreachable' })),
    });
  }

  async write(r: StatusReport): Promise<void> {
    const { intent } = r;
    const src = intent.source;
    let status: Record<string, unknown> | undefined;
    const results = r.results.filter((x) => x.status !== 'NotSelected');
    if (intent.sourceStyle === 'federated') {
      const prev = (src.status?.conditions ?? []).find((c: any) => c.type === 'Propagation');
      status = {
        observedGeneration: src.metadata?.generation,
        conditions: [propagationCondition(results, prev)],
        clusters: results
          .map((x) => ({
            name: x.cluster,
            status: x.status,
            ...(x.message ? { message: x.message } : {}),
            ...(intent.type.statusCollection && x.member?.status ? { remoteStatus: x.member.status } : {}),
            ...(x.placement
              ? { replicas: x.placement.target, readyReplicas: Number(x.member?.status?.readyReplicas ?? 0), placementReason: x.placement.reason, ...(x.placement.message ? { placementMessage: x.placement.message } : {}) }
              : {}),
          }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
      const sums = aggregateStatus(kindKey(intent), { ...intent.template, metadata: { ...intent.template.metadata, generation: src.metadata?.generation }, status: src.status?.aggregatedStatus }, r.copies, r.expected, r.unknown);
      if (sums) status.aggregatedStatus = sums;
    } else {
      if (!aggregatesStatus(kindKey(intent))) return;
      status = aggregateStatus(kindKey(intent), src, r.copies, r.expected, r.unknown);
      const placement = placementCondition(r.results, (src.status?.conditions ?? []).find((c: any) => c.type === PLACEMENT_CONDITION));
      if (status && placement) status.conditions = [...((status.conditions as unknown[]) ?? []), placement];
      if (status) {
        // Fields the sums own are replaced as a whole: one that sums to nothing now must not keep its old value.
        const kept = { ...(src.status ?? {}) };
        for (const f of aggregatedFields(kindKey(intent))) delete kept[f];
        status = { ...kept, ...status };
      }
      if (status) for (const k of Object.keys(status)) if (status[k] === undefined) delete status[k];
    }
    if (!status || statusEqual(src.status, status)) return;
    try {
      await this.federation.replace({ ...src, status }, { subresource: 'status', fieldManager: this.fieldManager });
    } catch (e) {
      // The object changed or went away meanwhile; its next sync writes the status again.
      if (!isConflict(e) && !isNotFound(e)) throw e;
    }
  }
}

const kindKey = (intent: Intent) => `${intent.type.target.group}/${intent.type.target.kind}`;

/** The condition on a divided plain workload that says where its replicas go and why. */
export const PLACEMENT_CONDITION = 'FederationPlacement';

/**
 * `FederationPlacement`: True while every cluster has what the plan gives it for the usual
 * reason, False (with the first unusual reason) while replicas are moved or held; the message
 * lists each cluster as `name ready/target (reason)`.
 */
function placementCondition(results: ClusterPropagation[], previous: any): Record<string, unknown> | undefined {
  const placed = results.filter((x) => x.placement).sort((a, b) => a.cluster.localeCompare(b.cluster));
  if (!placed.length) return undefined;
  const unusual = placed.find((x) => x.placement!.reason !== 'Planned' && x.placement!.reason !== 'NotSelected');
  const status = unusual ? 'False' : 'True';
  const reason = unusual ? unusual.placement!.reason : 'Planned';
  const message = placed.map((x) => `${x.cluster} ${Number(x.member?.status?.readyReplicas ?? 0)}/${x.placement!.target}${x.placement!.reason !== 'Planned' ? ` (${x.placement!.reason})` : ''}`).join(', ');
  const same = previous && previous.status === status && previous.reason === reason;
  const now = nowTimestamp();
  return { type: PLACEMENT_CONDITION, status, reason, message, lastUpdateTime: now, lastTransitionTime: same ? previous.lastTransitionTime : now };
}

/** Equal apart from condition timestamps. */
function statusEqual(a: any, b: any): boolean {
  const strip = (s: any) => s && { ...s, conditions: (s.conditions ?? []).map((c: any) => ({ ...c, lastUpdateTime: undefined, lastTransitionTime: undefined, lastProbeTime: undefined })) };
  return deepEqual(JSON.parse(JSON.stringify(strip(a) ?? null)), JSON.parse(JSON.stringify(strip(b) ?? null)));
}
