/**
 * HTTP/1.1 message heads and body framing (RFC 9110, RFC 9112) for the edge's proxy.
 *
 * The edge speaks HTTP/1.1 over raw sockets on both sides rather than through node:http and an
 * HTTP client library: node:http alone spends more CPU per request than nginx spends proxying
 * one, so a proxy built on it cannot reach half of nginx's rate (README.md has the figures).
 * Parsing is strict, because a proxy that reads framing differently from its backends allows
 * request smuggling: a lone CR or LF, control characters, obs-fold, a malformed or conflicting
 * Content-Length, Transfer-Encoding together with Content-Length, Transfer-Encoding in HTTP/1.0
 * and any transfer coding but a single `chunked` are all rejected.
 */

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** How a message's body is delimited. */
export type Framing = 'none' | 'length' | 'chunked' | 'close';

/** tchar (RFC 9110 section 5.6.2). */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;
/** Control characters other than HTAB, CR and LF (CR and LF are checked to come in pairs). */
// eslint-disable-next-line no-control-regex
const CTL = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;
/** Request targets are visible ASCII. */
const BAD_TARGET = /[^\x21-\x7e]/;
const DIGITS = /^[0-9]{1,15}$/;
const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE']);

/** Hop-by-hop fields (RFC 9110 section 7.6.1) plus Proxy-Connection, which a proxy never forwards. */
const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade']);

export class MessageHead {
  /** Request: method and request-target (origin-form; an absolute-form target is reduced to it). */
  method = '';
  target = '';
  /** Response: status code and reason phrase. */
  status = 0;
  reason = '';
  /** The minor HTTP version: 1 (HTTP/1.1) or 0 (HTTP/1.0). */
  minor = 1;
  /**
   * The fields a proxy passes on, as received ("Name: value\r\n" each): everything but the
   * hop-by-hop fields, those the Connection field lists, and those the edge sets itself
   * (X-Forwarded-For, -Proto and -Host in requests, X-Kubefed-Cluster in responses).
   */
  forward = '';
  /** Request: the Host field (as sent, port included), or the authority of an absolute-form target. */
  host = '';
  hasHost = false;
  /** -1 when absent. */
  contentLength = -1;
  chunked = false;
  /** Connection: close, or HTTP/1.0 without Connection: keep-alive. */
  close = false;
  keepAlive = false;
  /** The Upgrade field's value when Connection lists `upgrade`; '' otherwise. */
  upgrade = '';
  expectContinue = false;
  /** Request: an Idempotency-Key field is present. */
  idempotencyKey = false;
  /** Request: X-Forwarded-For, -Proto and -Host as received (several fields joined with ", "). */
  xff = '';
  xfProto = '';
  xfHost = '';
  /** Response: the `timeout` parameter of Keep-Alive in seconds; -1 when absent. */
  keepAliveTimeout = -1;
  /** The head as received, and where its fields start. */
  raw = '';
  fieldsAt = 0;

  /** The value of a field (several fields joined with ","), or undefined. */
  get(name: string): string | undefined {
    let v: string | undefined;
    const s = this.raw;
    let pos = this.fieldsAt;
    while (pos < s.length) {
      let end = s.indexOf('\r\n', pos);
      if (end < 0) end = s.length;
      const colon = s.indexOf(':', pos);
      if (colon - pos === name.length && eqLower(s, pos, name)) {
        const value = trimOws(s, colon + 1, end);
        v = v === undefined ? value : `${v},${value}`;
      }
      pos = end + 2;
    }
    return v;
  }
}

/** s[at, at + lower.length) equals `lower` (lower case) ignoring ASCII case. */
function eqLower(s: string, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = s.charCodeAt(at + i);
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

function trimOws(s: string, from: number, to: number): string {
  let a = from;
  let b = to;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return s.slice(a, b);
}

const tokens = (v: string) => v.toLowerCase().split(',').map((t) => t.trim()).filter((t) => t !== '');

/** What a field does for the edge, by its lower-case name; undefined: nothing, forwarded. */
const enum F {
  Drop = 1,
  Host,
  ContentLength,
  TransferEncoding,
  Connection,
  Upgrade,
  Expect,
  KeepAlive,
  Xff,
  XfProto,
  XfHost,
  IdempotencyKey,
  Cluster,
}

/** Fields by name length then name; the length test rules out nearly every other field at once. */
const SPECIAL: readonly (readonly [string, F][] | undefined)[] = (() => {
  const t: [string, F][][] = [];
  const add = (n: string, f: F) => (t[n.length] ??= []).push([n, f]);
  add('te', F.Drop);
  add('host', F.Host);
  add('content-length', F.ContentLength);
  add('transfer-encoding', F.TransferEncoding);
  add('connection', F.Connection);
  add('proxy-connection', F.Connection);
  add('upgrade', F.Upgrade);
  add('expect', F.Expect);
  add('keep-alive', F.KeepAlive);
  add('x-forwarded-for', F.Xff);
  add('x-forwarded-proto', F.XfProto);
  add('x-forwarded-host', F.XfHost);
  add('idempotency-key', F.IdempotencyKey);
  add('x-kubefed-cluster', F.Cluster);
  return t;
})();

function special(s: string, at: number, len: number): F | 0 {
  const list = SPECIAL[len];
  if (list === undefined) return 0;
  for (const [n, f] of list) if (eqLower(s, at, n)) return f;
  return 0;
}

/**
 * Parses the fields of a head, from `pos` (the start of the first field line) to the end of `s`.
 * Every line must end in CRLF (no lone CR or LF), have a token name, a colon right after it and
 * no obs-fold.
 */
function parseFields(h: MessageHead, s: string, pos: number, isRequest: boolean): void {
  const bad = isRequest ? 400 : 502;
  h.raw = s;
  h.fieldsAt = pos;
  let connection: string[] | undefined;
  let connUpgrade = false;
  let upgrade = '';
  let te: string | undefined;
  let forward = '';
  let keepFrom = pos;
  const n = s.length;
  while (pos < n) {
    const cr = s.indexOf('\r', pos);
    const lf = s.indexOf('\n', pos);
    let end: number;
    if (cr < 0) {
      if (lf >= 0) throw new HttpError(bad, 'bare LF in head');
      end = n;
    } else {
      if (lf !== cr + 1) throw new HttpError(bad, 'bare CR in head');
      end = cr;
    }
    const c0 = s.charCodeAt(pos);
    if (c0 === 32 || c0 === 9) throw new HttpError(bad, 'obsolete line folding');
    const colon = s.indexOf(':', pos);
    if (colon <= pos || colon >= end) throw new HttpError(bad, 'malformed header field');
    for (let i = pos; i < colon; i++) {
      const c = s.charCodeAt(i);
      if (c > 127 || TCHAR[c] === 0) throw new HttpError(bad, 'malformed header field name');
    }
    const f = special(s, pos, colon - pos);
    let drop = false;
    if (f !== 0) {
      const value = trimOws(s, colon + 1, end);
      switch (f) {
        case F.Drop:
          drop = true;
          break;
        case F.Host:
          if (isRequest) {
            if (h.hasHost) throw new HttpError(400, 'more than one Host');
            h.hasHost = true;
            h.host = value;
          }
          break;
        case F.ContentLength: {
          if (!DIGITS.test(value)) throw new HttpError(bad, 'malformed Content-Length');
          const v = Number(value);
          if (h.contentLength !== -1 && h.contentLength !== v) throw new HttpError(bad, 'conflicting Content-Length');
          h.contentLength = v;
          break;
        }
        case F.TransferEncoding:
          te = te === undefined ? value : `${te},${value}`;
          drop = true;
          break;
        case F.Connection:
          drop = true;
          if (value.length === 10 && eqLower(value, 0, 'keep-alive')) h.keepAlive = true;
          else if (value.length === 5 && eqLower(value, 0, 'close')) h.close = true;
          else {
            for (const t of tokens(value)) {
              if (t === 'close') h.close = true;
              else if (t === 'keep-alive') h.keepAlive = true;
              else if (t === 'upgrade') connUpgrade = true;
              else (connection ??= []).push(t);
            }
          }
          break;
        case F.Upgrade:
          upgrade = value;
          drop = true;
          break;
        case F.Expect:
          if (isRequest && value.length === 12 && eqLower(value, 0, '100-continue')) h.expectContinue = true;
          break;
        case F.KeepAlive:
          drop = true;
          if (!isRequest) {
            const m = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i.exec(value);
            if (m) h.keepAliveTimeout = Number(m[1]);
          }
          break;
        case F.Xff:
          if (isRequest) {
            h.xff = h.xff === '' ? value : `${h.xff}, ${value}`;
            drop = true;
          }
          break;
        case F.XfProto:
          if (isRequest) {
            if (h.xfProto === '') h.xfProto = value;
            drop = true;
          }
          break;
        case F.XfHost:
          if (isRequest) {
            if (h.xfHost === '') h.xfHost = value;
            drop = true;
          }
          break;
        case F.IdempotencyKey:
          if (isRequest) h.idempotencyKey = true;
          break;
        case F.Cluster:
          if (!isRequest) drop = true;
          break;
      }
    }
    if (drop) {
      if (pos > keepFrom) forward += s.slice(keepFrom, pos);
      keepFrom = end + 2;
    }
    pos = end + 2;
  }
  if (keepFrom < n) forward += `${s.slice(keepFrom)}\r\n`;
  if (te !== undefined) {
    const codings = tokens(te);
    if (h.minor === 0) throw new HttpError(bad, 'Transfer-Encoding in HTTP/1.0');
    if (codings.length !== 1 || codings[0] !== 'chunked') throw new HttpError(isRequest ? 501 : 502, `unsupported Transfer-Encoding ${te}`);
    if (h.contentLength !== -1) throw new HttpError(bad, 'both Transfer-Encoding and Content-Length');
    h.chunked = true;
  }
  if (h.minor === 0) h.close = h.close || !h.keepAlive;
  if (connUpgrade && upgrade !== '') h.upgrade = upgrade;
  // Fields the Connection field names are hop-by-hop too (rare: rebuild the list without them).
  if (connection !== undefined) {
    const drop = new Set(connection);
    forward = '';
    for (const line of s.slice(h.fieldsAt).split('\r\n')) {
      const name = line.slice(0, line.indexOf(':')).toLowerCase();
      const f = special(name, 0, name.length);
      if (HOP_BY_HOP.has(name) || drop.has(name)) continue;
      if (isRequest ? f === F.Xff || f === F.XfProto || f === F.XfHost : f === F.Cluster) continue;
      forward += `${line}\r\n`;
    }
  }
  h.forward = forward;
}

/**
 * Parses a request head: `s` is everything before the blank line that ends it (latin1).
 * Throws HttpError with the status to answer.
 */
export function parseRequestHead(s: string): MessageHead {
  if (CTL.test(s)) throw new HttpError(400, 'invalid character in head');
  let eol = s.indexOf('\r\n');
  if (eol < 0) eol = s.length;
  const sp1 = s.indexOf(' ');
  const sp2 = s.indexOf(' ', sp1 + 1);
  if (sp1 < 1 || sp2 < 0 || sp2 >= eol) throw new HttpError(400, 'malformed request line');
  const h = new MessageHead();
  h.method = s.slice(0, sp1);
  h.target = s.slice(sp1 + 1, sp2);
  const vlen = eol - sp2 - 1;
  if (vlen === 8 && s.startsWith('HTTP/1.1', sp2 + 1)) h.minor = 1;
  else if (vlen === 8 && s.startsWith('HTTP/1.0', sp2 + 1)) h.minor = 0;
  else if (/^HTTP\/\d\.\d$/.test(s.slice(sp2 + 1, eol))) throw new HttpError(505, 'HTTP version not supported');
  else throw new HttpError(400, 'malformed request line');
  if (!KNOWN_METHODS.has(h.method)) {
    for (let i = 0; i < sp1; i++) {
      const c = s.charCodeAt(i);
      if (c > 127 || TCHAR[c] === 0) throw new HttpError(400, 'malformed method');
    }
  }
  if (h.target === '' || BAD_TARGET.test(h.target)) throw new HttpError(400, 'malformed request target');
  if (h.method === 'CONNECT') throw new HttpError(405, 'CONNECT is not supported');
  if (s.length !== eol && s.charCodeAt(eol + 1) !== 10) throw new HttpError(400, 'bare CR in head');
  parseFields(h, s, Math.min(eol + 2, s.length), true);
  if (h.target.charCodeAt(0) !== 47 /* / */) {
    // absolute-form: the target's authority replaces Host (RFC 9112 section 3.2.2).
    const abs = /^https?:\/\/([^/?#]+)([^#]*)$/i.exec(h.target);
    if (abs) {
      h.host = abs[1]!;
      h.target = abs[2] === '' ? '/' : abs[2]!.startsWith('/') ? abs[2]! : `/${abs[2]}`;
      h.forward = h.forward.replace(/^host:[^\r]*\r\n/gim, '') + `Host: ${h.host}\r\n`;
    } else if (!(h.target === '*' && h.method === 'OPTIONS')) throw new HttpError(400, 'malformed request target');
  } else if (h.minor === 1 && !h.hasHost) throw new HttpError(400, 'missing Host');
  return h;
}

/** Parses a response head (the status line and fields, without the blank line). */
export function parseResponseHead(s: string): MessageHead {
  if (CTL.test(s)) throw new HttpError(502, 'invalid character in response head');
  const h = new MessageHead();
  if (s.startsWith('HTTP/1.1 ')) h.minor = 1;
  else if (s.startsWith('HTTP/1.0 ')) h.minor = 0;
  else throw new HttpError(502, 'malformed status line');
  let eol = s.indexOf('\r\n');
  if (eol < 0) eol = s.length;
  const d0 = s.charCodeAt(9) - 48;
  const d1 = s.charCodeAt(10) - 48;
  const d2 = s.charCodeAt(11) - 48;
  if (!(d0 >= 1 && d0 <= 5 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9) || eol < 12 || (eol > 12 && s.charCodeAt(12) !== 32)) throw new HttpError(502, 'malformed status line');
  h.status = d0 * 100 + d1 * 10 + d2;
  h.reason = eol > 13 ? s.slice(13, eol) : '';
  if (s.length !== eol && s.charCodeAt(eol + 1) !== 10) throw new HttpError(502, 'bare CR in head');
  parseFields(h, s, Math.min(eol + 2, s.length), false);
  return h;
}

/** How long the body of a response to `method` with this head is. */
export function responseFraming(h: MessageHead, method: string): Framing {
  if (method === 'HEAD' || h.status === 204 || h.status === 304 || h.status < 200) return 'none';
  if (h.chunked) return 'chunked';
  if (h.contentLength >= 0) return h.contentLength === 0 ? 'none' : 'length';
  return 'close';
}

/** How long the body of a request with this head is (a request without framing has none). */
export function requestFraming(h: MessageHead): Framing {
  if (h.chunked) return 'chunked';
  return h.contentLength > 0 ? 'length' : 'none';
}

/** Where the head starting at `from` ends (index of its CRLFCRLF), or -1. */
export function findHeadEnd(buf: Buffer, from: number): number {
  return buf.indexOf('\r\n\r\n', from, 'latin1');
}

/** Reads shorter than this are searched for heads as one latin1 string (cheaper than Buffer.indexOf plus a slice). */
const STRING_SEARCH_MAX = 4096;

/**
 * Finds heads in a read: `find(from)` is where the head starting at `from` ends (its CRLFCRLF)
 * or -1; `text(from, end)` is that head as latin1. One object per connection, reset per read.
 */
export class HeadReader {
  private buf: Buffer | null = null;
  private str: string | null = null;

  reset(buf: Buffer): void {
    this.buf = buf;
    this.str = buf.length <= STRING_SEARCH_MAX ? buf.toString('latin1') : null;
  }

  find(from: number): number {
    return this.str !== null ? this.str.indexOf('\r\n\r\n', from) : this.buf!.indexOf('\r\n\r\n', from, 'latin1');
  }

  text(from: number, end: number): string {
    return this.str !== null ? this.str.slice(from, end) : this.buf!.toString('latin1', from, end);
  }

  clear(): void {
    this.buf = null;
    this.str = null;
  }
}

const S_SIZE = 0;
const S_EXT = 1;
const S_SIZE_LF = 2;
const S_DATA = 3;
const S_DATA_CR = 4;
const S_DATA_LF = 5;
const S_TRAILER_START = 6;
const S_TRAILER = 7;
const S_TRAILER_LF = 8;
const S_END_LF = 9;
const S_DONE = 10;
/** Chunk extensions and trailers are bounded: they cost memory and time but carry no payload. */
const MAX_METADATA = 16 * 1024;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Follows a chunked body (RFC 9112 section 7.1) across reads to find where it ends; the bytes
 * themselves are passed on unchanged, or (with `onData`) decoded into their payload.
 */
export class ChunkedScanner {
  private state = S_SIZE;
  private size = 0;
  private digits = 0;
  private metadata = 0;

  get done(): boolean {
    return this.state === S_DONE;
  }

  /**
   * Scans `buf` from `start`. Returns the index just past the body's last byte when the body ends
   * in this buffer, or -1 when all of it belongs to the body and more is to come. `onData`
   * receives the payload ranges. Throws HttpError(400) on malformed framing.
   */
  scan(buf: Buffer, start: number, onData?: (buf: Buffer, from: number, to: number) => void): number {
    let i = start;
    const n = buf.length;
    while (i < n) {
      switch (this.state) {
        case S_DATA: {
          const take = Math.min(this.size, n - i);
          if (onData && take > 0) onData(buf, i, i + take);
          i += take;
          this.size -= take;
          if (this.size === 0) this.state = S_DATA_CR;
          continue;
        }
        case S_SIZE: {
          const c = buf[i]!;
          const v = hexValue(c);
          if (v >= 0) {
            if (++this.digits > 13) throw new HttpError(400, 'chunk too large');
            this.size = this.size * 16 + v;
          } else if (this.digits === 0) throw new HttpError(400, 'malformed chunk size');
          else if (c === 13) this.state = S_SIZE_LF;
          else if (c === 59 /* ; */ || c === 32 || c === 9) this.state = S_EXT;
          else throw new HttpError(400, 'malformed chunk size');
          break;
        }
        case S_EXT: {
          const c = buf[i]!;
          if (c === 13) this.state = S_SIZE_LF;
          else if ((c < 32 && c !== 9) || c === 127) throw new HttpError(400, 'malformed chunk extension');
          else if (++this.metadata > MAX_METADATA) throw new HttpError(400, 'chunk extensions too long');
          break;
        }
        case S_SIZE_LF:
          if (buf[i] !== 10) throw new HttpError(400, 'malformed chunk size line');
          this.digits = 0;
          this.state = this.size === 0 ? S_TRAILER_START : S_DATA;
          break;
        case S_DATA_CR:
          if (buf[i] !== 13) throw new HttpError(400, 'malformed chunk');
          this.state = S_DATA_LF;
          break;
        case S_DATA_LF:
          if (buf[i] !== 10) throw new HttpError(400, 'malformed chunk');
          this.state = S_SIZE;
          break;
        case S_TRAILER_START:
          if (buf[i] !== 13) {
            this.state = S_TRAILER;
            continue;
          }
          this.state = S_END_LF;
          break;
        case S_TRAILER: {
          const c = buf[i]!;
          if (c === 13) this.state = S_TRAILER_LF;
          else if ((c < 32 && c !== 9) || c === 127) throw new HttpError(400, 'malformed trailer');
          else if (++this.metadata > MAX_METADATA) throw new HttpError(400, 'trailers too long');
          break;
        }
        case S_TRAILER_LF:
          if (buf[i] !== 10) throw new HttpError(400, 'malformed trailer');
          this.state = S_TRAILER_START;
          break;
        case S_END_LF:
          if (buf[i] !== 10) throw new HttpError(400, 'malformed chunked body end');
          this.state = S_DONE;
          return i + 1;
        default:
          return i;
      }
      i++;
    }
    return -1;
  }
}

/** Reason phrases of the responses the edge writes itself. */
const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
};

/** A complete short text response, with `extra` fields ("Name: value\r\n" each). */
export function simpleResponse(status: number, body: string, extra: string, close: boolean): string {
  return (
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
    `${extra}${close ? 'connection: close\r\n' : ''}\r\n${body}`
  );
}
