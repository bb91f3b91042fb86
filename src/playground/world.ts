/**
 * A playground world: every simulated cluster of a topology, its state directory, the
 * kubeconfig with one context per cluster, and the faults that can be staged while it runs.
 * State (each cluster's API server data, the topology) lives under the state directory, so a
 * world brought down and up again has the same clusters and objects.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { mergeKubeconfig } from '../kubeconfig.js';
import { SimulatedCluster, type ClusterState } from './cluster/simulated-cluster.js';
import type { Timing } from './cluster/timing.js';
import type { Topology } from './topology.js';

export interface PlaygroundOptions {
  stateDir: string;
  /** The topology for a new world; an existing state directory keeps its own. */
  topology: Topology;
  /** Where to write the kubeconfig (default `<stateDir>/kubeconfig`). */
  kubeconfig?: string;
  logger: Logger;
  /** Replace the world in stateDir instead of reusing it. */
  reset?: boolean;
}

export interface ClusterStatus {
  name: string;
  region: string;
  zones: string[];
  state: ClusterState;
  api: string;
  nodes: { name: string; zone: string; up: boolean }[];
}

const STATE_FILE = 'playground.json';

export class Playground {
  readonly clusters = new Map<string, SimulatedCluster>();
  readonly kubeconfig: string;
  /** Seconds the last `up` took until every cluster served. */
  startSeconds = 0;

  private constructor(
    readonly topology: Topology,
    readonly stateDir: string,
    kubeconfig: string | undefined,
    private readonly log: Logger,
  ) {
    this.kubeconfig = kubeconfig ?? join(stateDir, 'kubeconfig');
  }

  /** The topology stored in a state directory, if there is one. */
  static storedTopology(stateDir: string): Topology | undefined {
    const f = join(stateDir, STATE_FILE);
    if (!existsSync(f)) return undefined;
    return (JSON.parse(readFileSync(f, 'utf8')) as { topology: Topology }).topology;
  }

  static async up(opts: PlaygroundOptions): Promise<Playground> {
    const started = performance.now();
    mkdirSync(opts.stateDir, { recursive: true });
    const stored = opts.reset ? undefined : Playground.storedTopology(opts.stateDir);
    const topology = stored ?? opts.topology;
    writeFileSync(join(opts.stateDir, STATE_FILE), JSON.stringify({ topology, updated: new Date().toISOString() }, null, 2));
    const pg = new Playground(topology, opts.stateDir, opts.kubeconfig, opts.logger);
    const timing = topology.timing ?? timingForSize(topology);
    for (const spec of topology.clusters) {
      pg.clusters.set(spec.name, new SimulatedCluster(spec, { dataDir: join(opts.stateDir, 'clusters', spec.name), logger: opts.logger, ...(timing ? { timing } : {}) }));
    }
    try {
      await Promise.all([...pg.clusters.values()].map((c) => c.start()));
    } catch (e) {
      await pg.down();
      throw e;
    }
    mergeKubeconfig(pg.kubeconfig, [...pg.clusters.values()].map((c) => c.kubeconfigEntry()), { makeCurrent: true });
    pg.startSeconds = (performance.now() - started) / 1000;
    return pg;
  }

  cluster(name: string): SimulatedCluster {
    const c = this.clusters.get(name);
    if (!c) throw new FaultError(`no cluster named "${name}"; clusters: ${[...this.clusters.keys()].join(', ')}`);
    return c;
  }

  regions(): string[] {
    return [...new Set(this.topology.clusters.map((c) => c.region))];
  }

  zones(): string[] {
    return [...new Set(this.topology.clusters.flatMap((c) => c.nodes.map((n) => n.zone)))];
  }

  // --- faults -------------------------------------------------------------------------------

  async stopCluster(name: string): Promise<void> {
    await this.cluster(name).stop();
  }

  /** Starts a stopped cluster, or reconnects an isolated one. */
  async startCluster(name: string): Promise<void> {
    const c = this.cluster(name);
    await c.start();
    mergeKubeconfig(this.kubeconfig, [c.kubeconfigEntry()]);
  }

  async isolateCluster(name: string): Promise<void> {
    const c = this.cluster(name);
    if (c.state === 'stopped') throw new FaultError(`cluster ${name} is stopped; start it before isolating it`);
    await c.isolate();
  }

  /** Powers off (or on) every node of a zone, in every cluster that has nodes there. */
  setZone(zone: string, up: boolean): string[] {
    if (!this.zones().includes(zone)) throw new FaultError(`no zone named "${zone}"; zones: ${this.zones().join(', ')}`);
    return this.setNodes((n) => n.zone === zone, up);
  }

  setRegion(region: string, up: boolean): string[] {
    if (!this.regions().includes(region)) throw new FaultError(`no region named "${region}"; regions: ${this.regions().join(', ')}`);
    return this.setNodes((n) => n.region === region, up);
  }

  setNode(cluster: string, node: string, up: boolean): string[] {
    const c = this.cluster(cluster);
    if (!c.spec.nodes.some((n) => n.name === node)) throw new FaultError(`cluster ${cluster} has no node "${node}"; nodes: ${c.spec.nodes.map((n) => n.name).join(', ')}`);
    c.setNodePower(node, up);
    return [`${cluster}/${node}`];
  }

  private setNodes(match: (n: { zone: string; region: string }) => boolean, up: boolean): string[] {
    const changed: string[] = [];
    for (const c of this.clusters.values()) {
      for (const n of c.spec.nodes) {
        if (!match(n)) continue;
        c.setNodePower(n.name, up);
        changed.push(`${c.name}/${n.name}`);
      }
    }
    return changed;
  }

  status(): ClusterStatus[] {
    return [...this.clusters.values()].map((c) => ({
      name: c.name,
      region: c.spec.region,
      zones: c.spec.zones,
      state: c.state,
      api: c.url,
      nodes: c.spec.nodes.map((n) => ({ name: n.name, zone: n.zone, up: c.power.isUp(n.name) })),
    }));
  }

  /** Waits until every running cluster's controllers have nothing queued (for tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.clusters.values()].map((c) => c.idle()));
  }

  async down(): Promise<void> {
    await Promise.all([...this.clusters.values()].map((c) => c.stop().catch((e: unknown) => this.log.error({ err: e, cluster: c.name }, 'stopping cluster failed'))));
  }
}

/**
 * Big worlds heartbeat less often so a few hundred simulated nodes do not keep a core busy:
 * past 12 clusters nodes renew every 5 s and are declared unreachable after 15 s (the default
 * world: 2 s and 6 s; Kubernetes: 10 s and 40 s).
 */
export function timingForSize(t: Topology): Partial<Timing> | undefined {
  if (t.clusters.length <= 12) return undefined;
  return { nodeHeartbeatMs: 5_000, nodeMonitorGraceMs: 15_000 };
}

/** A fault request that names something that does not exist or cannot be done now. */
export class FaultError extends Error {}
