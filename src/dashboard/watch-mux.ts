/**
 * Watches multiplexed onto one stream per browser: a browser holds at most six HTTP/1.1
 * connections to a host, and the dashboard follows a few dozen collections. A session runs, for
 * each collection path the page subscribes to, the Kubernetes list-then-watch loop against the
 * API with the user's own credentials (so RBAC decides what comes back), and writes each outcome
 * as one JSON line:
 *
 *   {"path":P,"type":"SYNC","resourceVersion":"12","list":{...}}    the API's List as it came (again after a 410)
 *   {"path":P,"type":"ADDED"|"MODIFIED"|"DELETED","object":{...}}   a watch event
 *   {"path":P,"type":"ERROR","status":{kind:"Status",code:403,...}} the list was refused (retried later)
 *   {"path":P,"type":"SNAPSHOT","data":...}                         a non-Kubernetes source (the edge, the playground)
 *
 * A user RBAC lets list but not watch a collection gets it listed again every 10 s instead.
 *
 * Non-Kubernetes sources (`extra`) have no watch API: the session asks them every `everyMs`
 * while subscribed and writes a snapshot only when it changed.
 */
import type { KubeClient } from '../federation/client/kube-client.js';

export type MuxMessage =
  | { path: string; type: 'SYNC'; list: { items?: unknown[] }; resourceVersion?: string }
  | { path: string; type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: unknown }
  | { path: string; type: 'ERROR'; status: KubeStatus }
  | { path: string; type: 'SNAPSHOT'; data: unknown };

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  status: 'Failure';
  code: number;
  reason?: string;
  message: string;
  details?: unknown;
}

/** A source the session polls (it has no watch API); `path` names it in messages. */
export interface PolledSource {
  everyMs: number;
  read(signal: AbortSignal): Promise<unknown>;
}

/** A Status for errors that did not come from the API (network, parse). */
export function statusOf(code: number, message: string, reason?: string): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, ...(reason ? { reason } : {}), message };
}

/** A collection path the browser may ask for: an API list path with optional selectors only. */
export function validWatchPath(path: string): boolean {
  const [p, q] = path.split('?', 2) as [string, string | undefined];
  if (!/^\/(api\/v1|apis\/[a-z0-9.-]+\/[a-z0-9]+)(\/namespaces\/[a-z0-9-]+)?\/[a-z0-9.-]+$/.test(p)) return false;
  if (q === undefined) return true;
  return [...new URLSearchParams(q).keys()].every((k) => k === 'labelSelector' || k === 'fieldSelector');
}

const RETRY_MAX_MS = 10_000;
const WATCH_SECONDS = 240;

export class WatchSession {
  private readonly subs = new Map<string, AbortController>();
  private closed = false;

  private readonly write: (m: MuxMessage) => void;

  constructor(
    private readonly client: KubeClient,
    /** Writes one line (a JSON message) to the stream. */
    private readonly writeLine: (line: string) => void,
    private readonly extra: (path: string) => PolledSource | undefined = () => undefined,
  ) {
    this.write = (m) => writeLine(JSON.stringify(m));
  }

  get paths(): string[] {
    return [...this.subs.keys()];
  }

  /** Starts following `path` (idempotent). Throws for a path that is neither a collection nor a known source. */
  subscribe(path: string): void {
    if (this.closed || this.subs.has(path)) return;
    const polled = this.extra(path);
    if (!polled && !validWatchPath(path)) throw new Error(`not a collection path: ${path}`);
    const ac = new AbortController();
    this.subs.set(path, ac);
    void (polled ? this.poll(path, polled, ac.signal) : this.follow(path, ac.signal));
  }

  unsubscribe(path: string): void {
    this.subs.get(path)?.abort();
    this.subs.delete(path);
  }

  close(): void {
    this.closed = true;
    for (const ac of this.subs.values()) ac.abort();
    this.subs.clear();
  }

  private async poll(path: string, src: PolledSource, signal: AbortSignal): Promise<void> {
    let last = '';
    while (!signal.aborted) {
      let data: unknown;
      try {
        data = await src.read(AbortSignal.any([signal, AbortSignal.timeout(Math.max(2_000, src.everyMs))]));
      } catch (e) {
        data = { error: e instanceof Error ? e.message : String(e) };
      }
      const text = JSON.stringify(data);
      if (!signal.aborted && text !== last) {
        last = text;
        this.write({ path, type: 'SNAPSHOT', data });
      }
      await sleep(src.everyMs, signal);
    }
  }

  /** List, then watch from the list's resourceVersion; relist after 410 Gone; retry with backoff. */
  private async follow(path: string, signal: AbortSignal): Promise<void> {
    const sep = path.includes('?') ? '&' : '?';
    let backoff = 250;
    while (!signal.aborted) {
      let rv: string | undefined;
      try {
        const res = await this.client.stream({ method: 'GET', path, signal });
        const body = await res.body.text();
        if (res.statusCode >= 400) {
          let json: any;
          try {
            json = JSON.parse(body);
          } catch {
            json = undefined;
          }
          this.write({ path, type: 'ERROR', status: json?.kind === 'Status' ? json : statusOf(res.statusCode, body.slice(0, 500)) });
          await sleep(res.statusCode === 403 || res.statusCode === 404 ? RETRY_MAX_MS : backoff, signal);
          backoff = Math.min(backoff * 2, RETRY_MAX_MS);
          continue;
        }
        rv = listVersion(body);
        if (rv !== undefined && !body.includes('\n')) {
          // The List passed on as the API wrote it: a large collection is not parsed and written again here.
          this.writeLine(`{"path":${JSON.stringify(path)},"type":"SYNC","resourceVersion":${JSON.stringify(rv)},"list":${body}}`);
        } else {
          const list = JSON.parse(body || '{}') as { metadata?: { resourceVersion?: string }; items?: unknown[] };
          rv = list.metadata?.resourceVersion;
          this.write({ path, type: 'SYNC', list, ...(rv ? { resourceVersion: rv } : {}) });
        }
        backoff = 250;
      } catch (e) {
        if (signal.aborted) return;
        this.write({ path, type: 'ERROR', status: statusOf(503, `the federation API cannot be reached: ${(e as Error).message}`, 'ServiceUnavailable') });
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, RETRY_MAX_MS);
        continue;
      }
      // Watch until the API says the version is too old (relist) or the session ends.
      while (!signal.aborted && rv !== undefined) {
        try {
          rv = await this.watchOnce(path + sep + `watch=1&allowWatchBookmarks=true&timeoutSeconds=${WATCH_SECONDS}&resourceVersion=${encodeURIComponent(rv)}`, path, rv, signal);
          backoff = 250;
        } catch (e) {
          if (e instanceof WatchForbidden) {
            // RBAC lets this user list but not watch: the collection is listed again now and then instead.
            await sleep(RETRY_MAX_MS, signal);
            break;
          }
          if (signal.aborted) return;
          await sleep(backoff, signal);
          backoff = Math.min(backoff * 2, RETRY_MAX_MS);
        }
      }
    }
  }

  /** One watch request; resolves with the last resourceVersion seen, or undefined when a relist is needed. */
  private async watchOnce(url: string, path: string, rv: string, signal: AbortSignal): Promise<string | undefined> {
    const res = await this.client.stream({ method: 'GET', path: url, signal });
    if (res.statusCode >= 400) {
      await res.body.dump();
      if (res.statusCode === 410) return undefined;
      if (res.statusCode === 403) throw new WatchForbidden();
      throw new Error(`watch answered ${res.statusCode}`);
    }
    let buf = '';
    for await (const chunk of res.body) {
      buf += (chunk as Buffer).toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const ev = JSON.parse(line) as { type: string; object: any };
        if (ev.type === 'ERROR') {
          if (ev.object?.code === 410) return undefined;
          throw new Error(ev.object?.message ?? 'watch error');
        }
        rv = ev.object?.metadata?.resourceVersion ?? rv;
        if (ev.type === 'BOOKMARK') continue;
        this.write({ path, type: ev.type as 'ADDED', object: ev.object });
      }
    }
    return rv;
  }
}

/**
 * The List's resourceVersion read from its text without parsing it all: in the part before
 * "items" (the list's own metadata comes first); undefined when it is not found there.
 */
export function listVersion(body: string): string | undefined {
  const items = body.indexOf('"items":');
  const head = items < 0 ? body.slice(0, 4096) : body.slice(0, items);
  const m = /"metadata":\{[^{}]*?"resourceVersion":"([^"\\]*)"/.exec(head);
  return m?.[1];
}

class WatchForbidden extends Error {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
