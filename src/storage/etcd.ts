/**
 * Storage on etcd v3, mapped as kube-apiserver maps it (k8s.io/apiserver/pkg/storage/etcd3):
 *
 * - every key of the contract lives at `<prefix><key>` (default prefix `/kubefed`, so objects
 *   are at `/kubefed/registry/<group>/<resource>/<namespace>/<name>`); keys are absolute paths;
 * - the contract's revision is etcd's revision and an object's resourceVersion its key's
 *   mod revision;
 * - create is a transaction "mod revision == 0 then put", update and delete compare the mod
 *   revision that was read (and that the key exists), and the else branch reads the current
 *   value so a conflict reports it;
 * - watches are etcd watches on the prefix from a revision with previous values, resumed
 *   after a broken stream from the last delivered revision (so nothing is lost or repeated);
 *   a compacted start revision ends the watch with `CompactedError` (the watch cache relists);
 * - progress: every watch asks for etcd's periodic progress notifications, and where etcd
 *   orders a requested progress notification after the pending events (3.4.31+, 3.5.13+, 3.6)
 *   it also requests one periodically and right after (re)creating the watch;
 * - compaction as kube-apiserver's compactor: every interval each replica tries a transaction
 *   on `compact_rev_key` comparing the key's version with the compaction "time" it last saw;
 *   the winner writes the revision it saw one interval ago and compacts to it, the others
 *   adopt the new time. So one replica compacts per interval and at least one interval of
 *   history is kept.
 *
 * The etcd3 client gives connections to several endpoints, TLS, retries and the KV,
 * maintenance and raw watch RPCs; the watch loop is ours, because etcd3's own watcher resumes
 * from the response header's revision, which skips events when a catch-up batch is cut short.
 */
import { readFileSync } from 'node:fs';
import { Etcd3, type IKeyValue, type IResponseHeader, type ITxnRequest, type IWatchResponse } from 'etcd3';
import type { Logger } from 'pino';
import {
  CompactedError,
  type KeyValue,
  type RangeResult,
  type StorageBackend,
  type StorageEvent,
  type StorageHealth,
  type WatchOptions,
  type WriteOp,
  type WriteResult,
} from './backend.js';

export const DEFAULT_ETCD_PREFIX = '/kubefed';
/** kube-apiserver's key for coordinating compaction between replicas (outside any prefix, as there). */
export const COMPACT_REV_KEY = 'compact_rev_key';

export interface EtcdBackendOptions {
  /** Client URLs, e.g. `http://127.0.0.1:2379` (all http or all https). */
  endpoints: string[];
  /** Key prefix (default `/kubefed`), without a trailing slash. */
  prefix?: string;
  /** TLS: CA bundle verifying the servers, and a client certificate and key. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** How often to compact (kube-apiserver's --etcd-compaction-interval, default 5 min); 0 disables. */
  compactionIntervalMs?: number;
  /** How often a watch requests a progress notification where etcd supports it safely (default 5 s). */
  progressRequestIntervalMs?: number;
  /** Timeout of the health check (default 2 s, as kube-apiserver's). */
  healthTimeoutMs?: number;
  /** Timeout of one request (default 30 s). */
  requestTimeoutMs?: number;
  logger?: Logger;
}

const PAGE = 500;
const enc = (s: string) => Buffer.from(s, 'utf8');

/** Smallest key greater than every key starting with `prefix` (bytewise, as etcd orders keys). */
export function etcdPrefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** Whether requested progress notifications are ordered after pending events (etcd#15220, fixed in 3.4.31 and 3.5.13). */
export function progressRequestsAreSafe(version: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const [maj, min, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (maj !== 3) return maj > 3;
  if (min === 4) return patch >= 31;
  if (min === 5) return patch >= 13;
  return min > 5;
}

function isCompactedError(e: unknown): boolean {
  return /required revision has been compacted/.test(String((e as Error)?.message ?? e));
}

export class EtcdBackend implements StorageBackend {
  readonly client: Etcd3;
  readonly prefix: string;
  /** etcd's version (from the maintenance status at open). */
  serverVersion = '';
  private revision = 0;
  /** etcd's compaction revision as far as we know (revisions >= it are retained). */
  private etcdCompacted = 0;
  private readonly watches = new Set<EtcdWatch>();
  private compactTimer: NodeJS.Timeout | undefined;
  private compactTime = 0;
  private compactRev = 0;
  private closed = false;
  readonly safeProgressRequests: boolean;

  private constructor(
    readonly opts: EtcdBackendOptions,
    version: string,
    client: Etcd3,
  ) {
    this.client = client;
    this.prefix = (opts.prefix ?? DEFAULT_ETCD_PREFIX).replace(/\/+$/, '');
    this.serverVersion = version;
    this.safeProgressRequests = progressRequestsAreSafe(version);
  }

  /** Connects, checks that etcd answers, and learns its revision and compaction. */
  static async open(opts: EtcdBackendOptions): Promise<EtcdBackend> {
    if (opts.endpoints.length === 0) throw new Error('no etcd endpoints given');
    const tls = opts.caFile || opts.certFile || opts.keyFile;
    if (!!opts.certFile !== !!opts.keyFile) throw new Error('an etcd client certificate needs both a certificate file and a key file');
    const timeout = opts.requestTimeoutMs ?? 30_000;
    const client = new Etcd3({
      hosts: opts.endpoints,
      ...(tls
        ? {
            credentials: {
              rootCertificate: (opts.caFile ? readFileSync(opts.caFile) : undefined) as Buffer,
              ...(opts.keyFile ? { privateKey: readFileSync(opts.keyFile) } : {}),
              ...(opts.certFile ? { certChain: readFileSync(opts.certFile) } : {}),
            },
          }
        : {}),
      dialTimeout: 5_000,
      grpcOptions: {
        'grpc.max_receive_message_length': 256 * 1024 * 1024,
        'grpc.keepalive_time_ms': 30_000,
        'grpc.keepalive_timeout_ms': 10_000,
      },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    });
    try {
      const status = await client.maintenance.status();
      const b = new EtcdBackend(opts, status.version, client);
      b.observe(status.header);
      b.etcdCompacted = await b.probeCompacted();
      b.startCompactor();
      return b;
    } catch (e) {
      client.close();
      throw new Error(`etcd at ${opts.endpoints.join(',')} is not reachable: ${(e as Error).message}`, { cause: e });
    }
  }

  /** Where the contract's key lives in etcd. */
  etcdKey(key: string): Buffer {
    if (!key.startsWith('/')) throw new Error(`storage key "${key}" must start with "/"`);
    return enc(this.prefix + key);
  }

  private keyOf(k: Buffer): string {
    return k.toString('utf8').slice(this.prefix.length);
  }

  private toKv(kv: IKeyValue): KeyValue {
    return { key: this.keyOf(kv.key), value: kv.value.toString('utf8'), createRevision: Number(kv.create_revision), modRevision: Number(kv.mod_revision) };
  }

  /** Records a response's revision. */
  observe(header: IResponseHeader | undefined): number {
    const rev = Number(header?.revision ?? 0);
    if (rev > this.revision) this.revision = rev;
    return rev;
  }

  /** Notes that etcd compacted at `etcdRev` (revisions >= it remain). */
  noteCompacted(etcdRev: number): void {
    if (etcdRev > this.etcdCompacted) this.etcdCompacted = etcdRev;
  }

  currentRevision(): number {
    return this.revision;
  }

  compactedRevision(): number {
    return Math.max(0, this.etcdCompacted - 1);
  }

  /**
   * etcd's compaction revision: the oldest revision a read at a revision still gets (etcd tells
   * only "compacted" for older ones), found by bisection over [1, current].
   */
  private async probeCompacted(): Promise<number> {
    const key = enc(`${this.prefix}\u0000compaction-probe`);
    const readable = async (rev: number) => {
      try {
        await this.client.kv.range({ key, revision: rev, count_only: true });
        return true;
      } catch (e) {
        if (isCompactedError(e)) return false;
        throw e;
      }
    };
    const current = this.observe((await this.client.kv.range({ key, count_only: true })).header);
    if (current <= 1 || (await readable(1))) return 0;
    let lo = 1; // not readable
    let hi = current; // readable: the current revision always is
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (await readable(mid)) hi = mid;
      else lo = mid;
    }
    return hi;
  }

  async range(prefix: string, revision?: number): Promise<RangeResult> {
    const start = enc(this.prefix + prefix);
    const end = etcdPrefixEnd(start);
    const kvs: KeyValue[] = [];
    let at = revision ?? 0;
    let from = start;
    for (;;) {
      let res;
      try {
        res = await this.client.kv.range({ key: from, range_end: end, limit: PAGE, ...(at ? { revision: at } : {}) });
      } catch (e) {
        if (isCompactedError(e)) {
          const compacted = await this.probeCompacted().catch(() => this.etcdCompacted);
          this.noteCompacted(compacted);
          throw new CompactedError(at, this.compactedRevision());
        }
        throw e;
      }
      const headerRev = this.observe(res.header);
      if (!at) at = headerRev;
      for (const kv of res.kvs) kvs.push(this.toKv(kv));
      if (!res.more || res.kvs.length === 0) break;
      from = Buffer.concat([res.kvs[res.kvs.length - 1]!.key, Buffer.from([0])]);
    }
    return { kvs, revision: at };
  }

  async write(op: WriteOp): Promise<WriteResult> {
    if (this.closed) throw new Error('storage is closed');
    const key = this.etcdKey(op.key);
    const exists = { key, target: 'Create' as const, result: 'Greater' as const, create_revision: 0 };
    const readBack = [{ request_range: { key } }];
    let req: ITxnRequest;
    if (op.type === 'create') {
      req = { compare: [{ key, target: 'Mod', result: 'Equal', mod_revision: 0 }], success: [{ request_put: { key, value: enc(op.value) } }], failure: readBack };
    } else if (op.type === 'update') {
      req = {
        compare: [exists, { key, target: 'Mod', result: 'Equal', mod_revision: op.expectedRevision }],
        success: [{ request_put: { key, value: enc(op.value), prev_kv: true } }],
        failure: readBack,
      };
    } else {
      const cas = op.expectedRevision !== undefined ? [{ key, target: 'Mod' as const, result: 'Equal' as const, mod_revision: op.expectedRevision }] : [];
      req = { compare: [exists, ...cas], success: [{ request_delete_range: { key, prev_kv: true } }], failure: readBack };
    }
    const res = await this.client.kv.txn(req);
    const rev = this.observe(res.header);
    if (res.succeeded) {
      if (op.type === 'delete') {
        const prev = this.toKv(res.responses[0]!.response_delete_range.prev_kvs[0]!);
        return { ok: true, revision: rev, kv: { ...prev, modRevision: rev }, prev };
      }
      const prevKv = op.type === 'update' ? res.responses[0]!.response_put.prev_kv : undefined;
      const prev = prevKv ? this.toKv(prevKv) : undefined;
      const kv: KeyValue = { key: op.key, value: op.value, createRevision: prev?.createRevision ?? rev, modRevision: rev };
      return { ok: true, revision: rev, kv, ...(prev ? { prev } : {}) };
    }
    const currentKv = res.responses[0]?.response_range.kvs[0];
    const current = currentKv ? this.toKv(currentKv) : undefined;
    if (op.type === 'create') {
      // The client retries a request whose answer it lost; if that request had committed, the
      // retry finds our own value (objects carry a fresh uid, so no one else writes the same bytes).
      if (current && current.value === op.value && current.createRevision === current.modRevision) return { ok: true, revision: current.modRevision, kv: current };
      return { ok: false, reason: 'exists', ...(current ? { current } : {}) };
    }
    if (!current) return { ok: false, reason: 'not-found' };
    if (op.type === 'update' && current.value === op.value && current.modRevision > op.expectedRevision) {
      return { ok: true, revision: current.modRevision, kv: current };
    }
    return { ok: false, reason: 'conflict', current };
  }

  watch(fromRevision: number, onEvent: (events: StorageEvent[]) => void, opts: WatchOptions = {}): () => void {
    if (this.closed) throw new Error('storage is closed');
    if (fromRevision < this.compactedRevision()) throw new CompactedError(fromRevision, this.compactedRevision());
    const w = new EtcdWatch(this, fromRevision, onEvent, opts, () => this.watches.delete(w));
    this.watches.add(w);
    w.connect();
    return () => w.stop();
  }

  /** Converts an etcd event to the contract's (a delete carries the last value, as in the contract). */
  toEvent(e: IWatchResponse['events'][number]): StorageEvent {
    const revision = Number(e.kv.mod_revision);
    const prev = e.prev_kv ? this.toKv(e.prev_kv) : undefined;
    if (e.type === 'Delete') {
      const last = prev ?? { key: this.keyOf(e.kv.key), value: '{}', createRevision: 0, modRevision: 0 };
      return { type: 'delete', revision, kv: { ...last, modRevision: revision }, ...(prev ? { prev } : {}) };
    }
    return { type: 'put', revision, kv: this.toKv(e.kv), ...(prev ? { prev } : {}) };
  }

  /** Watch range: everything under the prefix. */
  watchRange(): { key: Buffer; range_end: Buffer } {
    const key = enc(`${this.prefix}/`);
    return { key, range_end: etcdPrefixEnd(key) };
  }

  async compact(revision: number): Promise<void> {
    const target = Math.min(revision + 1, this.revision);
    if (target <= this.etcdCompacted) return;
    await this.etcdCompact(target);
  }

  private async etcdCompact(rev: number): Promise<void> {
    try {
      const res = await this.client.kv.compact({ revision: rev, physical: false });
      this.observe(res.header);
    } catch (e) {
      if (!isCompactedError(e)) throw e;
    }
    this.noteCompacted(rev);
  }

  private startCompactor(): void {
    const interval = this.opts.compactionIntervalMs ?? 5 * 60_000;
    if (interval <= 0) return;
    const tick = () => {
      this.compactTimer = undefined;
      void this.compactOnce()
        .catch((e: unknown) => this.opts.logger?.warn({ err: e, endpoints: this.opts.endpoints }, 'etcd compaction failed'))
        .finally(() => {
          if (!this.closed) this.compactTimer = setTimeout(tick, interval).unref();
        });
    };
    this.compactTimer = setTimeout(tick, interval).unref();
  }

  /**
   * One round of kube-apiserver's compactor: whoever moves `compact_rev_key`'s version from
   * the value all replicas last saw compacts to the revision it saw one round ago.
   * Returns whether this replica compacted.
   */
  async compactOnce(): Promise<boolean> {
    const key = enc(COMPACT_REV_KEY);
    const res = await this.client.kv.txn({
      compare: [{ key, target: 'Version', result: 'Equal', version: this.compactTime }],
      success: [{ request_put: { key, value: enc(String(this.compactRev)) } }],
      failure: [{ request_range: { key } }],
    });
    const curRev = this.observe(res.header);
    if (!res.succeeded) {
      const kv = res.responses[0]?.response_range.kvs[0];
      this.compactTime = Number(kv?.version ?? 0);
      // The winner compacts to the revision it wrote (or is about to).
      if (kv) this.noteCompacted(Number(kv.value.toString()));
      this.compactRev = curRev;
      return false;
    }
    this.compactTime++;
    const rev = this.compactRev;
    this.compactRev = curRev;
    // No compaction on the first round: history since it is what the next round keeps.
    if (rev === 0) return false;
    await this.etcdCompact(rev);
    this.opts.logger?.info({ revision: rev }, 'etcd: compacted');
    return true;
  }

  /** kube-apiserver's etcd check: a linearizable read (needs a quorum) within the timeout. */
  async health(): Promise<StorageHealth> {
    try {
      const res = await this.client.kv.range({ key: enc('health') }, { deadline: Date.now() + (this.opts.healthTimeoutMs ?? 2_000) });
      this.observe(res.header);
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: `etcd (${this.opts.endpoints.join(',')}): ${(e as Error).message}` };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.compactTimer) clearTimeout(this.compactTimer);
    for (const w of [...this.watches]) w.stop();
    this.client.close();
  }
}

type WatchStream = Awaited<ReturnType<Etcd3['watchClient']['watch']>>;

/** Ends a watch RPC for good: no more data handled, its cancellation error swallowed. */
function endStream(s: WatchStream): void {
  const call = s as WatchStream & { removeAllListeners(ev: string): void; cancel?(): void };
  call.removeAllListeners('data');
  call.removeAllListeners('end');
  call.on('error', () => {});
  call.end();
  call.cancel?.();
}

/**
 * One contract watch over one etcd watch stream: delivers each revision once, in order,
 * reconnecting (to any endpoint) from the last delivered revision when the stream breaks.
 */
class EtcdWatch {
  private last: number;
  private stream: WatchStream | undefined;
  private stopped = false;
  private backoffMs = 50;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private generation = 0;

  constructor(
    private readonly backend: EtcdBackend,
    fromRevision: number,
    private readonly onEvent: (events: StorageEvent[]) => void,
    private readonly opts: WatchOptions,
    private readonly onStopped: () => void,
  ) {
    this.last = fromRevision;
  }

  connect(): void {
    if (this.stopped) return;
    const gen = ++this.generation;
    this.backend.client.watchClient.watch().then(
      (stream) => {
        if (this.stopped || gen !== this.generation) {
          endStream(stream);
          return;
        }
        this.stream = stream;
        stream.on('data', (r: IWatchResponse) => {
          if (gen === this.generation) this.onResponse(r);
        });
        stream.on('error', (e: Error) => gen === this.generation && this.broken(e));
        stream.on('end', () => gen === this.generation && this.broken(new Error('watch stream ended')));
        stream.write({
          create_request: { ...this.backend.watchRange(), start_revision: this.last + 1, prev_kv: true, progress_notify: true },
        });
      },
      (e: unknown) => gen === this.generation && this.broken(e as Error),
    );
  }

  private requestProgress(): void {
    if (!this.backend.safeProgressRequests || !this.stream || this.stopped) return;
    this.stream.write({ progress_request: {} });
  }

  private onResponse(r: IWatchResponse): void {
    if (this.stopped) return;
    if (r.canceled) {
      const compacted = Number(r.compact_revision);
      if (compacted > 0) {
        this.backend.noteCompacted(compacted);
        this.fail(new CompactedError(this.last, compacted - 1));
      } else {
        this.fail(new Error(`etcd canceled the watch: ${r.cancel_reason || 'no reason given'}`));
      }
      return;
    }
    this.backoffMs = 50;
    const headerRev = this.backend.observe(r.header);
    if (r.created) {
      this.requestProgress();
      if (this.backend.safeProgressRequests && !this.progressTimer) {
        this.progressTimer = setInterval(() => this.requestProgress(), this.backend.opts.progressRequestIntervalMs ?? 5_000).unref();
      }
      return;
    }
    if (r.events.length === 0) {
      // A progress notification: every change up to headerRev has been delivered.
      if (headerRev > this.last) {
        this.last = headerRev;
        this.opts.onProgress?.(headerRev);
      }
      return;
    }
    const events: StorageEvent[] = [];
    for (const e of r.events) {
      const ev = this.backend.toEvent(e);
      if (ev.revision > this.last) events.push(ev);
    }
    if (events.length === 0) return;
    this.last = events[events.length - 1]!.revision;
    this.onEvent(events);
  }

  private broken(e: Error): void {
    if (this.stopped) return;
    this.closeStream();
    if (isCompactedError(e)) {
      this.fail(new CompactedError(this.last, this.backend.compactedRevision()));
      return;
    }
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 2_000);
    this.backend.opts.logger?.debug({ err: e.message, from: this.last, retryInMs: delay }, 'etcd watch broken; resuming');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private fail(e: Error): void {
    this.stop();
    this.opts.onError?.(e);
  }

  private closeStream(): void {
    this.generation++;
    const s = this.stream;
    this.stream = undefined;
    if (s) endStream(s);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.progressTimer) clearInterval(this.progressTimer);
    this.closeStream();
    this.onStopped();
  }
}
