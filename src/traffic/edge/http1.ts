/**
 * HTTP/1.1 message heads and body framing (RFC 9110, RFC 9112) for the edge's proxy.
 *
 * The edge speaks HTTP/1.1 over raw sockets on both sides rather than through node:http and an
 * HTTP client library: node:http alone spends more CPU per request than nginx spends proxying
 * one, so a proxy built on it cannot reach half of nginx's rate (docs/edge.md has the figures).
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

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Control characters other than HTAB, and a CR or LF that is not part of a CRLF. */
// eslint-disable-next-line no-control-regex
const BAD_HEAD = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)|(?<!\r)\n/;
/** Request targets are visible ASCII. */
const BAD_TARGET = /[^\x21-\x7e]/;
const DIGITS = /^[0-9]{1,15}$/;

/**
 * Hop-by-hop fields (RFC 9110 section 7.6.1), which a proxy never forwards, plus
 * Proxy-Connection (a non-standard alias of Connection).
 */
const HOP_BY_HOP: ReadonlySet<string> = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade']);

export class MessageHead {
  /** Request: method and request-target as received. */
  method = '';
  target = '';
  /** Response: status code and reason phrase. */
  status = 0;
  reason = '';
  /** The minor HTTP version: 1 (HTTP/1.1) or 0 (HTTP/1.0). */
  minor = 1;
  /** Field names (lower case) and values (trimmed), in order. */
  readonly names: string[] = [];
  readonly values: string[] = [];
  /**
   * The fields a proxy passes on, as received ("Name: value\r\n" each): everything but the
   * hop-by-hop fields, those the Connection field lists, and the `skip` fields of the parse.
   */
  forward = '';
  /** Request: the Host field (as sent, port included), or the authority of an absolute-form target. */
  host = '';
  /** -1 when absent. */
  contentLength = -1;
  chunked = false;
  /** Connection: close, or HTTP/1.0 without Connection: keep-alive. */
  close = false;
  keepAlive = false;
  /** The Upgrade field's value when Connection lists `upgrade`; '' otherwise. */
  upgrade = '';
  expectContinue = false;
  /** Request: X-Forwarded-For, -Proto and -Host as received (several fields joined with ", "). */
  xff = '';
  xfProto = '';
  xfHost = '';
  /** Response: the `timeout` parameter of Keep-Alive in seconds; -1 when absent. */
  keepAliveTimeout = -1;

  /** The value of a field (several fields joined with ","), or undefined. */
  get(name: string): string | undefined {
    let v: string | undefined;
    for (let i = 0; i < this.names.length; i++) if (this.names[i] === name) v = v === undefined ? this.values[i] : `${v},${this.values[i]}`;
    return v;
  }
}

function trimOws(s: string, from: number): string {
  let a = from;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 32 || s.charCodeAt(a) === 9)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 32 || s.charCodeAt(b - 1) === 9)) b--;
  return s.slice(a, b);
}

const tokens = (v: string) => v.toLowerCase().split(',').map((t) => t.trim()).filter((t) => t !== '');

/**
 * Parses the fields of a head (the lines after the start line). `skip` names fields the caller
 * re-creates itself and so leaves out of `forward`.
 */
function parseFields(h: MessageHead, lines: string[], isRequest: boolean, skip: ReadonlySet<string>): void {
  let connection: string[] | undefined;
  let connUpgrade = false;
  let upgrade = '';
  let te: string | undefined;
  let forward = '';
  let hosts = 0;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const c0 = line.charCodeAt(0);
    if (c0 === 32 || c0 === 9) throw new HttpError(400, 'obsolete line folding');
    const colon = line.indexOf(':');
    if (colon < 1) throw new HttpError(400, 'malformed header field');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) throw new HttpError(400, 'malformed header field name');
    const lname = name.toLowerCase();
    const value = trimOws(line, colon + 1);
    h.names.push(lname);
    h.values.push(value);
    switch (lname) {
      case 'host':
        if (isRequest) {
          if (++hosts > 1) throw new HttpError(400, 'more than one Host');
          h.host = value;
        }
        break;
      case 'content-length': {
        if (!DIGITS.test(value)) throw new HttpError(isRequest ? 400 : 502, 'malformed Content-Length');
        const n = Number(value);
        if (h.contentLength !== -1 && h.contentLength !== n) throw new HttpError(isRequest ? 400 : 502, 'conflicting Content-Length');
        h.contentLength = n;
        break;
      }
      case 'transfer-encoding':
        te = te === undefined ? value : `${te},${value}`;
        break;
      case 'connection':
      case 'proxy-connection':
        for (const t of tokens(value)) {
          if (t === 'close') h.close = true;
          else if (t === 'keep-alive') h.keepAlive = true;
          else if (t === 'upgrade') connUpgrade = true;
          else (connection ??= []).push(t);
        }
        break;
      case 'upgrade':
        upgrade = value;
        break;
      case 'expect':
        if (isRequest && value.toLowerCase() === '100-continue') h.expectContinue = true;
        break;
      case 'keep-alive':
        if (!isRequest) {
          const m = /(?:^|[,;\s])timeout\s*=\s*(\d+)/i.exec(value);
          if (m) h.keepAliveTimeout = Number(m[1]);
        }
        break;
      case 'x-forwarded-for':
        if (isRequest) h.xff = h.xff === '' ? value : `${h.xff}, ${value}`;
        break;
      case 'x-forwarded-proto':
        if (isRequest && h.xfProto === '') h.xfProto = value;
        break;
      case 'x-forwarded-host':
        if (isRequest && h.xfHost === '') h.xfHost = value;
        break;
    }
    if (!HOP_BY_HOP.has(lname) && !skip.has(lname)) forward += line + '\r\n';
  }
  if (te !== undefined) {
    const codings = tokens(te);
    if (h.minor === 0) throw new HttpError(isRequest ? 400 : 502, 'Transfer-Encoding in HTTP/1.0');
    if (codings.length !== 1 || codings[0] !== 'chunked') throw new HttpError(isRequest ? 501 : 502, `unsupported Transfer-Encoding ${te}`);
    if (h.contentLength !== -1) throw new HttpError(isRequest ? 400 : 502, 'both Transfer-Encoding and Content-Length');
    h.chunked = true;
  }
  if (h.minor === 0) h.close = h.close || !h.keepAlive;
  if (connUpgrade && upgrade !== '') h.upgrade = upgrade;
  // Fields the Connection field names are hop-by-hop too (rare: rebuild the list without them).
  if (connection !== undefined) {
    const drop = new Set(connection);
    forward = '';
    for (let i = 1; i < lines.length; i++) {
      const n = h.names[i - 1]!;
      if (!HOP_BY_HOP.has(n) && !skip.has(n) && !drop.has(n)) forward += lines[i] + '\r\n';
    }
  }
  h.forward = forward;
}

const NO_SKIP: ReadonlySet<string> = new Set();
/** Request fields the edge sets itself. */
export const REQUEST_SKIP: ReadonlySet<string> = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host']);
/** Response fields the edge sets itself. */
export const RESPONSE_SKIP: ReadonlySet<string> = new Set(['x-kubefed-cluster']);

/**
 * Parses a request head: `s` is everything before the blank line that ends it (latin1).
 * Throws HttpError with the status to answer.
 */
export function parseRequestHead(s: string, skip: ReadonlySet<string> = NO_SKIP): MessageHead {
  if (BAD_HEAD.test(s)) throw new HttpError(400, 'invalid character in head');
  const lines = s.split('\r\n');
  const line = lines[0]!;
  const sp1 = line.indexOf(' ');
  const sp2 = line.indexOf(' ', sp1 + 1);
  if (sp1 < 1 || sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) throw new HttpError(400, 'malformed request line');
  const h = new MessageHead();
  h.method = line.slice(0, sp1);
  h.target = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (version === 'HTTP/1.1') h.minor = 1;
  else if (version === 'HTTP/1.0') h.minor = 0;
  else if (/^HTTP\/\d\.\d$/.test(version)) throw new HttpError(505, 'HTTP version not supported');
  else throw new HttpError(400, 'malformed request line');
  if (!TOKEN.test(h.method)) throw new HttpError(400, 'malformed method');
  if (h.target === '' || BAD_TARGET.test(h.target)) throw new HttpError(400, 'malformed request target');
  parseFields(h, lines, true, skip);
  const t0 = h.target.charCodeAt(0);
  if (t0 !== 47 /* / */) {
    // absolute-form: the target's authority replaces Host (RFC 9112 section 3.2.2).
    const abs = /^https?:\/\/([^/?#]+)([^#]*)$/i.exec(h.target);
    if (abs) {
      h.host = abs[1]!;
      h.target = abs[2] === '' ? '/' : abs[2]!.startsWith('/') ? abs[2]! : `/${abs[2]}`;
      h.forward = h.forward.replace(/^host:[^\r]*\r\n/gim, '') + `Host: ${h.host}\r\n`;
    } else if (!(h.target === '*' && h.method === 'OPTIONS')) throw new HttpError(400, 'malformed request target');
  }
  if (h.minor === 1 && h.host === '' && !h.names.includes('host')) throw new HttpError(400, 'missing Host');
  if (h.method === 'CONNECT') throw new HttpError(405, 'CONNECT is not supported');
  return h;
}

/** Parses a response head (the status line and fields, without the blank line). */
export function parseResponseHead(s: string, skip: ReadonlySet<string> = NO_SKIP): MessageHead {
  if (BAD_HEAD.test(s)) throw new HttpError(502, 'invalid character in response head');
  const lines = s.split('\r\n');
  const line = lines[0]!;
  const h = new MessageHead();
  if (line.startsWith('HTTP/1.1 ')) h.minor = 1;
  else if (line.startsWith('HTTP/1.0 ')) h.minor = 0;
  else throw new HttpError(502, 'malformed status line');
  const code = line.slice(9, 12);
  if (!/^[1-5][0-9][0-9]$/.test(code) || (line.length > 12 && line.charCodeAt(12) !== 32)) throw new HttpError(502, 'malformed status line');
  h.status = Number(code);
  h.reason = line.length > 13 ? line.slice(13) : '';
  parseFields(h, lines, false, skip);
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
