/** `kubefed playground`: a world of simulated clusters on this machine, and faults to stage in it. */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { ControlServer, controlRequest, isAlive, readControlInfo } from '../../playground/control.js';
import { DEFAULT_CLUSTERS, DEFAULT_NODES, defaultTopology, loadTopologyFile } from '../../playground/topology.js';
import { Playground, type ClusterStatus } from '../../playground/world.js';
import { FEDERATION_CONTEXT, PLAYGROUND_DNS_ADDRESS, PLAYGROUND_DNS_ZONE, PLAYGROUND_EDGE_ADMIN_PORT, PLAYGROUND_MEMBER_TIMING, spawnPlaygroundDns, spawnPlaygroundEdge, spawnPlaygroundFederation, type FederationProcess } from '../../playground/federate.js';
import type { ServiceProcess } from '../../playground/child-process.js';
import { PLAYGROUND_EDGE_ADDRESS } from '../../playground/traffic-settings.js';
import { startPlaygroundDashboard } from '../../dashboard/playground.js';

export const DEFAULT_STATE_DIR = '.kubefed/playground';

const positiveInt = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer`);
  return n;
};

const stateDirOption = (c: Command) => c.option('--state-dir <dir>', 'directory holding the playground state', DEFAULT_STATE_DIR);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('')).join('\n');
}

/** running, stopped, isolated; "blackholed" for a running cluster whose workloads are blackholed. */
function stateOf(c: ClusterStatus): string {
  if (!c.blackholed || c.state === 'stopped') return c.state;
  return c.state === 'running' ? 'blackholed' : `${c.state},blackholed`;
}

/** "100ms", "100ms, us-central1-b +50ms": the cluster's latency, then what zones add; "-" for none. */
function latencyOf(c: ClusterStatus): string {
  const parts = [...(c.latencyMs ? [`${c.latencyMs}ms`] : []), ...Object.entries(c.zoneLatencyMs ?? {}).map(([z, ms]) => `${z} +${ms}ms`)];
  return parts.join(', ') || '-';
}

/** The clusters as a table; a LATENCY column when some cluster has latency. */
export function formatStatus(clusters: ClusterStatus[]): string {
  const withLatency = clusters.some((c) => latencyOf(c) !== '-');
  return table([
    ['CLUSTER', 'REGION', 'ZONES', 'STATE', 'NODES UP', ...(withLatency ? ['LATENCY'] : []), 'API'],
    ...clusters.map((c) => [c.name, c.region, c.zones.join(','), stateOf(c), `${c.nodes.filter((n) => n.up).length}/${c.nodes.length}`, ...(withLatency ? [latencyOf(c)] : []), c.api]),
  ]);
}

function summary(pg: { clusters: ClusterStatus[]; regions: string[]; kubeconfig: string; federation?: string; edge?: string; dns?: string; dashboard?: string }, seconds?: number): string {
  const nodes = pg.clusters.reduce((a, c) => a + c.nodes.length, 0);
  const first = pg.clusters.find((c) => c.name === 'gce-asia-east1-a') ?? pg.clusters[0]!;
  return [
    `Playground is up: ${pg.clusters.length} clusters in ${pg.regions.length} regions (${pg.regions.join(', ')}), ${nodes} nodes${seconds !== undefined ? `, ready in ${seconds.toFixed(1)} s` : ''}.`,
    '',
    formatStatus(pg.clusters),
    '',
    ...(pg.federation ? [`Federation: ${pg.federation}, every cluster joined (context "${FEDERATION_CONTEXT}")`] : []),
    ...(pg.edge ? [`Global address: http://${pg.edge}/ and https://${pg.edge}/ (the edge; where requests go: kubefed edge status --admin-address ${pg.edge}:${PLAYGROUND_EDGE_ADMIN_PORT})`, `  a client in a zone: curl --interface 127.<octet of a cluster in that zone>.250.1 http://${pg.edge}/`] : []),
    ...(pg.dns ? [`DNS: ${pg.dns}:53 serves ${PLAYGROUND_DNS_ZONE} (federated Services of type LoadBalancer: dig @${pg.dns} SVC.NAMESPACE.${FEDERATION_CONTEXT}.svc.${PLAYGROUND_DNS_ZONE})`] : []),
    ...(pg.dashboard ? [`Dashboard: ${pg.dashboard} (the federation at a glance; faults are buttons there)`] : []),
    ...(pg.federation ? [''] : []),
    `Kubeconfig: ${pg.kubeconfig} (one context per cluster${pg.federation ? `, and "${FEDERATION_CONTEXT}"` : ''})`,
    `  export KUBECONFIG=${pg.kubeconfig}`,
    ...(pg.federation ? [`  kubectl --context=${FEDERATION_CONTEXT} get clusters`, `  kubectl --context=${FEDERATION_CONTEXT} create deployment web --image=nginx --replicas=9`] : []),
    `  kubectl --context=${first.name} get nodes -L topology.kubernetes.io/zone`,
    `  kubectl --context=${first.name} create deployment web --image=nginx --replicas=3`,
    `  kubectl --context=${first.name} expose deployment web --type=LoadBalancer --port=80`,
    `Faults: kubefed playground cluster stop|start|isolate|blackhole NAME, cluster latency NAME MS, zone fail|restore ZONE, zone latency ZONE MS, region fail|restore REGION, node fail|restore CLUSTER NODE`,
  ].join('\n');
}

interface UpOptions {
  clusters?: number;
  nodes?: number;
  topology?: string;
  kubeconfig?: string;
  stateDir: string;
  detach?: boolean;
  reset?: boolean;
  verbose?: boolean;
  federation: boolean;
  edge: boolean;
  edgeAddress: string;
  dns: boolean;
  dnsAddress: string;
  dashboard: boolean;
  dashboardAddress: string;
  firstOctet?: number;
}

async function up(o: UpOptions, argv: string[]): Promise<void> {
  const stateDir = resolve(o.stateDir);
  const running = readControlInfo(stateDir);
  if (running && isAlive(running.pid)) throw new Error(`a playground is already running with state directory ${stateDir} (pid ${running.pid}); stop it with "kubefed playground down"`);
  if (o.detach) return detach(stateDir, argv);
  const topology = o.topology ? loadTopologyFile(resolve(o.topology)) : defaultTopology(o.clusters ?? DEFAULT_CLUSTERS, o.nodes ?? DEFAULT_NODES, undefined, o.firstOctet);
  // Cluster i owns 127.<first+i>.0.0/16; another first octet lets two playgrounds run side by side.
  if (!topology.timing && topology.clusters.length <= 12) topology.timing = { ...PLAYGROUND_MEMBER_TIMING };
  if (o.firstOctet !== undefined) topology.clusters.forEach((c, i) => (c.octet = o.firstOctet! + i));
  if (topology.clusters.some((c) => c.octet > 254)) throw new Error(`${topology.clusters.length} clusters do not fit from --first-octet ${o.firstOctet}: the last octet would pass 254`);
  const stored = o.reset ? undefined : Playground.storedTopology(stateDir);
  if (stored && (o.clusters !== undefined || o.topology !== undefined || o.nodes !== undefined)) {
    process.stderr.write(`note: ${stateDir} already holds a playground of ${stored.clusters.length} clusters; reusing it (pass --reset to replace it)\n`);
  }
  const logger = pino({ level: o.verbose ? 'info' : process.env.KUBEFED_LOG_LEVEL ?? 'warn' }, pino.destination(2));
  if (o.reset) rmSync(join(stateDir, 'federation'), { recursive: true, force: true });
  const pg = await Playground.up({ stateDir, topology, ...(o.kubeconfig ? { kubeconfig: resolve(o.kubeconfig) } : {}), logger, ...(o.reset ? { reset: true } : {}) });
  let federation: FederationProcess | undefined;
  let edge: ServiceProcess | undefined;
  let dns: ServiceProcess | undefined;
  if (o.federation) {
    try {
      federation = await spawnPlaygroundFederation(pg, logger, process.argv[1]!, o.edgeAddress);
      if (o.edge) edge = await spawnPlaygroundEdge(pg, logger, process.argv[1]!, o.edgeAddress);
      if (o.dns) dns = await spawnPlaygroundDns(pg, logger, process.argv[1]!, o.dnsAddress);
    } catch (e) {
      await edge?.stop();
      await federation?.stop();
      await pg.down();
      throw e;
    }
  }
  const dashboard = federation && o.dashboard ? await startPlaygroundDashboard(pg, o.dashboardAddress, edge ? o.edgeAddress : undefined, logger) : undefined;
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping the playground...\n');
    await dashboard?.close();
    await control.stop();
    await dns?.stop();
    await edge?.stop();
    await federation?.stop();
    await pg.down();
    process.exit(0);
  };
  const control = new ControlServer(pg, () => void shutdown(), federation?.url, edge ? o.edgeAddress : undefined, dns ? o.dnsAddress : undefined, dashboard?.url);
  await control.start();
  process.stdout.write(summary({ clusters: pg.status(), regions: pg.regions(), kubeconfig: pg.kubeconfig, ...(federation ? { federation: federation.url } : {}), ...(edge ? { edge: o.edgeAddress } : {}), ...(dns ? { dns: o.dnsAddress } : {}), ...(dashboard ? { dashboard: dashboard.url } : {}) }, pg.startSeconds) + '\n');
  if (!process.env.KUBEFED_PLAYGROUND_DETACHED) process.stdout.write('Press Ctrl-C to stop.\n');
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

/** Runs `playground up` in the background and returns once it serves. */
async function detach(stateDir: string, argv: string[]): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  const logFile = join(stateDir, 'playground.log');
  const out = openSync(logFile, 'a');
  const args = argv.filter((a) => a !== '--detach' && a !== '-d');
  // Node's own flags (e.g. --cpu-prof) carry over to the background process.
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, KUBEFED_PLAYGROUND_DETACHED: '1' },
  });
  child.unref();
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the playground exited (code ${child.exitCode}); see ${logFile}`);
    const info = readControlInfo(stateDir);
    if (info && info.pid === child.pid) {
      const st = await controlRequest(stateDir, 'GET', '/status').catch(() => undefined);
      if (st) {
        process.stdout.write(summary(st) + `\nRunning in the background (pid ${child.pid}, log ${logFile}); stop it with "kubefed playground down".\n`);
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the playground did not come up within 120 s; see ${logFile}`);
}

async function down(o: { stateDir: string }): Promise<void> {
  const stateDir = resolve(o.stateDir);
  const info = readControlInfo(stateDir);
  if (!info || !isAlive(info.pid)) {
    process.stdout.write(`No playground is running with state directory ${stateDir}.\n`);
    return;
  }
  await controlRequest(stateDir, 'POST', '/shutdown');
  const deadline = Date.now() + 30_000;
  while (isAlive(info.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
  process.stdout.write(`Playground stopped (state kept in ${stateDir}).\n`);
}

/** A latency argument: a whole number of milliseconds. */
function milliseconds(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`latency must be a whole number of milliseconds, not "${v}"`);
  return Number(v);
}

async function fault(stateDir: string, path: string): Promise<void> {
  const r = await controlRequest(resolve(stateDir), 'POST', path);
  process.stdout.write(`${path.slice(1).replace(/\//g, ' ')}: ${(r.changed as string[]).join(', ') || 'nothing changed'}\n`);
}

export function playgroundCommand(): Command {
  const pg = new Command('playground').description('A world of simulated Kubernetes clusters across regions and zones on this machine.');

  stateDirOption(
    pg
      .command('up')
      .description('Start the playground (default: 9 clusters in 3 regions with 3 zones each) and serve until interrupted.')
      .option('--clusters <n>', `number of clusters (default ${DEFAULT_CLUSTERS})`, positiveInt('--clusters'))
      .option('--nodes <n>', `nodes per cluster (default ${DEFAULT_NODES})`, positiveInt('--nodes'))
      .option('--topology <file>', 'YAML or JSON topology: clusters with names, regions, zones, nodes and node capacity')
      .option('--kubeconfig <file>', 'kubeconfig to write (default: <state-dir>/kubeconfig)')
      .option('-d, --detach', 'run in the background')
      .option('--reset', 'discard the world stored in the state directory and create a new one')
      .option('--no-federation', 'only the clusters: no federation control plane')
      .option('--no-edge', 'no global ingress edge')
      .option('--edge-address <ip>', 'address of the global edge (HTTP :80, HTTPS :443)', PLAYGROUND_EDGE_ADDRESS)
      .option('--no-dns', 'no federation DNS server')
      .option('--dns-address <ip>', 'address of the federation DNS server (port 53)', PLAYGROUND_DNS_ADDRESS)
      .option('--no-dashboard', 'no web dashboard')
      .option('--dashboard-address <host:port>', 'address of the web dashboard (if the port is taken: any free port)', '127.0.0.1:8070')
      .option('--first-octet <n>', 'cluster i serves on 127.<n+i>.0.0/16 (default 10)', positiveInt('--first-octet'))
      .option('-v, --verbose', 'log what every cluster does'),
  ).action((o: UpOptions) => up(o, process.argv.slice(2)));

  stateDirOption(pg.command('down').description('Stop a playground running in the background (its state is kept).')).action(down);

  stateDirOption(pg.command('status').description('Show the clusters of the running playground.')).action(async (o: { stateDir: string }) => {
    const st = await controlRequest(resolve(o.stateDir), 'GET', '/status');
    process.stdout.write(formatStatus(st.clusters) + '\n');
  });

  const cluster = pg.command('cluster').description('Stop, start, isolate, blackhole or slow down one cluster.');
  for (const [verb, what] of [
    ['stop', 'take the whole cluster away: its API refuses connections and its workloads stop answering'],
    ['start', 'undo every fault of the cluster: bring it back if stopped, reconnect it if isolated, lift a blackhole, remove its latency'],
    ['isolate', 'make only its API unreachable from outside; its workloads keep serving'],
    ['blackhole', 'its workloads (pods, load balancers, ingresses) accept connections and never answer; its API keeps working (undo: cluster start)'],
  ] as const) {
    stateDirOption(cluster.command(`${verb} <name>`).description(what)).action((name: string, o: { stateDir: string }) => fault(o.stateDir, `/clusters/${name}/${verb}`));
  }
  stateDirOption(cluster.command('latency').description('add MS milliseconds before every answer of its workloads (0 removes it; so does cluster start)'))
    .argument('<name>')
    .argument('<ms>', 'milliseconds', milliseconds)
    .action((name: string, ms: number, o: { stateDir: string }) => fault(o.stateDir, `/clusters/${name}/latency/${ms}`));
  for (const [noun, what] of [
    ['zone', 'every node in a zone'],
    ['region', 'every node in a region'],
  ] as const) {
    const c = pg.command(noun).description(`Fail or restore ${what}${noun === 'zone' ? ', or slow it down' : ''}.`);
    stateDirOption(c.command(`fail <${noun}>`).description(`power off ${what}: nodes go NotReady, their pods stop answering`)).action((v: string, o: { stateDir: string }) =>
      fault(o.stateDir, `/${noun}s/${v}/fail`),
    );
    stateDirOption(c.command(`restore <${noun}>`).description(`power ${what} back on and remove the latency of ${noun === 'zone' ? 'the zone' : 'its zones'}`)).action(
      (v: string, o: { stateDir: string }) => fault(o.stateDir, `/${noun}s/${v}/restore`),
    );
    if (noun !== 'zone') continue;
    stateDirOption(c.command('latency').description("add MS milliseconds before every answer of the pods on the zone's nodes, on top of their cluster's (0 removes it)"))
      .argument('<zone>')
      .argument('<ms>', 'milliseconds', milliseconds)
      .action((zone: string, ms: number, o: { stateDir: string }) => fault(o.stateDir, `/zones/${zone}/latency/${ms}`));
  }
  const node = pg.command('node').description('Fail or restore one node.');
  stateDirOption(node.command('fail <cluster> <node>').description('power a node off')).action((c: string, n: string, o: { stateDir: string }) => fault(o.stateDir, `/nodes/${c}/${n}/fail`));
  stateDirOption(node.command('restore <cluster> <node>').description('power a node back on')).action((c: string, n: string, o: { stateDir: string }) =>
    fault(o.stateDir, `/nodes/${c}/${n}/restore`),
  );
  return pg;
}
