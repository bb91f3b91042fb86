/**
 * The federation control plane: the federation API server (our API server with the federation's
 * admission checks and CRDs) and the federation controllers: FederatedTypeConfigs, member
 * clusters, replica scheduling and propagation. The controllers reach the federation API, like
 * the members, only through the client (HTTP, informers): they would run unchanged against a
 * real Kubernetes API server.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ApiServer } from '../apiserver/server.js';
import type { KubeconfigEntry } from '../kubeconfig.js';
import { federationAdmission } from './admission.js';
import { KubeClient, kubeConfigFor } from './client/kube-client.js';
import { ClusterController, type ClusterControllerOptions } from './clusters/cluster-controller.js';
import { MemberAccessController } from './clusters/member-access.js';
import { installFederation, type FederationSettings } from './install.js';
import { installMcs } from './mcs/install.js';
import { McsController, type McsControllerOptions } from './mcs/mcs-controller.js';
import { SyncController } from './propagation/sync-controller.js';
import { GatewayStatusController } from './traffic/gateway-status-controller.js';
import { DnsController } from './traffic/dns-controller.js';
import { GlobalIngressController } from './traffic/global-ingress-controller.js';
import { ShardController } from './traffic/shard-controller.js';
import type { SchedulingSettings } from './planning/scheduling-types.js';
import { DEFAULT_SCHEDULING_SETTINGS, PlannerScheduler } from './scheduling/replica-scheduler.js';
import { TypeConfigController } from './typeconfig/type-config-controller.js';

export const FIELD_MANAGER = 'kubefed-controller-manager';

export type ClusterHealthOptions = Pick<ClusterControllerOptions, 'probePeriodMs' | 'probeTimeoutMs' | 'failureThreshold' | 'successThreshold' | 'topologyRefreshMs'>;

export interface ControlPlaneOptions extends FederationSettings {
  /** Directory of the federation's state (its API server's database and certificates). */
  dataDir: string;
  port?: number;
  bindAddress?: string;
  /** Extra names/addresses for the serving certificate. */
  hosts?: string[];
  storageSync?: 'full' | 'normal';
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
}

/** The federation controllers, each owned by the control plane. */
export interface FederationControllers {
  types: TypeConfigController;
  clusters: ClusterController;
  access: MemberAccessController;
  scheduler: PlannerScheduler;
  sync: SyncController;
  shards: ShardController;
  ingresses: GlobalIngressController;
  gateways: GatewayStatusController;
  dns: DnsController;
  mcs: McsController;
}

export class ControlPlane {
  readonly types: TypeConfigController;
  readonly clusters: ClusterController;
  readonly access: MemberAccessController;
  readonly scheduler: PlannerScheduler;
  readonly sync: SyncController;
  readonly shards: ShardController;
  readonly ingresses: GlobalIngressController;
  readonly gateways: GatewayStatusController;
  readonly dns: DnsController;
  readonly mcs: McsController;

  private constructor(
    readonly server: ApiServer,
    /** The controllers' client of the federation API. */
    readonly client: KubeClient,
    c: FederationControllers,
  ) {
    this.types = c.types;
    this.clusters = c.clusters;
    this.access = c.access;
    this.scheduler = c.scheduler;
    this.sync = c.sync;
    this.shards = c.shards;
    this.ingresses = c.ingresses;
    this.gateways = c.gateways;
    this.dns = c.dns;
    this.mcs = c.mcs;
  }

  static async start(o: ControlPlaneOptions): Promise<ControlPlane> {
    const log = o.logger;
    let propagation: SyncController | undefined;
    const server = await ApiServer.start({
      dataDir: join(o.dataDir, 'apiserver'),
      port: o.port ?? 0,
      ...(o.bindAddress ? { bindAddress: o.bindAddress } : {}),
      ...(o.hosts ? { hosts: o.hosts } : {}),
      storageSync: o.storageSync ?? 'full',
      logger: log.child({ component: 'federation-apiserver' }),
      // The sync controller's finalizer comes with the create once the controller knows the type.
      admission: [federationAdmission({ propagated: (type, obj) => propagation?.propagates(type.group, type.kind, obj) ?? false })],
    });
    const creds = server.adminCredentials;
    const client = new KubeClient(kubeConfigFor('federation', { server: server.url, caPem: server.caPem, certPem: creds.certPem, keyPem: creds.keyPem }), { maxInFlight: 64, userAgent: FIELD_MANAGER });
    try {
      await installFederation(client, o);
      await installMcs(client);
      const types = new TypeConfigController({ federation: client, log: log.child({ controller: 'typeconfig' }) });
      await types.start();
      const clusters = new ClusterController({ federation: client, log: log.child({ controller: 'cluster' }), ...(o.clusterHealth ?? {}) });
      await clusters.start();
      const access = new MemberAccessController({ federation: client, members: clusters, types, log: log.child({ controller: 'member-access' }), fieldManager: FIELD_MANAGER });
      access.start();
      const scheduler = new PlannerScheduler({ federation: client, members: clusters, log: log.child({ controller: 'scheduler' }), fieldManager: FIELD_MANAGER, ...(o.unschedulableAfterMs !== undefined ? { unschedulableAfterMs: o.unschedulableAfterMs } : {}), ...(o.scheduling ? { settings: o.scheduling } : {}) });
      await scheduler.start();
      const sync = new SyncController(
        { federation: client, members: clusters, types, log: log.child({ controller: 'sync' }), fieldManager: FIELD_MANAGER },
        { scheduler, access, workers: o.workers ?? 32, adoptResources: o.adoptResources ?? true, ...(o.retryMs !== undefined ? { retryMs: o.retryMs } : {}) },
      );
      await sync.start();
      propagation = sync;
      const shards = new ShardController({ federation: client, members: clusters, log: log.child({ controller: 'shards' }), fieldManager: FIELD_MANAGER });
      await shards.start();
      const ingresses = new GlobalIngressController({ federation: client, members: clusters, log: log.child({ controller: 'global-ingress' }), fieldManager: FIELD_MANAGER });
      await ingresses.start();
      const gateways = new GatewayStatusController({ federation: client, log: log.child({ controller: 'gateway-status' }), fieldManager: FIELD_MANAGER });
      await gateways.start();
      const dns = new DnsController({ federation: client, log: log.child({ controller: 'dns' }), fieldManager: FIELD_MANAGER });
      await dns.start();
      const endpointTimeoutMs = o.mcs?.endpointTimeoutMs ?? (o.scheduling?.defaultTolerationSeconds ?? DEFAULT_SCHEDULING_SETTINGS.defaultTolerationSeconds) * 1000;
      const mcs = new McsController({ federation: client, members: clusters, log: log.child({ controller: 'mcs' }), fieldManager: FIELD_MANAGER, ...o.mcs, endpointTimeoutMs });
      await mcs.start();
      return new ControlPlane(server, client, { types, clusters, access, scheduler, sync, shards, ingresses, gateways, dns, mcs });
    } catch (e) {
      client.close();
      await server.close();
      throw e;
    }
  }

  get url(): string {
    return this.server.url;
  }

  /** An admin kubeconfig entry (context NAME) for the federation API. */
  kubeconfigEntry(name: string): KubeconfigEntry {
    return this.server.kubeconfigEntry(name);
  }

  async close(): Promise<void> {
    await this.mcs.stop();
    await this.dns.stop();
    await this.gateways.stop();
    await this.ingresses.stop();
    await this.shards.stop();
    await this.sync.stop();
    await this.scheduler.stop();
    this.access.stop();
    await this.clusters.stop();
    await this.types.stop();
    this.client.close();
    await this.server.close();
  }
}
