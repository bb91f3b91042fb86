/**
 * RBAC objects for the authorizer, read from the watch cache and memoized until an RBAC
 * object changes (authorization runs on every request).
 */
import type { KObject } from '../../apis/object.js';
import type { WatchCache } from '../../storage/watch-cache.js';
import type { RbacObjects } from './rbac.js';

const PREFIX = '/registry/rbac.authorization.k8s.io/';

export class CachedRbacObjects implements RbacObjects {
  private memo = new Map<string, KObject[]>();
  private readonly stop: () => void;

  constructor(private readonly cache: WatchCache) {
    this.stop = cache.watchAll((events) => {
      if (events.some((e) => e.key.startsWith(PREFIX))) this.memo.clear();
    });
  }

  close(): void {
    this.stop();
  }

  private get(prefix: string): KObject[] {
    let v = this.memo.get(prefix);
    if (!v) this.memo.set(prefix, (v = this.cache.list(prefix).map((c) => c.obj)));
    return v;
  }

  clusterRoles(): KObject[] {
    return this.get(`${PREFIX}clusterroles/`);
  }
  clusterRoleBindings(): KObject[] {
    return this.get(`${PREFIX}clusterrolebindings/`);
  }
  roles(namespace: string): KObject[] {
    return this.get(`${PREFIX}roles/${namespace}/`);
  }
  roleBindings(namespace: string): KObject[] {
    return this.get(`${PREFIX}rolebindings/${namespace}/`);
  }
}
