/** Chooses and opens the storage backend of an API server: embedded SQLite (default) or etcd. */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { StorageBackend } from './backend.js';
import { DEFAULT_ETCD_PREFIX, EtcdBackend, type EtcdBackendOptions } from './etcd.js';
import { SqliteBackend } from './sqlite.js';

export type StorageConfig =
  | { backend: 'sqlite' }
  | ({ backend: 'etcd' } & Omit<EtcdBackendOptions, 'logger'>);

/**
 * Opens the configured backend: SQLite at `<dataDir>/state.db` with `sync`, or etcd (several
 * API servers may share one etcd; each keeps its own watch cache).
 */
export async function openStorage(config: StorageConfig | undefined, dataDir: string, sync: 'full' | 'normal', logger?: Logger): Promise<StorageBackend> {
  if (!config || config.backend === 'sqlite') return new SqliteBackend(join(dataDir, 'state.db'), { sync });
  const { backend: _, ...etcd } = config;
  return EtcdBackend.open({ ...etcd, ...(logger ? { logger: logger.child({ component: 'etcd' }) } : {}) });
}

/** One line for logs: where the state lives. */
export function describeStorage(config: StorageConfig | undefined, dataDir: string): string {
  if (!config || config.backend === 'sqlite') return `sqlite:${join(dataDir, 'state.db')}`;
  return `etcd:${config.endpoints.join(',')} prefix ${config.prefix ?? DEFAULT_ETCD_PREFIX}`;
}
