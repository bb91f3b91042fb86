/**
 * The shape of a playground world: which clusters, in which regions and zones, with how many
 * nodes of what size. The default is the Federation v1 walkthrough's nine clusters: three
 * regions (us-central1, europe-west1, asia-east1), three zones each, named like
 * `gce-us-central1-a`. A topology file (YAML or JSON) describes any other world.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { FIRST_CLUSTER_OCTET, MAX_NODES_PER_CLUSTER } from './addresses.js';
import type { ClusterSpec, NodeCapacity, NodeSpec } from './cluster/runtime.js';
import type { Timing } from './cluster/timing.js';

export interface Topology {
  clusters: ClusterSpec[];
  timing?: Partial<Timing>;
}

/** Regions with their zone letters, in the order extra clusters are added. */
const REGIONS: [string, string[]][] = [
  ['us-central1', ['a', 'b', 'c']],
  ['europe-west1', ['b', 'c', 'd']],
  ['asia-east1', ['a', 'b', 'c']],
  ['us-east1', ['b', 'c', 'd']],
  ['europe-west4', ['a', 'b', 'c']],
  ['asia-southeast1', ['a', 'b', 'c']],
  ['us-west1', ['a', 'b', 'c']],
  ['europe-north1', ['a', 'b', 'c']],
  ['asia-northeast1', ['a', 'b', 'c']],
  ['southamerica-east1', ['a', 'b', 'c']],
  ['australia-southeast1', ['a', 'b', 'c']],
];

export const DEFAULT_CAPACITY: NodeCapacity = { cpu: '4', memory: '16Gi', pods: 110 };
export const DEFAULT_CLUSTERS = 9;
export const DEFAULT_NODES = 3;

function nodes(cluster: string, region: string, zones: string[], count: number, capacity: NodeCapacity): NodeSpec[] {
  if (count < 1 || count > MAX_NODES_PER_CLUSTER) throw new Error(`a cluster has 1 to ${MAX_NODES_PER_CLUSTER} nodes, got ${count}`);
  return Array.from({ length: count }, (_, i) => ({
    name: `${cluster}-node-${i}`,
    index: i,
    region,
    zone: zones[i % zones.length]!,
    capacity: { ...capacity },
  }));
}

/**
 * `count` single-zone clusters spread over regions: the first three regions fill up first (the
 * default nine are the seed's), then further regions; past every zone, names get a suffix.
 */
export function defaultTopology(count = DEFAULT_CLUSTERS, nodesPerCluster = DEFAULT_NODES, capacity = DEFAULT_CAPACITY, firstOctet = FIRST_CLUSTER_OCTET): Topology {
  if (!Number.isInteger(count) || count < 1 || count > 240) throw new Error(`--clusters must be 1 to 240, got ${count}`);
  if (firstOctet + count - 1 > 254) throw new Error(`${count} clusters do not fit in 127.${firstOctet}-254.0.0`);
  const slots: { region: string; zone: string }[] = [];
  // Round-robin over the first three regions' zones, then the others, so small worlds span regions.
  const firstThree = REGIONS.slice(0, 3);
  for (let z = 0; z < 3; z++) for (const [region, zones] of firstThree) slots.push({ region, zone: `${region}-${zones[z]}` });
  for (const [region, zones] of REGIONS.slice(3)) for (const z of zones) slots.push({ region, zone: `${region}-${z}` });
  const clusters: ClusterSpec[] = [];
  for (let i = 0; i < count; i++) {
    const slot = slots[i % slots.length]!;
    const round = Math.floor(i / slots.length);
    const name = `gce-${slot.zone}${round ? `-${round + 1}` : ''}`;
    clusters.push({ name, region: slot.region, zones: [slot.zone], octet: firstOctet + i, nodes: nodes(name, slot.region, [slot.zone], nodesPerCluster, capacity) });
  }
  return { clusters };
}

interface FileCluster {
  name?: unknown;
  region?: unknown;
  zone?: unknown;
  zones?: unknown;
  nodes?: unknown;
  nodeCapacity?: unknown;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Reads and checks a topology file; every problem is reported with its location. */
export function loadTopologyFile(file: string): Topology {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  return parseTopology(doc, file);
}

export function parseTopology(doc: unknown, where = 'topology'): Topology {
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  if (!doc || typeof doc !== 'object' || !Array.isArray((doc as { clusters?: unknown }).clusters)) fail('expected a "clusters" list');
  const list = (doc as { clusters: FileCluster[]; timing?: unknown }).clusters;
  if (list.length === 0) fail('"clusters" is empty');
  if (list.length > 240) fail('at most 240 clusters');
  const seen = new Set<string>();
  const clusters = list.map((c, i): ClusterSpec => {
    const at = `clusters[${i}]`;
    if (typeof c.name !== 'string' || !DNS_LABEL.test(c.name)) fail(`${at}.name must be a DNS label (lower-case letters, digits, '-')`);
    const name = c.name as string;
    if (seen.has(name)) fail(`${at}.name "${name}" is used twice`);
    seen.add(name);
    if (typeof c.region !== 'string' || !DNS_LABEL.test(c.region)) fail(`${at}.region must be a DNS label`);
    const region = c.region as string;
    const zones = c.zones !== undefined ? c.zones : c.zone !== undefined ? [c.zone] : [`${region}-a`];
    if (!Array.isArray(zones) || zones.length === 0 || zones.some((z) => typeof z !== 'string' || !DNS_LABEL.test(z))) fail(`${at}.zones must be a list of DNS labels`);
    const cap = parseCapacity(c.nodeCapacity, `${at}.nodeCapacity`, fail);
    let nodeSpecs: NodeSpec[];
    if (c.nodes === undefined || typeof c.nodes === 'number') {
      const n = (c.nodes as number | undefined) ?? DEFAULT_NODES;
      if (!Number.isInteger(n) || n < 1 || n > MAX_NODES_PER_CLUSTER) fail(`${at}.nodes must be 1 to ${MAX_NODES_PER_CLUSTER}`);
      nodeSpecs = nodes(name, region, zones as string[], n, cap);
    } else if (Array.isArray(c.nodes)) {
      if (c.nodes.length === 0 || c.nodes.length > MAX_NODES_PER_CLUSTER) fail(`${at}.nodes must list 1 to ${MAX_NODES_PER_CLUSTER} nodes`);
      nodeSpecs = (c.nodes as { name?: unknown; zone?: unknown; capacity?: unknown; labels?: unknown }[]).map((n, j) => {
        const nat = `${at}.nodes[${j}]`;
        const nodeName = n.name ?? `${name}-node-${j}`;
        if (typeof nodeName !== 'string' || !DNS_LABEL.test(nodeName)) fail(`${nat}.name must be a DNS label`);
        const zone = n.zone ?? (zones as string[])[j % (zones as string[]).length];
        if (typeof zone !== 'string' || !(zones as string[]).includes(zone)) fail(`${nat}.zone must be one of the cluster's zones`);
        const labels = n.labels as Record<string, string> | undefined;
        return { name: nodeName as string, index: j, region, zone: zone as string, capacity: parseCapacity(n.capacity, `${nat}.capacity`, fail, cap), ...(labels ? { labels } : {}) };
      });
    } else {
      return fail(`${at}.nodes must be a number or a list of nodes`);
    }
    return { name, region, zones: zones as string[], octet: FIRST_CLUSTER_OCTET + i, nodes: nodeSpecs };
  });
  const timing = (doc as { timing?: Partial<Timing> }).timing;
  return { clusters, ...(timing && typeof timing === 'object' ? { timing } : {}) };
}

function parseCapacity(v: unknown, at: string, fail: (m: string) => never, base = DEFAULT_CAPACITY): NodeCapacity {
  if (v === undefined) return { ...base };
  if (!v || typeof v !== 'object') fail(`${at} must be a mapping with cpu, memory and pods`);
  const c = v as Record<string, unknown>;
  const cpu = c.cpu === undefined ? base.cpu : String(c.cpu);
  const memory = c.memory === undefined ? base.memory : String(c.memory);
  const pods = c.pods === undefined ? base.pods : Number(c.pods);
  if (!/^\d+(\.\d+)?m?$/.test(cpu)) fail(`${at}.cpu must be a CPU quantity such as "4" or "3500m"`);
  if (!/^\d+(\.\d+)?([KMGTPE]i?|[kmgtpe])?$/.test(memory)) fail(`${at}.memory must be a memory quantity such as "16Gi"`);
  if (!Number.isInteger(pods) || pods < 1) fail(`${at}.pods must be a positive integer`);
  return { cpu, memory, pods };
}
