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
