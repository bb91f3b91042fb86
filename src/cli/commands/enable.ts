/**
 * `kubefed enable TYPE` / `kubefed disable TYPE [--delete-crd]`: a FederatedTypeConfig and the
 * Federated<Kind> CRD for a type the federation API serves. TYPE is a plural, singular or short
 * name or a Kind, optionally qualified by group (`deployments.apps`, `Deployment.apps`).
 */
import { Command } from 'commander';
import { disableType, enableType } from '../../federation/typeconfig/enablement.js';
import { resolveFederatableType } from '../../federation/typeconfig/type-resolution.js';
import { say, withClient, withKubefedNamespace, withTarget } from '../federation-command.js';

export function enableCommand(): Command {
  return withKubefedNamespace(withTarget(new Command('enable')))
    .description('Enable federation of a type: create its FederatedTypeConfig and Federated<Kind> CRD (TYPE: plural, plural.group, Kind or Kind.group)')
    .argument('<type>', 'the type, e.g. deployments.apps, ConfigMap or crontabs.stable.example.com')
    .action(async (type: string, o: { kubefedNamespace: string }, cmd: Command) => {
      await withClient(cmd, async (client) => enableType(client, await resolveFederatableType(client, type), o.kubefedNamespace, say));
    });
}

export function disableCommand(): Command {
  return withKubefedNamespace(withTarget(new Command('disable')))
    .description('Disable propagation of a federated type (or remove it with --delete-crd)')
    .argument('<type>', 'the type, as given to "kubefed enable"')
    .option('--delete-crd', 'delete the FederatedTypeConfig and the Federated<Kind> CRD (and with it every Federated<Kind> object)')
    .action(async (type: string, o: { deleteCrd?: boolean; kubefedNamespace: string }, cmd: Command) => {
      await withClient(cmd, (client) => disableType(client, type, o, say));
    });
}
