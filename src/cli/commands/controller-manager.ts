/**
 * `kubefed controller-manager`: the federation controllers in host-cluster mode (KubeFed's model)
 * against an existing Kubernetes API server: the kubeconfig context given (`--kubeconfig`,
 * `--context`), or, inside a pod with neither, the in-cluster configuration. The process installs
 * the federation's CRDs if missing, serves the federation's admission checks as webhooks and
 * registers them, serves /metrics and probes, and runs the controllers under leader election
 * (several replicas share the work). See docs/deployment.md.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Command, InvalidArgumentError, type Option } from 'commander';
import pino from 'pino';
import { ControllerManager } from '../../federation/controller-manager.js';
import { WEBHOOK_CERT_SECRET } from '../../federation/webhooks.js';
import { kubeTarget } from '../kube-context.js';
import type { ListenAddress } from '../../dns/server.js';
import { listenAddress } from './edge.js';
import { initCommand } from './init.js';
import { controllerOptionsFromFlags, type ControllerFlags } from '../controller-flags.js';

/** The controllers' tuning flags, defined once by `kubefed init` and taken from there. */
const SHARED_FLAGS = [
  '--adopt-resources',
  '--cluster-health-check-period-seconds',
  '--cluster-health-check-timeout-seconds',
  '--cluster-health-check-failure-threshold',
  '--cluster-health-check-success-threshold',
  '--failover-toleration-seconds',
  '--failover-settle-seconds',
  '--replicas-not-ready-after-seconds',
  '--unschedulable-after-seconds',
  '--eviction-freeze-fraction',
  '--sync-workers',
  '--dns-zone-name',
  '--dns-ttl',
  '--leader-elect-lease-duration',
  '--leader-elect-renew-deadline',
  '--leader-elect-retry-period',
];

interface ManagerFlags extends ControllerFlags {
  webhookAddress: ListenAddress;
  webhookUrl?: string;
  webhookService?: { namespace: string; name: string; port?: number };
  webhookCertDir?: string;
  webhookCertSecret: string;
  webhookFailurePolicy: string;
  webhookTimeoutSeconds: number;
  metricsAddress: ListenAddress;
  leaderElect: boolean;
  propagatePlainObjects?: boolean;
  verbose?: boolean;
}

function webhookService(v: string): { namespace: string; name: string; port?: number } {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)(?::(\d{1,5}))?$/.exec(v);
  const port = m?.[5] ? Number(m[5]) : undefined;
  if (!m || (port !== undefined && (port < 1 || port > 65535))) throw new InvalidArgumentError(`--webhook-service must be NAMESPACE/NAME[:PORT] (e.g. kube-federation-system/kubefed-controller-manager:443), not "${v}"`);
  return { namespace: m[1]!, name: m[3]!, ...(port ? { port } : {}) };
}

function webhookUrl(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new InvalidArgumentError(`--webhook-url must be an https:// URL, not "${v}"`);
  }
  if (u.protocol !== 'https:') throw new InvalidArgumentError(`--webhook-url must be an https:// URL (the API server calls webhooks over TLS), not "${v}"`);
  if (u.search || u.hash || u.username) throw new InvalidArgumentError('--webhook-url takes scheme, host, port and path only');
  return v.replace(/\/$/, '');
}

function timeoutSeconds(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 30) throw new InvalidArgumentError('--webhook-timeout-seconds must be a whole number from 1 to 30 (the API server\'s limit)');
  return n;
}

function bool(flag: string) {
  return (v: string) => {
    if (v === 'true') return true;
    if (v === 'false') return false;
    throw new InvalidArgumentError(`${flag} must be true or false`);
  };
}

/** The host cluster's API: the kubeconfig context given, or in a pod without one the in-cluster configuration. */
function hostKubeConfig(cmd: Command): KubeConfig {
  const opts = cmd.optsWithGlobals() as { kubeconfig?: string; context?: string };
  const kc = new KubeConfig();
  if (!opts.kubeconfig && !opts.context && !process.env.KUBECONFIG && process.env.KUBERNETES_SERVICE_HOST) {
    kc.loadFromCluster();
    return kc;
  }
  const target = kubeTarget(cmd);
  try {
    kc.loadFromFile(target.kubeconfig);
  } catch (e) {
    throw new InvalidArgumentError(`--kubeconfig: cannot read ${target.kubeconfig}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (target.context) {
    if (!kc.getContextObject(target.context)) throw new InvalidArgumentError(`--context: context "${target.context}" is not in ${target.kubeconfig}`);
    kc.setCurrentContext(target.context);
  }
  if (!kc.getCurrentCluster()) throw new InvalidArgumentError(`--context: ${target.kubeconfig} has no current context; name the host cluster's with --context`);
  return kc;
}

async function run(o: ManagerFlags, cmd: Command): Promise<void> {
  if (o.webhookUrl && o.webhookService) throw new InvalidArgumentError('--webhook-url and --webhook-service are exclusive: the API server reaches the webhooks at one of them');
  if (o.webhookFailurePolicy !== 'Fail' && o.webhookFailurePolicy !== 'Ignore') throw new InvalidArgumentError('--webhook-failure-policy must be Fail or Ignore');
  const controllers = controllerOptionsFromFlags(o);
  const kubeConfig = hostKubeConfig(cmd);
  const logger = pino({ level: o.verbose ? 'info' : process.env.KUBEFED_LOG_LEVEL ?? 'info' }, pino.destination(2));
  const cm = await ControllerManager.start({
    ...controllers,
    logger,
    kubeConfig,
    plainTemplates: !!o.propagatePlainObjects,
    leaderElection: { ...controllers.leaderElection, enabled: o.leaderElect },
    webhook: {
      host: o.webhookAddress.host,
      port: o.webhookAddress.port,
      ...(o.webhookUrl ? { url: o.webhookUrl } : {}),
      ...(o.webhookService ? { service: o.webhookService } : {}),
      ...(o.webhookCertDir ? { certDir: o.webhookCertDir } : { certSecret: o.webhookCertSecret }),
      failurePolicy: o.webhookFailurePolicy,
      timeoutSeconds: o.webhookTimeoutSeconds,
    },
    metrics: { host: o.metricsAddress.host, port: o.metricsAddress.port },
  });
  const leading = cm.controllers.leading;
  process.stdout.write(
    `Controller manager running against ${kubeConfig.getCurrentCluster()?.server}: webhooks at ${cm.webhookUrl}, metrics at ${cm.metricsUrl}/metrics (${leading.propagation ? 'leading' : 'standby'})\n`,
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await cm.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

export function controllerManagerCommand(): Command {
  const cmd = new Command('controller-manager')
    .description('Run the federation controllers against an existing Kubernetes cluster (host-cluster mode): CRDs, admission webhooks, metrics, leader election.')
    .option('--kubeconfig <file>', 'kubeconfig of the host cluster (default: $KUBECONFIG, ~/.kube/config, or in a pod the in-cluster configuration)')
    .option('--context <name>', 'kubeconfig context of the host cluster (default: the current context)')
    .option('--webhook-address <host:port>', 'where the admission webhooks listen (port 0 picks a free one)', listenAddress, listenAddress('0.0.0.0:9443'))
    .option('--webhook-url <url>', 'how the API server reaches the webhooks (default https://HOST:PORT of --webhook-address)', webhookUrl)
    .option('--webhook-service <ns/name[:port]>', 'the Service in front of the webhooks, in-cluster (e.g. kube-federation-system/kubefed-controller-manager:443)', webhookService)
    .option('--webhook-cert-dir <dir>', 'tls.crt, tls.key and ca.crt of the webhooks (default: a CA and certificate kept in --webhook-cert-secret)')
    .option('--webhook-cert-secret <name>', 'Secret in kube-federation-system holding the webhooks\' CA and certificate (created by the first replica)', WEBHOOK_CERT_SECRET)
    .option('--webhook-failure-policy <policy>', 'failurePolicy of the webhook configurations this process creates: Fail or Ignore', 'Fail')
    .option('--webhook-timeout-seconds <s>', 'timeoutSeconds of the webhook configurations this process creates (1-30)', timeoutSeconds, 10)
    .option('--metrics-address <host:port>', '/metrics (bearer token allowed to get /metrics) and /healthz, /readyz over HTTPS (port 0 picks a free one)', listenAddress, listenAddress('0.0.0.0:8443'))
    .option('--leader-elect <bool>', 'elect a leader among replicas before the controllers act (false: this process always leads)', bool('--leader-elect'), true)
    .option('--propagate-plain-objects', "treat plain objects of federated types as templates (Federation v1 style); off by default since they are the host cluster's own")
    .option('-v, --verbose', 'log what the controllers do');
  const init = initCommand();
  for (const flag of SHARED_FLAGS) {
    const opt = init.options.find((x: Option) => x.long === flag);
    if (!opt) throw new Error(`kubefed init has no ${flag}`);
    cmd.addOption(opt);
  }
  return cmd.action((o: ManagerFlags, c: Command) => run(o, c));
}
