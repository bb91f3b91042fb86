/**
 * One simulated Kubernetes cluster: a real API server (own address, CA, credentials and
 * storage) plus the behaviour of a cluster: kubelets on simulated nodes whose pods really
 * serve HTTP, a scheduler, the workload controllers, endpoints, load balancers, an ingress
 * controller, a cluster DNS (network/cluster-dns.ts) and the ClusterSetIPs of the ServiceImports
 * the federation writes (network/clusterset-ip.ts). It can be stopped (API and workloads gone), isolated (API unreachable, workloads
 * serving), have its data plane blackholed or slowed (`network`: workloads silent or late, API
 * unaffected), and have its nodes powered off and on.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ApiServer } from '../../apiserver/server.js';
import type { KubeconfigEntry } from '../../kubeconfig.js';
import { API_SERVER_PORT, ClusterAddresses } from '../addresses.js';
import { InternalClient } from './client.js';
import { CronJobController } from './controllers/cronjob.js';
import { DaemonSetController } from './controllers/daemonset.js';
import { DeploymentController } from './controllers/deployment.js';
import { EndpointSliceController } from './controllers/endpointslices.js';
import { EndpointsController } from './controllers/endpoints.js';
import { JobController } from './controllers/job.js';
import { ReplicaSetController } from './controllers/replicaset.js';
import { StatefulSetController } from './controllers/statefulset.js';
import { Kubelet } from './kubelet.js';
import { ClusterDns, type ClusterDnsOptions } from './network/cluster-dns.js';
import { ClusterSetIpController } from './network/clusterset-ip.js';
import { IngressController } from './network/ingress.js';
import { NetworkFaults } from './network/faults.js';
import { LoadBalancerController } from './network/load-balancer.js';
import { NodeLifecycleController } from './node-lifecycle.js';
import { NodePower, PodLogStore, type ClusterComponent, type ClusterRuntime, type ClusterSpec } from './runtime.js';
import { Scheduler } from './scheduler.js';
import { DEFAULT_TIMING, type Timing } from './timing.js';

export interface SimulatedClusterOptions {
  /** Where this cluster's API server keeps its state. */
  dataDir: string;
  logger: Logger;
  timing?: Partial<Timing>;
  /** Port of the API server on the cluster's address (default 6443; 0 picks one). */
  apiPort?: number;
  /** The cluster DNS on 127.O.0.10: its port (default 53) and the federation whose names it answers. */
  dns?: ClusterDnsOptions;
  /** The region of another cluster of the world (orders ClusterSetIP endpoints by locality). */
  regionOf?: (cluster: string) => string | undefined;
}

export type ClusterState = 'stopped' | 'running' | 'isolated';

export class SimulatedCluster {
  readonly addresses: ClusterAddresses;
  readonly power = new NodePower();
  readonly logs = new PodLogStore();
  /** Blackhole and latency of the workloads (the playground's `cluster start` lifts them). */
  readonly network = new NetworkFaults();
  readonly timing: Timing;
  private server: ApiServer | undefined;
  private components: ClusterComponent[] = [];
  private dns: ClusterDns | undefined;
  private _state: ClusterState = 'stopped';

  constructor(
    readonly spec: ClusterSpec,
    private readonly opts: SimulatedClusterOptions,
  ) {
    this.addresses = new ClusterAddresses(spec.octet);
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
  }

  get name(): string {
    return this.spec.name;
  }

  get state(): ClusterState {
    return this._state;
  }

  get apiServer(): ApiServer {
    if (!this.server) throw new Error(`cluster ${this.name} is stopped`);
    return this.server;
  }

  get url(): string {
    return `https://${this.addresses.apiServer()}:${this.server?.port ?? this.opts.apiPort ?? API_SERVER_PORT}`;
  }

  /** Where the cluster DNS answers (UDP and TCP), while the cluster runs and it could listen. */
  get dnsAddress(): { host: string; port: number } | undefined {
    return this.dns?.address;
  }

  /** Starts the API server and every component; state from an earlier run is picked up. */
  async start(): Promise<void> {
    if (this._state !== 'stopped') {
      if (this._state === 'isolated') await this.reconnect();
      return;
    }
    const log = this.opts.logger.child({ cluster: this.name });
    this.server = await ApiServer.start({
      dataDir: join(this.opts.dataDir, 'apiserver'),
      bindAddress: this.addresses.apiServer(),
      port: this.opts.apiPort ?? API_SERVER_PORT,
      storageSync: 'normal',
      historySize: 5_000,
      logger: log,
      podLogs: this.logs,
    });
    const api = this.server.api;
    const runtime: ClusterRuntime = {
      spec: this.spec,
      api,
      addresses: this.addresses,
      timing: this.timing,
      log,
      power: this.power,
      logs: this.logs,
      network: this.network,
      client: (manager) => new InternalClient(api, manager),
    };
    this.components = [
      ...this.spec.nodes.map((n) => new Kubelet(runtime, n)),
      new NodeLifecycleController(runtime),
      new Scheduler(runtime),
      new ReplicaSetController(runtime),
      new DeploymentController(runtime),
      new DaemonSetController(runtime),
      new StatefulSetController(runtime),
      new JobController(runtime),
      new CronJobController(runtime),
      new EndpointsController(runtime),
      new EndpointSliceController(runtime),
      new LoadBalancerController(runtime),
      new IngressController(runtime),
      new ClusterSetIpController(runtime, this.opts.regionOf),
      (this.dns = new ClusterDns(runtime, this.opts.dns)),
    ];
    for (const c of this.components) await c.start();
    this._state = 'running';
  }

  /** Stops everything: the API refuses connections and no workload answers. State is kept. */
  async stop(): Promise<void> {
    if (this._state === 'stopped') return;
    for (const c of [...this.components].reverse()) await c.stop();
    this.components = [];
    this.dns = undefined;
    await this.server?.close();
    this.server = undefined;
    this._state = 'stopped';
  }

  /** The API becomes unreachable from outside; workloads keep serving and controllers keep working. */
  async isolate(): Promise<void> {
    if (this._state !== 'running') return;
    await this.server!.suspendListener();
    this._state = 'isolated';
  }

  async reconnect(): Promise<void> {
    if (this._state !== 'isolated') return;
    await this.server!.resumeListener();
    this._state = 'running';
  }

  /** Powers a simulated node off (its kubelet stops, its pods stop answering) or back on. */
  setNodePower(node: string, up: boolean): void {
    if (!this.spec.nodes.some((n) => n.name === node)) throw new Error(`cluster ${this.name} has no node ${node}`);
    this.power.set(node, up);
  }

  kubeconfigEntry(): KubeconfigEntry {
    const s = this.apiServer;
    return { name: this.name, server: this.url, caPem: s.caPem, clientCertPem: s.adminCredentials.certPem, clientKeyPem: s.adminCredentials.keyPem };
  }

  /** Resolves when the API server's and the components' queues are empty (for tests). */
  async idle(): Promise<void> {
    await this.server?.settle();
    await Promise.all(this.components.map((c) => c.idle?.()));
  }
}
