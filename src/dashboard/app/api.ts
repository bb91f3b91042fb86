/**
 * The app's only way out: the dashboard server. `k8s()` is the federation API (as the user),
 * `dash()` the server's own requests, and the store follows collections through the server's
 * multiplexed watch stream (one connection, list then watch per collection, live updates
 * without polling).
 */
import { useEffect, useState } from 'preact/hooks';

export interface Cause {
  field?: string;
  message?: string;
  reason?: string;
}

/** A failed request, with the API's Status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason?: string,
    readonly causes: Cause[] = [],
  ) {
    super(message);
  }
  get forbidden(): boolean {
    return this.code === 403;
  }
}

/** "not allowed" for 403s, else the API's message. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.forbidden ? `not allowed: ${e.message}` : e.message;
  return e instanceof Error ? e.message : String(e);
}

async function call<T>(url: string, method: string, body?: unknown, contentType = 'application/json'): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { accept: 'application/json', ...(method !== 'GET' ? { 'x-kubefed-dashboard': '1', 'content-type': contentType } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = { message: text };
  }
  if (!res.ok) throw new ApiError(res.status, json?.message ?? `${res.status} ${res.statusText}`, json?.reason, json?.details?.causes ?? []);
  return json as T;
}

export const k8s = <T = any>(method: string, path: string, body?: unknown, contentType?: string) => call<T>(`/k8s${path}`, method, body, contentType);
export const dash = <T = any>(method: string, path: string, body?: unknown) => call<T>(`/dashboard/api${path}`, method, body);

export interface Status {
  code: number;
  reason?: string;
  message: string;
}

export interface Collection {
  state: 'loading' | 'ok' | 'error';
  items: Map<string, any>;
  error?: Status;
  /** Snapshot sources (the edge, the playground): the latest data. */
  data?: any;
}

const keyOf = (o: any) => `${o?.metadata?.namespace ?? ''}/${o?.metadata?.name ?? ''}`;
const EMPTY: Collection = { state: 'loading', items: new Map() };

/** Collections followed through one stream; views read them and re-render when they change. */
class Store {
  private readonly cols = new Map<string, Collection>();
  private readonly wanted = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private session = '';
  private ready: Promise<void> | undefined;
  private scheduled = false;
  connected = false;

  get(path: string): Collection {
    return this.cols.get(path) ?? EMPTY;
  }

  listen(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  subscribe(paths: string[]): void {
    const fresh = paths.filter((p) => !this.wanted.has(p));
    if (fresh.length === 0) return;
    for (const p of fresh) this.wanted.add(p);
    void this.open().then(() => dash('POST', `/watch/${this.session}`, { subscribe: fresh }).catch((e) => this.fail(fresh, e)));
  }

  private fail(paths: string[], e: unknown): void {
    for (const p of paths) this.cols.set(p, { state: 'error', items: new Map(), error: { code: e instanceof ApiError ? e.code : 0, message: errorText(e) } });
    this.changed();
  }

  private open(): Promise<void> {
    this.ready ??= new Promise<void>((resolve) => {
      // getRandomValues, not randomUUID: the latter exists only in secure contexts (not http://<LAN address>).
      this.session = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
      void fetch(`/dashboard/api/watch?session=${this.session}`)
        .then(async (res) => {
          if (!res.ok || !res.body) throw new Error(`watch stream answered ${res.status}`);
          this.connected = true;
          resolve();
          this.changed();
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          // A list of a large collection is one long line over many chunks: keep the pieces, join once.
          let parts: string[] = [];
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            let start = 0;
            for (let nl = value.indexOf('\n'); nl >= 0; nl = value.indexOf('\n', start)) {
              parts.push(value.slice(start, nl));
              const line = parts.join('');
              parts = [];
              start = nl + 1;
              if (line.trim()) this.apply(JSON.parse(line));
            }
            if (start < value.length) parts.push(value.slice(start));
          }
          throw new Error('watch stream ended');
        })
        .catch(() => {
        // The server went away or restarted: reconnect, and follow everything again.
        this.connected = false;
        this.changed();
        resolve();
        setTimeout(() => {
          this.ready = undefined;
          const all = [...this.wanted];
          this.wanted.clear();
          this.subscribe(all);
        }, 1_000);
      });
    });
    return this.ready;
  }

  private apply(m: { path: string; type: string; list?: { items?: any[] }; object?: any; status?: Status; data?: any }): void {
    let c = this.cols.get(m.path);
    if (m.type === 'SYNC') c = { state: 'ok', items: new Map((m.list?.items ?? []).map((o) => [keyOf(o), o])) };
    else if (m.type === 'SNAPSHOT') c = { state: 'ok', items: new Map(), data: m.data };
    else if (m.type === 'ERROR') c = { state: 'error', items: c?.items ?? new Map(), error: m.status! };
    else if (c) {
      // In place: a burst of events over a large collection costs one update each, and one render.
      if (m.type === 'DELETED') c.items.delete(keyOf(m.object));
      else c.items.set(keyOf(m.object), m.object);
      c = { ...c, state: 'ok' };
    } else return;
    this.cols.set(m.path, c);
    this.changed();
  }

  /** One render per frame however many events came. */
  private changed(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      for (const l of this.listeners) l();
    });
  }
}

export const store = new Store();

/** Follows `paths` and re-renders the component when any collection changes. */
export function useCollections(paths: string[]): Collection[] {
  const [, setTick] = useState(0);
  const key = paths.join('\n');
  useEffect(() => {
    store.subscribe(paths);
    return store.listen(() => setTick((t) => t + 1));
  }, [key]);
  return paths.map((p) => store.get(p));
}

export const itemsOf = (c: Collection): any[] => [...c.items.values()];

// --- what the user may do ---------------------------------------------------------------------

export interface Access {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
  subresource?: string;
  name?: string;
}

const access = new Map<string, Promise<boolean>>();

/** SelfSubjectAccessReview as the user (cached for the page's life). */
export function can(a: Access): Promise<boolean> {
  const key = JSON.stringify(a);
  let p = access.get(key);
  if (!p) {
    p = k8s<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: a },
    }).then(
      (r) => r.status?.allowed === true,
      () => false,
    );
    access.set(key, p);
  }
  return p;
}

/** Whether the user may: undefined until the review answers (actions never show before that). */
export function useAccess(a: Access | undefined): boolean | undefined {
  const [ok, setOk] = useState<boolean>();
  const key = a ? JSON.stringify(a) : '';
  useEffect(() => {
    let live = true;
    setOk(a ? undefined : false);
    if (a) void can(a).then((v) => live && setOk(v));
    return () => {
      live = false;
    };
  }, [key]);
  return ok;
}

export const useCan = (a: Access | undefined): boolean => useAccess(a) === true;

export interface Info {
  context: string;
  user: string;
  server: string;
  contexts: string[];
  playground: boolean;
  edge: string | null;
}

let info: Promise<Info> | undefined;
export function useInfo(): Info | undefined {
  const [v, setV] = useState<Info>();
  useEffect(() => {
    info ??= dash<Info>('GET', '/info');
    void info.then(setV, () => undefined);
  }, []);
  return v;
}
