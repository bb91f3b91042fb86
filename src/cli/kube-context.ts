/**
 * Which kubeconfig and context a command talks to: `--kubeconfig` / `--context` given before or
 * after the subcommand (the seeds write `kubefed --context=federation join ...`), else
 * $KUBECONFIG (its first file), else ~/.kube/config and its current context.
 */
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Command } from 'commander';
import { KubeClient, type KubeClientOptions } from '../federation/client/kube-client.js';

export interface KubeTarget {
  kubeconfig: string;
  context?: string;
}

export function defaultKubeconfigPath(): string {
  const env = process.env.KUBECONFIG;
  if (env) return env.split(delimiter).find((p) => p) ?? join(homedir(), '.kube', 'config');
  return join(homedir(), '.kube', 'config');
}

/** Options of the command merged with the program's global ones (the command's win). */
export function kubeTarget(cmd: Command): KubeTarget {
  const opts = cmd.optsWithGlobals() as { kubeconfig?: string; context?: string };
  return { kubeconfig: opts.kubeconfig ?? defaultKubeconfigPath(), ...(opts.context ? { context: opts.context } : {}) };
}

export function clientFor(target: KubeTarget, context?: string, opts?: KubeClientOptions): KubeClient {
  return KubeClient.fromKubeconfig(target.kubeconfig, context ?? target.context, opts);
}
