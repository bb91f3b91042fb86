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
import { checkLatency } from './cluster/network/faults.js';
import { FEDERATION_CONTEXT, PLAYGROUND_DNS_ZONE } from './federate.js';
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
  /**
   * The federation whose names the clusters' DNS answers with v1's in-cluster rule (default the
   * playground's: "federation" in kubefed.example); false for none.
   */
  federationDns?: { name: string; domain: string } | false;
  /** Port of every cluster DNS on 127.O.0.10 (default 53). */
  dnsPort?: number;
}

export interface ClusterStatus {
  name: string;
  region: string;
  zones: string[];
  state: ClusterState;
  /** Its workloads accept connections and answer nothing (the API is unaffected). */
  blackholed: boolean;
  /** Added before every answer of its workloads (0: none). */
  latencyMs: number;
  /** Added, on top of latencyMs, by pods in these zones. */
  zoneLatencyMs: Record<string, number>;
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
    const regions = new Map(topology.clusters.map((c) => [c.name, c.region]));
    const federation = opts.federationDns === undefined ? { name: FEDERATION_CONTEXT, domain: PLAYGROUND_DNS_ZONE } : opts.federationDns || undefined;
    const dns = { ...(federation ? { federation } : {}), ...(opts.dnsPort !== undefined ? { port: opts.dnsPort } : {}) };
    for (const spec of topology.clusters) {
      pg.clusters.set(spec.name, new SimulatedCluster(spec, { dataDir: join(opts.stateDir, 'clusters', spec.name), logger: opts.logger, dns, regionOf: (c) => regions.get(c), ...(timing ? { timing } : {}) }));
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

  /**
   * Undoes every fault of the cluster: starts it if stopped, reconnects it if isolated, lifts a
   * blackhole (held requests are then answered) and removes its latency. Zone faults stay.
   */
  async startCluster(name: string): Promise<void> {
    const c = this.cluster(name);
    c.network.setLatency(0);
    c.network.setBlackholed(false);
    await c.start();
    mergeKubeconfig(this.kubeconfig, [c.kubeconfigEntry()]);
  }

  async isolateCluster(name: string): Promise<void> {
    const c = this.running(name, 'isolating it');
    await c.isolate();
  }

  /**
   * The cluster's workloads (pods, load balancers, ingress addresses) accept connections and
   * never answer, while its API keeps working: a data-plane failure the control plane cannot
   * see. `startCluster` lifts it.
   */
  blackholeCluster(name: string): void {
    this.running(name, 'blackholing it').network.setBlackholed(true);
  }

  /** Adds `ms` before every answer of the cluster's workloads (0 removes it); `startCluster` removes it too. */
  setClusterLatency(name: string, ms: number): void {
    this.running(name, 'slowing it down').network.setLatency(latency(ms));
  }

  /** Adds `ms` before every answer of pods on the zone's nodes, in every cluster (0 removes it; so does restoring the zone). */
  setZoneLatency(zone: string, ms: number): string[] {
    this.checkZone(zone);
    const value = latency(ms);
    const changed: string[] = [];
    for (const c of this.clusters.values()) {
      const nodes = c.spec.nodes.filter((n) => n.zone === zone);
      if (nodes.length === 0) continue;
      c.network.setZoneLatency(zone, value);
      changed.push(...nodes.map((n) => `${c.name}/${n.name}`));
    }
    return changed;
  }

  /** Powers off (or on) every node of a zone, in every cluster that has nodes there; restoring also removes the zone's latency. */
  setZone(zone: string, up: boolean): string[] {
    this.checkZone(zone);
    if (up) this.clearZoneLatency([zone]);
    return this.setNodes((n) => n.zone === zone, up);
  }

  /** setZone for every zone of the region. */
  setRegion(region: string, up: boolean): string[] {
    if (!this.regions().includes(region)) throw new FaultError(`no region named "${region}"; regions: ${this.regions().join(', ')}`);
    if (up) this.clearZoneLatency(this.topology.clusters.flatMap((c) => c.nodes.filter((n) => n.region === region).map((n) => n.zone)));
    return this.setNodes((n) => n.region === region, up);
  }

  private checkZone(zone: string): void {
    if (!this.zones().includes(zone)) throw new FaultError(`no zone named "${zone}"; zones: ${this.zones().join(', ')}`);
  }

  private clearZoneLatency(zones: string[]): void {
    for (const c of this.clusters.values()) for (const z of zones) c.network.setZoneLatency(z, 0);
  }

  /** The cluster, which must not be stopped for the fault to be staged (`cluster start` would undo it). */
  private running(name: string, doing: string): SimulatedCluster {
    const c = this.cluster(name);
    if (c.state === 'stopped') throw new FaultError(`cluster ${name} is stopped; start it before ${doing}`);
    return c;
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
      blackholed: c.network.blackholed,
      latencyMs: c.network.latencyMs,
      zoneLatencyMs: c.network.zoneLatencies(),
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

function latency(ms: number): number {
  try {
    return checkLatency(ms);
  } catch (e) {
    throw new FaultError((e as Error).message);
  }
}
