/**
 * `kubefed join NAME` and `kubefed unjoin NAME` (also as `kubefedctl`): register a cluster with
 * the federation, or remove it. The member is reached through the kubeconfig context
 * `--cluster-context` (default NAME) with admin credentials; the federation API is `--context`
 * (before or after the subcommand) if given, else `--host-cluster-context`, else the current
 * context.
 */
import { Command } from 'commander';
import type { KubeClient } from '../../federation/client/kube-client.js';
import { joinCluster, unjoinCluster } from '../../federation/clusters/join.js';
import { KUBEFED_NAMESPACE } from '../../federation/crds/federation-crds.js';
import { clientFor, kubeTarget } from '../kube-context.js';

interface JoinCliOptions {
  clusterContext?: string;
  hostClusterContext?: string;
  kubefedNamespace: string;
}

function withCommonOptions(cmd: Command): Command {
  return cmd
    .option('--cluster-context <ctx>', 'kubeconfig context of the member cluster, with admin credentials (default: NAME)')
    .option('--host-cluster-context <ctx>', 'kubeconfig context of the federation when --context is not given')
    .option('--kubefed-namespace <ns>', 'namespace of the federation system', KUBEFED_NAMESPACE)
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context of the federation API');
}

const REQUEST_TIMEOUT_MS = 15_000;

function clients(cmd: Command, name: string, o: JoinCliOptions, memberRequired: boolean): { federation: KubeClient; member?: KubeClient } {
  const target = kubeTarget(cmd);
  const federation = clientFor(target, target.context ?? o.hostClusterContext, { timeoutMs: REQUEST_TIMEOUT_MS, userAgent: 'kubefedctl' });
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
      const { federation, member } = clients(cmd, name, o, true);
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
        ({ federation, member } = clients(cmd, name, o, false));
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
