/**
 * The kubelet of one simulated node: registers the Node (topology labels, capacity, addresses,
 * node info, conditions), renews its Lease in kube-node-lease while the machine has power, and
 * runs the pods bound to it. A "container" is an HTTP server (pod-server.ts) on the pod's own
 * address (127.O.<n+1>.<2..254>) for each TCP containerPort it declares; containers without
 * ports just run. As a real image listens whether or not its port is declared, the pod's first
 * container also serves every port a Service selecting the pod targets (target-ports.ts),
 * opened and closed as Services and pod labels change, without touching readiness (which
 * waits for the declared ports only). Init containers complete before the containers start.
 * Pod status is written through the status subresource as a real kubelet writes it (phase,
 * IPs, conditions, containerStatuses), and container output goes to the cluster's pod log
 * store (kubectl logs).
 *
 * Powering the node off closes every pod server at once (connections are refused) and stops the
 * heartbeat, without touching the API objects; the node lifecycle controller notices the stale
 * Lease. Power back on restarts the servers on the same addresses and reports Ready again.
 *
 * Pod annotations that change how the simulated containers behave. latency-ms, error-rate,
 * not-ready and exit-code are read when they matter, so `kubectl annotate` changes running pods;
 * ready-after-ms, crash-after-ms and run-ms apply from a container's next start:
 *
 *   playground.kubefed.io/latency-ms: "200"     added latency of every HTTP answer (on top of
 *                                               the cluster's and zone's, network/faults.ts)
 *   playground.kubefed.io/error-rate: "0.1"     share of requests (0..1) answered 500
 *   playground.kubefed.io/not-ready: "true"     containers never become ready (removing the
 *                                               annotation makes them ready again)
 *   playground.kubefed.io/ready-after-ms: "5000" delay from container start to ready
 *                                               (default timing.readinessDelayMs)
 *   playground.kubefed.io/crash-after-ms: "3000" containers exit with code 1 after that long;
 *                                               with restartPolicy Always/OnFailure they restart
 *                                               with backoff 1s, 2s, 4s ... 5m (CrashLoopBackOff)
 *   playground.kubefed.io/run-ms: "2000"        how long containers of pods with restartPolicy
 *                                               Never/OnFailure run before exiting
 *                                               (default timing.jobPodDurationMs)
 *   playground.kubefed.io/exit-code: "3"        the exit code they exit with (default 0): the pod
 *                                               Fails (Never) or restarts (OnFailure)
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { deepEqual, nowMicroTimestamp, nowTimestamp, type KObject } from '../../apis/object.js';
import { StatusError } from '../../apiserver/errors.js';
import { LEASES, NODES, PODS, SERVICES, isConflict, isNotFound } from './client.js';
import { Controller, keyOf, splitKey } from './controller.js';
import { startPodServer, type PodServer } from './pod-server.js';
import type { ClusterComponent, ClusterRuntime, NodeSpec } from './runtime.js';
import { ServiceTargetPorts } from './target-ports.js';

export const ANNOTATION_PREFIX = 'playground.kubefed.io/';
export const LATENCY_ANNOTATION = 'playground.kubefed.io/latency-ms';
export const ERROR_RATE_ANNOTATION = 'playground.kubefed.io/error-rate';
export const NOT_READY_ANNOTATION = 'playground.kubefed.io/not-ready';
export const READY_AFTER_ANNOTATION = 'playground.kubefed.io/ready-after-ms';
export const CRASH_AFTER_ANNOTATION = 'playground.kubefed.io/crash-after-ms';
export const RUN_MS_ANNOTATION = 'playground.kubefed.io/run-ms';
export const EXIT_CODE_ANNOTATION = 'playground.kubefed.io/exit-code';

export const KUBELET_VERSION = 'v1.33.0-kubefed';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const KUBELET_PORT = 10250;
const MAX_BACKOFF_MS = 5 * 60_000;
/** A container that ran this long without crashing starts its backoff afresh (as the kubelet's). */
const BACKOFF_RESET_MS = 10 * 60_000;
const BIND_RETRY_MS = 500;
/** Node status is written on every heartbeat when it changed, else every this many heartbeats. */
const NODE_STATUS_EVERY = 5;

type Timer = NodeJS.Timeout;

interface ContainerRun {
  name: string;
  image: string;
  /** Declared TCP containerPorts: readiness waits until they all listen. */
  ports: number[];
  /** Undeclared ports Services target on the pod (served by the first container). */
  targetPorts: Set<number>;
  init: boolean;
  /** An init container with restartPolicy Always: runs beside the containers. */
  sidecar: boolean;
  state: 'waiting' | 'running' | 'terminated';
  waiting?: { reason: string; message?: string };
  id?: string;
  startedAt?: string;
  startedAtMs?: number;
  terminated?: KObject;
  lastTerminated?: KObject;
  restartCount: number;
  /** Consecutive crashes, for the backoff. */
  crashes: number;
  readyAt: number;
  servers: Map<number, PodServer>;
  /** Bumped on every start and stop: async server starts of an older run are discarded. */
  run: number;
  timers: Set<Timer>;
  /** A previous status said it was ready (adopted after a restart): ready once it listens. */
  wasReady?: boolean;
}

interface PodRun {
  key: string;
  uid: string;
  namespace: string;
  name: string;
  restartPolicy: string;
  /** spec.hostNetwork: the pod uses the node's address. */
  hostNetwork: boolean;
  ip?: string;
  phase: 'creating' | 'running' | 'done';
  /** Final phase once done. */
  result?: 'Succeeded' | 'Failed';
  startTime: string;
  initContainers: ContainerRun[];
  containers: ContainerRun[];
  annotations: Record<string, string>;
  timers: Set<Timer>;
  /** A finished pod found at start-up: its status is left as it is. */
  adoptedDone?: boolean;
}

const num = (v: string | undefined): number | undefined => {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

const newContainerId = () => randomBytes(32).toString('hex');

const TCP_PORTS = (c: KObject): number[] => [
  ...new Set<number>(
    (c?.ports ?? [])
      .filter((p: KObject) => (p?.protocol ?? 'TCP') === 'TCP' && Number.isInteger(p?.containerPort))
      .map((p: KObject) => p.containerPort as number),
  ),
];

/** Every declared port of the container listens (Service target ports do not count for readiness). */
const declaredListening = (c: ContainerRun): boolean => c.ports.every((p) => c.servers.has(p));

const NGINX_TIME = (d = new Date()) => d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '').replace(/-/g, '/');

export class Kubelet extends Controller implements ClusterComponent {
  private readonly pods = new Map<string, PodRun>();
  /** Pod address index (0..252) -> uid of the pod holding it. */
  private readonly ipOwners = new Map<number, string>();
  private nextIp = 0;
  private powered = true;
  private bootID = randomUUID();
  private heartbeatTimer: Timer | undefined;
  private heartbeating = false;
  private beats = 0;
  private nodeUid: string | undefined;
  private unsubscribePower: (() => void) | undefined;
  private readonly closing = new Set<Promise<void>>();
  private targets: ServiceTargetPorts | undefined;

  constructor(
    private readonly runtime: ClusterRuntime,
    readonly node: NodeSpec,
  ) {
    super(runtime.client('kubelet'), `kubelet-${node.name}`, { concurrency: 4 });
  }

  private get log() {
    return this.runtime.log;
  }

  private get nodeIP(): string {
    return this.runtime.addresses.node(this.node.index);
  }

  // --- Lifecycle -----------------------------------------------------------------------------------

  async start(): Promise<void> {
    this.powered = this.runtime.power.isUp(this.node.name);
    this.unsubscribePower = this.runtime.power.onChange((name, up) => {
      if (name === this.node.name && !this.stopped) this.setPower(up);
    });
    this.watch(PODS, (e) => {
      const mine = e.obj.spec?.nodeName === this.node.name || e.prev?.spec?.nodeName === this.node.name;
      if (mine) this.queue.add(keyOf(e.obj));
    });
    this.targets = new ServiceTargetPorts(this.client);
    this.watch(SERVICES, (e) => {
      const affected = this.targets!.observe(e);
      if (!affected) return;
      for (const run of this.pods.values()) {
        const pod = this.client.get(PODS, run.namespace, run.name);
        if (pod && affected(pod)) this.queue.add(run.key);
      }
    });
    this.watch(NODES, (e) => {
      if (e.type === 'DELETED' && e.obj.metadata?.name === this.node.name && this.nodeUid && e.obj.metadata?.uid === this.nodeUid) {
        this.log.debug({ node: this.node.name }, 'node object deleted; kubelet stops');
        void this.stop();
      }
    });
    // Addresses of pods that already run here (a restart on the same state) stay theirs.
    for (const p of this.myPods()) {
      if (p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
      const i = this.ipIndex(p.status?.podIP);
      if (i !== undefined && !this.ipOwners.has(i)) this.ipOwners.set(i, p.metadata!.uid!);
    }
    if (this.powered) {
      await this.register();
      await this.heartbeat();
      this.startHeartbeat();
    }
    for (const p of this.myPods()) this.queue.add(keyOf(p));
  }

  override async stop(): Promise<void> {
    if (this.stopped) {
      await Promise.all([...this.closing]);
      return;
    }
    super.stop();
    this.unsubscribePower?.();
    this.stopHeartbeat();
    for (const run of this.pods.values()) this.halt(run);
    await Promise.all([...this.closing]);
  }

  private setPower(up: boolean): void {
    if (up === this.powered) return;
    this.powered = up;
    if (!up) {
      this.log.debug({ node: this.node.name }, 'node powered off');
      this.stopHeartbeat();
      // Like a machine losing power: every process dies at once; the API is not told.
      for (const run of this.pods.values()) this.halt(run);
      return;
    }
    this.log.debug({ node: this.node.name }, 'node powered on');
    this.bootID = randomUUID();
    void (async () => {
      try {
        await this.register();
        await this.heartbeat();
      } catch (e) {
        this.log.warn({ err: e, node: this.node.name }, 'node re-registration failed');
      }
      if (this.stopped || !this.powered) return;
      this.startHeartbeat();
      for (const run of this.pods.values()) {
        this.resume(run);
        // Pods deleted meanwhile are found gone by their sync.
        this.queue.add(run.key);
      }
      for (const p of this.myPods()) this.queue.add(keyOf(p));
    })();
  }

  private myPods(): KObject[] {
    return this.client.list(PODS).filter((p) => p.spec?.nodeName === this.node.name);
  }

  // --- Node registration and heartbeat ----------------------------------------------------------------

  private nodeLabels(): Record<string, string> {
    const n = this.node;
    return {
      'beta.kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/hostname': n.name,
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/instance-type': 'playground',
      'topology.kubernetes.io/region': n.region,
      'topology.kubernetes.io/zone': n.zone,
      'failure-domain.beta.kubernetes.io/region': n.region,
      'failure-domain.beta.kubernetes.io/zone': n.zone,
      ...(n.labels ?? {}),
    };
  }

  private podCIDR(): string {
    return `127.${this.runtime.addresses.octet}.${this.node.index + 1}.0/24`;
  }

  private buildNodeStatus(existing: KObject | undefined, heartbeat: string): KObject {
    const cap = this.node.capacity;
    const resources = { cpu: String(cap.cpu), 'ephemeral-storage': '100Gi', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: String(cap.memory), pods: String(cap.pods) };
    const hash = createHash('sha256').update(`${this.runtime.spec.name}/${this.node.name}`).digest('hex');
    const uuid = `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`;
    const old: KObject[] = existing?.conditions ?? [];
    const cond = (type: string, status: string, reason: string, message: string) => {
      const prev = old.find((c) => c.type === type);
      return { type, status, lastHeartbeatTime: heartbeat, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : nowTimestamp(), reason, message };
    };
    return {
      ...(existing ?? {}),
      capacity: resources,
      allocatable: { ...resources },
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      addresses: [
        { type: 'InternalIP', address: this.nodeIP },
        { type: 'Hostname', address: this.node.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
      nodeInfo: {
        machineID: hash.slice(32, 64),
        systemUUID: uuid,
        bootID: this.bootID,
        kernelVersion: '6.1.0-kubefed-playground',
        osImage: 'Kubefed Playground',
        containerRuntimeVersion: 'playground://1.0',
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    };
  }

  /** Creates the Node, or brings an existing one (same state dir, earlier run) up to date. */
  private async register(): Promise<void> {
    const name = this.node.name;
    const labels = this.nodeLabels();
    if (!this.client.get(NODES, '', name)) {
      try {
        const created = await this.client.create(NODES, '', {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' } },
          spec: { podCIDR: this.podCIDR(), podCIDRs: [this.podCIDR()], providerID: `playground://${this.runtime.spec.name}/${name}` },
          status: this.buildNodeStatus(undefined, nowTimestamp()),
        });
        this.nodeUid = created.metadata?.uid;
        this.log.debug({ node: name }, 'registered node');
        void this.nodeEvent('Starting', 'Starting kubelet.');
        void this.nodeEvent('NodeReady', `Node ${name} status is now: NodeReady`);
        return;
      } catch (e) {
        if (!(e instanceof StatusError && e.code === 409)) throw e;
      }
    }
    const updated = await this.client.modify(NODES, '', name, (n) => {
      const cur = n.metadata!.labels ?? {};
      let changed = false;
      for (const [k, v] of Object.entries(labels)) {
        if (cur[k] !== v) {
          cur[k] = v;
          changed = true;
        }
      }
      n.metadata!.labels = cur;
      n.spec ??= {};
      if (!n.spec.podCIDR) {
        n.spec.podCIDR = this.podCIDR();
        n.spec.podCIDRs = [this.podCIDR()];
        changed = true;
      }
      return changed;
    });
    this.nodeUid = updated?.metadata?.uid;
    await this.writeNodeStatus(true);
    void this.nodeEvent('Starting', 'Starting kubelet.');
  }

  private async writeNodeStatus(force: boolean): Promise<void> {
    let wasReady = true;
    await this.client.modify(
      NODES,
      '',
      this.node.name,
      (n) => {
        const existing = n.status ?? {};
        const readyBefore = (existing.conditions ?? []).find((c: KObject) => c.type === 'Ready');
        wasReady = readyBefore?.status === 'True';
        // Compare with the heartbeat times left alone: only a real change is written early.
        const same = this.buildNodeStatus(existing, readyBefore?.lastHeartbeatTime ?? '');
        const sameHeartbeats = { ...same, conditions: same.conditions.map((c: KObject) => ({ ...c, lastHeartbeatTime: (existing.conditions ?? []).find((o: KObject) => o.type === c.type)?.lastHeartbeatTime })) };
        if (!force && deepEqual(sameHeartbeats, existing)) return false;
        n.status = this.buildNodeStatus(existing, nowTimestamp());
        return true;
      },
      { status: true },
    );
    if (!wasReady) void this.nodeEvent('NodeReady', `Node ${this.node.name} status is now: NodeReady`);
  }

  private nodeEvent(reason: string, message: string): Promise<void> {
    return this.client.event({ apiVersion: 'v1', kind: 'Node', metadata: { name: this.node.name, uid: this.node.name } }, 'Normal', reason, message).catch(() => {});
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.runtime.timing.nodeHeartbeatMs);
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  private async heartbeat(): Promise<void> {
    if (this.stopped || !this.powered || this.heartbeating) return;
    this.heartbeating = true;
    try {
      await this.renewLease();
      this.beats++;
      if (this.client.get(NODES, '', this.node.name)) await this.writeNodeStatus(this.beats % NODE_STATUS_EVERY === 0);
    } catch (e) {
      this.log.debug({ err: e, node: this.node.name }, 'heartbeat failed');
    } finally {
      this.heartbeating = false;
    }
  }

  private async renewLease(): Promise<void> {
    const name = this.node.name;
    const duration = Math.max(1, Math.ceil(this.runtime.timing.nodeMonitorGraceMs / 1000));
    const renewed = await this.client.modify(LEASES, NODE_LEASE_NAMESPACE, name, (l) => {
      l.spec = { ...(l.spec ?? {}), holderIdentity: name, leaseDurationSeconds: duration, renewTime: nowMicroTimestamp() };
    });
    if (renewed) return;
    const node = this.client.get(NODES, '', name);
    try {
      await this.client.create(LEASES, NODE_LEASE_NAMESPACE, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name,
          namespace: NODE_LEASE_NAMESPACE,
          ...(node ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata!.uid! }] } : {}),
        },
        spec: { holderIdentity: name, leaseDurationSeconds: duration, renewTime: nowMicroTimestamp() },
      });
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
  }

  // --- Pod addresses ---------------------------------------------------------------------------------

  private ipIndex(ip: string | undefined): number | undefined {
    if (!ip) return undefined;
    const prefix = `127.${this.runtime.addresses.octet}.${this.node.index + 1}.`;
    if (!ip.startsWith(prefix)) return undefined;
    const last = Number(ip.slice(prefix.length));
    if (!Number.isInteger(last) || last < 2 || last > 254) return undefined;
    return last - 2;
  }

  private allocateIP(uid: string, preferred: string | undefined, hostNetwork = false): string {
    if (hostNetwork) return this.nodeIP;
    const want = this.ipIndex(preferred);
    if (want !== undefined && (!this.ipOwners.has(want) || this.ipOwners.get(want) === uid)) {
      this.ipOwners.set(want, uid);
      return this.runtime.addresses.pod(this.node.index, want);
    }
    for (const [i, owner] of this.ipOwners) if (owner === uid) return this.runtime.addresses.pod(this.node.index, i);
    // Round robin over the range, so a freed address is not handed out again at once.
    for (let k = 0; k < 253; k++) {
      const i = (this.nextIp + k) % 253;
      if (this.ipOwners.has(i)) continue;
      this.ipOwners.set(i, uid);
      this.nextIp = (i + 1) % 253;
      return this.runtime.addresses.pod(this.node.index, i);
    }
    throw new Error(`node ${this.node.name} has no free pod address`);
  }

  private releaseIP(uid: string): void {
    for (const [i, owner] of [...this.ipOwners]) if (owner === uid) this.ipOwners.delete(i);
  }

  // --- Reconciling pods --------------------------------------------------------------------------------

  protected async sync(key: string): Promise<void> {
    if (this.stopped || !this.powered) return;
    const { namespace, name } = splitKey(key);
    const pod = this.client.get(PODS, namespace, name);
    let run = this.pods.get(key);
    if (!pod || pod.spec?.nodeName !== this.node.name) {
      if (run) this.forget(run, true);
      return;
    }
    if (run && run.uid !== pod.metadata!.uid) {
      this.forget(run, true);
      run = undefined;
    }
    if (pod.metadata?.deletionTimestamp) {
      if (run) this.forget(run, false);
      try {
        await this.client.delete(PODS, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid! } });
      } catch (e) {
        if (!isConflict(e) && !isNotFound(e)) throw e;
      }
      return;
    }
    if (!run) run = this.admit(pod);
    run.annotations = { ...(pod.metadata?.annotations ?? {}) };
    if (run.adoptedDone) return;
    this.syncTargetPorts(run, pod);
    await this.writePodStatus(run);
  }

  /** Stops a pod's containers; `gone` when its object is gone (its address and logs go too). */
  private forget(run: PodRun, gone: boolean): void {
    for (const c of [...run.initContainers, ...run.containers]) {
      if (c.state === 'running' && !gone) void this.podEvent(run, 'Normal', 'Killing', `Stopping container ${c.name}`);
    }
    this.halt(run);
    this.pods.delete(run.key);
    this.targets?.forget(run.namespace, run.name);
    this.releaseIP(run.uid);
    if (gone) this.runtime.logs.forget(run.namespace, run.name);
  }

  /** Stops every process of a pod (timers and servers) without changing what it reports. */
  private halt(run: PodRun): void {
    for (const t of run.timers) clearTimeout(t);
    run.timers.clear();
    for (const c of [...run.initContainers, ...run.containers]) this.closeServers(c);
  }

  private closeServers(c: ContainerRun): void {
    c.run++;
    for (const t of c.timers) clearTimeout(t);
    c.timers.clear();
    for (const port of [...c.servers.keys()]) this.closeServer(c, port);
  }

  private closeServer(c: ContainerRun, port: number): void {
    const s = c.servers.get(port);
    if (!s) return;
    c.servers.delete(port);
    const p = s.close().catch(() => {});
    this.closing.add(p);
    void p.finally(() => this.closing.delete(p));
  }

  /**
   * Makes the pod serve the ports its Services target that no running container declares:
   * the first container opens the new ones now if it runs (else when it starts) and closes
   * the ones no longer targeted.
   */
  private syncTargetPorts(run: PodRun, pod: KObject): void {
    const main = run.containers[0];
    if (!main || run.phase === 'done') return;
    const declared = new Set([...run.initContainers.filter((c) => c.sidecar), ...run.containers].flatMap((c) => c.ports));
    const want = new Set((this.targets?.portsFor(pod) ?? []).filter((p) => !declared.has(p)));
    const before = main.targetPorts;
    main.targetPorts = want;
    for (const port of before) if (!want.has(port)) this.closeServer(main, port);
    if (main.state !== 'running') return;
    for (const port of want) if (!before.has(port)) void this.listen(run, main, port, main.run);
  }

  private podTimer(run: PodRun, ms: number, fn: () => void, c?: ContainerRun): void {
    const set = c ? c.timers : run.timers;
    const t = setTimeout(() => {
      set.delete(t);
      if (!this.stopped && this.powered && this.pods.get(run.key) === run) fn();
    }, Math.max(0, ms));
    t.unref();
    set.add(t);
  }

  private newContainer(c: KObject, init: boolean): ContainerRun {
    return {
      name: c.name,
      image: c.image ?? '',
      ports: TCP_PORTS(c),
      targetPorts: new Set(),
      init,
      sidecar: init && c.restartPolicy === 'Always',
      state: 'waiting',
      waiting: { reason: init ? 'PodInitializing' : 'ContainerCreating' },
      restartCount: 0,
      crashes: 0,
      readyAt: Infinity,
      servers: new Map(),
      run: 0,
      timers: new Set(),
    };
  }

  /** A pod newly seen on this node: start it after the start delay, or adopt it if it already ran. */
  private admit(pod: KObject): PodRun {
    const m = pod.metadata!;
    const run: PodRun = {
      key: keyOf(pod),
      uid: m.uid!,
      namespace: m.namespace!,
      name: m.name!,
      restartPolicy: pod.spec?.restartPolicy ?? 'Always',
      hostNetwork: pod.spec?.hostNetwork === true,
      phase: 'creating',
      startTime: pod.status?.startTime ?? nowTimestamp(),
      initContainers: (pod.spec?.initContainers ?? []).map((c: KObject) => this.newContainer(c, true)),
      containers: (pod.spec?.containers ?? []).map((c: KObject) => this.newContainer(c, false)),
      annotations: { ...(m.annotations ?? {}) },
      timers: new Set(),
    };
    this.pods.set(run.key, run);
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      run.phase = 'done';
      run.result = phase;
      run.adoptedDone = true;
      return run;
    }
    if (phase === 'Running' && pod.status?.podIP) {
      this.adopt(run, pod);
      return run;
    }
    this.podTimer(run, this.runtime.timing.podStartDelayMs, () => this.startPod(run, pod.status?.podIP));
    return run;
  }

  /** A pod that was running before this kubelet started (restart on the same state): carry on. */
  private adopt(run: PodRun, pod: KObject): void {
    run.ip = this.allocateIP(run.uid, pod.status.podIP, run.hostNetwork);
    run.phase = 'running';
    const statuses: KObject[] = [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])];
    for (const c of [...run.initContainers, ...run.containers]) {
      const s = statuses.find((x) => x.name === c.name);
      c.restartCount = s?.restartCount ?? 0;
      if (s?.lastState?.terminated) c.lastTerminated = s.lastState.terminated;
      if (s?.state?.terminated && (c.init && !c.sidecar ? true : run.restartPolicy !== 'Always')) {
        c.state = 'terminated';
        c.terminated = s.state.terminated;
        c.id = s.containerID?.replace(/^playground:\/\//, '');
        continue;
      }
      if (c.init && !c.sidecar) {
        // Never reported: it runs (completes) now.
        this.completeInit(c);
        continue;
      }
      if (s?.state?.running) {
        c.id = s.containerID?.replace(/^playground:\/\//, '') || newContainerId();
        c.startedAt = s.state.running.startedAt;
        c.wasReady = !!s.ready;
        this.startContainer(run, c, { resume: true });
      } else this.startContainer(run, c, { restart: c.restartCount > 0 });
    }
    this.checkDone(run);
  }

  private startPod(run: PodRun, preferredIP: string | undefined): void {
    try {
      run.ip = this.allocateIP(run.uid, preferredIP, run.hostNetwork);
    } catch (e) {
      this.log.warn({ err: e, pod: run.key }, 'no pod address');
      void this.podEvent(run, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
      this.podTimer(run, 5_000, () => this.startPod(run, preferredIP));
      return;
    }
    run.phase = 'running';
    const now = Date.now();
    for (const c of run.initContainers) {
      if (c.sidecar) this.startContainer(run, c, {});
      else {
        this.completeInit(c, now);
        void this.containerEvents(run, c);
      }
    }
    for (const c of run.containers) this.startContainer(run, c, {});
    this.queue.add(run.key);
  }

  private completeInit(c: ContainerRun, now = Date.now()): void {
    c.id = newContainerId();
    const at = nowTimestamp(new Date(now));
    c.state = 'terminated';
    delete c.waiting;
    c.terminated = { exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at, containerID: `playground://${c.id}` };
  }

  private readyDelay(run: PodRun): number {
    return num(run.annotations[READY_AFTER_ANNOTATION]) ?? this.runtime.timing.readinessDelayMs;
  }

  private containerEvents(run: PodRun, c: ContainerRun): Promise<void> {
    return (async () => {
      await this.podEvent(run, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
      await this.podEvent(run, 'Normal', 'Created', `Created container: ${c.name}`);
      await this.podEvent(run, 'Normal', 'Started', `Started container ${c.name}`);
    })();
  }

  /**
   * Starts (or restarts, or resumes after power returns) a container: its servers, its start-up
   * log, and the timers of its fate (crash, job completion, readiness).
   */
  private startContainer(run: PodRun, c: ContainerRun, opts: { resume?: boolean; restart?: boolean }): void {
    this.closeServers(c);
    const now = Date.now();
    if (!opts.resume) {
      if (opts.restart) this.runtime.logs.restart(run.namespace, run.name, c.name);
      c.id = newContainerId();
      c.startedAt = nowTimestamp(new Date(now));
      c.wasReady = false;
      this.startupLog(run, c);
      void this.containerEvents(run, c);
    }
    c.startedAtMs = now;
    c.state = 'running';
    delete c.waiting;
    delete c.terminated;
    c.run++;
    c.readyAt = c.wasReady ? now : now + this.readyDelay(run);
    const thisRun = c.run;
    for (const port of new Set([...c.ports, ...c.targetPorts])) void this.listen(run, c, port, thisRun);
    if (Number.isFinite(c.readyAt)) this.podTimer(run, c.readyAt - now + 1, () => this.queue.add(run.key), c);

    const crashAfter = num(run.annotations[CRASH_AFTER_ANNOTATION]);
    if (crashAfter !== undefined && crashAfter >= 0) {
      this.podTimer(run, crashAfter, () => this.exitContainer(run, c, 1, 'Error'), c);
    }
    if (!c.init && run.restartPolicy !== 'Always') {
      const runMs = num(run.annotations[RUN_MS_ANNOTATION]) ?? this.runtime.timing.jobPodDurationMs;
      this.podTimer(
        run,
        runMs,
        () => {
          const code = Math.trunc(num(run.annotations[EXIT_CODE_ANNOTATION]) ?? 0);
          this.exitContainer(run, c, code, code === 0 ? 'Completed' : 'Error');
        },
        c,
      );
    }
  }

  private startupLog(run: PodRun, c: ContainerRun): void {
    const log = (line: string) => this.runtime.logs.append(run.namespace, run.name, c.name, line);
    if (/(^|\/)nginx(:|@|$)/.test(c.image) || c.image.includes('nginx')) {
      const t = NGINX_TIME();
      log('/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration');
      log('/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/');
      log('/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh');
      log('/docker-entrypoint.sh: Configuration complete; ready for start up');
      log(`${t} [notice] 1#1: using the "epoll" event method`);
      log(`${t} [notice] 1#1: nginx/1.27.0`);
      log(`${t} [notice] 1#1: OS: Linux 6.1.0-kubefed-playground`);
      log(`${t} [notice] 1#1: start worker processes`);
      log(`${t} [notice] 1#1: start worker process 29`);
    } else {
      log(`${c.name} started (image ${c.image})`);
      if (c.ports.length) log(`listening on ${c.ports.map((p) => `${run.ip}:${p}`).join(', ')}`);
    }
  }

  /** Binds one container port; retries while the address is still held (e.g. by a previous run). */
  private async listen(run: PodRun, c: ContainerRun, port: number, thisRun: number): Promise<void> {
    const ip = run.ip!;
    // Still this run of the container, and the port still wanted (a Service may have gone).
    const wanted = () => c.run === thisRun && !this.stopped && this.powered && this.pods.get(run.key) === run && (c.ports.includes(port) || c.targetPorts.has(port));
    for (let attempt = 0; ; attempt++) {
      if (!wanted() || c.servers.has(port)) return;
      try {
        const server = await startPodServer({
          ip,
          port,
          identity: {
            pod: run.name,
            namespace: run.namespace,
            node: this.node.name,
            cluster: this.runtime.spec.name,
            zone: this.node.zone,
            region: this.node.region,
            container: c.name,
            image: c.image,
            podIP: ip,
          },
          // The pod's own latency and the network's (cluster and zone faults) add up.
          behaviour: () => ({
            latencyMs: Math.max(0, num(run.annotations[LATENCY_ANNOTATION]) ?? 0) + (this.runtime.network?.latencyFor(this.node.zone) ?? 0),
            errorRate: Math.min(1, Math.max(0, num(run.annotations[ERROR_RATE_ANNOTATION]) ?? 0)),
          }),
          onRequest: (line) => this.runtime.logs.append(run.namespace, run.name, c.name, line),
          network: this.runtime.network,
        });
        if (!wanted() || c.servers.has(port)) {
          await server.close();
          return;
        }
        c.servers.set(port, server);
        if (c.ports.includes(port) && declaredListening(c)) this.queue.add(run.key);
        return;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (attempt % 20 === 0) this.log.debug({ err: e, pod: run.key, ip, port }, 'pod server cannot listen yet');
        if (code !== 'EADDRINUSE' && attempt === 5) {
          this.log.warn({ err: e, pod: run.key, ip, port }, 'pod server cannot listen');
        }
        await new Promise((r) => setTimeout(r, BIND_RETRY_MS).unref());
      }
    }
  }

  /** A container exits: it stays terminated, or restarts after its backoff. */
  private exitContainer(run: PodRun, c: ContainerRun, exitCode: number, reason: string): void {
    if (c.state !== 'running') return;
    this.closeServers(c);
    const finishedAtMs = Date.now();
    const terminated = { exitCode, reason, startedAt: c.startedAt, finishedAt: nowTimestamp(new Date(finishedAtMs)), containerID: `playground://${c.id}` };
    this.runtime.logs.append(run.namespace, run.name, c.name, exitCode === 0 ? `${c.name} completed` : `${c.name}: fatal error, exiting with code ${exitCode}`);
    const restart = c.sidecar || run.restartPolicy === 'Always' || (run.restartPolicy === 'OnFailure' && exitCode !== 0);
    if (!restart) {
      c.state = 'terminated';
      c.terminated = terminated;
      this.checkDone(run);
      this.queue.add(run.key);
      return;
    }
    if (finishedAtMs - (c.startedAtMs ?? finishedAtMs) > BACKOFF_RESET_MS) c.crashes = 0;
    c.crashes++;
    const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.min(c.crashes - 1, 20));
    c.restartCount++;
    c.lastTerminated = terminated;
    c.state = 'waiting';
    c.waiting = { reason: 'CrashLoopBackOff', message: `back-off ${formatDuration(backoff)} restarting failed container=${c.name} pod=${run.name}_${run.namespace}(${run.uid})` };
    void this.podEvent(run, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${run.name}_${run.namespace}(${run.uid})`);
    this.podTimer(run, backoff, () => {
      this.startContainer(run, c, { restart: true });
      this.queue.add(run.key);
    }, c);
    this.queue.add(run.key);
  }

  /** All containers terminated: the pod is finished and its address is free. */
  private checkDone(run: PodRun): void {
    const main = run.containers;
    if (main.length === 0 || !main.every((c) => c.state === 'terminated')) return;
    // Sidecars are stopped once the main containers are done.
    for (const c of run.initContainers) {
      if (c.sidecar && c.state === 'running') {
        this.closeServers(c);
        c.state = 'terminated';
        c.terminated = { exitCode: 0, reason: 'Completed', startedAt: c.startedAt, finishedAt: nowTimestamp(), containerID: `playground://${c.id}` };
      }
    }
    run.phase = 'done';
    run.result = main.every((c) => (c.terminated?.exitCode ?? 0) === 0) ? 'Succeeded' : 'Failed';
    this.releaseIP(run.uid);
  }

  /** After power returns: processes start again on the same addresses. */
  private resume(run: PodRun): void {
    if (run.phase === 'creating') {
      this.podTimer(run, this.runtime.timing.podStartDelayMs, () => this.startPod(run, run.ip));
      return;
    }
    if (run.phase !== 'running') return;
    for (const c of [...run.initContainers, ...run.containers]) {
      if (c.state === 'running') {
        c.wasReady = false;
        this.startContainer(run, c, { resume: true });
      } else if (c.state === 'waiting' && c.waiting?.reason === 'CrashLoopBackOff') {
        this.podTimer(run, 0, () => {
          this.startContainer(run, c, { restart: true });
          this.queue.add(run.key);
        }, c);
      }
    }
  }

  private podEvent(run: PodRun, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    return this.client
      .event({ apiVersion: 'v1', kind: 'Pod', metadata: { name: run.name, namespace: run.namespace, uid: run.uid } }, type, reason, message)
      .catch(() => {});
  }

  // --- Pod status ----------------------------------------------------------------------------------------

  private containerReady(run: PodRun, c: ContainerRun, now: number): boolean {
    if (c.state !== 'running') return false;
    if (run.annotations[NOT_READY_ANNOTATION] === 'true') return false;
    if (!declaredListening(c)) return false;
    return now >= c.readyAt;
  }

  private containerStatus(run: PodRun, c: ContainerRun, now: number): KObject {
    let state: KObject;
    if (c.state === 'running') state = { running: { startedAt: c.startedAt } };
    else if (c.state === 'terminated') state = { terminated: c.terminated };
    else state = { waiting: { reason: c.waiting?.reason ?? 'ContainerCreating', ...(c.waiting?.message ? { message: c.waiting.message } : {}) } };
    const started = c.state === 'running';
    const hasRun = !!c.id;
    return {
      name: c.name,
      state,
      lastState: c.lastTerminated ? { terminated: c.lastTerminated } : {},
      ready: this.containerReady(run, c, now),
      restartCount: c.restartCount,
      image: c.image,
      imageID: hasRun ? `playground://${c.image}` : '',
      ...(hasRun ? { containerID: `playground://${c.id}` } : {}),
      started,
    };
  }

  private desiredStatus(run: PodRun, pod: KObject): KObject {
    const now = Date.now();
    const old = pod.status ?? {};
    const initStatuses = run.initContainers.map((c) => this.containerStatus(run, c, now));
    const statuses = run.containers.map((c) => this.containerStatus(run, c, now)).sort((a, b) => a.name.localeCompare(b.name));

    let phase: string;
    if (run.phase === 'done') phase = run.result!;
    else if (run.phase === 'creating') phase = 'Pending';
    else phase = 'Running';

    const initialized = run.initContainers.every((c) => (c.sidecar ? c.state === 'running' || c.state === 'terminated' : c.state === 'terminated'));
    const unready = [...run.initContainers.filter((c) => c.sidecar), ...run.containers].filter((c) => !this.containerReady(run, c, now)).map((c) => c.name);
    const containersReady = unready.length === 0;
    const gates: string[] = (pod.spec?.readinessGates ?? []).map((g: KObject) => g?.conditionType).filter(Boolean);
    const oldConds: KObject[] = old.conditions ?? [];
    const failedGates = gates.filter((g) => oldConds.find((c) => c.type === g)?.status !== 'True');

    const cond = (type: string, status: boolean, reason?: string, message?: string): KObject => {
      const s = status ? 'True' : 'False';
      const prev = oldConds.find((c) => c.type === type);
      return {
        type,
        status: s,
        lastProbeTime: null,
        lastTransitionTime: prev && prev.status === s ? prev.lastTransitionTime : nowTimestamp(),
        ...(reason ? { reason } : {}),
        ...(message ? { message } : {}),
      };
    };
    const done = run.phase === 'done';
    const doneReason = run.result === 'Succeeded' ? 'PodCompleted' : 'PodFailed';
    const unreadyMsg = `containers with unready status: [${unready.join(' ')}]`;
    const conditions: KObject[] = [
      cond('PodReadyToStartContainers', run.phase === 'running'),
      done
        ? cond('Initialized', true, 'PodCompleted')
        : initialized
          ? cond('Initialized', true)
          : cond('Initialized', false, 'ContainersNotInitialized', `containers with incomplete status: [${run.initContainers.filter((c) => c.state !== 'terminated' && !c.sidecar).map((c) => c.name).join(' ')}]`),
      done
        ? cond('Ready', false, doneReason)
        : !containersReady
          ? cond('Ready', false, 'ContainersNotReady', unreadyMsg)
          : failedGates.length
            ? cond('Ready', false, 'ReadinessGatesNotReady', `corresponding condition of pod readiness gate "${failedGates[0]}" does not exist.`)
            : cond('Ready', true),
      done ? cond('ContainersReady', false, doneReason) : containersReady ? cond('ContainersReady', true) : cond('ContainersReady', false, 'ContainersNotReady', unreadyMsg),
    ];
    const mine = new Set(conditions.map((c) => c.type));
    const scheduled = oldConds.find((c) => c.type === 'PodScheduled') ?? cond('PodScheduled', true);
    conditions.push(scheduled, ...oldConds.filter((c) => !mine.has(c.type) && c.type !== 'PodScheduled'));

    const status: KObject = {
      ...old,
      phase,
      conditions,
      hostIP: this.nodeIP,
      hostIPs: [{ ip: this.nodeIP }],
      startTime: old.startTime ?? run.startTime,
      containerStatuses: statuses,
    };
    if (initStatuses.length) status.initContainerStatuses = initStatuses;
    else delete status.initContainerStatuses;
    const ip = run.ip ?? old.podIP;
    if (ip) {
      status.podIP = ip;
      status.podIPs = [{ ip }];
    }
    return status;
  }

  private async writePodStatus(run: PodRun): Promise<void> {
    await this.client.modify(
      PODS,
      run.namespace,
      run.name,
      (p) => {
        if (p.metadata?.uid !== run.uid || p.metadata?.deletionTimestamp) return false;
        const next = this.desiredStatus(run, p);
        if (deepEqual(next, p.status ?? {})) return false;
        p.status = next;
        return true;
      },
      { status: true },
    );
  }
}

function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m}m${s % 60}s` : `${m}m0s`;
}
