/**
 * `kubefed join NAME` and `kubefed unjoin NAME` (also as `kubefedctl`): register a cluster with
 * the federation, or remove it. The member is reached through the kubeconfig context
 * `--cluster-context` (default NAME) with admin credentials; the federation API is `--context`
 * (before or after the subcommand) if given, else `--host-cluster-context`, else the current
 * context. In KubeFed the host cluster serves the federation API; here the federation is an API
 * of its own, so a `--host-cluster-context` naming a cluster that does not serve it (the seed's
 * `kubefedctl unjoin vulcan --host-cluster-context earth`, earth being a member) gives way to the
 * current context when that one does. kubefedctl's `--v` is accepted and ignored.
 */
import { Command } from 'commander';
import { isNotFound, type KubeClient } from '../../federation/client/kube-client.js';
import { joinCluster, unjoinCluster } from '../../federation/clusters/join.js';
import { CORE_API_VERSION, KUBEFED_NAMESPACE } from '../../federation/crds/federation-crds.js';
import { clientFor, kubeTarget, type KubeTarget } from '../kube-context.js';

interface JoinCliOptions {
  clusterContext?: string;
  hostClusterContext?: string;
  kubefedNamespace: string;
}

function withCommonOptions(cmd: Command): Command {
  return cmd
    .option('--cluster-context <ctx>', 'kubeconfig context of the member cluster, with admin credentials (default: NAME)')
    .option('--host-cluster-context <ctx>', 'kubeconfig context of the federation when --context is not given (one that does not serve the federation API, such as a member\'s, gives way to the current context)')
    .option('--kubefed-namespace <ns>', 'namespace of the federation system', KUBEFED_NAMESPACE)
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context of the federation API')
    .option('--v <level>', 'log verbosity (accepted for kubefedctl compatibility; ignored)');
}

const REQUEST_TIMEOUT_MS = 15_000;

/** Whether the API behind `client` serves the federation's types (undefined: it could not be asked). */
async function servesFederation(client: KubeClient): Promise<boolean | undefined> {
  try {
    await client.request('GET', `/apis/${CORE_API_VERSION}`);
    return true;
  } catch (e) {
    return isNotFound(e) ? false : undefined;
  }
}

/** The federation API's client (see the header for which context it is). */
async function federationClient(target: KubeTarget, o: JoinCliOptions): Promise<KubeClient> {
  const opts = { timeoutMs: REQUEST_TIMEOUT_MS, userAgent: 'kubefedctl' };
  const federation = clientFor(target, target.context ?? o.hostClusterContext, opts);
  if (target.context || !o.hostClusterContext) return federation;
  const current = clientFor(target, undefined, opts);
  const currentName = current.kc.getCurrentContext();
  if (!currentName || currentName === o.hostClusterContext || (await servesFederation(federation)) !== false || !(await servesFederation(current))) {
    current.close();
    return federation;
  }
  federation.close();
  process.stderr.write(`note: context "${o.hostClusterContext}" does not serve the federation API; using the current context "${currentName}"\n`);
  return current;
}

async function clients(cmd: Command, name: string, o: JoinCliOptions, memberRequired: boolean): Promise<{ federation: KubeClient; member?: KubeClient }> {
  const target = kubeTarget(cmd);
  const federation = await federationClient(target, o);
  let member: KubeClient | undefined;
  try {
    member = clientFor(target, o.clusterContext ?? name, { timeoutMs: REQUEST_TIMEOUT_MS, userAgent: 'kubefedctl' });
  } catch (e) {
    if (memberRequired) {
      federation.close();
      throw e;
    }
    process.stderr.write(`warning: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  return { federation, ...(member ? { member } : {}) };
}

export function joinCommand(): Command {
  return withCommonOptions(new Command('join').argument('<name>', 'name of the cluster in the federation').description('Join a cluster to the federation: give the federation its own credentials for the cluster and register it.')).action(
    async (name: string, o: JoinCliOptions, cmd: Command) => {
      const { federation, member } = await clients(cmd, name, o, true);
      try {
        await joinCluster({ federation, member: member!, name, namespace: o.kubefedNamespace });
      } finally {
        federation.close();
        member?.close();
      }
      process.stdout.write(`Cluster "${name}" joined the federation.\n`);
    },
  );
}

export function unjoinCommand(): Command {
  return withCommonOptions(new Command('unjoin').argument('<name>', 'name of the cluster in the federation').description('Remove a cluster from the federation and the federation\'s credentials from the cluster.')).action(
    async (name: string, o: JoinCliOptions, cmd: Command) => {
      let federation: KubeClient | undefined;
      let member: KubeClient | undefined;
      try {
        ({ federation, member } = await clients(cmd, name, o, false));
        const { warnings } = await unjoinCluster({ federation, ...(member ? { member } : {}), name, namespace: o.kubefedNamespace });
        for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      } finally {
        federation?.close();
        member?.close();
      }
      process.stdout.write(`Cluster "${name}" left the federation.\n`);
    },
  );
}
