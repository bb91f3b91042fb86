/**
 * Namespace deletion, as kube-controller-manager's namespace controller does it: a namespace
 * marked for deletion (Terminating) has everything in it deleted; once nothing is left, the
 * `kubernetes` finalizer is removed from spec.finalizers and the namespace goes away.
 * Also creates the `default` ServiceAccount in every namespace, as the ServiceAccount
 * controller does.
 */
import type { KObject } from '../../apis/object.js';
import type { CacheEvent } from '../../storage/watch-cache.js';
import { WorkQueue } from '../../util/work-queue.js';
import { StatusError } from '../errors.js';
import type { ResourceType } from '../registry/types.js';
import { systemContext, type Api } from '../rest/context.js';
import { createObject } from '../rest/create.js';
import { deleteObject } from '../rest/delete.js';
import { storageVersion } from '../rest/prepare.js';

const MANAGER = 'kubefed-namespace-controller';
export const NAMESPACE_FINALIZER = 'kubernetes';
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

export class NamespaceLifecycle {
  private readonly queue: WorkQueue;
  private stopWatch: (() => void) | undefined;

  constructor(
    private readonly api: Api,
    private readonly opts: { defaultServiceAccount: boolean; rootCaPem?: string } = { defaultServiceAccount: true },
  ) {
    this.queue = new WorkQueue((name) => this.sync(name), { name: 'namespace-lifecycle', baseDelayMs: 50, maxDelayMs: 2_000 });
  }

  private get nsType(): ResourceType {
    return this.api.registry.byGroupResource('', 'namespaces')!;
  }

  start(): void {
    this.stopWatch = this.api.store.cache.watchAll((events) => this.onEvents(events));
    for (const ns of this.api.store.list(this.nsType)) this.queue.add(ns.obj.metadata!.name!);
  }

  stop(): void {
    this.stopWatch?.();
    this.queue.shutdown();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private onEvents(events: CacheEvent[]): void {
    const nsPrefix = this.nsType.storagePrefix;
    for (const e of events) {
      if (e.key.startsWith(nsPrefix)) {
        if (e.type !== 'DELETED') this.queue.add(e.object.obj.metadata!.name!);
      } else if (e.type === 'DELETED') {
        // Content disappearing may let a terminating namespace finish.
        // (A deleted default ServiceAccount is re-created.)
        const ns = e.object.obj.metadata?.namespace;
        if (ns) {
          const nsObj = this.api.store.get(this.nsType, '', ns);
          const name = e.object.obj.metadata?.name;
          const defaultSa = (e.key.startsWith('/registry/core/serviceaccounts/') && name === 'default') || (e.key.startsWith('/registry/core/configmaps/') && name === ROOT_CA_CONFIGMAP);
          if (nsObj && (nsObj.obj.metadata?.deletionTimestamp || defaultSa)) this.queue.add(ns);
        }
      }
    }
  }

  /** Namespaced types that own their storage (each stored object is visited once). */
  private contentTypes(): ResourceType[] {
    const seen = new Set<string>();
    const out: ResourceType[] = [];
    for (const t of this.api.registry.all()) {
      if (!t.namespaced || !t.versions.some((v) => v.storage) || seen.has(t.storagePrefix)) continue;
      if (!t.verbs.includes('delete')) continue;
      seen.add(t.storagePrefix);
      out.push(t);
    }
    return out;
  }

  private async sync(name: string): Promise<void> {
    const c = this.api.store.get(this.nsType, '', name);
    if (!c) return;
    const ns = c.obj;
    if (!ns.metadata?.deletionTimestamp) {
      if (this.opts.defaultServiceAccount) await this.ensureDefaultServiceAccount(name);
      if (this.opts.rootCaPem) await this.ensureRootCa(name, this.opts.rootCaPem);
      return;
    }
    let remaining = 0;
    for (const t of this.contentTypes()) {
      for (const o of this.api.store.list(t, name)) {
        remaining++;
        if (o.obj.metadata?.deletionTimestamp) continue;
        try {
          await deleteObject(this.api, t, name, o.obj.metadata!.name!, { propagationPolicy: 'Background' }, systemContext(MANAGER));
        } catch (e) {
          if (!(e instanceof StatusError && (e.code === 404 || e.code === 409))) throw e;
        }
      }
    }
    if (remaining > 0) {
      // Wait for finalizers and graceful deletions; deletions of content re-queue us too.
      this.queue.addAfter(name, 1_000);
      return;
    }
    await this.finalize(ns);
  }

  private async finalize(ns: KObject): Promise<void> {
    const finalizers: string[] = ns.spec?.finalizers ?? [];
    if (!finalizers.includes(NAMESPACE_FINALIZER)) return;
    const c = this.api.store.get(this.nsType, '', ns.metadata!.name!);
    if (!c) return;
    const obj = c.clone();
    obj.spec = { ...(obj.spec ?? {}), finalizers: finalizers.filter((f) => f !== NAMESPACE_FINALIZER) };
    if (obj.spec.finalizers.length === 0) delete obj.spec.finalizers;
    try {
      if (!obj.spec.finalizers && !(obj.metadata?.finalizers?.length)) {
        await this.api.store.delete(this.nsType, '', obj.metadata!.name!, c.revision);
      } else {
        await this.api.store.update(this.nsType, obj, c.revision);
      }
    } catch {
      this.queue.addRateLimited(ns.metadata!.name!);
    }
  }

  /** The kube-root-ca.crt ConfigMap every namespace has (root CA publisher). */
  private async ensureRootCa(namespace: string, caPem: string): Promise<void> {
    const cmType = this.api.registry.byGroupResource('', 'configmaps');
    if (!cmType || this.api.store.get(cmType, namespace, ROOT_CA_CONFIGMAP)) return;
    try {
      await createObject(
        this.api,
        cmType,
        storageVersion(cmType),
        namespace,
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data: { 'ca.crt': caPem } },
        systemContext('kube-root-ca-publisher'),
      );
    } catch (e) {
      if (!(e instanceof StatusError && (e.code === 409 || e.code === 404 || e.code === 403))) throw e;
    }
  }

  private async ensureDefaultServiceAccount(namespace: string): Promise<void> {
    const saType = this.api.registry.byGroupResource('', 'serviceaccounts');
    if (!saType || this.api.store.get(saType, namespace, 'default')) return;
    try {
      await createObject(this.api, saType, storageVersion(saType), namespace, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } }, systemContext(MANAGER));
    } catch (e) {
      if (!(e instanceof StatusError && (e.code === 409 || e.code === 404 || e.code === 403))) throw e;
    }
  }
}
