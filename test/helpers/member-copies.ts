/**
 * What the members' watches saw of propagated objects: for each cluster and name, the uids the
 * copy was added with and how often it was deleted (exactly once = one uid, never deleted).
 */
import type { Informer, KubeClient } from '../../src/federation/client/kube-client.js';
import { MANAGED_LABEL } from '../../src/federation/propagation/intent.js';

export class MemberCopies {
  /** cluster → name → uids seen added. */
  readonly added = new Map<string, Map<string, Set<string>>>();
  /** cluster → name → deletions seen. */
  readonly deleted = new Map<string, Map<string, number>>();
  private readonly informers: Informer[] = [];

  /** Watches the federation's copies of `kind` in `namespace` of every member. */
  async start(members: Map<string, KubeClient>, namespace: string, apiVersion = 'v1', kind = 'ConfigMap'): Promise<void> {
    for (const [cluster, m] of members) {
      const added = new Map<string, Set<string>>();
      const deleted = new Map<string, number>();
      this.added.set(cluster, added);
      this.deleted.set(cluster, deleted);
      const inf = await m.informer(apiVersion, kind, { namespace, labelSelector: `${MANAGED_LABEL}=true` });
      inf.on('add', (o) => {
        const name = o.metadata!.name!;
        if (!added.has(name)) added.set(name, new Set());
        added.get(name)!.add(o.metadata!.uid!);
      });
      inf.on('delete', (o) => deleted.set(o.metadata!.name!, (deleted.get(o.metadata!.name!) ?? 0) + 1));
      await inf.start();
      this.informers.push(inf);
    }
  }

  /** Copies seen added, over every member. */
  count(): number {
    return [...this.added.values()].reduce((n, m) => n + m.size, 0);
  }

  async stop(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.stop()));
  }
}
