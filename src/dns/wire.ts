/**
 * DNS wire format (RFC 1035 4.1, RFC 6891 6.1): the numbers, the strict query parser of the hot
 * path, and the message writer with name compression. Record data of A, AAAA, TXT and SRV is
 * encoded by dns-packet's codecs (`rdata.ts`); this module owns the message layout because
 * dns-packet writes names uncompressed and the server splices cached answers (see responder.ts).
 */

export const TYPE = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  HINFO: 13,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  DS: 43,
  TKEY: 249,
  TSIG: 250,
  IXFR: 251,
  AXFR: 252,
  MAILB: 253,
  MAILA: 254,
  ANY: 255,
} as const;

export const CLASS = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;

export const OPCODE_QUERY = 0;

/** Header flag bits (the 16-bit word at offset 2). */
export const FLAG = { QR: 0x8000, AA: 0x0400, TC: 0x0200, RD: 0x0100, RA: 0x0080, AD: 0x0020, CD: 0x0010 } as const;

/** The DO bit in the OPT record's TTL field (RFC 3225). */
export const EDNS_DO = 0x8000;

export const HEADER_SIZE = 12;
/** Largest UDP message without EDNS (RFC 1035 4.2.1). */
export const CLASSIC_UDP_SIZE = 512;
export const MAX_NAME_OCTETS = 255;
export const MAX_LABEL_OCTETS = 63;

const TYPE_NAMES = new Map<number, string>(Object.entries(TYPE).map(([k, v]) => [v, k]));
/** "A", "SRV", ... or "TYPE65" (RFC 3597 notation) for types we have no name for. */
export const typeName = (t: number): string => TYPE_NAMES.get(t) ?? `TYPE${t}`;
const RCODE_NAMES = new Map<number, string>(Object.entries(RCODE).map(([k, v]) => [v, k]));
export const rcodeName = (r: number): string => RCODE_NAMES.get(r) ?? `RCODE${r}`;

/** What can go wrong reading a query; `drop` means no answer at all. */
export type QueryProblem =
  | { kind: 'drop'; reason: 'short' | 'response' }
  | { kind: 'error'; rcode: number; reason: string; question: boolean };

/** A query as read by `parseQuery`: offsets into the message, nothing copied. */
export interface ParsedQuery {
  kind: 'query';
  /** Octets of the question name on the wire (labels and the final 0), starting at offset 12. */
  qnameLength: number;
  qtype: number;
  qclass: number;
  /** Offset just past the question (QTYPE and QCLASS included). */
  questionEnd: number;
  /** The client's EDNS UDP payload size, or -1 without an OPT record. */
  ednsSize: number;
  ednsVersion: number;
  /** The DO bit of the OPT record. */
  dnssecOk: boolean;
}

/**
 * Reads the question name at offset 12. Returns its wire length, or a negative value when it is
 * malformed: -1 past the end, -2 compression pointer or extended label (neither belongs in a
 * question), -3 longer than 255 octets.
 */
export function questionNameLength(msg: Uint8Array): number {
  let off = HEADER_SIZE;
  const end = msg.length;
  for (;;) {
    if (off >= end) return -1;
    const len = msg[off]!;
    if (len === 0) {
      off++;
      break;
    }
    if (len > MAX_LABEL_OCTETS) return -2;
    off += len + 1;
    if (off - HEADER_SIZE + 1 > MAX_NAME_OCTETS) return -3;
  }
  return off - HEADER_SIZE;
}

/** Skips a (possibly compressed) name in a record; returns the offset after it, or -1. */
function skipName(msg: Uint8Array, off: number): number {
  let octets = 0;
  for (;;) {
    if (off >= msg.length) return -1;
    const len = msg[off]!;
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2 <= msg.length ? off + 2 : -1;
    if (len > MAX_LABEL_OCTETS) return -1;
    octets += len + 1;
    if (octets + 1 > MAX_NAME_OCTETS) return -1;
    off += len + 1;
  }
}

const u16 = (m: Uint8Array, o: number) => (m[o]! << 8) | m[o + 1]!;

/**
 * Reads a query strictly. Drops what is not worth an answer (shorter than a header, or a
 * response: answering responses invites loops). FORMERR for anything malformed once the header
 * is read: QDCOUNT other than 1, a bad question name, records in the answer section, a record
 * running past the end, trailing octets, a second OPT record or one not owned by the root.
 * NOTIMP for opcodes other than QUERY. EDNS is read from the additional section; other
 * additional records (a TSIG, say) are skipped, authority records too.
 */
export function parseQuery(msg: Uint8Array): ParsedQuery | QueryProblem {
  if (msg.length < HEADER_SIZE) return { kind: 'drop', reason: 'short' };
  const flags = u16(msg, 2);
  if (flags & FLAG.QR) return { kind: 'drop', reason: 'response' };
  if (((flags >> 11) & 0xf) !== OPCODE_QUERY) return { kind: 'error', rcode: RCODE.NOTIMP, reason: 'opcode', question: false };
  const qd = u16(msg, 4);
  const an = u16(msg, 6);
  const ns = u16(msg, 8);
  const ar = u16(msg, 10);
  if (qd !== 1) return formErr(qd === 0 ? 'no question' : 'several questions');
  const qnameLength = questionNameLength(msg);
  if (qnameLength < 0) return formErr(qnameLength === -1 ? 'truncated question' : qnameLength === -2 ? 'bad label' : 'name too long');
  let off = HEADER_SIZE + qnameLength;
  if (off + 4 > msg.length) return formErr('truncated question');
  const qtype = u16(msg, off);
  const qclass = u16(msg, off + 2);
  off += 4;
  const questionEnd = off;
  if (an !== 0) return formErr('answer records in a query');
  let ednsSize = -1;
  let ednsVersion = 0;
  let dnssecOk = false;
  for (let i = 0; i < ns + ar; i++) {
    const nameStart = off;
    off = skipName(msg, off);
    if (off < 0 || off + 10 > msg.length) return formErr('truncated record');
    const type = u16(msg, off);
    const rdlen = u16(msg, off + 8);
    if (off + 10 + rdlen > msg.length) return formErr('truncated record');
    if (type === TYPE.OPT) {
      if (i < ns) return formErr('OPT outside the additional section');
      if (ednsSize >= 0) return formErr('several OPT records');
      if (off !== nameStart + 1) return formErr('OPT not owned by the root');
      ednsSize = u16(msg, off + 2);
      ednsVersion = msg[off + 5]!;
      dnssecOk = (u16(msg, off + 6) & EDNS_DO) !== 0;
    }
    off += 10 + rdlen;
  }
  if (off !== msg.length) return formErr('trailing octets');
  return { kind: 'query', qnameLength, qtype, qclass, questionEnd, ednsSize, ednsVersion, dnssecOk };
}

const formErr = (reason: string): QueryProblem => ({ kind: 'error', rcode: RCODE.FORMERR, reason, question: false });

/**
 * The question name's labels, lower-cased (ASCII only, RFC 4343) and in presentation form: a
 * label holding "." or "\" is escaped, so it can never match a zone's (plain) names, and other
 * octets are kept as latin1 characters.
 */
export function questionLabels(msg: Uint8Array): string[] {
  const labels: string[] = [];
  let off = HEADER_SIZE;
  for (;;) {
    const len = msg[off]!;
    if (len === 0) return labels;
    let s = '';
    for (let i = off + 1; i <= off + len; i++) {
      let c = msg[i]!;
      if (c >= 0x41 && c <= 0x5a) c += 0x20;
      s += c === 0x2e ? '\\.' : c === 0x5c ? '\\\\' : String.fromCharCode(c);
    }
    labels.push(s);
    off += len + 1;
  }
}

/** Splits a zone name ("" is the root) into labels. */
export const nameLabels = (name: string): string[] => (name === '' ? [] : name.split('.'));

/**
 * Writes a message: header, question, records, with name compression (RFC 1035 4.1.4) for owner
 * names and the names inside NS, CNAME, PTR and SOA data. Grows its buffer as needed.
 */
export class MessageWriter {
  buf: Buffer;
  off = HEADER_SIZE;
  /** Name (lower case, dotted) -> offset of an earlier occurrence. */
  private readonly names = new Map<string, number>();

  constructor(size = 512) {
    this.buf = Buffer.alloc(size);
  }

  ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.off + n));
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.off++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.off);
    this.off += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.off);
    this.off += 4;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.off);
    this.off += b.length;
  }

  /**
   * Writes wire-format name octets as they are (the question, in the client's case) and remembers
   * its suffixes under the given labels for compression.
   */
  rawName(wire: Uint8Array, labels: readonly string[]): void {
    const start = this.off;
    this.bytes(wire);
    let pos = start;
    for (let i = 0; i < labels.length; i++) {
      const key = labels.slice(i).join('.');
      if (!this.names.has(key) && pos < 0x4000) this.names.set(key, pos);
      pos += wire[pos - start]! + 1;
    }
  }

  /** Writes a plain (lower-case, dotted) name, compressed when `compress`. */
  name(name: string, compress = true): void {
    let rest = name;
    while (rest !== '') {
      if (compress) {
        const ptr = this.names.get(rest);
        if (ptr !== undefined) {
          this.u16(0xc000 | ptr);
          return;
        }
        if (this.off < 0x4000) this.names.set(rest, this.off);
      }
      const dot = rest.indexOf('.');
      const label = dot < 0 ? rest : rest.slice(0, dot);
      const len = Buffer.byteLength(label, 'latin1');
      this.ensure(len + 1);
      this.buf[this.off++] = len;
      this.off += this.buf.write(label, this.off, 'latin1');
      rest = dot < 0 ? '' : rest.slice(dot + 1);
    }
    this.u8(0);
  }

  /** The octets written so far. */
  done(): Buffer {
    return this.buf.subarray(0, this.off);
  }
}

/** Octets of a name on the wire, uncompressed (a dotted name; "" is the root). */
export const nameWireLength = (name: string): number => (name === '' ? 1 : Buffer.byteLength(name, 'latin1') + 2);
