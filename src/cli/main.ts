/** The `kubefed` (alias `kubefedctl`) command line. */
import { Command } from 'commander';
import { apiserverCommand } from './commands/apiserver.js';
import { initCommand, stopCommandDef } from './commands/init.js';
import { controllerManagerCommand } from './commands/controller-manager.js';
import { joinCommand, unjoinCommand } from './commands/join.js';
import { playgroundCommand } from './commands/playground.js';
import { dnsCommand } from './commands/dns.js';
import { edgeCommand } from './commands/edge.js';
import { disableCommand, enableCommand } from './commands/enable.js';
import { federateCommand } from './commands/federate.js';
import { orphaningDeletionCommand } from './commands/orphaning-deletion.js';
import { placementCommand } from './commands/placement.js';
import { cordonCommands, taintCommand } from './commands/taint.js';
import { dashboardCommand } from './commands/dashboard.js';

const program = new Command();
program
  .name('kubefed')
  .description('Kubernetes Cluster Federation: one control plane in front of many clusters.')
  .version('0.1.0')
  .showHelpAfterError()
  // Global options go before the subcommand; subcommands may repeat them after it.
  .enablePositionalOptions()
  .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
  .option('--context <name>', 'kubeconfig context of the federation (default: the current context)');

program.addCommand(apiserverCommand());
program.addCommand(initCommand());
program.addCommand(stopCommandDef());
program.addCommand(controllerManagerCommand());
program.addCommand(playgroundCommand());
program.addCommand(enableCommand());
program.addCommand(disableCommand());
program.addCommand(federateCommand());
program.addCommand(orphaningDeletionCommand());
program.addCommand(placementCommand());
program.addCommand(taintCommand());
for (const c of cordonCommands()) program.addCommand(c);
program.addCommand(edgeCommand());
program.addCommand(dnsCommand());
program.addCommand(dashboardCommand());
program.addCommand(joinCommand());
program.addCommand(unjoinCommand());

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
