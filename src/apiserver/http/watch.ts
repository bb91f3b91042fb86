/**
 * Watch streams: newline-delimited JSON events over a chunked response, as kube-apiserver
 * sends them. Replays from a resourceVersion (410 as an ERROR event when too old), synthetic
 * ADDED events for "from now" watches, selector transitions (an object that stops matching is
 * DELETED for this watcher), bookmarks, timeouts, and dropping watchers that fall behind.
 */
import type { ServerResponse } from 'node:http';
import type { KObject } from '../../apis/object.js';
import { listPrefix, objectKey } from '../../storage/object-store.js';
import { TooOldError, type CacheEvent, type CachedObject } from '../../storage/watch-cache.js';
import { tooOldResourceVersion } from '../errors.js';
import type { ResourceType, ServedVersion } from '../registry/types.js';
import type { Api } from '../rest/context.js';
import { fromStorage } from '../rest/prepare.js';
import { buildFilter, parseResourceVersion, type ObjectFilter } from '../rest/read.js';
import { buildTable, printerFor, type IncludeObject } from '../printers/table.js';

export interface WatchParams {
  namespace: string;
  /** Watch of a single object (deprecated /watch/.../name form or fieldSelector metadata.name). */
  name?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutSeconds?: number;
  table?: { version: string; include: IncludeObject };
}

export interface WatchSettings {
  bookmarkIntervalMs: number;
  /** A watcher with more than this many unsent bytes is disconnected (it will re-watch). */
  maxBufferedBytes: number;
}

const DEFAULT_SETTINGS: WatchSettings = { bookmarkIntervalMs: 60_000, maxBufferedBytes: 16 * 1024 * 1024 };

export function serveWatch(
  api: Api,
  type: ResourceType,
  version: ServedVersion,
  params: WatchParams,
  res: ServerResponse,
  settings: WatchSettings = DEFAULT_SETTINGS,
): void {
  const filter: ObjectFilter = buildFilter(type, params);
  const fromRv = parseResourceVersion(params.resourceVersion);
  const cache = api.store.cache;
  const prefix = params.name ? objectKey(type, params.namespace, params.name) : listPrefix(type, params.namespace);
  const converted = !!version.fromStorage;
  const printer = params.table ? printerFor(type, version) : undefined;
  let columnsSent = false;

  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();

  let closed = false;
  let stop: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];
  const close = () => {
    if (closed) return;
    closed = true;
    stop?.();
    for (const t of timers) clearTimeout(t);
    res.end();
  };
  res.on('close', close);

  let lastRv = cache.currentRevision();
  const serializeObject = (o: CachedObject): string => {
    if (printer) {
      const obj = converted ? fromStorage(version, o.clone()) : o.obj;
      const table = buildTable(printer, [obj], {
        include: params.table!.include,
        tableVersion: params.table!.version,
        withColumns: !columnsSent,
        listMeta: { resourceVersion: String(o.revision) },
      });
      columnsSent = true;
      return JSON.stringify(table);
    }
    return converted ? JSON.stringify(fromStorage(version, o.clone())) : o.json;
  };
  const write = (chunk: string): void => {
    if (closed) return;
    res.write(chunk);
    if (res.writableLength > settings.maxBufferedBytes) close();
  };
  const send = (type: string, o: CachedObject) => write(`{"type":"${type}","object":${serializeObject(o)}}\n`);
  const sendBookmark = (rv: number, initialEventsEnd = false) => {
    const obj: KObject = {
      kind: type.kind,
      apiVersion: `${type.group ? type.group + '/' : ''}${version.name}`,
      metadata: {
        resourceVersion: String(rv),
        ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
      },
    };
    write(`{"type":"BOOKMARK","object":${JSON.stringify(obj)}}\n`);
  };

  const onEvents = (events: CacheEvent[]) => {
    for (const e of events) {
      lastRv = e.revision;
      const now = e.type !== 'DELETED' && filter.matches(e.object.obj);
      const before = e.prev !== undefined && filter.matches(e.prev.obj);
      if (e.type === 'ADDED') {
        if (now) send('ADDED', e.object);
      } else if (e.type === 'DELETED') {
        if (before || filter.matches(e.object.obj)) send('DELETED', e.object);
      } else if (now && before) send('MODIFIED', e.object);
      else if (now) send('ADDED', e.object);
      else if (before) send('DELETED', e.object);
      if (closed) return;
    }
  };

  try {
    let startRv: number;
    if (fromRv === undefined || fromRv === 0) {
      // "Start at most recent": the current state as synthetic ADDED events, then changes.
      startRv = cache.currentRevision();
      const initial = params.name ? [cache.get(prefix)].filter((x): x is CachedObject => !!x) : cache.list(prefix);
      for (const o of initial) if (filter.matches(o.obj)) send('ADDED', o);
      if (params.sendInitialEvents && params.allowWatchBookmarks) sendBookmark(startRv, true);
    } else {
      startRv = fromRv;
      if (fromRv > cache.currentRevision()) {
        // Kubernetes waits for a future revision; the cache is authoritative here, so start from now.
        startRv = cache.currentRevision();
      }
    }
    lastRv = startRv;
    // A relisting cache ends the watch; the client re-watches (and gets 410 if it is too far behind).
    stop = cache.watch({ prefix, onEvents, onClose: close }, startRv);
  } catch (e) {
    if (e instanceof TooOldError) {
      write(`{"type":"ERROR","object":${JSON.stringify(tooOldResourceVersion(e.requested, e.oldest).toStatus())}}\n`);
      close();
      return;
    }
    close();
    throw e;
  }

  if (params.allowWatchBookmarks) {
    const t = setInterval(() => sendBookmark(Math.max(lastRv, cache.currentRevision())), settings.bookmarkIntervalMs);
    t.unref();
    timers.push(t);
  }
  // As kube-apiserver: 0 (or none) is the server's randomized default; a negative value ends the watch at once.
  const timeout = params.timeoutSeconds || 1800 + Math.floor(Math.random() * 1800);
  const tt = setTimeout(close, timeout * 1000);
  tt.unref();
  timers.push(tt);
}
