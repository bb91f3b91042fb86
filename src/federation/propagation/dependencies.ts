/**
 * Dependencies follow their workloads (KubeAdmiral's follower scheduling, Karmada's
 * propagateDeps): the ConfigMaps, Secrets, ServiceAccounts and PersistentVolumeClaims a
 * workload's pod template references go to every cluster the workload is placed in, whatever
 * their own placement says, and leave a cluster once no workload there needs them and their own
 * placement does not put them there.
 *
 * Pure: `referencedObjects` reads a template; `DependencyIndex` maps each dependency
 * (namespace, kind, name) to the workloads that reference it and their clusters; the sync
 * controller keeps the index and adds the follower clusters to a dependency's intent.
 */
import type { KObject } from '../../apis/object.js';

export type DependencyKind = 'ConfigMap' | 'Secret' | 'ServiceAccount' | 'PersistentVolumeClaim';

export interface DependencyRef {
  kind: DependencyKind;
  name: string;
}

/** An object in a namespace: a workload, or a dependency. */
export interface ObjectKey {
  kind: string;
  namespace: string;
  name: string;
}

/** A workload referencing a dependency, and the clusters it is placed in. */
export interface Follower {
  workload: ObjectKey;
  clusters: string[];
}

/** Workload kinds and their API group: the kinds whose pod templates are read. */
const WORKLOAD_GROUPS: Record<string, string> = {
  Deployment: 'apps',
  ReplicaSet: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  Job: 'batch',
  CronJob: 'batch',
  Pod: '',
};

const DEPENDENCY_KINDS: ReadonlySet<string> = new Set<DependencyKind>(['ConfigMap', 'Secret', 'ServiceAccount', 'PersistentVolumeClaim']);

export const isWorkloadKind = (group: string, kind: string): boolean => Object.hasOwn(WORKLOAD_GROUPS, kind) && WORKLOAD_GROUPS[kind] === group;
export const isDependencyKind = (group: string, kind: string): kind is DependencyKind => group === '' && DEPENDENCY_KINDS.has(kind);

/** The pod spec inside a workload (or its template): a Pod's spec, a CronJob's job template's, the others' spec.template. */
export function podSpecOf(kind: string, obj: KObject | undefined): Record<string, any> | undefined {
  const spec = obj?.spec;
  switch (kind) {
    case 'Pod':
      return spec;
    case 'CronJob':
      return spec?.jobTemplate?.spec?.template?.spec;
    default:
      return Object.hasOwn(WORKLOAD_GROUPS, kind) ? spec?.template?.spec : undefined;
  }
}

/** Volume sources that name a Secret other than `secret` itself (Karmada reads the same list). */
const SECRET_REF_VOLUMES = ['cephfs', 'cinder', 'flexVolume', 'rbd', 'scaleIO', 'iscsi', 'storageos'] as const;

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Record<string, any>[] => (Array.isArray(v) ? v.filter(isObj) : []);

/**
 * The objects a workload's pod template references, sorted by kind and name, each once.
 * `kind` is the workload's kind, `template` the workload object (or a Federated<Kind>'s
 * spec.template, which has the same shape). StatefulSet volumeClaimTemplates are not
 * dependencies (each member makes its claims), nor are the `default` ServiceAccount and
 * `kube-root-ca.crt`, which every cluster has of its own.
 */
export function referencedObjects(kind: string, template: KObject | undefined): DependencyRef[] {
  const pod = podSpecOf(kind, template);
  if (!isObj(pod)) return [];
  const found = new Map<string, DependencyRef>();
  const add = (k: DependencyKind, name: unknown) => {
    if (typeof name !== 'string' || !name) return;
    if (k === 'ServiceAccount' && name === 'default') return;
    if (k === 'ConfigMap' && name === 'kube-root-ca.crt') return;
    found.set(`${k}/${name}`, { kind: k, name });
  };
  for (const v of list(pod.volumes)) {
    add('ConfigMap', v.configMap?.name);
    add('Secret', v.secret?.secretName);
    add('PersistentVolumeClaim', v.persistentVolumeClaim?.claimName);
    for (const s of list(v.projected?.sources)) {
      add('ConfigMap', s.configMap?.name);
      add('Secret', s.secret?.name);
    }
    add('Secret', v.azureFile?.secretName);
    add('Secret', v.csi?.nodePublishSecretRef?.name);
    for (const src of SECRET_REF_VOLUMES) add('Secret', v[src]?.secretRef?.name);
  }
  for (const c of [...list(pod.initContainers), ...list(pod.containers), ...list(pod.ephemeralContainers)]) {
    for (const e of list(c.env)) {
      add('ConfigMap', e.valueFrom?.configMapKeyRef?.name);
      add('Secret', e.valueFrom?.secretKeyRef?.name);
    }
    for (const e of list(c.envFrom)) {
      add('ConfigMap', e.configMapRef?.name);
      add('Secret', e.secretRef?.name);
    }
  }
  for (const s of list(pod.imagePullSecrets)) add('Secret', s.name);
  add('ServiceAccount', pod.serviceAccountName || pod.serviceAccount);
  return [...found.values()].sort((a, b) => (a.kind === b.kind ? cmp(a.name, b.name) : cmp(a.kind, b.kind)));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const objectKey = (k: ObjectKey) => `${k.namespace}/${k.kind}/${k.name}`;

interface Entry {
  workload: ObjectKey;
  /** Keys of the dependencies it references (`namespace/kind/name`). */
  refs: string[];
  /** Sorted. */
  clusters: string[];
}

/**
 * Which workloads reference each dependency, with their clusters. `set` records a workload and
 * tells which dependencies' follower clusters changed, so only those are synced again.
 */
export class DependencyIndex {
  private readonly workloads = new Map<string, Entry>();
  private readonly byDependency = new Map<string, Map<string, Entry>>();

  /**
   * Records what a workload references and where it is placed; returns the dependencies whose
   * follower clusters (the union over their workloads) changed. A workload placed nowhere, or
   * referencing nothing, is forgotten.
   */
  set(workload: ObjectKey, refs: readonly DependencyRef[], clusters: readonly string[]): ObjectKey[] {
    const key = objectKey(workload);
    const refKeys = [...new Set(refs.map((r) => objectKey({ kind: r.kind, namespace: workload.namespace, name: r.name })))].sort();
    const sorted = [...new Set(clusters)].sort();
    const old = this.workloads.get(key);
    if (!refKeys.length || !sorted.length) return old ? this.delete(workload) : [];
    if (old && sameList(old.refs, refKeys) && sameList(old.clusters, sorted)) return [];
    const affected = [...new Set([...(old?.refs ?? []), ...refKeys])];
    const before = affected.map((d) => this.unionOf(d));
    if (old) this.unlink(key, old);
    const entry: Entry = { workload: { ...workload }, refs: refKeys, clusters: sorted };
    this.workloads.set(key, entry);
    for (const d of refKeys) {
      let m = this.byDependency.get(d);
      if (!m) this.byDependency.set(d, (m = new Map()));
      m.set(key, entry);
    }
    return affected.filter((d, i) => !sameList(before[i]!, this.unionOf(d))).map(parseKey);
  }

  /** Forgets a workload (deleted); returns the dependencies whose follower clusters changed. */
  delete(workload: ObjectKey): ObjectKey[] {
    const key = objectKey(workload);
    const old = this.workloads.get(key);
    if (!old) return [];
    const before = old.refs.map((d) => this.unionOf(d));
    this.unlink(key, old);
    return old.refs.filter((d, i) => !sameList(before[i]!, this.unionOf(d))).map(parseKey);
  }

  /** Forgets every workload of a kind (its type is no longer propagated). */
  deleteKind(kind: string): ObjectKey[] {
    const changed = new Map<string, ObjectKey>();
    for (const e of [...this.workloads.values()]) if (e.workload.kind === kind) for (const d of this.delete(e.workload)) changed.set(objectKey(d), d);
    return [...changed.values()];
  }

  /** The workloads referencing a dependency, with their clusters (ordered by kind and name). */
  followers(dependency: ObjectKey): Follower[] {
    const m = this.byDependency.get(objectKey(dependency));
    if (!m) return [];
    return [...m.values()]
      .map((e) => ({ workload: { ...e.workload }, clusters: [...e.clusters] }))
      .sort((a, b) => (a.workload.kind === b.workload.kind ? cmp(a.workload.name, b.workload.name) : cmp(a.workload.kind, b.workload.kind)));
  }

  /** The clusters a dependency follows its workloads to (sorted). */
  followerClusters(dependency: ObjectKey): string[] {
    return this.unionOf(objectKey(dependency));
  }

  /** Workloads recorded (those placed somewhere with references). */
  get size(): number {
    return this.workloads.size;
  }

  private unionOf(depKey: string): string[] {
    const m = this.byDependency.get(depKey);
    if (!m) return [];
    const all = new Set<string>();
    for (const e of m.values()) for (const c of e.clusters) all.add(c);
    return [...all].sort();
  }

  private unlink(key: string, old: Entry): void {
    this.workloads.delete(key);
    for (const d of old.refs) {
      const m = this.byDependency.get(d);
      m?.delete(key);
      if (m && !m.size) this.byDependency.delete(d);
    }
  }
}

function parseKey(k: string): ObjectKey {
  const [namespace = '', kind = '', ...rest] = k.split('/');
  return { namespace, kind, name: rest.join('/') };
}

/** A dependency's placement once its followers are added. */
export interface FollowerPlacement {
  /** Its own clusters, then the clusters only its workloads give it (in the order of `followers`). */
  clusters: string[];
  /** The clusters it is in only because of workloads (sorted). */
  extra: string[];
}

/**
 * Union of a dependency's own clusters and its workloads' clusters. `within` (the namespace's
 * clusters, when the namespace is placed) limits the workloads' clusters as it limits theirs.
 */
export function followerPlacement(own: readonly string[], followers: readonly Follower[], within?: readonly string[]): FollowerPlacement {
  const ownSet = new Set(own);
  const allowed = within ? new Set(within) : undefined;
  const extra = new Set<string>();
  for (const f of followers) for (const c of f.clusters) if (!ownSet.has(c) && (!allowed || allowed.has(c))) extra.add(c);
  const sortedExtra = [...extra].sort();
  return { clusters: [...own, ...sortedExtra], extra: sortedExtra };
}

/**
 * The FollowsWorkload event's message when a dependency's follower-only clusters change from
 * `before` to `after`: "placed in B for Deployment web; no longer placed in C: no workload there
 * needs it". A cluster its own placement (`own`) now selects is not reported as left. Undefined
 * when there is nothing to say.
 */
export function followsMessage(before: readonly string[], after: readonly string[], followers: readonly Follower[], own: readonly string[] = []): string | undefined {
  const prev = new Set(before);
  const next = new Set([...after, ...own]);
  const added = after.filter((c) => !prev.has(c));
  const removed = before.filter((c) => !next.has(c));
  if (!added.length && !removed.length) return undefined;
  const parts: string[] = [];
  const explained = new Set<string>();
  for (const f of followers) {
    const here = added.filter((c) => f.clusters.includes(c));
    if (!here.length) continue;
    here.forEach((c) => explained.add(c));
    parts.push(`placed in ${here.join(', ')} for ${f.workload.kind} ${f.workload.name}`);
  }
  const unexplained = added.filter((c) => !explained.has(c));
  if (unexplained.length) parts.push(`placed in ${unexplained.join(', ')} for its workloads`);
  if (removed.length) parts.push(`no longer placed in ${removed.join(', ')}: no workload there needs it`);
  return parts.join('; ');
}
