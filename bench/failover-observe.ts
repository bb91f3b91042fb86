/**
 * What the failover benchmark watches, as a user outside the playground would: the federation's
 * Deployments (their aggregated readyReplicas), its Cluster objects and the Events in the
 * benchmark's namespace, and every member's copies of the Deployments. Every change is kept with
 * the time it was seen (performance.now()), so a fault's figures and its timeline are computed
 * afterwards from the logs. Also: running `kubefed` commands with the time they were answered,
 * and counting the write requests a member API server has served (its apiserver_request_total).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { KObject } from '../src/apis/object.js';
import type { Informer, KubeClient } from '../src/federation/client/kube-client.js';
import { CORE_API_VERSION } from '../src/federation/crds/federation-crds.js';

export const now = () => performance.now();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Nearest-rank percentile of ascending numbers. */
export function percentile(sorted: readonly number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface CommandTiming {
  /** When the command was started. */
  issued: number;
  /** When its first output arrived: the playground had carried the fault out and answered. */
  answered: number;
  output: string;
}

/** Runs `kubefed ARGS` (the CLI at `cli`); resolves when it exits, with the moment its answer was printed. */
export function runKubefed(cli: string, args: string[]): Promise<CommandTiming> {
  const issued = now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KUBEFED_LOG_LEVEL: process.env.KUBEFED_LOG_LEVEL ?? 'warn' } });
    let answered: number | undefined;
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      answered ??= now();
      out += String(d);
    });
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`kubefed ${args.join(' ')} exited ${code}: ${err || out}`));
      else resolve({ issued, answered: answered ?? now(), output: out.trim() });
    });
  });
}

/** CPU seconds a process has run, from /proc/PID/schedstat (NaN when unknown). */
export function cpuSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
  } catch {
    return NaN;
  }
}

const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/**
 * Write requests (create, update, patch, delete) a member API server has answered since it
 * started, from its /metrics: in total and by "verb resource code". The playground's own components
 * reach their API in-process, so over HTTP only outside clients are counted: the federation
 * (this benchmark writes nothing to members).
 */
export async function memberWrites(client: KubeClient): Promise<{ all: number; by: Record<string, number> }> {
  // Not JSON: the client hands the text back as { message }.
  const r = await client.request<{ message?: string }>('GET', '/metrics');
  let all = 0;
  const by: Record<string, number> = {};
  for (const line of String(r?.message ?? '').split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!WRITE_VERBS.has(labels.verb ?? '')) continue;
    const n = Number(line.slice(line.lastIndexOf(' ') + 1));
    all += n;
    const key = `${labels.verb} ${labels.resource} ${labels.code}`;
    by[key] = (by[key] ?? 0) + n;
  }
  return { all, by };
}

/** What was written between two readings of memberWrites, by "verb resource code". */
export function writesBetween(a: { by: Record<string, number> }, b: { by: Record<string, number> }): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(b.by)) if (n - (a.by[k] ?? 0) > 0) out[k] = n - (a.by[k] ?? 0);
  return out;
}

/** What identifies the federation's last write to a member copy: its generation and its manager's managedFields entry. */
export function federationMark(d: KObject, manager: string): string {
  const entries = (d.metadata?.managedFields ?? []).filter((f: { manager?: string }) => f.manager === manager);
  return JSON.stringify([d.metadata?.generation, entries]);
}

export interface ClusterSeen {
  t: number;
  cluster: string;
  ready: boolean;
  phase?: string;
  taints: string[];
}

export interface EventSeen {
  t: number;
  object: string;
  reason: string;
  message: string;
}

export interface ReadySeen {
  t: number;
  ready: number;
}

export interface NodeSeen {
  t: number;
  cluster: string;
  node: string;
  ready: boolean;
}

export interface CopySeen {
  t: number;
  cluster: string;
  name: string;
  replicas: number;
  ready: number;
}

/** One kind in a member, watched again 250 ms after the watch fails (the informer's own backoff reaches 10 s during a long outage). */
class MemberWatch {
  private inf: Informer | undefined;
  private stopped = false;
  constructor(
    private readonly client: KubeClient,
    private readonly kind: { apiVersion: string; kind: string; namespace?: string },
    private readonly seen: (o: KObject) => void,
  ) {}

  async start(): Promise<void> {
    while (!this.stopped) {
      try {
        const inf = await this.client.informer(this.kind.apiVersion, this.kind.kind, this.kind.namespace ? { namespace: this.kind.namespace } : {});
        for (const ev of ['add', 'update'] as const) inf.on(ev, this.seen);
        inf.on('error', () => {
          if (this.inf !== inf || this.stopped) return;
          this.inf = undefined;
          void inf.stop().catch(() => undefined);
          void sleep(250).then(() => this.start());
        });
        this.inf = inf;
        await inf.start();
        return;
      } catch {
        this.inf = undefined;
        await sleep(250);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.inf?.stop().catch(() => undefined);
  }
}

/** Everything the benchmark observes, logged with the time it was seen. */
export class Observer {
  /** Per Deployment: its readyReplicas at the federation, each change. */
  readonly fedReady = new Map<string, ReadySeen[]>();
  /** The sum of readyReplicas over the Deployments at the federation, at each change. */
  readonly total: ReadySeen[] = [];
  readonly clusters: ClusterSeen[] = [];
  readonly events: EventSeen[] = [];
  readonly copies: CopySeen[] = [];
  /** Each member node's Ready condition, each change. */
  readonly nodes: NodeSeen[] = [];
  private readonly nodeReady = new Map<string, boolean>();
  /** Last seen replicas and readyReplicas of each copy: cluster → name → value. */
  readonly current = new Map<string, Map<string, { replicas: number; ready: number }>>();
  private readonly ready = new Map<string, number>();
  private sum = 0;
  private readonly informers: Informer[] = [];
  private readonly members: MemberWatch[] = [];

  constructor(
    private readonly federation: KubeClient,
    private readonly namespace: string,
  ) {}

  async start(members: Map<string, KubeClient>): Promise<void> {
    const deployments = await this.federation.informer('apps/v1', 'Deployment', { namespace: this.namespace });
    for (const ev of ['add', 'update'] as const) deployments.on(ev, (d) => this.fedDeployment(d));
    const clusters = await this.federation.informer(CORE_API_VERSION, 'Cluster');
    for (const ev of ['add', 'update'] as const) clusters.on(ev, (c) => this.cluster(c));
    const events = await this.federation.informer('v1', 'Event', { namespace: this.namespace });
    events.on('add', (e) => this.events.push({ t: now(), object: e.involvedObject?.name ?? '', reason: e.reason ?? '', message: e.message ?? '' }));
    for (const inf of [deployments, clusters, events]) {
      inf.on('error', () => undefined);
      await inf.start();
      this.informers.push(inf);
    }
    for (const [name, client] of members) {
      this.members.push(new MemberWatch(client, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: this.namespace }, (d) => this.copy(name, d)));
      this.members.push(new MemberWatch(client, { apiVersion: 'v1', kind: 'Node' }, (n) => this.node(name, n)));
    }
    await Promise.all(this.members.map((m) => m.start()));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.informers.map((i) => i.stop()), ...this.members.map((m) => m.stop())]);
  }

  private fedDeployment(d: KObject): void {
    const name = d.metadata?.name ?? '';
    const ready = Number(d.status?.readyReplicas ?? 0);
    const before = this.ready.get(name);
    if (before === ready) return;
    this.ready.set(name, ready);
    const t = now();
    let log = this.fedReady.get(name);
    if (!log) this.fedReady.set(name, (log = []));
    log.push({ t, ready });
    this.sum += ready - (before ?? 0);
    this.total.push({ t, ready: this.sum });
  }

  private cluster(c: KObject): void {
    const cond = (c.status?.conditions ?? []).find((x: { type?: string }) => x.type === 'Ready');
    const entry: ClusterSeen = { t: now(), cluster: c.metadata?.name ?? '', ready: cond?.status === 'True', phase: c.status?.phase, taints: (c.spec?.taints ?? []).map((x: { key: string; effect: string }) => `${x.key}:${x.effect}`) };
    const last = [...this.clusters].reverse().find((x) => x.cluster === entry.cluster);
    if (last && last.ready === entry.ready && last.phase === entry.phase && last.taints.join() === entry.taints.join()) return;
    this.clusters.push(entry);
  }

  private copy(cluster: string, d: KObject): void {
    const name = d.metadata?.name ?? '';
    const replicas = Number(d.spec?.replicas ?? 1);
    const ready = Number(d.status?.readyReplicas ?? 0);
    let m = this.current.get(cluster);
    if (!m) this.current.set(cluster, (m = new Map()));
    const before = m.get(name);
    if (before && before.replicas === replicas && before.ready === ready) return;
    m.set(name, { replicas, ready });
    this.copies.push({ t: now(), cluster, name, replicas, ready });
  }

  private node(cluster: string, n: KObject): void {
    const node = n.metadata?.name ?? '';
    const ready = (n.status?.conditions ?? []).some((c: { type?: string; status?: string }) => c.type === 'Ready' && c.status === 'True');
    const key = `${cluster}/${node}`;
    if (this.nodeReady.get(key) === ready) return;
    this.nodeReady.set(key, ready);
    this.nodes.push({ t: now(), cluster, node, ready });
  }

  /** The federation's readyReplicas of a Deployment now. */
  readyOf(name: string): number {
    return this.ready.get(name) ?? 0;
  }

  /** The summed readyReplicas now. */
  get totalReady(): number {
    return this.sum;
  }

  /** Whether every copy of `name` in `clusters` last showed `replicas` replicas, all Ready. */
  atDivision(name: string, clusters: readonly string[], replicas: number): boolean {
    return clusters.every((c) => {
      const x = this.current.get(c)?.get(name);
      return x?.replicas === replicas && x.ready === replicas;
    });
  }

  /** The phase the federation last showed for a cluster, and whether it was Ready. */
  clusterNow(cluster: string): ClusterSeen | undefined {
    return [...this.clusters].reverse().find((x) => x.cluster === cluster);
  }
}
