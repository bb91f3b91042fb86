/**
 * The control plane's side of the global edge (the edge itself only reads):
 * - the IngressClass `kubefed-global`: the default class at the federation, and present in every
 *   member so copies of global Ingresses are left alone by the members' own controllers;
 * - every member copy of a global Ingress shows the global address in its status (so does the
 *   federation's Ingress, through the status aggregated from its copies), as the seeds show
 *   `kubectl get ingress` with one address in every cluster;
 * - the same compilation as the edge's (compileTraffic), with what cannot be served reported as
 *   Warning events on the objects concerned (a missing Service, a bad certificate, a host/path
 *   another Ingress holds, a malformed traffic setting), once per problem while it lasts;
 * - per served Ingress, an annotation listing each backend's clusters with ready/total endpoints
 *   and capacity (shown by `kubectl describe ingress`), and events when a cluster is drained
 *   (no ready endpoint left) or restored.
 */
import type { Logger } from 'pino';
import { isAlreadyExists, isNotFound, KubeApiError, type KubeClient } from '../client/kube-client.js';
import { MemberInformers } from '../clusters/member-informers.js';
import type { MemberRegistry } from '../context.js';
import { EventRecorder } from '../events.js';
import { GLOBAL_BACKENDS_ANNOTATION, MANAGED_LABEL } from '../propagation/intent.js';
import { TrafficSource } from '../../traffic/config/source.js';
import type { Compiled, Problem } from '../../traffic/config/compile.js';
import { GLOBAL_INGRESS_CLASS, globalIngressClass } from '../../traffic/ingress-class.js';
import type { Backend } from '../../traffic/model.js';
import { WorkQueue, type WorkQueueMetricsProvider } from '../../util/work-queue.js';

const INGRESS = 'networking.k8s.io/v1';

export interface GlobalIngressControllerOptions {
  federation: KubeClient;
  /** Where the work queues' metrics go. */
  metrics?: WorkQueueMetricsProvider;
  members: MemberRegistry;
  log: Logger;
  fieldManager: string;
  namespace?: string;
}

const errText = (e: unknown) => (e instanceof KubeApiError ? (e.body?.message ?? e.message) : e instanceof Error ? e.message : String(e));
const keyOf = (o: { metadata?: { namespace?: string; name?: string } }) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** `ip` for addresses, `hostname` otherwise, as LoadBalancerIngress has them. */
export function loadBalancerIngress(addresses: string[]): { ip?: string; hostname?: string }[] {
  return addresses.map((a) => (/^[\d.]+$/.test(a) || a.includes(':') ? { ip: a } : { hostname: a }));
}

/** One backend's clusters: `cluster ready/total` each, with the declared capacity. */
export function describeBackend(b: Backend): string {
  const byCluster = new Map<string, { ready: number; total: number }>();
  for (const e of b.endpoints) {
    const c = byCluster.get(e.cluster) ?? { ready: 0, total: 0 };
    c.total++;
    if (e.ready) c.ready++;
    byCluster.set(e.cluster, c);
  }
  const clusters = [...byCluster].sort((x, y) => x[0].localeCompare(y[0])).map(([c, n]) => `${c} ${n.ready}/${n.total}${b.maxRatePerEndpoint ? ` (${n.ready * b.maxRatePerEndpoint} rps)` : ''}`);
  return `${b.service}:${b.port} -> ${clusters.length ? clusters.join(', ') : 'no endpoints'}`;
}

export class GlobalIngressController {
  private readonly source: TrafficSource;
  private readonly members: MemberInformers;
  private readonly queue: WorkQueue;
  private readonly events: EventRecorder;
  private compiled?: Compiled;
  /** Problems already reported (uid|reason|message), forgotten once they are gone. */
  private reported = new Set<string>();
  /** Per served Ingress and backend cluster: whether it had a ready endpoint. */
  private clusterReady = new Map<string, boolean>();
  private stopped = false;

  constructor(private readonly o: GlobalIngressControllerOptions) {
    this.source = new TrafficSource({ client: o.federation, log: o.log, ...(o.namespace ? { namespace: o.namespace } : {}) });
    this.events = new EventRecorder(o.federation, 'kubefed-global-ingress', o.log);
    this.queue = new WorkQueue((k) => this.syncMembers(k), {
      name: 'global-ingress',
      metrics: o.metrics,
      concurrency: 4,
      baseDelayMs: 250,
      maxDelayMs: 10_000,
      onError: (k, err) => o.log.debug({ ingress: k, err: errText(err) }, 'writing member Ingress status failed; retrying'),
    });
    this.members = new MemberInformers({
      members: o.members,
      kinds: [{ apiVersion: INGRESS, kind: 'Ingress', opts: { labelSelector: `${MANAGED_LABEL}=true` } }],
      log: o.log,
      onEvent: (_c, _k, obj) => this.enqueue(keyOf(obj)),
      onCluster: (c) => void this.clusterChanged(c),
    });
  }

  async start(): Promise<void> {
    await this.ensureClass(this.o.federation, true);
    this.source.onCompiled((c) => this.compiledChanged(c));
    await this.source.start();
    this.members.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.shutdown();
    await this.members.stop();
    await this.source.stop();
    await this.queue.idle();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private enqueue(k: string): void {
    if (!this.stopped && k !== '/') this.queue.add(k);
  }

  private async ensureClass(client: KubeClient, isDefault: boolean): Promise<void> {
    try {
      if (await client.get(INGRESS, 'IngressClass', undefined, GLOBAL_INGRESS_CLASS)) return;
      await client.create(globalIngressClass(isDefault), { fieldManager: this.o.fieldManager });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }

  private async clusterChanged(cluster: string): Promise<void> {
    const m = this.o.members.get(cluster);
    if (m?.phase === 'Ready' && this.members.ready(cluster)) {
      try {
        await this.ensureClass(m.client, false);
      } catch (e) {
        this.o.log.warn({ cluster, err: errText(e) }, `cannot create the IngressClass ${GLOBAL_INGRESS_CLASS} in the member`);
      }
    }
    for (const i of this.compiled?.served ?? []) this.enqueue(keyOf(i));
  }

  private compiledChanged(c: Compiled): void {
    this.compiled = c;
    this.reportProblems(c.problems);
    this.reportBackends(c);
    for (const i of c.served) this.enqueue(keyOf(i));
  }

  private reportProblems(problems: Problem[]): void {
    const now = new Set<string>();
    for (const p of problems) {
      const k = `${p.object.kind}|${p.object.namespace ?? ''}|${p.object.name}|${p.object.uid ?? ''}|${p.reason}|${p.message}`;
      now.add(k);
      if (this.reported.has(k)) continue;
      this.o.log.warn({ object: `${p.object.kind} ${p.object.namespace ?? ''}/${p.object.name}`, reason: p.reason }, p.message);
      this.events.record({ apiVersion: p.object.apiVersion, kind: p.object.kind, metadata: { name: p.object.name, ...(p.object.namespace ? { namespace: p.object.namespace } : {}), ...(p.object.uid ? { uid: p.object.uid } : {}) } }, 'Warning', p.reason, p.message);
    }
    this.reported = now;
  }

  /** The backends annotation of every served Ingress, and drained/restored events. */
  private reportBackends(c: Compiled): void {
    const readyNow = new Map<string, boolean>();
    for (const ing of c.served) {
      const source = `Ingress ${keyOf(ing)}`;
      const backends = new Map<string, Backend>();
      for (const r of c.config.routes) if (r.source === source) for (const b of r.backends) backends.set(b.backend.key, b.backend);
      if (ing.spec?.defaultBackend && c.config.defaultBackend && c.config.defaultBackend.namespace === ing.metadata?.namespace) backends.set(c.config.defaultBackend.key, c.config.defaultBackend);
      const text = [...backends.values()].map(describeBackend).sort().join('; ');
      for (const b of backends.values()) {
        for (const cluster of new Set(b.endpoints.map((e) => e.cluster))) {
          const k = `${keyOf(ing)}|${b.key}|${cluster}`;
          const ready = b.endpoints.some((e) => e.cluster === cluster && e.ready);
          readyNow.set(k, ready);
          const before = this.clusterReady.get(k);
          if (before === true && !ready) this.events.record(ing, 'Warning', 'ClusterDrained', `cluster ${cluster} has no ready endpoint of ${b.service}:${b.port}; its requests go to the next closest cluster`);
          if (before === false && ready) this.events.record(ing, 'Normal', 'ClusterRestored', `cluster ${cluster} serves ${b.service}:${b.port} again`);
        }
      }
      if (text && ing.metadata?.annotations?.[GLOBAL_BACKENDS_ANNOTATION] !== text) {
        this.o.federation
          .patch(INGRESS, 'Ingress', ing.metadata!.namespace, ing.metadata!.name!, { metadata: { annotations: { [GLOBAL_BACKENDS_ANNOTATION]: text } } }, 'merge', { fieldManager: this.o.fieldManager })
          .catch((e: unknown) => this.o.log.debug({ ingress: keyOf(ing), err: errText(e) }, 'backends annotation not written'));
      }
    }
    this.clusterReady = readyNow;
  }

  /** Member copies of a served Ingress show the global address. */
  private async syncMembers(k: string): Promise<void> {
    const c = this.compiled;
    if (!c || !c.globalAddresses.length) return;
    const [namespace = '', name = ''] = k.split('/');
    if (!c.served.some((i) => keyOf(i) === k)) return;
    const want = loadBalancerIngress(c.globalAddresses);
    const errors: string[] = [];
    for (const m of this.o.members.list()) {
      if (m.phase !== 'Ready') continue;
      const copy = this.members.informer(m.name, 'Ingress')?.get(name, namespace);
      if (!copy || JSON.stringify(copy.status?.loadBalancer?.ingress ?? []) === JSON.stringify(want)) continue;
      try {
        await m.client.patch(INGRESS, 'Ingress', namespace, name, { status: { loadBalancer: { ingress: want } } }, 'merge', { subresource: 'status', fieldManager: this.o.fieldManager });
      } catch (e) {
        if (!isNotFound(e)) errors.push(`${m.name}: ${errText(e)}`);
      }
    }
    if (errors.length) throw new Error(errors.join('; '));
  }
}
