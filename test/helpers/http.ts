/** Raw HTTPS requests to a test server, for what clients never send (malformed bodies, odd headers). */
import { request } from 'node:https';
import type { TestServer } from './apiserver.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any;
}

export interface RawRequest {
  method?: string;
  path: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** 'admin' (client certificate, default), 'anonymous', or a bearer token. */
  as?: 'admin' | 'anonymous' | { token: string };
}

export function raw(t: TestServer, r: RawRequest): Promise<RawResponse> {
  const url = new URL(r.path, t.url);
  const creds = r.as === undefined || r.as === 'admin' ? { cert: t.server.adminCredentials.certPem, key: t.server.adminCredentials.keyPem } : {};
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  if (typeof r.as === 'object') headers.authorization = `Bearer ${r.as.token}`;
  if (r.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  // Node's client sends GET/DELETE bodies unframed unless the length is given.
  if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
  return new Promise((resolve, reject) => {
    const req = request(
      { method: r.method ?? 'GET', hostname: url.hostname, port: url.port, path: url.pathname + url.search, ca: t.server.caPem, headers, ...creds },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (r.body !== undefined) req.end(r.body);
    else req.end();
  });
}

/** An open streaming response (a watch): its newline-delimited JSON events as they arrive. */
export interface EventStream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  events: any[];
  ended: Promise<void>;
  close(): void;
  /** Stop reading from the socket (a stalled client). */
  pause(): void;
}

/** GET `path` as admin (or with a token) and keep reading it; resolves once the response headers are in. */
export function openStream(t: TestServer, path: string, as?: { token: string }): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, t.url);
    const events: any[] = [];
    let buf = '';
    let endResolve!: () => void;
    const ended = new Promise<void>((r) => (endResolve = r));
    const creds = as ? { headers: { authorization: `Bearer ${as.token}` } } : { cert: t.server.adminCredentials.certPem, key: t.server.adminCredentials.keyPem };
    const req = request({ hostname: url.hostname, port: url.port, path: url.pathname + url.search, ca: t.server.caPem, agent: false, ...creds }, (res) => {
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)));
          buf = buf.slice(i + 1);
        }
      });
      res.on('end', endResolve);
      res.on('close', endResolve);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, events, ended, close: () => req.destroy(), pause: () => res.pause() });
    });
    req.on('error', (e) => {
      endResolve();
      reject(e);
    });
    req.end();
  });
}
