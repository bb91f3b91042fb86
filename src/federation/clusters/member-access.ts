/**
 * The federation's access to each member follows the enabled types.
 *
 * Join gives the federation a ServiceAccount in the member bound to one ClusterRole,
 * `kubefed-controller-manager-<cluster>`. Its rules are a function of the FederatedTypeConfigs
 * (`memberRoleRules`): the verbs propagation uses on every Enabled type, read access to nodes
 * and pods (health, capacity), the health and discovery endpoints, and the right to update this
 * one role (with the `escalate` verb Kubernetes requires to grant what the writer does not hold
 * yet). Never `*` on `*`.
 *
 * This controller keeps every joined cluster's role equal to those rules: when a type is
 * enabled or disabled, when a cluster joins, and when a cluster that was unreachable returns
 * (and every `resyncMs` against drift). Each FederatedTypeConfig gets a `MembersAuthorized`
 * condition naming the clusters whose role could not be brought up to date and why. The sync
 * controller asks `granted()` before writing a type to a cluster and is told through
 * `onChange` when a cluster's grants changed.
 */
import type { Logger } from 'pino';
import { deepEqual, nowTimestamp, type KObject } from '../../apis/object.js';
import { isNotFound, KubeApiError, type KubeClient } from '../client/kube-client.js';
import type { MemberRegistry, TypeRegistry } from '../context.js';
import { CORE_API_VERSION, KUBEFED_NAMESPACE } from '../crds/federation-crds.js';
import { SERVICE_EXPORT_CRD, SERVICE_IMPORT_CRD } from '../crds/mcs-crds.js';
import type { FederatedTypeInfo } from '../types.js';
import { WorkQueue, type WorkQueueMetricsProvider } from '../../util/work-queue.js';

export const RBAC_API_VERSION = 'rbac.authorization.k8s.io/v1';

export const serviceAccountName = (cluster: string) => `${cluster}-kubefed`;
/** KubeFed names it `kubefed-controller-manager:<sa>`; a ':' must be percent-encoded in paths, which not every server decodes. */
export const clusterRoleName = (cluster: string) => `kubefed-controller-manager-${cluster}`;

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

/** What propagation does to a type in a member: read and watch copies, create, update, delete. */
export const PROPAGATION_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const READ_VERBS = ['get', 'list', 'watch'];

/**
 * What the federation does to some types beyond propagating them: a global Ingress's copies show
 * the global address in their status and name the `kubefed-global` IngressClass, which the
 * federation creates in the member.
 */
const TYPE_EXTRAS: Record<string, PolicyRule[]> = {
  'networking.k8s.io/ingresses': [
    { apiGroups: ['networking.k8s.io'], resources: ['ingresses/status'], verbs: ['get', 'patch', 'update'] },
    { apiGroups: ['networking.k8s.io'], resources: ['ingressclasses'], verbs: ['create', 'get', 'list', 'watch'] },
  ],
};

/** The rules of a member's ClusterRole for the given types (Disabled ones grant nothing). */
export function memberRoleRules(types: readonly FederatedTypeInfo[], roleName: string): PolicyRule[] {
  const byGroup = new Map<string, Set<string>>();
  for (const t of types) {
    if (t.propagation !== 'Enabled') continue;
    let plurals = byGroup.get(t.target.group);
    if (!plurals) byGroup.set(t.target.group, (plurals = new Set()));
    plurals.add(t.target.plural);
  }
  const rules: PolicyRule[] = [...byGroup]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([group, plurals]) => ({ apiGroups: [group], resources: [...plurals].sort(), verbs: PROPAGATION_VERBS }));
  for (const [group, plurals] of byGroup) for (const p of plurals) rules.push(...(TYPE_EXTRAS[`${group}/${p}`] ?? []));
  // Health, topology and capacity (the scheduler reads pending pods); shards of federated
  // Services (their endpoints, and nodes for NodePort reach).
  rules.push({ apiGroups: [''], resources: ['nodes', 'pods', 'services'], verbs: READ_VERBS });
  // Multi-Cluster Services (src/federation/mcs/): the members' ServiceExports (read, and their
  // status), the ServiceImports and imported EndpointSlices it writes, namespaces (an import
  // goes where its namespace exists), and the two MCS CRDs. Kubernetes cannot restrict `create`
  // by resourceNames (the name is not known when create is authorized), so creating CRDs is
  // granted for any name; reading and updating them only for the two MCS CRDs.
  rules.push({ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: PROPAGATION_VERBS });
  rules.push({ apiGroups: [''], resources: ['namespaces'], verbs: READ_VERBS });
  rules.push({ apiGroups: ['multicluster.x-k8s.io'], resources: ['serviceexports'], verbs: READ_VERBS });
  rules.push({ apiGroups: ['multicluster.x-k8s.io'], resources: ['serviceimports'], verbs: PROPAGATION_VERBS });
  rules.push({ apiGroups: ['multicluster.x-k8s.io'], resources: ['serviceexports/status', 'serviceimports/status'], verbs: ['get', 'patch', 'update'] });
  rules.push({ apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['create'] });
  rules.push({ apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], resourceNames: [SERVICE_EXPORT_CRD, SERVICE_IMPORT_CRD], verbs: ['get', 'patch', 'update'] });
  // The federation keeps this role in step with the enabled types; escalate lets it grant a new type's verbs.
  rules.push({ apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], resourceNames: [roleName], verbs: ['escalate', 'get', 'patch', 'update'] });
  rules.push({ nonResourceURLs: ['/healthz', '/readyz', '/livez', '/version', '/api', '/api/*', '/apis', '/apis/*'], verbs: ['get'] });
  return rules;
}

/** Rules in a canonical form (sorted lists, empty fields dropped), to compare what a member stores. */
function canonicalRules(rules: unknown): string[] {
  if (!Array.isArray(rules)) return [];
  return rules
    .map((r: Record<string, unknown>) => {
      const out: Record<string, string[]> = {};
      for (const f of ['apiGroups', 'resources', 'resourceNames', 'nonResourceURLs', 'verbs']) {
        const v = r?.[f];
        if (Array.isArray(v) && v.length) out[f] = [...(v as string[])].sort();
      }
      return JSON.stringify(out);
    })
    .sort();
}

export const sameRules = (a: unknown, b: unknown) => deepEqual(canonicalRules(a), canonicalRules(b));

export const CONDITION_TYPE = 'MembersAuthorized';

export interface MemberAccessOptions {
  federation: KubeClient;
  members: MemberRegistry;
  types: TypeRegistry;
  log: Logger;
  /** Namespace of the FederatedTypeConfigs. Default kube-federation-system. */
  namespace?: string;
  /** How often each cluster's role is checked for drift. Default 5 min. */
  resyncMs?: number;
  fieldManager?: string;
  /** Where the work queue's metrics go. */
  metrics?: WorkQueueMetricsProvider;
}

/** What is known of one cluster's role. */
interface ClusterAccess {
  /** Type names the role is known to grant (after a successful check or update). */
  granted?: Set<string>;
  /** Why the role could not be brought up to date (cleared on success). */
  error?: string;
}

const errText = (e: unknown) => (e instanceof KubeApiError ? (e.body?.message ?? e.message) : e instanceof Error ? e.message : String(e));

export class MemberAccessController {
  private readonly o: MemberAccessOptions;
  private readonly namespace: string;
  private readonly access = new Map<string, ClusterAccess>();
  private readonly clusterQueue: WorkQueue;
  private readonly statusQueue: WorkQueue;
  private readonly listeners = new Set<(cluster: string) => void>();
  private readonly unsubscribe: (() => void)[] = [];
  /** Condition last written per FTC (its key without timestamps). */
  private readonly written = new Map<string, { key: string; status: string; since: string }>();
  private stopped = false;

  constructor(o: MemberAccessOptions) {
    this.o = o;
    this.namespace = o.namespace ?? KUBEFED_NAMESPACE;
    this.clusterQueue = new WorkQueue((c) => this.reconcile(c), {
      name: 'member-access',
      metrics: o.metrics,
      concurrency: 8,
      baseDelayMs: 500,
      maxDelayMs: 60_000,
      onError: (c, err) => o.log.warn({ cluster: c, err: errText(err) }, 'updating the member role failed; retrying'),
    });
    this.statusQueue = new WorkQueue((name) => this.writeStatus(name), {
      name: 'member-access-status',
      metrics: o.metrics,
      concurrency: 2,
      baseDelayMs: 200,
      onError: (name, err) => o.log.debug({ ftc: name, err: errText(err) }, 'writing FederatedTypeConfig status failed; retrying'),
    });
  }

  start(): void {
    this.stopped = false;
    this.unsubscribe.push(this.o.types.onChange(() => this.enqueueAll()));
    this.unsubscribe.push(
      this.o.members.onChange((cluster) => {
        if (!this.o.members.get(cluster)) {
          this.access.delete(cluster);
          this.enqueueStatuses();
        } else this.clusterQueue.add(cluster);
      }),
    );
    this.enqueueAll();
  }

  stop(): void {
    this.stopped = true;
    for (const u of this.unsubscribe.splice(0)) u();
    this.clusterQueue.shutdown();
    this.statusQueue.shutdown();
  }

  /** Resolves when no role update or status write is queued or running. */
  async idle(): Promise<void> {
    await this.clusterQueue.idle();
    await this.statusQueue.idle();
  }

  /**
   * Whether the cluster's role grants the type: true or false when known, undefined when the
   * role could not be checked (then a write is simply tried).
   */
  granted(cluster: string, typeName: string): boolean | undefined {
    const a = this.access.get(cluster);
    if (!a?.granted) return undefined;
    return a.granted.has(typeName);
  }

  /** Called when a cluster's grants changed. */
  onChange(fn: (cluster: string) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private enqueueAll(): void {
    if (this.stopped) return;
    for (const m of this.o.members.list()) this.clusterQueue.add(m.name);
    this.enqueueStatuses();
  }

  private enqueueStatuses(): void {
    if (this.stopped) return;
    for (const t of this.o.types.list()) this.statusQueue.add(t.name);
  }

  private async reconcile(cluster: string): Promise<void> {
    const member = this.o.members.get(cluster);
    if (!member || this.stopped) return;
    const types = this.o.types.list();
    const enabled = new Set(types.filter((t) => t.propagation === 'Enabled').map((t) => t.name));
    const a = this.access.get(cluster) ?? {};
    this.access.set(cluster, a);
    // Unreachable: its role is brought up to date when it returns (the phase change requeues it).
    if (member.phase !== 'Ready') {
      this.enqueueStatuses();
      return;
    }
    const role = clusterRoleName(cluster);
    const desired = memberRoleRules(types, role);
    try {
      await this.applyRole(member.client, role, desired);
    } catch (e) {
      const message = e instanceof KubeApiError && e.status === 403 ? `${errText(e)} (the cluster was joined without the right to update its own role: unjoin and join it again)` : errText(e);
      if (a.error !== message) this.o.log.warn({ cluster, role, err: message }, 'cannot bring the member role up to date');
      a.error = message;
      delete a.granted;
      this.enqueueStatuses();
      if (e instanceof KubeApiError && e.status === 403) return; // Retrying will not help; a re-join or a type change requeues it.
      throw e;
    }
    const changed = !a.granted || !deepEqual([...a.granted].sort(), [...enabled].sort());
    a.granted = enabled;
    delete a.error;
    this.enqueueStatuses();
    if (changed) this.emit(cluster);
    this.clusterQueue.addAfter(cluster, this.o.resyncMs ?? 300_000);
  }

  /** Makes the member's role hold exactly `rules`; returns whether it wrote. */
  private async applyRole(client: KubeClient, role: string, rules: PolicyRule[]): Promise<boolean> {
    const cur = await client.get(RBAC_API_VERSION, 'ClusterRole', undefined, role);
    if (!cur) throw new Error(`ClusterRole "${role}" is missing in the cluster: unjoin and join it again`);
    if (sameRules(cur.rules, rules)) return false;
    await client.replace({ ...cur, rules } as KObject, { fieldManager: this.o.fieldManager ?? 'kubefed-controller-manager' });
    this.o.log.info({ role, rules: rules.length }, 'member role updated to the enabled types');
    return true;
  }

  private emit(cluster: string): void {
    for (const fn of [...this.listeners]) {
      try {
        fn(cluster);
      } catch (err) {
        this.o.log.error({ err, cluster }, 'member access listener failed');
      }
    }
  }

  /** The MembersAuthorized condition of one type. */
  private conditionFor(type: FederatedTypeInfo): { status: 'True' | 'False'; reason: string; message: string } {
    const want = type.propagation === 'Enabled';
    const failed: string[] = [];
    const pending: string[] = [];
    for (const m of this.o.members.list().sort((x, y) => x.name.localeCompare(y.name))) {
      const a = this.access.get(m.name);
      if (a?.error) failed.push(`${m.name}: ${a.error}`);
      else if (!a?.granted || a.granted.has(type.name) !== want) pending.push(m.phase === 'Ready' ? m.name : `${m.name} (${m.phase}; updated when it returns)`);
    }
    const what = want ? 'granted' : 'revoked';
    if (failed.length) return { status: 'False', reason: 'UpdateFailed', message: `the member role could not be updated in ${failed.join('; ')}${pending.length ? `; not yet ${what} in ${pending.join(', ')}` : ''}` };
    if (pending.length) return { status: 'False', reason: 'UpdatePending', message: `access to ${type.target.plural} not yet ${what} in ${pending.join(', ')}` };
    return { status: 'True', reason: want ? 'Granted' : 'Revoked', message: want ? `every joined cluster grants the federation access to ${type.target.plural}` : `no joined cluster grants the federation access to ${type.target.plural}` };
  }

  private async writeStatus(name: string): Promise<void> {
    const type = this.o.types.list().find((t) => t.name === name);
    if (!type || this.stopped) return;
    const c = this.conditionFor(type);
    const key = JSON.stringify(c);
    let prev = this.written.get(name);
    if (prev?.key === key) return;
    if (!prev) {
      // First look since start: what the FTC holds (an unchanged condition is not rewritten).
      const ftc = await this.o.federation.get(CORE_API_VERSION, 'FederatedTypeConfig', this.namespace, name);
      if (!ftc) return;
      const cur = (ftc.status?.conditions ?? []).find((x: { type?: string }) => x.type === CONDITION_TYPE);
      if (cur) prev = { key: JSON.stringify({ status: cur.status, reason: cur.reason, message: cur.message }), status: cur.status, since: cur.lastTransitionTime };
      if (prev?.key === key) {
        this.written.set(name, prev);
        return;
      }
    }
    const since = prev?.status === c.status ? prev.since : nowTimestamp();
    try {
      await this.o.federation.patch(CORE_API_VERSION, 'FederatedTypeConfig', this.namespace, name, { status: { conditions: [{ type: CONDITION_TYPE, ...c, lastTransitionTime: since }] } }, 'merge', {
        subresource: 'status',
        fieldManager: this.o.fieldManager ?? 'kubefed-controller-manager',
      });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
    this.written.set(name, { key, status: c.status, since });
  }
}
