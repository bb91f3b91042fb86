/**
 * A bare simulated-cluster runtime for testing cluster components on their own: a real API
 * server in a temp dir (bound to the cluster's 127.O.0.1, port chosen by the OS) and a
 * ClusterRuntime around it. Start only the components a test needs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KObject } from '../../src/apis/object.js';
import { ApiServer } from '../../src/apiserver/server.js';
import { ClusterAddresses } from '../../src/playground/addresses.js';
import { InternalClient } from '../../src/playground/cluster/client.js';
import { NodePower, PodLogStore, type ClusterComponent, type ClusterRuntime, type ClusterSpec, type NodeSpec } from '../../src/playground/cluster/runtime.js';
import { DEFAULT_TIMING, type Timing } from '../../src/playground/cluster/timing.js';
import { silentLogger } from './apiserver.js';
import { reserveOctets } from './octets.js';

export interface TestRuntime {
  runtime: ClusterRuntime;
  server: ApiServer;
  /** Starts components and remembers them for stop(). */
  run(...components: ClusterComponent[]): Promise<void>;
  stop(): Promise<void>;
}

// Octets 200-254 are for component tests; playground and federation tests use lower ranges.

export function testNodes(count: number, opts: { region?: string; zones?: string[]; cpu?: string; memory?: string; pods?: number } = {}): NodeSpec[] {
  const region = opts.region ?? 'test-region1';
  const zones = opts.zones ?? [`${region}-a`];
  return Array.from({ length: count }, (_, i) => ({
    name: `node-${i}`,
    index: i,
    region,
    zone: zones[i % zones.length]!,
    capacity: { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: opts.pods ?? 110 },
  }));
}

export async function startTestRuntime(opts: { nodes?: NodeSpec[]; timing?: Partial<Timing>; name?: string } = {}): Promise<TestRuntime> {
  const dir = mkdtempSync(join(tmpdir(), 'kubefed-cluster-'));
  const octet = reserveOctets(1);
  const addresses = new ClusterAddresses(octet);
  const nodes = opts.nodes ?? testNodes(3);
  const spec: ClusterSpec = { name: opts.name ?? `test-${octet}`, region: nodes[0]?.region ?? 'test-region1', zones: [...new Set(nodes.map((n) => n.zone))], octet, nodes };
  const logs = new PodLogStore();
  const log = silentLogger();
  const server = await ApiServer.start({ dataDir: join(dir, 'data'), bindAddress: addresses.apiServer(), port: 0, storageSync: 'normal', logger: log, podLogs: logs });
  const runtime: ClusterRuntime = {
    spec,
    api: server.api,
    addresses,
    timing: { ...DEFAULT_TIMING, ...opts.timing },
    log,
    power: new NodePower(),
    logs,
    client: (manager) => new InternalClient(server.api, manager),
  };
  const running: ClusterComponent[] = [];
  return {
    runtime,
    server,
    async run(...components) {
      for (const c of components) {
        await c.start();
        running.push(c);
      }
    },
    async stop() {
      for (const c of running.reverse()) await c.stop();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Resolves once `components` have handled every write up to `after` (an object a write
 * returned, or a revision; default: every write so far). In-process controllers queue their
 * keys synchronously as the watch cache applies an event, so once the cache holds that revision
 * the keys are queued; then each component's queue is drained. The signal to wait on before
 * asserting what a controller did NOT do in response to a change.
 */
export async function processed(runtime: ClusterRuntime, components: { idle(): Promise<void> }[], after?: KObject | number): Promise<void> {
  const cache = runtime.api.store.cache;
  const revision = after === undefined ? cache.currentRevision() : typeof after === 'number' ? after : Number(after.metadata?.resourceVersion);
  if (!Number.isSafeInteger(revision)) throw new Error(`processed(): no resourceVersion in ${JSON.stringify(after)}`);
  await cache.waitForRevision(revision);
  for (const c of components) await c.idle();
}
