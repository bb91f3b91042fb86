/**
 * `kubefed init NAME`: starts the federation control plane (API server and controllers) and adds
 * context NAME to the kubeconfig. By default it runs in the background and returns once the API
 * serves, as the seeds expect; `--foreground` keeps it in this process. `kubefed stop NAME` stops it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import { ControlPlane } from '../../federation/controlplane.js';
import { mergeKubeconfig } from '../../kubeconfig.js';
import { isAlive } from '../../playground/control.js';
import { kubeTarget } from '../kube-context.js';
import { parsePort } from './apiserver.js';

const PID_FILE = 'controlplane.json';

interface RunningInfo {
  pid: number;
  url: string;
  name: string;
}

export const defaultStateDir = (name: string) => join('.kubefed', name);

function readRunning(stateDir: string): RunningInfo | undefined {
  const f = join(stateDir, PID_FILE);
  if (!existsSync(f)) return undefined;
  const info = JSON.parse(readFileSync(f, 'utf8')) as RunningInfo;
  return isAlive(info.pid) ? info : undefined;
}

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

interface InitOptions {
  hostClusterContext?: string;
  dnsZoneName?: string;
  dnsTtl?: number;
  dnsProvider?: string;
  stateDir?: string;
  port: number;
  bindAddress: string;
  foreground?: boolean;
  adoptResources: string;
  clusterHealthCheckPeriodSeconds?: number;
  clusterHealthCheckTimeoutSeconds?: number;
  clusterHealthCheckFailureThreshold?: number;
  clusterHealthCheckSuccessThreshold?: number;
  failoverTolerationSeconds?: number;
  failoverSettleSeconds?: number;
  replicasNotReadyAfterSeconds?: number;
  unschedulableAfterSeconds?: number;
  evictionFreezeFraction?: number;
  storageSync: string;
  syncWorkers?: number;
  makeCurrent?: boolean;
  verbose?: boolean;
}

async function serve(name: string, o: InitOptions, kubeconfig: string, stateDir: string): Promise<void> {
  const logger = pino({ level: o.verbose ? 'info' : process.env.KUBEFED_LOG_LEVEL ?? 'warn' }, pino.destination(2));
  const secs = (v?: number) => (v === undefined ? undefined : Math.round(v * 1000));
  const health = {
    probePeriodMs: secs(o.clusterHealthCheckPeriodSeconds),
    probeTimeoutMs: secs(o.clusterHealthCheckTimeoutSeconds),
    failureThreshold: o.clusterHealthCheckFailureThreshold,
    successThreshold: o.clusterHealthCheckSuccessThreshold,
  };
  const cp = await ControlPlane.start({
    dataDir: stateDir,
    port: o.port,
    bindAddress: o.bindAddress,
    storageSync: o.storageSync as 'full' | 'normal',
    logger,
    adoptResources: o.adoptResources === 'Enabled',
    ...(o.syncWorkers ? { workers: o.syncWorkers } : {}),
    clusterHealth: Object.fromEntries(Object.entries(health).filter(([, v]) => v !== undefined)),
    ...(o.unschedulableAfterSeconds !== undefined ? { unschedulableAfterMs: secs(o.unschedulableAfterSeconds)! } : {}),
    scheduling: Object.fromEntries(
      Object.entries({
        defaultTolerationSeconds: o.failoverTolerationSeconds,
        settleMs: secs(o.failoverSettleSeconds),
        notReadyAfterMs: secs(o.replicasNotReadyAfterSeconds),
        freezeFraction: o.evictionFreezeFraction,
      }).filter(([, v]) => v !== undefined),
    ),
    ...(o.dnsZoneName ? { dnsZoneName: o.dnsZoneName } : {}),
    federationName: name,
    ...(o.dnsTtl ? { dnsTtl: o.dnsTtl } : {}),
    ...(o.hostClusterContext ? { hostClusterContext: o.hostClusterContext } : {}),
  });
  mergeKubeconfig(kubeconfig, [cp.kubeconfigEntry(name)], { makeCurrent: !!o.makeCurrent });
  writeFileSync(join(stateDir, PID_FILE), JSON.stringify({ pid: process.pid, url: cp.url, name } satisfies RunningInfo));
  process.stdout.write(`Federation "${name}" serving at ${cp.url}; context "${name}" written to ${kubeconfig}\n`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await cp.close();
    rmSync(join(stateDir, PID_FILE), { force: true });
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

async function init(name: string, o: InitOptions, cmd: Command): Promise<void> {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new Error(`federation name "${name}" must be a DNS label (lowercase letters, digits and '-')`);
  if (o.adoptResources !== 'Enabled' && o.adoptResources !== 'Disabled') throw new InvalidArgumentError('--adopt-resources must be Enabled or Disabled');
  if (o.storageSync !== 'full' && o.storageSync !== 'normal') throw new InvalidArgumentError('--storage-sync must be full or normal');
  const { kubeconfig } = kubeTarget(cmd);
  const stateDir = resolve(o.stateDir ?? defaultStateDir(name));
  mkdirSync(stateDir, { recursive: true });
  const running = readRunning(stateDir);
  if (running) throw new Error(`federation "${running.name}" is already running from ${stateDir} (pid ${running.pid}, ${running.url}); stop it with "kubefed stop ${running.name}"`);
  if (o.foreground) return serve(name, o, resolve(kubeconfig), stateDir);

  const logFile = join(stateDir, 'controlplane.log');
  const out = openSync(logFile, 'a');
  const args = [...process.argv.slice(2), '--foreground', '--kubeconfig', resolve(kubeconfig), '--state-dir', stateDir];
  const child = spawn(process.execPath, [process.argv[1]!, ...args], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the control plane exited (code ${child.exitCode}); see ${logFile}`);
    const info = readRunning(stateDir);
    if (info && info.pid === child.pid) {
      process.stdout.write(
        [
          `Federation "${name}" is running at ${info.url} (pid ${info.pid}, log ${logFile}).`,
          `Context "${name}" added to ${kubeconfig}. Next:`,
          `  kubefed --context=${name} join CLUSTER --cluster-context=CLUSTER_CONTEXT`,
          `  kubectl --context=${name} get clusters`,
          '',
        ].join('\n'),
      );
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the control plane did not come up within 120 s; see ${logFile}`);
}

async function stopCommand(name: string, o: { stateDir?: string }): Promise<void> {
  const stateDir = resolve(o.stateDir ?? defaultStateDir(name));
  const info = readRunning(stateDir);
  if (!info) {
    process.stdout.write(`No federation is running from ${stateDir}.\n`);
    return;
  }
  process.kill(info.pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (isAlive(info.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(info.pid)) process.kill(info.pid, 'SIGKILL');
  process.stdout.write(`Federation "${info.name}" stopped (state kept in ${stateDir}).\n`);
}

export function initCommand(): Command {
  return new Command('init')
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
    .option('--storage-sync <mode>', 'full (fsync every commit) or normal (survives process crashes only)', 'full')
    .option('--sync-workers <n>', 'objects propagated at once (default 32)', positive('--sync-workers'))
    .option('--make-current', 'make context NAME the kubeconfig\'s current context')
    .option('--foreground', 'run in this process instead of the background')
    .option('-v, --verbose', 'log what the controllers do')
    .action((name: string, o: InitOptions, cmd: Command) => init(name, o, cmd));
}

export function stopCommandDef(): Command {
  return new Command('stop')
    .description('Stop the federation control plane started by "kubefed init NAME" (its state is kept; init starts it again).')
    .argument('<name>', 'federation name')
    .option('--state-dir <dir>', 'directory of the federation state (default .kubefed/NAME)')
    .action(stopCommand);
}
