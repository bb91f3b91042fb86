/** `kubefed apiserver`: runs a Kubernetes-compatible API server on embedded SQLite or on etcd. */
import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ApiServer } from '../../apiserver/server.js';
import { mergeKubeconfig } from '../../kubeconfig.js';
import { DEFAULT_ETCD_PREFIX } from '../../storage/etcd.js';
import type { StorageConfig } from '../../storage/open.js';

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

/** The storage flags as commander parsed them (`kubefed apiserver` and `kubefed init`). */
export interface StorageFlags {
  storage: string;
  etcdServers?: string;
  etcdPrefix?: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  storageSync: string;
}

/** Adds kube-apiserver's storage flags (`--etcd-servers`, `--etcd-prefix`, `--etcd-cafile`, ...) and `--storage`. */
export function addStorageOptions(cmd: Command): Command {
  return cmd
    .option('--storage <backend>', 'sqlite (embedded, one process) or etcd (shared by several API server replicas)', 'sqlite')
    .option('--etcd-servers <urls>', 'etcd client URLs, comma-separated (http:// or https://), with --storage etcd')
    .option('--etcd-prefix <prefix>', `key prefix of every object in etcd (default ${DEFAULT_ETCD_PREFIX})`)
    .option('--etcd-cafile <file>', 'CA bundle verifying the etcd servers (https)')
    .option('--etcd-certfile <file>', 'client certificate for etcd (with --etcd-keyfile)')
    .option('--etcd-keyfile <file>', 'client key for etcd (with --etcd-certfile)')
    .option('--storage-sync <mode>', 'SQLite only: full (fsync every commit) or normal (survives process crashes only)', 'full');
}

const ETCD_FLAGS = [
  ['etcdServers', '--etcd-servers'],
  ['etcdPrefix', '--etcd-prefix'],
  ['etcdCafile', '--etcd-cafile'],
  ['etcdCertfile', '--etcd-certfile'],
  ['etcdKeyfile', '--etcd-keyfile'],
] as const;

function readable(flag: string, file: string): string {
  const path = resolve(file);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new InvalidArgumentError(`${flag}: cannot read ${file}`);
  }
  return path;
}

/** The storage the flags ask for; every bad combination is an error naming its flag. */
export function storageFromFlags(o: StorageFlags): StorageConfig {
  if (o.storageSync !== 'full' && o.storageSync !== 'normal') throw new InvalidArgumentError('--storage-sync must be full or normal');
  if (o.storage === 'sqlite') {
    const stray = ETCD_FLAGS.filter(([k]) => o[k] !== undefined).map(([, flag]) => flag);
    if (stray.length) throw new InvalidArgumentError(`${stray.join(', ')} ${stray.length > 1 ? 'apply' : 'applies'} only with --storage etcd`);
    return { backend: 'sqlite' };
  }
  if (o.storage !== 'etcd') throw new InvalidArgumentError(`--storage must be sqlite or etcd, not "${o.storage}"`);
  if (!o.etcdServers) throw new InvalidArgumentError('--storage etcd needs --etcd-servers (etcd client URLs, e.g. http://127.0.0.1:2379)');
  const endpoints = o.etcdServers.split(',').map((u) => u.trim()).filter(Boolean);
  if (endpoints.length === 0) throw new InvalidArgumentError('--etcd-servers: no URL given');
  const schemes = new Set<string>();
  for (const u of endpoints) {
    let url: URL;
    try {
      url = new URL(u);
    } catch {
      throw new InvalidArgumentError(`--etcd-servers: "${u}" is not a URL (e.g. http://127.0.0.1:2379)`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError(`--etcd-servers: "${u}" must be http:// or https://`);
    if (!url.port) throw new InvalidArgumentError(`--etcd-servers: "${u}" has no port (etcd's client port is usually 2379)`);
    schemes.add(url.protocol);
  }
  if (schemes.size > 1) throw new InvalidArgumentError('--etcd-servers: the URLs must be all http:// or all https://');
  const tls = schemes.has('https:');
  if (!tls && (o.etcdCafile || o.etcdCertfile || o.etcdKeyfile)) throw new InvalidArgumentError('--etcd-cafile, --etcd-certfile and --etcd-keyfile need https:// URLs in --etcd-servers');
  if (!!o.etcdCertfile !== !!o.etcdKeyfile) throw new InvalidArgumentError(o.etcdCertfile ? '--etcd-certfile needs --etcd-keyfile' : '--etcd-keyfile needs --etcd-certfile');
  let prefix: string | undefined;
  if (o.etcdPrefix !== undefined) {
    prefix = o.etcdPrefix.replace(/\/+$/, '');
    if (!prefix.startsWith('/')) throw new InvalidArgumentError(`--etcd-prefix must start with "/" (e.g. ${DEFAULT_ETCD_PREFIX}), not "${o.etcdPrefix}"`);
  }
  return {
    backend: 'etcd',
    endpoints,
    ...(prefix !== undefined ? { prefix } : {}),
    ...(o.etcdCafile ? { caFile: readable('--etcd-cafile', o.etcdCafile) } : {}),
    ...(o.etcdCertfile ? { certFile: readable('--etcd-certfile', o.etcdCertfile) } : {}),
    ...(o.etcdKeyfile ? { keyFile: readable('--etcd-keyfile', o.etcdKeyfile) } : {}),
  };
}

export function apiserverCommand(): Command {
  const cmd = new Command('apiserver')
    .description('Serve the Kubernetes API over HTTPS, storing state in an embedded SQLite database or in etcd.')
    .option('--data-dir <dir>', 'directory for durable state (created if missing)', '.kubefed/apiserver')
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, 6443)
    .option('--bind-address <addr>', 'address to listen on', '127.0.0.1')
    .option('--write-kubeconfig <file>', 'write or merge an admin kubeconfig for this server into FILE')
    .option('--context-name <name>', 'context (and cluster and user) name in the kubeconfig', 'federation')
    .option('--token-auth-file <file>', 'static bearer tokens (CSV: token,user,uid,"group1,group2")')
    .option('--tls-san <host...>', 'extra DNS names or IPs for the serving certificate');
  return addStorageOptions(cmd)
    .action(async (o: StorageFlags & { dataDir: string; port: number; bindAddress: string; writeKubeconfig?: string; contextName: string; tokenAuthFile?: string; tlsSan?: string[] }) => {
      const storage = storageFromFlags(o);
      const server = await ApiServer.start({
        dataDir: resolve(o.dataDir),
        port: o.port,
        bindAddress: o.bindAddress,
        ...(o.tokenAuthFile ? { tokenFile: resolve(o.tokenAuthFile) } : {}),
        ...(o.tlsSan ? { hosts: o.tlsSan } : {}),
        storageSync: o.storageSync as 'full' | 'normal',
        storage,
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
