/**
 * `kubefed taint cluster NAME KEY[=VALUE]:EFFECT ... | KEY[:EFFECT]-`, `kubefed cordon NAME` and
 * `kubefed uncordon NAME`: taints on member clusters, as kubectl taints nodes. Workloads tolerate
 * them in their placement (tolerations), else NoSchedule keeps new replicas away and NoExecute
 * moves replicas elsewhere.
 */
import { Command } from 'commander';
import { changeClusterTaints, CORDON, parseTaintArgs } from '../../federation/clusters/cluster-taints.js';
import { say, withClient, withTarget } from '../federation-command.js';

export function taintCommand(): Command {
  return withTarget(new Command('taint'))
    .description('Add or remove taints on a member cluster (kubectl taint syntax), e.g. kubefed taint cluster gce-us-central1-a dedicated=gpu:NoSchedule')
    .argument('<what>', '"cluster" (or "clusters")')
    .argument('<name>', 'the cluster')
    .argument('<taints...>', 'KEY[=VALUE]:EFFECT to add, KEY[:EFFECT]- to remove')
    .option('--overwrite', 'replace the value of a taint that exists')
    .action(async (what: string, name: string, taints: string[], o: { overwrite?: boolean }, cmd: Command) => {
      if (what !== 'cluster' && what !== 'clusters') throw new Error(`kubefed taints clusters: "kubefed taint cluster NAME ...", not "${what}"`);
      const change = parseTaintArgs(taints);
      await withClient(cmd, (client) => changeClusterTaints(client, name, change, !!o.overwrite));
      say(`cluster.core.kubefed.io/${name} tainted`);
    });
}

export function cordonCommands(): Command[] {
  const cordon = withTarget(new Command('cordon'))
    .description('Keep new replicas away from a cluster (taint cluster.kubefed.io/unschedulable:NoSchedule); running ones stay')
    .argument('<name>', 'the cluster')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      await withClient(cmd, (client) => changeClusterTaints(client, name, { add: [CORDON], remove: [] }, true));
      say(`cluster.core.kubefed.io/${name} cordoned`);
    });
  const uncordon = withTarget(new Command('uncordon'))
    .description('Let new replicas go to a cordoned cluster again')
    .argument('<name>', 'the cluster')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      await withClient(cmd, async (client) => {
        try {
          await changeClusterTaints(client, name, { add: [], remove: [{ key: CORDON.key, effect: CORDON.effect }] });
        } catch (e) {
          if (!/not found$/.test((e as Error).message) || /^cluster /.test((e as Error).message)) throw e;
        }
      });
      say(`cluster.core.kubefed.io/${name} uncordoned`);
    });
  return [cordon, uncordon];
}

