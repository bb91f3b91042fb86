/**
 * Informers a controller keeps in every member cluster: started when a cluster joins (retried
 * with backoff while the member refuses, e.g. before its role grants the kind), rebuilt when the
 * cluster's client changes, stopped when it leaves. Each cluster's set is `ready` once every
 * informer holds its first list; until then what a member holds is unknown, not empty.
 */
import type { Logger } from 'pino';
import type { KObject } from '../../apis/object.js';
import { KubeApiError, type Informer, type KubeClient } from '../client/kube-client.js';
import type { MemberCluster, MemberRegistry } from '../context.js';

export interface WatchedKind {
  apiVersion: string;
  kind: string;
  opts?: { namespace?: string; labelSelector?: string; fieldSelector?: string };
}

export interface MemberInformerSet {
  client: KubeClient;
  /** Informers by kind, once all are listed. */
  informers?: Map<string, Informer>;
  stopped: boolean;
}

export type MemberObjectEvent = (cluster: string, kind: string, obj: KObject, type: 'add' | 'update' | 'delete') => void;

const errText = (e: unknown) => (e instanceof KubeApiError ? (e.body?.message ?? e.message) : e instanceof Error ? e.message : String(e));

export class MemberInformers {
  private readonly sets = new Map<string, MemberInformerSet>();
  private unsubscribe?: () => void;
  private stopped = false;

  constructor(
    private readonly o: {
      members: MemberRegistry;
      kinds: WatchedKind[];
      log: Logger;
      /** An object changed in a member. */
      onEvent: MemberObjectEvent;
      /** A cluster joined, left, changed (phase, labels, client) or its informers became ready. */
      onCluster: (cluster: string) => void;
    },
  ) {}

  start(): void {
    this.unsubscribe = this.o.members.onChange((c) => this.clusterChanged(c));
    for (const m of this.o.members.list()) this.clusterChanged(m.name);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    await Promise.all([...this.sets.values()].map((s) => this.stopSet(s)));
    this.sets.clear();
  }

  /** The informer of `kind` in `cluster`, once that cluster's informers are all listed. */
  informer(cluster: string, kind: string): Informer | undefined {
    return this.sets.get(cluster)?.informers?.get(kind);
  }

  ready(cluster: string): boolean {
    return !!this.sets.get(cluster)?.informers;
  }

  /** Starts an extra informer in a member on first use (undefined until it is listed). */
  private readonly extras = new Map<string, Promise<Informer | undefined>>();
  lazyInformer(cluster: string, w: WatchedKind): Informer | undefined {
    const set = this.sets.get(cluster);
    if (!set?.informers) return undefined;
    const existing = set.informers.get(w.kind);
    if (existing) return existing;
    const k = `${cluster}|${w.kind}`;
    if (!this.extras.has(k)) {
      this.extras.set(
        k,
        this.startOne(cluster, set, w)
          .then((inf) => {
            if (!set.stopped && set.informers) {
              set.informers.set(w.kind, inf);
              this.o.onCluster(cluster);
            } else void inf.stop();
            return inf;
          })
          .catch((e: unknown) => {
            this.o.log.warn({ cluster, kind: w.kind, err: errText(e) }, 'cannot watch the kind in the member');
            return undefined;
          })
          .finally(() => this.extras.delete(k)),
      );
    }
    return undefined;
  }

  private clusterChanged(cluster: string): void {
    if (this.stopped) return;
    const m = this.o.members.get(cluster);
    const set = this.sets.get(cluster);
    if (set && (!m || set.client !== m.client)) {
      this.sets.delete(cluster);
      void this.stopSet(set);
    }
    if (m && !this.sets.has(cluster)) this.startSet(m);
    this.o.onCluster(cluster);
  }

  private async startOne(cluster: string, set: MemberInformerSet, w: WatchedKind): Promise<Informer> {
    const inf = await set.client.informer(w.apiVersion, w.kind, w.opts ?? {});
    for (const ev of ['add', 'update', 'delete'] as const) inf.on(ev, (o: KObject) => this.o.onEvent(cluster, w.kind, o, ev));
    inf.on('error', () => undefined);
    await inf.start();
    return inf;
  }

  private startSet(m: MemberCluster): void {
    const set: MemberInformerSet = { client: m.client, stopped: false };
    this.sets.set(m.name, set);
    void (async () => {
      for (let attempt = 0; !set.stopped && !this.stopped; attempt++) {
        const started: Informer[] = [];
        try {
          const map = new Map<string, Informer>();
          for (const w of this.o.kinds) {
            const inf = await this.startOne(m.name, set, w);
            started.push(inf);
            map.set(w.kind, inf);
          }
          if (set.stopped) throw new Error('stopped');
          set.informers = map;
          this.o.onCluster(m.name);
          return;
        } catch (e) {
          await Promise.all(started.map((i) => i.stop().catch(() => undefined)));
          if (set.stopped || this.stopped) return;
          if (attempt % 10 === 0) this.o.log.warn({ cluster: m.name, kinds: this.o.kinds.map((k) => k.kind), err: errText(e) }, 'cannot watch the member yet; retrying');
          await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 10_000)).unref());
        }
      }
    })();
  }

  private async stopSet(set: MemberInformerSet): Promise<void> {
    set.stopped = true;
    await Promise.all([...(set.informers?.values() ?? [])].map((i) => i.stop().catch(() => undefined)));
  }
}
