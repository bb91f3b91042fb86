/**
 * Base of a simulated cluster's controllers: follow changes to some resources through the
 * watch cache, turn them into keys on a work queue, reconcile one key at a time (with retries
 * and backoff), and stop cleanly. Keys are whatever the controller chooses ("ns/name").
 */
import type { KObject } from '../../apis/object.js';
import type { CacheEvent } from '../../storage/watch-cache.js';
import { WorkQueue } from '../../util/work-queue.js';
import type { InternalClient, GR } from './client.js';

export interface ObjectEvent {
  type: CacheEvent['type'];
  obj: KObject;
  prev?: KObject;
}

export const keyOf = (o: KObject): string => (o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata!.name!);

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export abstract class Controller {
  protected readonly queue: WorkQueue;
  private readonly stops: (() => void)[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  protected stopped = false;

  constructor(
    protected readonly client: InternalClient,
    readonly name: string,
    opts: { concurrency?: number } = {},
  ) {
    this.queue = new WorkQueue((key) => this.sync(key), { name, concurrency: opts.concurrency ?? 2, baseDelayMs: 20, maxDelayMs: 5_000 });
  }

  /** Reconciles one key. Throwing retries it with backoff. */
  protected abstract sync(key: string): Promise<void>;

  /** Subclasses register watches and enqueue their initial keys here. */
  abstract start(): void;

  /** Calls `onEvent` for every change to objects of the given resource. */
  protected watch(gr: GR, onEvent: (e: ObjectEvent) => void): void {
    this.watchPrefix(this.client.type(gr).storagePrefix, onEvent);
  }

  /** Calls `onEvent` for every change under a storage prefix, served or not (a CRD may come later). */
  protected watchPrefix(prefix: string, onEvent: (e: ObjectEvent) => void): void {
    const stop = this.client.api.store.cache.watchAll((events) => {
      for (const e of events) {
        if (!e.key.startsWith(prefix)) continue;
        onEvent({ type: e.type, obj: e.object.obj, ...(e.prev ? { prev: e.prev.obj } : {}) });
      }
    });
    this.stops.push(stop);
  }

  /** Runs `fn` every `ms` until the controller stops. */
  protected every(ms: number, fn: () => void): void {
    const t = setInterval(() => {
      if (!this.stopped) fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  /** Runs `fn` once after `ms` unless the controller stops first. */
  protected after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.stops.splice(0)) s();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue.shutdown();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }
}
