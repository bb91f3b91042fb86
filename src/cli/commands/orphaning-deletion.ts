/**
 * `kubefed orphaning-deletion enable|disable|status TYPE NAME`: the kubefed.io/orphan
 * annotation, which leaves member copies in place when the federation object is deleted.
 */
import { Command } from 'commander';
import { isOrphaning } from '../../federation/propagation/intent.js';
import { orphanTarget, setOrphaning } from '../../federation/propagation/orphaning.js';
import { objectRef } from '../../federation/typeconfig/type-resolution.js';
import { contextNamespace, say, withClient, withTarget } from '../federation-command.js';

type Action = 'enable' | 'disable' | 'status';

export function orphaningDeletionCommand(): Command {
  const c = new Command('orphaning-deletion').description('Whether deleting a federated object leaves its copies in the member clusters (annotation kubefed.io/orphan)');
  const verbs: [Action, string][] = [
    ['enable', 'keep member copies when the object is deleted'],
    ['disable', 'delete member copies with the object (the default)'],
    ['status', 'print Enabled or Disabled'],
  ];
  for (const [verb, what] of verbs) {
    withTarget(c.command(verb))
      .description(what)
      .argument('<type>', 'a Federated<Kind> (federateddeployments, FederatedDeployment) or its target type (deployments.apps)')
      .argument('<name>', 'the object')
      .option('-n, --namespace <ns>', 'namespace of the object')
      .action(async (type: string, name: string, o: { namespace?: string }, cmd: Command) => {
        await withClient(cmd, async (client) => {
          const target = await orphanTarget(client, type, name, o.namespace ?? contextNamespace(client));
          if (verb === 'status') {
            say(isOrphaning(target.obj) ? 'Enabled' : 'Disabled');
            return;
          }
          const ref = objectRef(target.kind, target.group, name);
          const changed = await setOrphaning(client, target, verb === 'enable', 'kubefed');
          say(changed ? `${ref}: orphaning deletion ${verb}d` : `${ref}: orphaning deletion already ${verb}d`);
        });
      });
  }
  return c;
}
