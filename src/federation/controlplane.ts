/**
 * The federation control plane, embedded: the federation API server (our API server with the
 * federation's admission checks in-process and its CRDs) and the federation controllers
 * (controllers.ts) in one process. The controllers reach the federation API only through the
 * client (HTTP, informers): host-cluster mode (controller-manager.ts) runs the same controllers
 * against an existing Kubernetes API server.
 */
import { join } from 'node:path';
import { ApiServer } from '../apiserver/server.js';
import type { KubeconfigEntry } from '../kubeconfig.js';
import type { StorageConfig } from '../storage/open.js';
import { KubeClient, kubeConfigFor } from './client/kube-client.js';
import { FederationControllers, FIELD_MANAGER, type ControllerOptions, type ControllerParts } from './controllers.js';
import { FederationMetrics } from './metrics.js';

export {
  FIELD_MANAGER,
  PROPAGATION_LEASE,
  TRAFFIC_LEASE,
  type ClusterHealthOptions,
  type LeaderElectionOptions,
  type PropagationControllers,
  type TrafficControllers,
} from './controllers.js';

export interface ControlPlaneOptions extends ControllerOptions {
  /** Directory of the federation's state (its API server's database and certificates). */
  dataDir: string;
  port?: number;
  bindAddress?: string;
  /** Extra names/addresses for the serving certificate. */
  hosts?: string[];
  storageSync?: 'full' | 'normal';
  /** Embedded SQLite in dataDir (default) or etcd, which several control-plane replicas share. */
  storage?: StorageConfig;
}

export class ControlPlane extends FederationControllers {
  private constructor(
    readonly server: ApiServer,
    parts: ControllerParts,
  ) {
    super(parts);
  }

  static async start(o: ControlPlaneOptions): Promise<ControlPlane> {
    const log = o.logger;
    const metrics = new FederationMetrics();
    let controllers: FederationControllers | undefined;
    const server = await ApiServer.start({
      metricsRegistry: metrics.registry,
      dataDir: join(o.dataDir, 'apiserver'),
      port: o.port ?? 0,
      ...(o.bindAddress ? { bindAddress: o.bindAddress } : {}),
      ...(o.hosts ? { hosts: o.hosts } : {}),
      storageSync: o.storageSync ?? 'full',
      ...(o.storage ? { storage: o.storage } : {}),
      logger: log.child({ component: 'federation-apiserver' }),
      admission: [FederationControllers.admission(() => controllers)],
    });
    const creds = server.adminCredentials;
    const client = new KubeClient(kubeConfigFor('federation', { server: server.url, caPem: server.caPem, certPem: creds.certPem, keyPem: creds.keyPem }), { maxInFlight: 64, userAgent: FIELD_MANAGER, onResponse: metrics.clientObserver(server.url) });
    try {
      const cp = new ControlPlane(server, await FederationControllers.startControllers(client, metrics, o));
      controllers = cp;
      return cp;
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

  override async close(): Promise<void> {
    await super.close();
    await this.server.close();
  }
}
