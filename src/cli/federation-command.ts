/**
 * What the commands that act on a federation share: --kubeconfig/--context after the
 * subcommand too (kubefedctl's style), --kubefed-namespace, and a client closed when done.
 */
import { Command } from 'commander';
import type { KubeClient } from '../federation/client/kube-client.js';
import { KUBEFED_NAMESPACE } from '../federation/crds/federation-crds.js';
import { clientFor, kubeTarget } from './kube-context.js';

export const say = (line: string) => process.stdout.write(`${line}\n`);
export const warn = (line: string) => process.stderr.write(`${line}\n`);

/** --kubeconfig/--context also after the subcommand (the program's global ones apply before it). */
export const withTarget = (c: Command) =>
  c
    .option('--kubeconfig <file>', 'kubeconfig file')
    .option('--context <name>', 'kubeconfig context of the federation')
    .option('--v <level>', 'log verbosity (accepted for kubefedctl compatibility; ignored)');

export const withKubefedNamespace = (c: Command) => c.option('--kubefed-namespace <ns>', 'namespace of the federation control plane', KUBEFED_NAMESPACE);

export async function withClient<T>(cmd: Command, fn: (client: KubeClient) => Promise<T>): Promise<T> {
  const client = clientFor(kubeTarget(cmd), undefined, { userAgent: 'kubefed' });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** The namespace of the kubeconfig's current context, else "default" (as kubectl). */
export function contextNamespace(client: KubeClient): string {
  return client.kc.getContextObject(client.kc.getCurrentContext())?.namespace || 'default';
}
