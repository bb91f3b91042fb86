/**
 * `kubefed federate TYPE NAME [--contents] [--enable-type] [-o yaml]`: a Federated<Kind> made
 * from an object at the federation (for a Namespace, optionally everything in it).
 */
import { Command } from 'commander';
import { stringify } from 'yaml';
import { federateObject } from '../../federation/propagation/federate.js';
import { contextNamespace, say, warn, withClient, withKubefedNamespace, withTarget } from '../federation-command.js';

interface FederateFlags {
  namespace?: string;
  contents?: boolean;
  enableType?: boolean;
  output?: string;
  kubefedNamespace: string;
}

export function federateCommand(): Command {
  return withKubefedNamespace(withTarget(new Command('federate')))
    .description('Create a Federated<Kind> from an object at the federation, placed in every cluster')
    .argument('<type>', 'the type of the object, e.g. configmaps or Namespace')
    .argument('<name>', 'the object')
    .option('-n, --namespace <ns>', 'namespace of the object (default: the context\'s, else "default")')
    .option('--contents', 'for a namespace: also federate every object of every enabled namespaced type in it')
    .option('--enable-type', 'enable federation of the type first if it is not')
    .option('-o, --output <format>', 'print the objects (yaml) instead of creating them')
    .action(async (type: string, name: string, o: FederateFlags, cmd: Command) => {
      if (o.output !== undefined && o.output !== 'yaml') throw new Error(`unsupported output format "${o.output}": only yaml`);
      await withClient(cmd, async (client) => {
        const docs = await federateObject(
          client,
          type,
          name,
          { namespace: o.namespace ?? contextNamespace(client), kubefedNamespace: o.kubefedNamespace, ...(o.contents ? { contents: true } : {}), ...(o.enableType ? { enableType: true } : {}), ...(o.output ? { dryRun: true } : {}) },
          say,
          warn,
        );
        if (o.output) process.stdout.write(docs.map((d) => stringify(d)).join('---\n'));
      });
    });
}
