/**
 * PropagationRecords: per federated object, what was last written to each cluster (the member
 * copy's version and a hash of what the federation decided) and how propagation went there.
 * They live in the federation API, so a restarted controller knows what it already did.
 */
import { createHash } from 'node:crypto';
import { deepEqual, type KObject } from '../../apis/object.js';
import { isConflict, isNotFound, KubeApiError, type Informer, type KubeClient } from '../client/kube-client.js';
import { CORE_API_VERSION, KUBEFED_NAMESPACE } from '../crds/federation-crds.js';
import type { FederatedTypeInfo } from '../types.js';

export interface ClusterRecord {
  name: string;
  version?: string;
  hash?: string;
  status: string;
  message?: string;
  lastTransitionTime?: string;
  /** A divided workload: the replicas the plan gives this cluster, and why. */
  replicas?: number;
  readyReplicas?: number;
  reason?: string;
}

const KIND = 'PropagationRecord';

/**
 * Records live in kube-federation-system, not in the object's namespace: deleting a namespace at
 * the federation must not delete what says which members still hold copies.
 */
export function recordName(type: FederatedTypeInfo, namespace: string, name: string): string {
  const full = `${type.name}.${namespace ? `ns-${namespace}` : 'cluster'}.${name}`;
  if (full.length <= 253) return full;
  return `${full.slice(0, 236)}.${createHash('sha1').update(full).digest('hex').slice(0, 16)}`;
}

export class PropagationRecords {
  private informer?: Informer;
  /** Records as we last wrote them, until the informer has caught up. */
  private readonly saved = new Map<string, KObject | null>();

  constructor(private readonly client: KubeClient) {}

  async start(): Promise<void> {
    this.informer = await this.client.informer(CORE_API_VERSION, KIND, { namespace: KUBEFED_NAMESPACE });
    await this.informer.start();
  }

  async stop(): Promise<void> {
    await this.informer?.stop();
  }

  get(type: FederatedTypeInfo, namespace: string, name: string): KObject | undefined {
    const n = recordName(type, namespace, name);
    const cached = this.informer?.get(n, KUBEFED_NAMESPACE) as KObject | undefined;
    if (!this.saved.has(n)) return cached;
    const mine = this.saved.get(n);
    if (mine === null) {
      if (!cached) this.saved.delete(n);
      return undefined;
    }
    if (cached && Number(cached.metadata?.resourceVersion) >= Number(mine?.metadata?.resourceVersion)) {
      this.saved.delete(n);
      return cached;
    }
    return mine;
  }

  clusters(rec: KObject | undefined): Map<string, ClusterRecord> {
    return new Map(((rec?.clusters ?? []) as ClusterRecord[]).map((c) => [c.name, c]));
  }

  /** Writes the record if its content changed; keeps transition times of unchanged statuses. */
  async save(type: FederatedTypeInfo, source: KObject, namespace: string, name: string, clusters: ClusterRecord[]): Promise<void> {
    const old = this.get(type, namespace, name);
    const previous = this.clusters(old);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const next = clusters
      .map((c) => {
        const p = previous.get(c.name);
        const lastTransitionTime = p && p.status === c.status ? (p.lastTransitionTime ?? now) : now;
        return { ...c, lastTransitionTime };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    const target = { apiVersion: type.target.apiVersion, kind: type.target.kind, ...(namespace ? { namespace } : {}), name, uid: source.metadata?.uid };
    if (old && deepEqual(old.clusters ?? [], next) && deepEqual(old.target, target)) return;
    const body: KObject = {
      apiVersion: CORE_API_VERSION,
      kind: KIND,
      metadata: { name: recordName(type, namespace, name), namespace: KUBEFED_NAMESPACE, ...(old ? { resourceVersion: old.metadata?.resourceVersion } : {}) },
      target,
      clusters: next,
    };
    const n = body.metadata!.name!;
    try {
      this.saved.set(n, old ? await this.client.replace(body) : await this.client.create(body));
    } catch (e) {
      // A stale cache: read the record and write once more.
      if (!isConflict(e) && !(e instanceof KubeApiError && e.status === 409)) throw e;
      const fresh = await this.client.get(CORE_API_VERSION, KIND, KUBEFED_NAMESPACE, n);
      const again = fresh
        ? await this.client.replace({ ...body, metadata: { ...body.metadata, resourceVersion: fresh.metadata?.resourceVersion } })
        : await this.client.create({ ...body, metadata: { name: n, namespace: KUBEFED_NAMESPACE } });
      this.saved.set(n, again);
    }
  }

  async remove(type: FederatedTypeInfo, namespace: string, name: string): Promise<void> {
    this.saved.set(recordName(type, namespace, name), null);
    try {
      await this.client.delete(CORE_API_VERSION, KIND, KUBEFED_NAMESPACE, recordName(type, namespace, name));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  /** Every record (to find objects whose source disappeared while the controller was down). */
  list(): readonly KObject[] {
    return this.informer?.list() ?? [];
  }
}
