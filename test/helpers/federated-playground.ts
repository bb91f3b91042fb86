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

export interface FederatedPlayground {
  dir: string;
  pg: Playground;
  cp: ControlPlane;
  kubeconfig: string;
  clusters: string[];
  /** kubectl with the playground's kubeconfig. */
  k(args: string[], input?: string): Promise<KubectlResult>;
  /** kubectl that must succeed; returns stdout. */
  ok(args: string[], input?: string): Promise<string>;
  member(cluster: string): KubeClient;
  stop(): Promise<void>;
}

/** `names` renames the default topology's clusters (seed 004 calls them earth and vulcan). */
export async function startFederatedPlayground(o: { clusters: number; nodes?: number; firstOctet: number; names?: string[]; federation?: PlaygroundFederationOptions }): Promise<FederatedPlayground> {
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-fedpg-'));
  const logger = pino({ level: process.env.KUBEFED_TEST_LOG ?? 'silent' });
  const topology = defaultTopology(o.clusters, o.nodes ?? 1, undefined, o.firstOctet);
  topology.timing = { ...FAST_TIMING };
  o.names?.forEach((n, i) => {
    const c = topology.clusters[i];
    if (c) topology.clusters[i] = { ...c, name: n, nodes: c.nodes.map((node) => ({ ...node, name: node.name.replace(c.name, n) })) };
  });
  const pg = await Playground.up({ stateDir: join(dir, 'playground'), topology, logger });
  let cp: ControlPlane;
  try {
    cp = await startPlaygroundFederation(pg, logger, { clusterHealth: { probePeriodMs: 1_000, probeTimeoutMs: 1_000, failureThreshold: 2 }, retryMs: 500, ...(o.federation ?? {}) });
  } catch (e) {
    await pg.down();
    throw e;
  }
  const kubeconfig = pg.kubeconfig;
  const members = new Map<string, KubeClient>();
  const k = (args: string[], input?: string) => kubectl(['--kubeconfig', kubeconfig, ...args], { cacheDir: join(dir, 'kubectl-cache'), ...(input !== undefined ? { input } : {}) });
  return {
    dir,
    pg,
    cp,
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
      await cp.close();
      await pg.down();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
