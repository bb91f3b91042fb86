/**
 * The federation controllers, started against a client of the federation API: FederatedTypeConfigs
 * and member clusters in every replica; propagation (member access, replica scheduling, sync) and
 * traffic (shards, global Ingress, Gateway API, DNS, MCS) in two groups, each run only while this
 * replica holds the group's lease. The controllers reach the federation API, like the members, only
 * through the client (HTTP, informers), so the same wiring serves both deployment modes: the
 * embedded control plane (controlplane.ts: our own API server in this process) and host-cluster
 * mode (controller-manager.ts: an existing Kubernetes API, webhooks instead of in-process hooks).
 */
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { KObject } from '../apis/object.js';
import type { ResourceType } from '../apiserver/registry/types.js';
import type { AdmissionPlugin } from '../apiserver/rest/context.js';
import { federationAdmission } from './admission.js';
import type { KubeClient } from './client/kube-client.js';
import { ClusterController, type ClusterControllerOptions } from './clusters/cluster-controller.js';
import { MemberAccessController } from './clusters/member-access.js';
import { KUBEFED_NAMESPACE } from './crds/federation-crds.js';
import { installFederation, type FederationSettings } from './install.js';
import { LeaderElector } from './leader-election.js';
import { installMcs } from './mcs/install.js';
import { McsController, type McsControllerOptions } from './mcs/mcs-controller.js';
import type { FederationMetrics } from './metrics.js';
import type { SchedulingSettings } from './planning/scheduling-types.js';
import { SyncController } from './propagation/sync-controller.js';
import { DEFAULT_SCHEDULING_SETTINGS, PlannerScheduler } from './scheduling/replica-scheduler.js';
import { DnsController } from './traffic/dns-controller.js';
import { GatewayStatusController } from './traffic/gateway-status-controller.js';
import { GlobalIngressController } from './traffic/global-ingress-controller.js';
import { ShardController } from './traffic/shard-controller.js';
import { TypeConfigController } from './typeconfig/type-config-controller.js';

export const FIELD_MANAGER = 'kubefed-controller-manager';

export type ClusterHealthOptions = Pick<ClusterControllerOptions, 'probePeriodMs' | 'probeTimeoutMs' | 'failureThreshold' | 'successThreshold' | 'topologyRefreshMs'>;

/** Leader election of the controllers (several control-plane replicas over one storage). */
export interface LeaderElectionOptions {
  /** Default true. Off: this process always leads (one replica only). */
  enabled?: boolean;
  /** This replica's identity (default `<hostname>_<replicaId>`). */
  identity?: string;
  /** Distinguishes replicas on one machine (default "0"). */
  replicaId?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

/** How the controllers run, whichever API they run against. */
export interface ControllerOptions extends FederationSettings {
  logger: Logger;
  clusterHealth?: ClusterHealthOptions;
  /** Objects propagated at once. Default 32. */
  workers?: number;
  /** Take over objects that already exist in a member (KubeFed's adoptResources). Default true. */
  adoptResources?: boolean;
  /** How often an object waiting on an unready cluster is looked at again. Default 5 s. */
  retryMs?: number;
  /** Options of the replica scheduler (tests shorten its timings). */
  unschedulableAfterMs?: number;
  /** Failover timings (tolerations, settling, not-ready threshold, freeze). */
  scheduling?: Partial<SchedulingSettings>;
  /**
   * Multi-Cluster Services: how long an unreachable cluster's endpoints stay in ServiceImports
   * (default: the failover toleration, `scheduling.defaultTolerationSeconds`), the ClusterSetIP
   * range of clusters without one of their own.
   */
  mcs?: Pick<McsControllerOptions, 'endpointTimeoutMs' | 'defaultClusterSetIPRange'>;
  /** Leader election of the controllers (default on, with client-go's timings). */
  leaderElection?: LeaderElectionOptions;
  /**
   * Whether plain objects of federated types are templates (Federation v1 style). Default true;
   * host-cluster mode turns it off by default: there the plain objects are the host cluster's own
   * workloads, and only Federated<Kind> objects are propagated, as KubeFed did.
   */
  plainTemplates?: boolean;
}

/** The controllers that act on the members: propagation, replica division, member access. */
export interface PropagationControllers {
  access: MemberAccessController;
  scheduler: PlannerScheduler;
  sync: SyncController;
}

/** The controllers of traffic and discovery: shards, global Ingress, Gateway API, DNS, MCS. */
export interface TrafficControllers {
  shards: ShardController;
  ingresses: GlobalIngressController;
  gateways: GatewayStatusController;
  dns: DnsController;
  mcs: McsController;
}

/** Lease names: the two groups lead independently, so two replicas can share the work. */
export const PROPAGATION_LEASE = 'kubefed-controller-manager';
export const TRAFFIC_LEASE = 'kubefed-traffic-controllers';

/**
 * A group of controllers that runs only while this replica holds the group's lease: started
 * afresh when it becomes leader, stopped the moment it stops leading.
 */
class LeaderGroup<T> {
  current?: T;
  private elector?: LeaderElector;
  private transition: Promise<void> = Promise.resolve();
  private readonly acquired: Promise<void>;
  private markAcquired!: () => void;

  constructor(
    readonly lease: string,
    private readonly make: () => Promise<T>,
    private readonly close: (t: T) => Promise<void>,
    private readonly log: Logger,
    private readonly changed?: (leading: boolean) => void,
  ) {
    this.acquired = new Promise((r) => (this.markAcquired = r));
  }

  get leading(): boolean {
    return this.current !== undefined;
  }

  /** Without election: lead now. */
  async startAlone(): Promise<void> {
    await this.lead();
  }

  campaign(client: KubeClient, o: LeaderElectionOptions & { identity: string }): void {
    this.elector = new LeaderElector(client, { name: this.lease, namespace: KUBEFED_NAMESPACE, identity: o.identity, ...(o.leaseDurationMs ? { leaseDurationMs: o.leaseDurationMs } : {}), ...(o.renewDeadlineMs ? { renewDeadlineMs: o.renewDeadlineMs } : {}), ...(o.retryPeriodMs ? { retryPeriodMs: o.retryPeriodMs } : {}) }, {
      onStartedLeading: () => this.serialize(() => this.lead()),
      onStoppedLeading: () => this.serialize(() => this.follow()),
      onNewLeader: (id) => this.log.info({ lease: this.lease, leader: id }, 'leader observed'),
    }, this.log);
    this.elector.start();
  }

  /** Resolves once this replica leads the group, or after `ms` (a standby). */
  async waitLeading(ms: number): Promise<boolean> {
    await Promise.race([this.acquired, new Promise((r) => setTimeout(r, ms).unref())]);
    await this.transition;
    return this.leading;
  }

  async stop(): Promise<void> {
    await this.elector?.stop();
    await this.serialize(() => this.follow());
  }

  private serialize(fn: () => Promise<void>): Promise<void> {
    this.transition = this.transition.then(fn, fn);
    return this.transition;
  }

  private async lead(): Promise<void> {
    if (this.current) return;
    this.current = await this.make();
    this.markAcquired();
    this.changed?.(true);
  }

  private async follow(): Promise<void> {
    const t = this.current;
    if (!t) return;
    this.current = undefined;
    this.changed?.(false);
    await this.close(t);
  }
}

/** What FederationControllers holds; built once by `startControllers`. */
export interface ControllerParts {
  client: KubeClient;
  types: TypeConfigController;
  clusters: ClusterController;
  propagation: LeaderGroup<PropagationControllers>;
  traffic: LeaderGroup<TrafficControllers>;
  metrics: FederationMetrics;
}

/**
 * Installs what the federation API needs (CRDs, namespace, default types, MCS) and starts the
 * controllers; on failure, stops what it started (the client stays the caller's to close).
 */
async function startControllers(client: KubeClient, metrics: FederationMetrics, o: ControllerOptions): Promise<ControllerParts> {
  const log = o.logger;
  let propagation: LeaderGroup<PropagationControllers> | undefined;
  let types: TypeConfigController | undefined;
  let clusters: ClusterController | undefined;
  try {
    await installFederation(client, o);
    await installMcs(client);
    types = new TypeConfigController({ federation: client, log: log.child({ controller: 'typeconfig' }), metrics });
    await types.start();
    const registry = types;
    const writer = () => propagation?.leading ?? false;
    const members = (clusters = new ClusterController({ federation: client, log: log.child({ controller: 'cluster' }), writer, metrics, ...(o.clusterHealth ?? {}) }));
    metrics.watchMembers(members);
    await members.start();
    propagation = new LeaderGroup<PropagationControllers>(
      PROPAGATION_LEASE,
      async () => {
        const access = new MemberAccessController({ federation: client, members, types: registry, log: log.child({ controller: 'member-access' }), fieldManager: FIELD_MANAGER, metrics });
        access.start();
        const scheduler = new PlannerScheduler({ federation: client, members, log: log.child({ controller: 'scheduler' }), fieldManager: FIELD_MANAGER, ...(o.unschedulableAfterMs !== undefined ? { unschedulableAfterMs: o.unschedulableAfterMs } : {}), ...(o.scheduling ? { settings: o.scheduling } : {}) });
        await scheduler.start();
        const sync = new SyncController(
          { federation: client, members, types: registry, log: log.child({ controller: 'sync' }), fieldManager: FIELD_MANAGER, metrics },
          { scheduler, access, workers: o.workers ?? 32, adoptResources: o.adoptResources ?? true, ...(o.retryMs !== undefined ? { retryMs: o.retryMs } : {}), ...(o.plainTemplates === false ? { plainTemplates: false } : {}) },
        );
        await sync.start();
        return { access, scheduler, sync };
      },
      async (c) => {
        await c.sync.stop();
        await c.scheduler.stop();
        c.access.stop();
      },
      log.child({ component: 'leader-election' }),
      (leading) => {
        metrics.setLeader(PROPAGATION_LEASE, leading);
        if (leading) members.writerChanged();
      },
    );
    const traffic = new LeaderGroup<TrafficControllers>(
      TRAFFIC_LEASE,
      async () => {
        const shards = new ShardController({ federation: client, members, log: log.child({ controller: 'shards' }), fieldManager: FIELD_MANAGER, metrics });
        await shards.start();
        const ingresses = new GlobalIngressController({ federation: client, members, log: log.child({ controller: 'global-ingress' }), fieldManager: FIELD_MANAGER, metrics });
        await ingresses.start();
        const gateways = new GatewayStatusController({ federation: client, log: log.child({ controller: 'gateway-status' }), fieldManager: FIELD_MANAGER, metrics });
        await gateways.start();
        const dns = new DnsController({ federation: client, log: log.child({ controller: 'dns' }), fieldManager: FIELD_MANAGER, metrics });
        await dns.start();
        const endpointTimeoutMs = o.mcs?.endpointTimeoutMs ?? (o.scheduling?.defaultTolerationSeconds ?? DEFAULT_SCHEDULING_SETTINGS.defaultTolerationSeconds) * 1000;
        const mcs = new McsController({ federation: client, members, log: log.child({ controller: 'mcs' }), fieldManager: FIELD_MANAGER, metrics, ...o.mcs, endpointTimeoutMs });
        await mcs.start();
        return { shards, ingresses, gateways, dns, mcs };
      },
      async (c) => {
        await c.mcs.stop();
        await c.dns.stop();
        await c.gateways.stop();
        await c.ingresses.stop();
        await c.shards.stop();
      },
      log.child({ component: 'leader-election' }),
      (leading) => metrics.setLeader(TRAFFIC_LEASE, leading),
    );
    // leader_election_master_status: 0 for a standby until it leads.
    metrics.setLeader(PROPAGATION_LEASE, false);
    metrics.setLeader(TRAFFIC_LEASE, false);
    const election = o.leaderElection ?? {};
    if (election.enabled === false) {
      await propagation.startAlone();
      await traffic.startAlone();
    } else {
      const identity = election.identity ?? `${hostname()}_${election.replicaId ?? '0'}`;
      propagation.campaign(client, { ...election, identity });
      traffic.campaign(client, { ...election, identity });
      // One replica (or the first of several) leads at once; a standby starts without leading.
      const wait = (election.retryPeriodMs ?? 2_000) * 2;
      await Promise.all([propagation.waitLeading(wait), traffic.waitLeading(wait)]);
    }
    return { client, types, clusters: members, propagation, traffic, metrics };
  } catch (e) {
    await propagation?.stop().catch(() => undefined);
    await clusters?.stop().catch(() => undefined);
    await types?.stop().catch(() => undefined);
    throw e;
  }
}

export class FederationControllers {
  /** The controllers' client of the federation API. */
  readonly client: KubeClient;
  /** Run in every replica: the registries the others read. */
  readonly types: TypeConfigController;
  readonly clusters: ClusterController;
  /** The controllers' metrics (work queues, leader election, clusters, propagation). */
  readonly metrics: FederationMetrics;
  private readonly propagation: LeaderGroup<PropagationControllers>;
  private readonly traffic: LeaderGroup<TrafficControllers>;

  protected constructor(parts: ControllerParts) {
    this.client = parts.client;
    this.types = parts.types;
    this.clusters = parts.clusters;
    this.metrics = parts.metrics;
    this.propagation = parts.propagation;
    this.traffic = parts.traffic;
  }

  /** Starts the controllers against `client`'s API (host-cluster mode: an existing Kubernetes API server). */
  static async startAgainst(client: KubeClient, metrics: FederationMetrics, o: ControllerOptions): Promise<FederationControllers> {
    return new FederationControllers(await startControllers(client, metrics, o));
  }

  protected static startControllers(client: KubeClient, metrics: FederationMetrics, o: ControllerOptions): Promise<ControllerParts> {
    return startControllers(client, metrics, o);
  }

  /**
   * The federation's admission checks (src/federation/admission.ts): in-process in our API server,
   * or served as webhooks in front of a host cluster's. The sync controller's finalizer comes with
   * the create when this replica propagates the object's type.
   */
  static admission(controllers: () => FederationControllers | undefined): AdmissionPlugin {
    return federationAdmission({ propagated: (type: ResourceType, obj: KObject) => controllers()?.propagation.current?.sync.propagates(type.group, type.kind, obj) ?? false });
  }

  /** Whether this replica runs the propagation controllers, and the traffic controllers. */
  get leading(): { propagation: boolean; traffic: boolean } {
    return { propagation: this.propagation.leading, traffic: this.traffic.leading };
  }

  private lead<T, K extends keyof T>(group: LeaderGroup<T>, name: K): T[K] {
    const c = group.current;
    if (!c) throw new Error(`this control-plane replica does not lead ${group.lease}`);
    return c[name];
  }

  get access(): MemberAccessController {
    return this.lead(this.propagation, 'access');
  }
  get scheduler(): PlannerScheduler {
    return this.lead(this.propagation, 'scheduler');
  }
  get sync(): SyncController {
    return this.lead(this.propagation, 'sync');
  }
  get shards(): ShardController {
    return this.lead(this.traffic, 'shards');
  }
  get ingresses(): GlobalIngressController {
    return this.lead(this.traffic, 'ingresses');
  }
  get gateways(): GatewayStatusController {
    return this.lead(this.traffic, 'gateways');
  }
  get dns(): DnsController {
    return this.lead(this.traffic, 'dns');
  }
  get mcs(): McsController {
    return this.lead(this.traffic, 'mcs');
  }

  /** Stops every controller (leases released) and closes the client. */
  async close(): Promise<void> {
    await this.traffic.stop();
    await this.propagation.stop();
    await this.clusters.stop();
    await this.types.stop();
    this.client.close();
  }
}
