/**
 * Gateway API status at the federation, as the specification asks of the controller of the
 * `kubefed-global` GatewayClass: the class's Accepted condition and supported features; each
 * Gateway's addresses (the global edge's), Accepted and Programmed conditions and listener
 * status (supported kinds, attached routes, Accepted, Programmed, ResolvedRefs, Conflicted);
 * each HTTPRoute's entries in status.parents for our Gateways (Accepted, ResolvedRefs,
 * PartiallyInvalid).
 *
 * The rules live in the compiler (src/traffic/config/gateway.ts, through compileTraffic); this
 * controller only writes what it computed: conditions merged by type (lastTransitionTime kept
 * while the status stays, conditions of other types and other controllers' route entries left
 * alone), written to the status subresource against the resourceVersion it was computed from,
 * and only when something changed.
 */
import type { Logger } from 'pino';
import { deepEqual, type KObject } from '../../apis/object.js';
import { KubeApiError, type KubeClient } from '../client/kube-client.js';
import { TrafficSource } from '../../traffic/config/source.js';
import type { Compiled } from '../../traffic/config/compile.js';
import type { Condition } from '../../traffic/config/gateway.js';
import { WorkQueue, type WorkQueueMetricsProvider } from '../../util/work-queue.js';
import { GATEWAY_API_VERSION, GLOBAL_GATEWAY_CONTROLLER } from '../crds/gateway-api-crds.js';

export interface GatewayStatusControllerOptions {
  federation: KubeClient;
  /** Where the work queues' metrics go. */
  metrics?: WorkQueueMetricsProvider;
  log: Logger;
  fieldManager: string;
  /** Namespace of the traffic settings (default kube-federation-system). */
  namespace?: string;
  /** A running source to follow instead of starting one. */
  source?: TrafficSource;
}

/** Condition types this controller writes (others on the same objects are not ours to remove). */
const OWN_TYPES = new Set(['Accepted', 'Programmed', 'ResolvedRefs', 'Conflicted', 'PartiallyInvalid']);

const errText = (e: unknown) => (e instanceof KubeApiError ? (e.body?.message ?? e.message) : e instanceof Error ? e.message : String(e));
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * Our conditions merged into the existing ones: same order, lastTransitionTime kept while the
 * status is the same, our types that no longer apply removed, other types kept.
 */
export function mergeConditions(existing: any[] | undefined, desired: Condition[], at: string): any[] {
  const cond = (d: Condition, old: any) => ({ type: d.type, status: d.status, observedGeneration: d.observedGeneration, lastTransitionTime: old?.status === d.status && old.lastTransitionTime ? old.lastTransitionTime : at, reason: d.reason, message: d.message });
  const out: any[] = [];
  for (const e of existing ?? []) {
    const d = desired.find((x) => x.type === e.type);
    if (d) out.push(cond(d, e));
    else if (!OWN_TYPES.has(e.type)) out.push(e);
  }
  for (const d of desired) if (!(existing ?? []).some((e) => e.type === d.type)) out.push(cond(d, undefined));
  return out;
}

interface Desired {
  kind: 'GatewayClass' | 'Gateway' | 'HTTPRoute';
  object: KObject;
  status: (current: KObject, at: string) => any;
}

export class GatewayStatusController {
  private readonly source: TrafficSource;
  private readonly ownSource: boolean;
  private readonly queue: WorkQueue;
  /** What each object's status should be, from the latest compilation (key: kind|namespace/name). */
  private desired = new Map<string, Desired>();
  private unsubscribe?: () => void;
  private stopped = false;

  constructor(private readonly o: GatewayStatusControllerOptions) {
    this.ownSource = !o.source;
    this.source = o.source ?? new TrafficSource({ client: o.federation, log: o.log, ...(o.namespace ? { namespace: o.namespace } : {}) });
    this.queue = new WorkQueue((k) => this.write(k), {
      name: 'gateway-status',
      metrics: o.metrics,
      concurrency: 4,
      baseDelayMs: 100,
      maxDelayMs: 10_000,
      onError: (k, err) => o.log.debug({ object: k, err: errText(err) }, 'writing Gateway API status failed; retrying'),
    });
  }

  async start(): Promise<void> {
    this.unsubscribe = this.source.onCompiled((c) => this.compiled(c));
    if (this.ownSource) await this.source.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.queue.shutdown();
    if (this.ownSource) await this.source.stop();
    await this.queue.idle();
  }

  /** Resolves when no write is queued or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  private compiled(c: Compiled): void {
    if (this.stopped) return;
    const desired = new Map<string, Desired>();
    const put = (kind: Desired['kind'], object: KObject, status: Desired['status']) => desired.set(`${kind}|${object.metadata?.namespace ?? ''}/${object.metadata?.name}`, { kind, object, status });
    for (const gc of c.gatewayApi.gatewayClasses) {
      put('GatewayClass', gc.object, (cur, at) => ({ ...cur.status, conditions: mergeConditions(cur.status?.conditions, gc.conditions, at), supportedFeatures: gc.supportedFeatures }));
    }
    for (const gw of c.gatewayApi.gateways) {
      put('Gateway', gw.object, (cur, at) => {
        const { addresses: _old, ...rest } = cur.status ?? {};
        return {
          ...rest,
          ...(gw.addresses.length ? { addresses: gw.addresses } : {}),
          conditions: mergeConditions(cur.status?.conditions, gw.conditions, at),
          listeners: gw.listeners.map((l) => ({
            name: l.name,
            supportedKinds: l.supportedKinds,
            attachedRoutes: l.attachedRoutes,
            conditions: mergeConditions((cur.status?.listeners ?? []).find((x: any) => x.name === l.name)?.conditions, l.conditions, at),
          })),
        };
      });
    }
    for (const r of c.gatewayApi.httpRoutes) {
      put('HTTPRoute', r.object, (cur, at) => {
        const all: any[] = cur.status?.parents ?? [];
        const ours = all.filter((p) => p.controllerName === GLOBAL_GATEWAY_CONTROLLER);
        return {
          ...cur.status,
          parents: [
            ...all.filter((p) => p.controllerName !== GLOBAL_GATEWAY_CONTROLLER),
            ...r.parents.map((p) => ({ parentRef: p.parentRef, controllerName: p.controllerName, conditions: mergeConditions(ours.find((x) => deepEqual(x.parentRef, p.parentRef))?.conditions, p.conditions, at) })),
          ],
        };
      });
    }
    this.desired = desired;
    const at = now();
    for (const [k, d] of desired) if (!deepEqual(d.object.status ?? {}, d.status(d.object, at))) this.queue.add(k);
  }

  /** Writes one object's status, computed against the copy the compilation saw (a conflict retries with a later one). */
  private async write(key: string): Promise<void> {
    const d = this.desired.get(key);
    if (!d || this.stopped) return;
    const cur = d.object;
    const status = d.status(cur, now());
    if (deepEqual(cur.status ?? {}, status)) return;
    await this.o.federation.replace({ ...cur, apiVersion: GATEWAY_API_VERSION, kind: d.kind, status }, { subresource: 'status', fieldManager: this.o.fieldManager });
    this.o.log.debug({ object: key }, 'Gateway API status written');
  }
}
