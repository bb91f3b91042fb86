/** Reading and merging kubeconfig files (the format kubectl and client libraries read). */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, stringify } from 'yaml';

export interface KubeconfigEntry {
  /** Used for the context, cluster and user names. */
  name: string;
  server: string;
  caPem: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
  namespace?: string;
}

interface Named<T> {
  name: string;
  [k: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

interface Kubeconfig {
  apiVersion: string;
  kind: string;
  clusters: Named<Record<string, unknown>>[];
  users: Named<Record<string, unknown>>[];
  contexts: Named<Record<string, unknown>>[];
  'current-context'?: string;
  preferences?: Record<string, unknown>;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

export function readKubeconfig(file: string): Kubeconfig {
  const empty: Kubeconfig = { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [], preferences: {} };
  if (!existsSync(file)) return empty;
  const parsed = (parse(readFileSync(file, 'utf8')) ?? {}) as Partial<Kubeconfig>;
  return { ...empty, ...parsed, clusters: parsed.clusters ?? [], users: parsed.users ?? [], contexts: parsed.contexts ?? [] };
}

function upsert<T extends { name: string }>(list: T[], item: T): void {
  const i = list.findIndex((x) => x.name === item.name);
  if (i >= 0) list[i] = item;
  else list.push(item);
}

/** Adds or replaces entries; sets current-context to the first entry if `makeCurrent` or none is set. */
export function mergeKubeconfig(file: string, entries: KubeconfigEntry[], opts: { makeCurrent?: boolean } = {}): void {
  const cfg = readKubeconfig(file);
  for (const e of entries) {
    upsert(cfg.clusters, { name: e.name, cluster: { server: e.server, 'certificate-authority-data': b64(e.caPem) } });
    const user: Record<string, unknown> = {};
    if (e.clientCertPem) user['client-certificate-data'] = b64(e.clientCertPem);
    if (e.clientKeyPem) user['client-key-data'] = b64(e.clientKeyPem);
    if (e.token) user.token = e.token;
    upsert(cfg.users, { name: e.name, user });
    upsert(cfg.contexts, { name: e.name, context: { cluster: e.name, user: e.name, ...(e.namespace ? { namespace: e.namespace } : {}) } });
  }
  if (entries[0] && (opts.makeCurrent || !cfg['current-context'])) cfg['current-context'] = entries[0].name;
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, stringify(cfg), { mode: 0o600 });
  renameSync(tmp, file);
}

export function removeFromKubeconfig(file: string, names: string[]): void {
  if (!existsSync(file)) return;
  const cfg = readKubeconfig(file);
  const drop = new Set(names);
  cfg.clusters = cfg.clusters.filter((c) => !drop.has(c.name));
  cfg.users = cfg.users.filter((c) => !drop.has(c.name));
  cfg.contexts = cfg.contexts.filter((c) => !drop.has(c.name));
  if (cfg['current-context'] && drop.has(cfg['current-context'])) delete cfg['current-context'];
  writeFileSync(file, stringify(cfg), { mode: 0o600 });
}
