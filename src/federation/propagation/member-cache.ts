/**
 * What the federation last saw of its copies in each member: one informer per (cluster, type),
 * started the first time an object of that type is synced to that cluster, watching only
 * objects with the managed label. Writes the controller just made are remembered until the
 * informer catches up, so a sync right after a write never acts on a stale copy.
 */
import type { Logger } from 'pino';
import type { KObject } from '../../apis/object.js';
import type { Informer, KubeClient } from '../client/kube-client.js';
import type { MemberCluster } from '../context.js';
import type { FederatedTypeInfo } from '../types.js';
import { MANAGED_LABEL } from './intent.js';

interface Entry {
  client: KubeClient;
  informer?: Informer;
  starting?: Promise<void>;
}

export type MemberEvent = (cluster: string, type: FederatedTypeInfo, obj: KObject) => void;

const rvNumber = (o: KObject | undefined) => Number(o?.metadata?.resourceVersion ?? NaN);
const objKey = (cluster: string, type: FederatedTypeInfo, ns: string | undefined, name: string) => `${cluster}|${type.name}|${ns ?? ''}|${name}`;

export class MemberCache {
  private readonly entries = new Map<string, Entry>();
  /** Results of our own writes, until the informer has seen them (null: deleted). */
  private readonly written = new Map<string, KObject | null>();
  private readonly listeners = new Set<MemberEvent>();

  constructor(private readonly log: Logger) {}

  onEvent(fn: MemberEvent): void {
    this.listeners.add(fn);
  }

  /** The managed copy in a member, from the cache when it is loaded, else read directly. */
  async get(cluster: MemberCluster, type: FederatedTypeInfo, namespace: string | undefined, name: string): Promise<KObject | undefined> {
    const k = objKey(cluster.name, type, namespace, name);
    if (this.written.has(k)) return this.written.get(k) ?? undefined;
    const inf = this.informer(cluster, type);
    if (inf?.synced) return inf.get(name, namespace || undefined) as KObject | undefined;
    const obj = await cluster.client.get(type.target.apiVersion, type.target.kind, namespace || undefined, name);
    return obj?.metadata?.labels?.[MANAGED_LABEL] === 'true' ? obj : undefined;
  }

  /**
   * The copy as last seen, from memory only (no request): what the federation knew of a cluster
   * it cannot reach now.
   */
  peek(cluster: string, type: FederatedTypeInfo, namespace: string | undefined, name: string): KObject | undefined {
    const k = objKey(cluster, type, namespace, name);
    if (this.written.has(k)) return this.written.get(k) ?? undefined;
    const inf = this.entries.get(`${cluster}|${type.name}`)?.informer;
    return inf?.synced ? (inf.get(name, namespace || undefined) as KObject | undefined) : undefined;
  }

  noteWritten(cluster: string, type: FederatedTypeInfo, obj: KObject): void {
    this.written.set(objKey(cluster, type, obj.metadata?.namespace, obj.metadata?.name ?? ''), obj);
  }

  noteDeleted(cluster: string, type: FederatedTypeInfo, namespace: string | undefined, name: string): void {
    this.written.set(objKey(cluster, type, namespace, name), null);
  }

  /** Drops a cluster's informers (it left, or its credentials changed). */
  async dropCluster(cluster: string): Promise<void> {
    for (const [k, e] of this.entries) {
      if (!k.startsWith(`${cluster}|`)) continue;
      this.entries.delete(k);
      await e.informer?.stop().catch(() => undefined);
    }
    for (const k of this.written.keys()) if (k.startsWith(`${cluster}|`)) this.written.delete(k);
  }

  async stop(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.informer?.stop().catch(() => undefined)));
  }

  /** The (cluster, type) informer; starts it in the background on first use. */
  private informer(cluster: MemberCluster, type: FederatedTypeInfo): Informer | undefined {
    const k = `${cluster.name}|${type.name}`;
    let e = this.entries.get(k);
    if (e && e.client !== cluster.client) {
      void e.informer?.stop().catch(() => undefined);
      e = undefined;
    }
    if (!e) {
      const entry: Entry = { client: cluster.client };
      this.entries.set(k, entry);
      entry.starting = this.startInformer(cluster, type, entry).catch((err: unknown) => {
        this.log.debug({ cluster: cluster.name, type: type.name, err: String(err) }, 'member informer not started; will retry');
        if (this.entries.get(k) === entry) this.entries.delete(k);
      });
      return undefined;
    }
    return e.informer;
  }

  private async startInformer(cluster: MemberCluster, type: FederatedTypeInfo, entry: Entry): Promise<void> {
    const inf = await cluster.client.informer(type.target.apiVersion, type.target.kind, { labelSelector: `${MANAGED_LABEL}=true` });
    const seen = (obj: KObject, deleted: boolean) => {
      const k = objKey(cluster.name, type, obj.metadata?.namespace, obj.metadata?.name ?? '');
      if (this.written.has(k)) {
        const mine = this.written.get(k);
        // Our own write coming back: nothing new to act on.
        if (mine && !deleted && rvNumber(obj) === rvNumber(mine)) {
          this.written.delete(k);
          return;
        }
        if (mine === null ? deleted : !(rvNumber(obj) < rvNumber(mine))) this.written.delete(k);
      }
      for (const l of this.listeners) l(cluster.name, type, obj);
    };
    inf.on('add', (o) => seen(o, false));
    inf.on('update', (o) => seen(o, false));
    inf.on('delete', (o) => seen(o, true));
    inf.on('error', () => undefined);
    entry.informer = inf;
    await inf.start();
  }
}
