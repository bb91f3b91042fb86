/**
 * The playground's federation: a control plane next to the simulated clusters, with every
 * cluster joined (as `kubefed join` would) the first time it is seen. `kubefed playground up`
 * runs the control plane as a child process (`kubefed init federation --foreground`), so that
 * members and federation use both cores and a crash of one leaves the other; tests may run it
 * in-process.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { KubeClient, kubeConfigFor } from '../federation/client/kube-client.js';
import { joinCluster } from '../federation/clusters/join.js';
import { ControlPlane, type ControlPlaneOptions } from '../federation/controlplane.js';
import { CORE_API_VERSION, KUBEFED_NAMESPACE } from '../federation/crds/federation-crds.js';
import { mergeKubeconfig } from '../kubeconfig.js';
import { writeEdgeKubeconfig } from '../federation/traffic/edge-credentials.js';
import { spawnService, type ServiceProcess } from './child-process.js';
import { applyPlaygroundTrafficSettings, PLAYGROUND_EDGE_ADDRESS } from './traffic-settings.js';
import type { Playground } from './world.js';

export const FEDERATION_CONTEXT = 'federation';

export type PlaygroundFederationOptions = Partial<Omit<ControlPlaneOptions, 'logger'>>;

/**
 * The playground's failover timings: fast enough to watch (a stopped cluster's replicas run
 * elsewhere within seconds), where `kubefed init`'s defaults are safe for WAN links.
 */
export const PLAYGROUND_FAILOVER = {
  clusterHealth: { probePeriodMs: 1_000, probeTimeoutMs: 1_000, failureThreshold: 2, successThreshold: 1 },
  scheduling: { defaultTolerationSeconds: 3, settleMs: 5_000, notReadyAfterMs: 5_000 },
  unschedulableAfterMs: 5_000,
} as const;

/**
 * How fast the default world's members notice a node gone (kubelet Lease renewal, node monitor
 * grace): with the failover settings above, a zone whose nodes all fail is NotReady at the
 * federation in ~3.5 s. Kubernetes' defaults are 10 s and 40-50 s; worlds of more than 12
 * clusters keep the slower defaults of src/playground/world.ts.
 */
export const PLAYGROUND_MEMBER_TIMING = { nodeHeartbeatMs: 1_000, nodeMonitorGraceMs: 3_000 } as const;

/** The playground's DNS zone: the federation's service names end in it (RFC 6761 reserves .example). */
export const PLAYGROUND_DNS_ZONE = 'kubefed.example';

const PLAYGROUND_FAILOVER_FLAGS = [
  '--dns-zone-name', PLAYGROUND_DNS_ZONE,
  '--cluster-health-check-period-seconds', '1',
  '--cluster-health-check-timeout-seconds', '1',
  '--cluster-health-check-failure-threshold', '2',
  '--failover-toleration-seconds', '3',
  '--failover-settle-seconds', '5',
  '--replicas-not-ready-after-seconds', '5',
  '--unschedulable-after-seconds', '5',
];

/** Joins every playground cluster not yet joined to the federation, and says where its clients are. */
export async function joinPlaygroundClusters(federation: KubeClient, pg: Playground, logger: Logger, edgeAddress = PLAYGROUND_EDGE_ADDRESS): Promise<void> {
  await applyPlaygroundTrafficSettings(federation, [...pg.clusters.values()].map((c) => c.spec), edgeAddress);
  await Promise.all(
    [...pg.clusters.values()].map(async (c) => {
      if (await federation.get(CORE_API_VERSION, 'KubeFedCluster', KUBEFED_NAMESPACE, c.name)) return;
      const e = c.kubeconfigEntry();
      const member = new KubeClient(kubeConfigFor(c.name, { server: e.server, caPem: e.caPem, certPem: e.clientCertPem!, keyPem: e.clientKeyPem! }));
      try {
        await joinCluster({ federation, member, name: c.name, log: logger });
      } finally {
        member.close();
      }
    }),
  );
}

/** In-process: starts the control plane (state under `<stateDir>/federation`), joins new clusters and writes context "federation". */
export async function startPlaygroundFederation(pg: Playground, logger: Logger, o: PlaygroundFederationOptions = {}, edgeAddress = PLAYGROUND_EDGE_ADDRESS): Promise<ControlPlane> {
  const cp = await ControlPlane.start({ dataDir: join(pg.stateDir, 'federation'), storageSync: 'normal', dnsZoneName: PLAYGROUND_DNS_ZONE, federationName: FEDERATION_CONTEXT, clusterHealth: { ...PLAYGROUND_FAILOVER.clusterHealth }, scheduling: { ...PLAYGROUND_FAILOVER.scheduling }, unschedulableAfterMs: PLAYGROUND_FAILOVER.unschedulableAfterMs, ...o, logger });
  try {
    await joinPlaygroundClusters(cp.client, pg, logger, edgeAddress);
    mergeKubeconfig(pg.kubeconfig, [cp.kubeconfigEntry(FEDERATION_CONTEXT)], { makeCurrent: true });
    return cp;
  } catch (e) {
    await cp.close();
    throw e;
  }
}

export interface FederationProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** As a child process of the `kubefed` CLI at `cli`: resolves once it serves and every cluster is joined; "federation" is the current context, as in-process. */
export async function spawnPlaygroundFederation(pg: Playground, logger: Logger, cli: string, edgeAddress = PLAYGROUND_EDGE_ADDRESS): Promise<FederationProcess> {
  const p = await spawnService(
    'the federation control plane',
    cli,
    ['init', FEDERATION_CONTEXT, '--foreground', '--state-dir', join(pg.stateDir, 'federation'), '--kubeconfig', pg.kubeconfig, '--make-current', '--storage-sync', 'normal', ...PLAYGROUND_FAILOVER_FLAGS],
    /serving at (\S+);/,
    logger,
  );
  const client = KubeClient.fromKubeconfig(pg.kubeconfig, FEDERATION_CONTEXT);
  try {
    await joinPlaygroundClusters(client, pg, logger, edgeAddress);
  } catch (e) {
    await p.stop();
    throw e;
  } finally {
    client.close();
  }
  return { url: p.ready[1]!, child: p.child, stop: p.stop };
}

/** The edge's admin port in the playground (on the edge address). */
export const PLAYGROUND_EDGE_ADMIN_PORT = 9180;

/** Writes the federation's read-only edge identity into the state directory; returns its kubeconfig. */
async function edgeIdentity(pg: Playground): Promise<string> {
  const kubeconfig = join(pg.stateDir, 'edge.kubeconfig');
  const admin = KubeClient.fromKubeconfig(pg.kubeconfig, FEDERATION_CONTEXT);
  try {
    await writeEdgeKubeconfig(admin, kubeconfig);
  } finally {
    admin.close();
  }
  return kubeconfig;
}

/**
 * The global edge as a child process, with the federation's read-only edge identity (a
 * kubeconfig in the state directory), serving HTTP on :80 and HTTPS on :443 of `address`.
 */
export async function spawnPlaygroundEdge(pg: Playground, logger: Logger, cli: string, address = PLAYGROUND_EDGE_ADDRESS): Promise<ServiceProcess> {
  const kubeconfig = await edgeIdentity(pg);
  return spawnService(
    'the global edge',
    cli,
    ['edge', '--kubeconfig', kubeconfig, '--context', 'kubefed-edge', '--http-address', `${address}:80`, '--https-address', `${address}:443`, '--admin-address', `${address}:${PLAYGROUND_EDGE_ADMIN_PORT}`],
    /edge serving: .*\n/,
    logger,
  );
}

/** The federation's DNS server in the playground (UDP and TCP on port 53). */
export const PLAYGROUND_DNS_ADDRESS = '127.0.53.1';

/** `kubefed dns` as a child process, with the read-only edge identity (written by spawnPlaygroundEdge or here). */
export async function spawnPlaygroundDns(pg: Playground, logger: Logger, cli: string, address = PLAYGROUND_DNS_ADDRESS): Promise<ServiceProcess> {
  const kubeconfig = await edgeIdentity(pg);
  return spawnService('the federation DNS server', cli, ['dns', '--kubeconfig', kubeconfig, '--context', 'kubefed-edge', '--address', `${address}:53`, '--name-server', `ns1.${PLAYGROUND_DNS_ZONE}=${address}`], /dns serving on .*\n/, logger);
}
