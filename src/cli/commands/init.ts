/**
 * `kubefed init NAME`: starts the federation control plane (API server and controllers) and adds
 * context NAME to the kubeconfig. By default it runs in the background and returns once the API
 * serves, as the seeds expect; `--foreground` keeps it in this process. `kubefed stop NAME` stops it.
 *
 * High availability (docs/high-availability.md): with `--storage etcd` several replicas share one
 * etcd and one PKI (the state dir's `apiserver/pki`: CA, service-account key), each with its own
 * API server and controllers campaigning for their leases. `--replicas N` runs N of them here
 * (ports --port, --port+1, ...); `--replica-id ID` runs one more replica from a state dir holding
 * a copy of that PKI (another machine, or a replica restarted on its own).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import pino, { type Logger } from 'pino';
import { ControlPlane } from '../../federation/controlplane.js';
import { mergeKubeconfig } from '../../kubeconfig.js';
import { isAlive } from '../../playground/control.js';
import type { StorageConfig } from '../../storage/open.js';
import { controllerOptionsFromFlags, type ControllerFlags } from '../controller-flags.js';
import { DnsService } from '../../dns/dns-service.js';
import { KubeClient } from '../../federation/client/kube-client.js';
import { writeEdgeKubeconfig } from '../../federation/traffic/edge-credentials.js';
import type { ListenAddress } from '../../traffic/edge/proxy.js';
import { EdgeService } from '../../traffic/edge-service.js';
import { listenAddress } from './edge.js';
import { kubeTarget } from '../kube-context.js';
import { addStorageOptions, parsePort, storageFromFlags, type StorageFlags } from './apiserver.js';

/** The first replica's files keep the names a single control plane always had. */
const FIRST_REPLICA = '0';
const replicaFile = (id: string, ext: string) => (id === FIRST_REPLICA ? `controlplane.${ext}` : `controlplane-${id}.${ext}`);
/** Which backend a state dir's federation lives on (so a restart with other storage flags is refused). */
const STORAGE_FILE = 'storage.json';

interface RunningInfo {
  pid: number;
  url: string;
  name: string;
  /** Absent in files written before replicas existed: the first replica. */
  replicaId?: string;
  /** What runs beside it (the edge, the DNS server), as said to the user. */
  services?: string;
}

export const defaultStateDir = (name: string) => join('.kubefed', name);

/** The kubeconfig context of a replica: NAME for the first, NAME-replica-ID for the others. */
export const replicaContext = (name: string, id: string) => (id === FIRST_REPLICA ? name : `${name}-replica-${id}`);

function readInfo(file: string): RunningInfo | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as RunningInfo;
    return isAlive(info.pid) ? info : undefined;
  } catch {
    return undefined;
  }
}

function readRunning(stateDir: string, replicaId = FIRST_REPLICA): RunningInfo | undefined {
  return readInfo(join(stateDir, replicaFile(replicaId, 'json')));
}

/** Every replica running from the state dir. */
function runningReplicas(stateDir: string): RunningInfo[] {
  if (!existsSync(stateDir)) return [];
  return readdirSync(stateDir)
    .filter((f) => /^controlplane(-[a-z0-9-]+)?\.json$/.test(f))
    .flatMap((f) => readInfo(join(stateDir, f)) ?? []);
}

/**
 * Refuses to start a state dir's federation on other storage than it was created on: its objects
 * live there, and the other backend would start an empty federation with the same PKI.
 */
function checkStorage(stateDir: string, storage: StorageConfig): void {
  const file = join(stateDir, STORAGE_FILE);
  const now = storage.backend === 'etcd' ? { backend: 'etcd', prefix: storage.prefix ?? null } : { backend: 'sqlite' };
  const sqliteState = existsSync(join(stateDir, 'apiserver', 'state.db'));
  const before = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { backend: string; prefix?: string | null }) : sqliteState ? { backend: 'sqlite' } : undefined;
  if (before && before.backend !== now.backend) {
    throw new InvalidArgumentError(
      before.backend === 'etcd'
        ? `${stateDir} holds a federation stored in etcd: start it with --storage etcd --etcd-servers URL,...`
        : `${stateDir} holds a federation stored in SQLite (apiserver/state.db): drop --storage etcd, or use a new --state-dir for a federation on etcd`,
    );
  }
  if (before?.backend === 'etcd' && (before.prefix ?? null) !== now.prefix) {
    throw new InvalidArgumentError(`${stateDir} holds a federation stored under --etcd-prefix ${before.prefix ?? '(default)'}, not ${now.prefix ?? '(default)'}`);
  }
  if (!before) writeFileSync(file, JSON.stringify(now) + '\n');
}

/** Go-style durations as kube-controller-manager's --leader-elect-* flags take them ("15s", "500ms", "1m"); a bare number is seconds. */
const duration = (flag: string) => (v: string) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000) : NaN;
  if (!(ms > 0)) throw new InvalidArgumentError(`${flag} must be a duration such as 15s or 500ms`);
  return ms;
};

const positive = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number`);
  return n;
};
const nonNegative = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${what} must be a number of seconds, 0 or more`);
  return n;
};
const fraction = (what: string) => (v: string) => {
  const n = Number(v);
  if (!(n > 0 && n <= 1)) throw new InvalidArgumentError(`${what} must be in (0, 1]`);
  return n;
};

interface InitOptions extends StorageFlags, ControllerFlags {
  hostClusterContext?: string;
  dnsProvider?: string;
  stateDir?: string;
  port: number;
  bindAddress: string;
  tlsSan?: string[];
  foreground?: boolean;
  replicas: number;
  replicaId?: string;
  edgeAddress?: ListenAddress;
  edgeAdminAddress: ListenAddress;
  dnsAddress?: ListenAddress;
  makeCurrent?: boolean;
  verbose?: boolean;
}

/**
 * The global edge and the DNS server beside the control plane, when asked for: each with the
 * federation's read-only edge identity, as `kubefed edge` and `kubefed dns` run on their own.
 */
async function startServices(cp: ControlPlane, o: InitOptions, stateDir: string, logger: Logger): Promise<{ said: string; close: () => Promise<void> }> {
  if (!o.edgeAddress && !o.dnsAddress) return { said: '', close: async () => undefined };
  const file = join(stateDir, 'edge.kubeconfig');
  await writeEdgeKubeconfig(cp.client, file);
  const client = KubeClient.fromKubeconfig(file, 'kubefed-edge', { userAgent: 'kubefed-edge' });
  const running: { close(): Promise<void> }[] = [];
  let said = '';
  try {
    if (o.edgeAddress) {
      const edge = await EdgeService.start({ client, log: logger.child({ component: 'edge' }), http: o.edgeAddress, https: { host: o.edgeAddress.host, port: 443 }, admin: o.edgeAdminAddress });
      running.push(edge);
      said += `Global edge: http://${o.edgeAddress.host}:${edge.proxy.httpPort} and https on :${edge.proxy.httpsPort}; admin http://${o.edgeAdminAddress.host}:${edge.proxy.adminPort}\n`;
    }
    if (o.dnsAddress) {
      const dns = await DnsService.start({ client, log: logger.child({ component: 'dns' }), udp: o.dnsAddress, tcp: o.dnsAddress });
      running.push(dns);
      said += `DNS server: ${o.dnsAddress.host}:${dns.server.udpPort} (UDP and TCP)${o.dnsZoneName ? `, zone ${o.dnsZoneName}` : ', no zone (--dns-zone-name)'}\n`;
    }
  } catch (e) {
    for (const r of running) await r.close();
    client.close();
    throw e;
  }
  return {
    said,
    close: async () => {
      for (const r of running) await r.close();
      client.close();
    },
  };
}

async function serve(name: string, o: InitOptions, storage: StorageConfig, kubeconfig: string, stateDir: string): Promise<void> {
  const replicaId = o.replicaId ?? FIRST_REPLICA;
  const logger = pino({ level: o.verbose ? 'info' : process.env.KUBEFED_LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const controllers = controllerOptionsFromFlags(o);
  const cp = await ControlPlane.start({
    dataDir: stateDir,
    port: o.port,
    bindAddress: o.bindAddress,
    ...(o.tlsSan ? { hosts: o.tlsSan } : {}),
    storageSync: o.storageSync as 'full' | 'normal',
    storage,
    ...controllers,
    leaderElection: { ...controllers.leaderElection, replicaId },
    logger,
    federationName: name,
    ...(o.hostClusterContext ? { hostClusterContext: o.hostClusterContext } : {}),
  });
  const context = replicaContext(name, replicaId);
  mergeKubeconfig(kubeconfig, [cp.kubeconfigEntry(context)], { makeCurrent: !!o.makeCurrent && replicaId === FIRST_REPLICA });
  const services = await startServices(cp, o, stateDir, logger).catch(async (e: unknown) => {
    await cp.close();
    throw e;
  });
  const pidFile = join(stateDir, replicaFile(replicaId, 'json'));
  writeFileSync(pidFile, JSON.stringify({ pid: process.pid, url: cp.url, name, replicaId, ...(services.said ? { services: services.said } : {}) } satisfies RunningInfo));
  const role = storage.backend === 'etcd' ? ` (replica ${replicaId}, ${cp.leading.propagation ? 'leading' : 'standby'})` : '';
  process.stdout.write(`Federation "${name}" serving at ${cp.url}${role}; context "${context}" written to ${kubeconfig}\n${services.said}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await services.close();
    await cp.close();
    rmSync(pidFile, { force: true });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

async function init(name: string, o: InitOptions, cmd: Command): Promise<void> {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new Error(`federation name "${name}" must be a DNS label (lowercase letters, digits and '-')`);
  controllerOptionsFromFlags(o); // refuses bad controller flags before anything starts
  const storage = storageFromFlags(o);
  if (!Number.isInteger(o.replicas) || o.replicas < 1) throw new InvalidArgumentError('--replicas must be a whole number, 1 or more');
  if (o.replicas > 1 && storage.backend !== 'etcd') throw new InvalidArgumentError('--replicas needs --storage etcd: the replicas share their state through etcd (SQLite serves one process)');
  if (o.replicas > 1 && o.foreground) throw new InvalidArgumentError('--replicas starts its replicas in the background; with --foreground run one replica per process (--replica-id ID)');
  if (o.replicas > 1 && o.replicaId !== undefined) throw new InvalidArgumentError(`--replica-id names one replica; --replicas ${o.replicas} numbers its replicas 0 to ${o.replicas - 1}`);
  if (o.replicaId !== undefined && storage.backend !== 'etcd') throw new InvalidArgumentError('--replica-id needs --storage etcd: replicas share their state through etcd');
  if (o.replicaId !== undefined && !/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/.test(o.replicaId)) throw new InvalidArgumentError(`--replica-id must be lowercase letters, digits and '-' (e.g. 1 or b), not "${o.replicaId}"`);
  if (o.replicas > 1 && (o.edgeAddress || o.dnsAddress)) throw new InvalidArgumentError(`--edge-address and --dns-address start one edge and one DNS server beside a single control plane; with --replicas run "kubefed edge" and "kubefed dns" on their own`);
  if (o.replicas > 1 && o.port !== 0 && o.port + o.replicas - 1 > 65535) throw new InvalidArgumentError(`--port ${o.port} leaves no room for ${o.replicas} replicas (ports ${o.port} to ${o.port + o.replicas - 1})`);
  const { kubeconfig } = kubeTarget(cmd);
  const stateDir = resolve(o.stateDir ?? defaultStateDir(name));
  mkdirSync(stateDir, { recursive: true });
  const ids = o.replicas > 1 ? Array.from({ length: o.replicas }, (_, i) => String(i)) : [o.replicaId ?? FIRST_REPLICA];
  const running = storage.backend === 'sqlite' ? runningReplicas(stateDir) : ids.flatMap((id) => readRunning(stateDir, id) ?? []);
  if (running.length) {
    const r = running[0]!;
    throw new Error(`federation "${r.name}" is already running from ${stateDir} (${r.replicaId && r.replicaId !== FIRST_REPLICA ? `replica ${r.replicaId}, ` : ''}pid ${r.pid}, ${r.url}); stop it with "kubefed stop ${r.name}"`);
  }
  checkStorage(stateDir, storage);
  if (o.foreground) return serve(name, o, storage, resolve(kubeconfig), stateDir);

  // The first replica creates the PKI the others then load (they start once it serves).
  const [first, ...rest] = ids;
  const port = (i: number) => (o.port === 0 ? 0 : o.port + i);
  const started = [await startReplica(stateDir, kubeconfig, first!, o.replicas > 1 ? port(0) : undefined)];
  started.push(...(await Promise.all(rest.map((id, i) => startReplica(stateDir, kubeconfig, id, port(i + 1))))));
  const lines =
    started.length === 1
      ? [`Federation "${name}" is running at ${started[0]!.info.url} (${o.replicaId ? `replica ${o.replicaId}, ` : ''}pid ${started[0]!.info.pid}, log ${started[0]!.log}).`, ...(started[0]!.info.services?.trimEnd().split('\n') ?? [])]
      : [
          `Federation "${name}" is running as ${started.length} replicas on etcd (controllers leader-elected):`,
          ...started.map((r) => `  replica ${r.info.replicaId}: ${r.info.url} (pid ${r.info.pid}, context ${replicaContext(name, r.info.replicaId!)}, log ${r.log})`),
          `Context "${name}" points at replica 0; in production a load balancer goes in front of the replicas (docs/high-availability.md).`,
        ];
  process.stdout.write(
    [
      ...lines,
      started.length === 1 ? `Context "${replicaContext(name, o.replicaId ?? FIRST_REPLICA)}" added to ${kubeconfig}. Next:` : `Contexts added to ${kubeconfig}. Next:`,
      `  kubefed --context=${name} join CLUSTER --cluster-context=CLUSTER_CONTEXT`,
      `  kubectl --context=${name} get clusters`,
      '',
    ].join('\n'),
  );
}

/** Starts one replica in the background (this command's arguments, run in the foreground) and waits until it serves. */
async function startReplica(stateDir: string, kubeconfig: string, id: string, port: number | undefined): Promise<{ info: RunningInfo; log: string }> {
  const logFile = join(stateDir, replicaFile(id, 'log'));
  const out = openSync(logFile, 'a');
  // Later flags win: the replica runs alone, in the foreground, as replica `id`.
  const replicaArgs = port === undefined ? [] : ['--replicas', '1', '--replica-id', id, '--port', String(port)];
  const args = [...process.argv.slice(2), '--foreground', '--kubeconfig', resolve(kubeconfig), '--state-dir', stateDir, ...replicaArgs];
  const child = spawn(process.execPath, [process.argv[1]!, ...args], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the control plane${id === FIRST_REPLICA ? '' : ` replica ${id}`} exited (code ${child.exitCode}); see ${logFile}`);
    const info = readRunning(stateDir, id);
    if (info && info.pid === child.pid) return { info: { ...info, replicaId: id }, log: logFile };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the control plane${id === FIRST_REPLICA ? '' : ` replica ${id}`} did not come up within 120 s; see ${logFile}`);
}

async function stopCommand(name: string, o: { stateDir?: string; replicaId?: string }): Promise<void> {
  const stateDir = resolve(o.stateDir ?? defaultStateDir(name));
  const running = o.replicaId !== undefined ? [readRunning(stateDir, o.replicaId) ?? []].flat() : runningReplicas(stateDir);
  if (running.length === 0) {
    process.stdout.write(`No federation${o.replicaId !== undefined ? ` replica ${o.replicaId}` : ''} is running from ${stateDir}.\n`);
    return;
  }
  // Every replica at once: stopping them one by one would hand the leases from one to the next.
  for (const r of running) process.kill(r.pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (running.some((r) => isAlive(r.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const r of running) if (isAlive(r.pid)) process.kill(r.pid, 'SIGKILL');
  const what = running.length > 1 ? ` (${running.length} replicas)` : o.replicaId !== undefined ? ` replica ${o.replicaId}` : '';
  process.stdout.write(`Federation "${running[0]!.name}"${what} stopped (state kept in ${stateDir}).\n`);
}

export function initCommand(): Command {
  const cmd = new Command('init')
    .description('Start a federation control plane named NAME (API server and controllers) and add context NAME to the kubeconfig.')
    .argument('<name>', 'federation name (also the kubeconfig context)')
    .option('--kubeconfig <file>', 'kubeconfig to add the context to')
    .option('--host-cluster-context <ctx>', 'context of the cluster hosting the control plane (recorded; the control plane runs on this machine)')
    .option('--dns-zone-name <zone>', 'DNS zone for cross-cluster service discovery, e.g. example.com.')
    .option('--dns-ttl <seconds>', 'TTL of the federated service DNS records (default 5)', positive('--dns-ttl'))
    .option('--dns-provider <name>', 'accepted for compatibility with kubefed v1 (the federation serves its own DNS)')
    .option('--state-dir <dir>', 'directory of the federation state (default .kubefed/NAME)')
    .option('--port <port>', 'API port (0 picks a free one)', parsePort, 0)
    .option('--bind-address <addr>', 'address the API listens on', '127.0.0.1')
    .option('--tls-san <host...>', "extra DNS names or IPs for the serving certificate (e.g. a load balancer's in front of several replicas)")
    .option('--adopt-resources <mode>', 'Enabled: take over objects that already exist in members; Disabled: report AlreadyExists', 'Enabled')
    .option('--cluster-health-check-period-seconds <s>', 'time between health probes of a member (default 10)', positive('--cluster-health-check-period-seconds'))
    .option('--cluster-health-check-timeout-seconds <s>', 'timeout of one probe (default 3)', positive('--cluster-health-check-timeout-seconds'))
    .option('--cluster-health-check-failure-threshold <n>', 'failed probes before a cluster is NotReady/Offline (default 3)', positive('--cluster-health-check-failure-threshold'))
    .option('--cluster-health-check-success-threshold <n>', 'successful probes before it is Ready again (default 1)', positive('--cluster-health-check-success-threshold'))
    .option('--failover-toleration-seconds <s>', 'how long a workload tolerates its cluster NotReady or unreachable before its replicas are planned elsewhere (default 30)', nonNegative('--failover-toleration-seconds'))
    .option('--failover-settle-seconds <s>', 'how long a recovered cluster must stay Ready before it gets new replicas (default 30)', nonNegative('--failover-settle-seconds'))
    .option('--replicas-not-ready-after-seconds <s>', "replicas not ready this long lower their cluster's capacity (default 60)", positive('--replicas-not-ready-after-seconds'))
    .option('--unschedulable-after-seconds <s>', "pods unschedulable this long lower their cluster's capacity (default 30)", positive('--unschedulable-after-seconds'))
    .option('--eviction-freeze-fraction <f>', 'with this share of clusters unhealthy at once, nothing is evicted (default 0.5)', fraction('--eviction-freeze-fraction'))
    .option('--sync-workers <n>', 'objects propagated at once (default 32)', positive('--sync-workers'))
    .option('--edge-address <host:port>', 'also run the global ingress edge: HTTP here, HTTPS on the same host at 443 (as "kubefed edge" does on its own)', listenAddress)
    .option('--edge-admin-address <host:port>', "the edge's metrics, health and /split", listenAddress, listenAddress('127.0.0.1:9180'))
    .option('--dns-address <host:port>', 'also run the DNS server for --dns-zone-name, UDP and TCP (as "kubefed dns" does on its own)', listenAddress)
    .option('--make-current', 'make context NAME the kubeconfig\'s current context')
    .option('--foreground', 'run in this process instead of the background')
    .option('--replicas <n>', 'control-plane replicas to run here (each its own API server on --port, --port+1, ...; needs --storage etcd)', positive('--replicas'), 1)
    .option('--replica-id <id>', 'run one more replica of the federation in --state-dir (a copy of its PKI) with this id; needs --storage etcd')
    .option('--leader-elect-lease-duration <d>', "how long a standby waits after the leader's last renewal before taking over (default 15s)", duration('--leader-elect-lease-duration'))
    .option('--leader-elect-renew-deadline <d>', 'a leader that could not renew for this long stops acting (default 10s)', duration('--leader-elect-renew-deadline'))
    .option('--leader-elect-retry-period <d>', 'how often candidates try to acquire or renew (default 2s)', duration('--leader-elect-retry-period'))
    .option('-v, --verbose', 'log what the controllers do');
  return addStorageOptions(cmd).action((name: string, o: InitOptions, cmd: Command) => init(name, o, cmd));
}

export function stopCommandDef(): Command {
  return new Command('stop')
    .description('Stop the federation control plane started by "kubefed init NAME", every replica of it (its state is kept; init starts it again).')
    .argument('<name>', 'federation name')
    .option('--state-dir <dir>', 'directory of the federation state (default .kubefed/NAME)')
    .option('--replica-id <id>', 'stop only this replica (the others take over its leases)')
    .action(stopCommand);
}
