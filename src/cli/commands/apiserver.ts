/** `kubefed apiserver`: runs a Kubernetes-compatible API server on embedded storage. */
import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { ApiServer } from '../../apiserver/server.js';
import { mergeKubeconfig } from '../../kubeconfig.js';

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

export function apiserverCommand(): Command {
  return new Command('apiserver')
    .description('Serve the Kubernetes API over HTTPS, storing state in an embedded SQLite database.')
    .option('--data-dir <dir>', 'directory for durable state (created if missing)', '.kubefed/apiserver')
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, 6443)
    .option('--bind-address <addr>', 'address to listen on', '127.0.0.1')
    .option('--write-kubeconfig <file>', 'write or merge an admin kubeconfig for this server into FILE')
    .option('--context-name <name>', 'context (and cluster and user) name in the kubeconfig', 'federation')
    .option('--token-auth-file <file>', 'static bearer tokens (CSV: token,user,uid,"group1,group2")')
    .option('--tls-san <host...>', 'extra DNS names or IPs for the serving certificate')
    .option('--storage-sync <mode>', 'full (fsync every commit) or normal (survives process crashes only)', 'full')
    .action(async (o: { dataDir: string; port: number; bindAddress: string; writeKubeconfig?: string; contextName: string; tokenAuthFile?: string; tlsSan?: string[]; storageSync: string }) => {
      if (o.storageSync !== 'full' && o.storageSync !== 'normal') throw new InvalidArgumentError('--storage-sync must be full or normal');
      const server = await ApiServer.start({
        dataDir: resolve(o.dataDir),
        port: o.port,
        bindAddress: o.bindAddress,
        ...(o.tokenAuthFile ? { tokenFile: resolve(o.tokenAuthFile) } : {}),
        ...(o.tlsSan ? { hosts: o.tlsSan } : {}),
        storageSync: o.storageSync,
      });
      if (o.writeKubeconfig) {
        mergeKubeconfig(resolve(o.writeKubeconfig), [server.kubeconfigEntry(o.contextName)], { makeCurrent: true });
        process.stdout.write(`Wrote context "${o.contextName}" to ${o.writeKubeconfig}\n`);
      }
      process.stdout.write(`Kubernetes API at ${server.url}\n`);
      if (o.writeKubeconfig) process.stdout.write(`Try: kubectl --kubeconfig ${o.writeKubeconfig} --context ${o.contextName} get namespaces\n`);
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}
