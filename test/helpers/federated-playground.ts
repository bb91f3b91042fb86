/**
 * A playground of simulated clusters with the federation control plane joined to every cluster,
 * exactly as `kubefed playground up` runs it, in this process; kubectl talks to it through the
 * kubeconfig it writes (context "federation" and one per cluster).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { ControlPlane } from '../../src/federation/controlplane.js';
import { KubeClient } from '../../src/federation/client/kube-client.js';
import { startPlaygroundFederation, type PlaygroundFederationOptions } from '../../src/playground/federate.js';
import { defaultTopology } from '../../src/playground/topology.js';
import { Playground } from '../../src/playground/world.js';
import { kubectl, type KubectlResult } from './kubectl.js';
import { FAST_TIMING } from './playground-network.js';
import { dnsAddress, edgeAddress } from './octets.js';
import { DnsService } from '../../src/dns/dns-service.js';
import { writeEdgeKubeconfig } from '../../src/federation/traffic/edge-credentials.js';
import { EdgeService, type EdgeServiceOptions } from '../../src/traffic/edge-service.js';
import type { Topology } from '../../src/playground/topology.js';

export interface FederatedPlayground {
  dir: string;
  pg: Playground;
  cp: ControlPlane;
  /** The global edge (with `edge: true`), serving HTTP on :80 and HTTPS on :443 of `edgeAddress`. */
  edge?: EdgeService;
  edgeAddress: string;
  /** The federation's DNS server (with `dns: true`), UDP and TCP on port 53 of `dnsAddress`. */
  dns?: DnsService;
  dnsAddress: string;
  kubeconfig: string;
  clusters: string[];
  /** kubectl with the playground's kubeconfig. */
  k(args: string[], input?: string): Promise<KubectlResult>;
  /** kubectl that must succeed; returns stdout. */
  ok(args: string[], input?: string): Promise<string>;
  member(cluster: string): KubeClient;
  stop(): Promise<void>;
}

export interface TestTopologyOptions {
  clusters: number;
  nodes?: number;
  firstOctet: number;
  /** Renames the default topology's clusters (seed 004 calls them earth and vulcan). */
  names?: string[];
  topology?: (t: Topology) => void;
}

/** The default topology of `clusters` clusters with the tests' fast timings. */
export function testTopology(o: TestTopologyOptions): Topology {
  const topology = defaultTopology(o.clusters, o.nodes ?? 1, undefined, o.firstOctet);
  topology.timing = { ...FAST_TIMING };
  o.topology?.(topology);
  o.names?.forEach((n, i) => {
    const c = topology.clusters[i];
    if (c) topology.clusters[i] = { ...c, name: n, nodes: c.nodes.map((node) => ({ ...node, name: node.name.replace(c.name, n) })) };
  });
  return topology;
}

export async function startFederatedPlayground(o: TestTopologyOptions & { federation?: PlaygroundFederationOptions; edge?: boolean | Omit<EdgeServiceOptions, 'client' | 'log'>; dns?: boolean }): Promise<FederatedPlayground> {
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-fedpg-'));
  const logger = pino({ level: process.env.KUBEFED_TEST_LOG ?? 'silent' });
  const topology = testTopology(o);
  const pg = await Playground.up({ stateDir: join(dir, 'playground'), topology, logger });
  let cp: ControlPlane;
  const address = edgeAddress();
  try {
    cp = await startPlaygroundFederation(pg, logger, { clusterHealth: { probePeriodMs: 1_000, probeTimeoutMs: 1_000, failureThreshold: 2 }, retryMs: 500, ...(o.federation ?? {}) }, address);
  } catch (e) {
    await pg.down();
    throw e;
  }
  const kubeconfig = pg.kubeconfig;
  let edge: EdgeService | undefined;
  let edgeClient: KubeClient | undefined;
  let dns: DnsService | undefined;
  const dnsAt = dnsAddress();
  if (o.edge || o.dns) {
    // The edge and the DNS server run as a user would run them: with the federation's read-only identity.
    const edgeKubeconfig = join(dir, 'edge.kubeconfig');
    await writeEdgeKubeconfig(cp.client, edgeKubeconfig);
    edgeClient = KubeClient.fromKubeconfig(edgeKubeconfig, 'kubefed-edge');
  }
  if (o.dns) dns = await DnsService.start({ client: edgeClient!, log: logger, udp: { host: dnsAt, port: 53 }, tcp: { host: dnsAt, port: 53 }, nameServers: [{ name: 'ns1.kubefed.example', addresses: [dnsAt] }] });
  if (o.edge) {
    edge = await EdgeService.start({
      client: edgeClient!,
      log: logger,
      http: { host: address, port: 80 },
      https: { host: address, port: 443 },
      admin: { host: address, port: 0 },
      ...(typeof o.edge === 'object' ? o.edge : {}),
    });
  }
  const members = new Map<string, KubeClient>();
  const k = (args: string[], input?: string) => kubectl(['--kubeconfig', kubeconfig, ...args], { cacheDir: join(dir, 'kubectl-cache'), ...(input !== undefined ? { input } : {}) });
  return {
    dir,
    pg,
    cp,
    ...(edge ? { edge } : {}),
    edgeAddress: address,
    ...(dns ? { dns } : {}),
    dnsAddress: dnsAt,
    kubeconfig,
    clusters: [...pg.clusters.keys()],
    k,
    async ok(args, input) {
      const r = await k(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
      return r.stdout;
    },
    member(cluster) {
      let c = members.get(cluster);
      if (!c) members.set(cluster, (c = KubeClient.fromKubeconfig(kubeconfig, cluster)));
      return c;
    },
    async stop() {
      for (const c of members.values()) c.close();
      await edge?.close();
      await dns?.close();
      edgeClient?.close();
      await cp.close();
      await pg.down();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
