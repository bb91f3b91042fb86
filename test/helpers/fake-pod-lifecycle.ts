/**
 * A test-only stand-in for a scheduler and kubelets, for testing workload controllers alone:
 * binds pending pods to nodes (honouring a DaemonSet pod's metadata.name node affinity), starts
 * them (Running, then Ready), finishes run-to-completion pods (restartPolicy Never/OnFailure)
 * after a while (`fake.kubefed.io/run-ms`) with exit code 0 (or 1 when annotated
 * `fake.kubefed.io/fail: "true"`), and
 * completes graceful deletions. Everything goes through the API (status writes, bindings,
 * deletes), polling every few milliseconds.
 */
import type { KObject } from '../../src/apis/object.js';
import { isConflict, isNotFound, NODES, PODS, type InternalClient } from '../../src/playground/cluster/client.js';
import type { ClusterComponent, ClusterRuntime } from '../../src/playground/cluster/runtime.js';

export const FAIL_ANNOTATION = 'fake.kubefed.io/fail';
/** How long a run-to-completion pod runs (ms), overriding jobDurationMs. */
export const RUN_MS_ANNOTATION = 'fake.kubefed.io/run-ms';

export interface FakePodLifecycleOptions {
  /** Nodes to bind to (default: the Node objects, else the runtime's node specs). */
  nodes?: string[];
  startDelayMs?: number;
  readyDelayMs?: number;
  jobDurationMs?: number;
  /** Pods for which this returns false stay Running but not Ready. */
  ready?: (pod: KObject) => boolean;
  tickMs?: number;
}

const ts = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export class FakePodLifecycle implements ClusterComponent {
  private readonly client: InternalClient;
  private timer: NodeJS.Timeout | undefined;
  private readonly since = new Map<string, { bound?: number; running?: number }>();
  private busy = false;
  private rr = 0;
  /** While true nothing happens (pods keep their state). */
  paused = false;

  constructor(
    private readonly runtime: ClusterRuntime,
    private readonly opts: FakePodLifecycleOptions = {},
  ) {
    this.client = runtime.client('fake-kubelet');
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.opts.tickMs ?? 15);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private nodes(): string[] {
    if (this.opts.nodes) return this.opts.nodes;
    const api = this.client.list(NODES).map((n) => n.metadata!.name!);
    return api.length ? api : this.runtime.spec.nodes.map((n) => n.name);
  }

  private async tick(): Promise<void> {
    if (this.busy || this.paused) return;
    this.busy = true;
    try {
      for (const pod of this.client.list(PODS)) {
        try {
          await this.step(pod);
        } catch (e) {
          if (!isConflict(e) && !isNotFound(e)) throw e;
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async step(pod: KObject): Promise<void> {
    const m = pod.metadata!;
    const ns = m.namespace!;
    const name = m.name!;
    const uid = m.uid!;
    const t = Date.now();
    const st = this.since.get(uid) ?? {};
    this.since.set(uid, st);
    const phase = pod.status?.phase;
    if (m.deletionTimestamp) {
      if (pod.spec?.nodeName && phase !== 'Succeeded' && phase !== 'Failed') {
        await this.setStatus(pod, (s) => {
          s.phase = 'Failed';
          s.conditions = this.conditions(s, false);
          s.containerStatuses = this.containerStatuses(pod, { terminated: { exitCode: 137, reason: 'Error', startedAt: ts(), finishedAt: ts() } }, false);
        });
        return;
      }
      await this.client.delete(PODS, ns, name, { gracePeriodSeconds: 0, preconditions: { uid } });
      this.since.delete(uid);
      return;
    }
    if (!pod.spec?.nodeName) {
      const nodes = this.nodes();
      const target = this.targetNode(pod) ?? nodes[this.rr++ % Math.max(1, nodes.length)];
      if (!target || !nodes.includes(target)) return;
      await this.client.bindPod(ns, name, target);
      st.bound = t;
      return;
    }
    st.bound ??= t;
    const runToCompletion = pod.spec?.restartPolicy === 'Never' || pod.spec?.restartPolicy === 'OnFailure';
    if (phase === 'Pending' && t - st.bound >= (this.opts.startDelayMs ?? 20)) {
      await this.setStatus(pod, (s) => {
        s.phase = 'Running';
        s.startTime = ts();
        s.hostIP = '127.0.0.1';
        s.podIP = '10.0.0.1';
        s.podIPs = [{ ip: '10.0.0.1' }];
        s.hostIPs = [{ ip: '127.0.0.1' }];
        s.conditions = this.conditions(s, false);
        s.containerStatuses = this.containerStatuses(pod, { running: { startedAt: ts() } }, false);
      });
      st.running = t;
      return;
    }
    if (phase !== 'Running') return;
    st.running ??= t;
    const runMs = Number(m.annotations?.[RUN_MS_ANNOTATION] ?? this.opts.jobDurationMs ?? 150);
    if (runToCompletion && t - st.running >= runMs) {
      const fail = m.annotations?.[FAIL_ANNOTATION] === 'true';
      await this.setStatus(pod, (s) => {
        s.phase = fail ? 'Failed' : 'Succeeded';
        s.conditions = this.conditions(s, false);
        const exitCode = fail ? 1 : 0;
        s.containerStatuses = this.containerStatuses(pod, { terminated: { exitCode, reason: fail ? 'Error' : 'Completed', startedAt: ts(new Date(st.running!)), finishedAt: ts() } }, false);
      });
      return;
    }
    const wantReady = (this.opts.ready?.(pod) ?? true) && t - st.running >= (this.opts.readyDelayMs ?? 30);
    const isReady = (pod.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True');
    if (wantReady !== isReady && (wantReady || this.opts.ready)) {
      await this.setStatus(pod, (s) => {
        s.conditions = this.conditions(s, wantReady);
        s.containerStatuses = (s.containerStatuses ?? []).map((c: KObject) => ({ ...c, ready: wantReady, started: true }));
      });
    }
  }

  private targetNode(pod: KObject): string | undefined {
    for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
      for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In') return f.values?.[0];
    }
    return undefined;
  }

  private conditions(s: KObject, ready: boolean): KObject[] {
    const now = ts();
    const prev: KObject[] = s.conditions ?? [];
    const set = (type: string, status: string): KObject => {
      const old = prev.find((c) => c.type === type);
      return { type, status, lastProbeTime: null, lastTransitionTime: old && old.status === status ? old.lastTransitionTime : now };
    };
    return [set('PodReadyToStartContainers', 'True'), set('Initialized', 'True'), set('Ready', ready ? 'True' : 'False'), set('ContainersReady', ready ? 'True' : 'False'), set('PodScheduled', 'True')];
  }

  private containerStatuses(pod: KObject, state: KObject, ready: boolean): KObject[] {
    return (pod.spec?.containers ?? []).map((c: KObject) => ({
      name: c.name,
      image: c.image,
      imageID: `docker.io/library/${c.image}@sha256:${'0'.repeat(64)}`,
      containerID: `containerd://${'a'.repeat(64)}`,
      ready,
      started: !!state.running,
      restartCount: 0,
      state,
    }));
  }

  private async setStatus(pod: KObject, change: (s: KObject) => void): Promise<void> {
    await this.client.modify(
      PODS,
      pod.metadata!.namespace!,
      pod.metadata!.name!,
      (p) => {
        if (p.metadata?.uid !== pod.metadata?.uid) return false;
        p.status ??= {};
        change(p.status);
      },
      { status: true },
    );
  }

  async idle(): Promise<void> {}
}

/** Node objects for the runtime's node specs (the kubelets register them in a real cluster). */
export async function createNodes(runtime: ClusterRuntime, opts: { labels?: Record<string, Record<string, string>>; taints?: Record<string, KObject[]> } = {}): Promise<void> {
  const client = runtime.client('fake-kubelet');
  for (const n of runtime.spec.nodes) {
    await client.create(NODES, '', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', ...(opts.labels?.[n.name] ?? {}) } },
      spec: opts.taints?.[n.name] ? { taints: opts.taints[n.name] } : {},
    });
  }
}
