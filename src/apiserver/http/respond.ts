/** Writing responses: JSON (or YAML on request), Status errors, and Warning headers. */
import type { ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import { StatusError, type Status } from '../errors.js';

export interface AcceptedType {
  mediaType: string;
  params: Record<string, string>;
}

/** Parses an Accept header into media types with parameters, in order. */
export function parseAccept(header: string | undefined): AcceptedType[] {
  if (!header) return [{ mediaType: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [mt, ...ps] = part.split(';').map((x) => x.trim());
    const params: Record<string, string> = {};
    for (const p of ps) {
      const i = p.indexOf('=');
      if (i > 0) params[p.slice(0, i).trim()] = p.slice(i + 1).trim();
    }
    return { mediaType: (mt ?? '').toLowerCase(), params };
  });
}

export type ResponseFormat = 'json' | 'yaml';

/** The serialization for a response; protobuf-only clients get JSON refused (406) by the caller. */
export function responseFormat(accept: AcceptedType[]): ResponseFormat | undefined {
  for (const a of accept) {
    if (a.mediaType === 'application/json' || a.mediaType === '*/*' || a.mediaType === 'application/*') return 'json';
    if (a.mediaType === 'application/yaml') return 'yaml';
  }
  return undefined;
}

/** The Table version requested (`as=Table;g=meta.k8s.io;v=v1`), if any. */
export function wantsTable(accept: AcceptedType[]): 'v1' | 'v1beta1' | undefined {
  for (const a of accept) {
    if (a.params.as === 'Table' && (a.params.g ?? 'meta.k8s.io') === 'meta.k8s.io') {
      if (a.params.v === 'v1' || a.params.v === undefined) return 'v1';
      if (a.params.v === 'v1beta1') return 'v1beta1';
    }
    if (a.mediaType === 'application/json' && !a.params.as) return undefined;
  }
  return undefined;
}

export function setWarnings(res: ServerResponse, warnings: string[]): void {
  if (warnings.length === 0 || res.headersSent) return;
  res.setHeader(
    'Warning',
    [...new Set(warnings)].map((w) => `299 - ${JSON.stringify(w.replace(/[\r\n]+/g, ' '))}`),
  );
}

export function writeJsonText(res: ServerResponse, code: number, json: string, contentType = 'application/json'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = Buffer.from(json + '\n', 'utf8');
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': body.length, 'Cache-Control': 'no-cache, private' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export function writeObject(res: ServerResponse, code: number, obj: unknown, format: ResponseFormat = 'json'): void {
  if (format === 'yaml') {
    if (res.headersSent) return void res.end();
    const body = Buffer.from(toYaml(obj), 'utf8');
    res.writeHead(code, { 'Content-Type': 'application/yaml', 'Content-Length': body.length });
    res.end(body);
    return;
  }
  writeJsonText(res, code, JSON.stringify(obj));
}

export function writeStatus(res: ServerResponse, err: StatusError): void {
  const status: Status = err.toStatus();
  if (err.details?.retryAfterSeconds && !res.headersSent) res.setHeader('Retry-After', String(err.details.retryAfterSeconds));
  writeJsonText(res, err.code, JSON.stringify(status));
}
