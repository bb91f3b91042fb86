/**
 * One ZoneSet snapshot's answering machine: query octets in, response octets out, no sockets.
 *
 * The hot path reads the header and question in place (`parseQuery`), looks the answer up by
 * (question name in lower case, type, class, EDNS/DO) in a cache of encoded responses, copies it
 * and patches in the client's ID, RD and CD bits and the question as the client wrote it (its
 * 0x20 case; compressed names in the answer point to it, so they read in the client's case
 * too). A miss resolves the question (`ZoneIndex.resolve`) and encodes the response once. The
 * cache belongs to the snapshot: a new ZoneSet gets a new Responder and an empty cache.
 *
 * Sizes: UDP answers are cut to 512 octets without EDNS, else to the client's payload size
 * bounded by ours (`maxUdpPayload`, default 1232, advertised in our OPT); TCP to 65535. A cut
 * drops whole RRsets from the end; TC is set when an answer or authority RRset (or a referral's
 * glue) is dropped, not for other additional records (RFC 2181 9).
 */
import { ZoneIndex, type Resolution } from './lookup.js';
import { writeRecord } from './rdata.js';
import {
  CLASS,
  CLASSIC_UDP_SIZE,
  EDNS_DO,
  FLAG,
  HEADER_SIZE,
  MessageWriter,
  RCODE,
  TYPE,
  parseQuery,
  questionLabels,
  type ParsedQuery,
} from './wire.js';
import type { ZoneSet } from './zone.js';

export const DEFAULT_MAX_UDP_PAYLOAD = 1232;
export const DEFAULT_CACHE_ENTRIES = 50_000;
const MAX_TCP_MESSAGE = 0xffff;
const OPT_SIZE = 11;

export interface ResponderOptions {
  /** Our EDNS UDP payload size: advertised, and the most we send over UDP (default 1232). */
  maxUdpPayload?: number;
  /** Encoded responses kept (two generations of this many; default 50,000: a few tens of MB at most). */
  cacheEntries?: number;
  /** Counted into: answers found in the cache, and answers encoded (shared across snapshots). */
  counters?: CacheCounters;
}

export interface CacheCounters {
  hits: number;
  misses: number;
}

/** An encoded response, as cached (small: there may be 100,000 of them). */
interface Encoded {
  /** Header (ID 0, RD and CD clear), question in lower case, records, then our OPT if any. */
  msg: Buffer;
  rcode: number;
  /** For messages over 512 octets, which a UDP limit may cut. */
  cuttable?: Cuttable;
}

interface Cuttable {
  questionEnd: number;
  /** Octets of the OPT record at the end (0 without EDNS). */
  optLength: number;
  counts: [an: number, ns: number, ar: number];
  /** End offset of each record, and whether it starts an RRset (only whole RRsets are dropped). */
  ends: number[];
  setStarts: boolean[];
  referral: boolean;
  /** Cut copies by size limit. */
  copies: Map<number, Buffer>;
}

/** Why a message got no answer. */
export type DropReason = 'short' | 'response';

export class Responder {
  readonly index: ZoneIndex;
  readonly maxUdpPayload: number;
  /** After each `respond`: the QTYPE (-1 when the question was not read) and RCODE (-1 when dropped). */
  qtype = -1;
  rcode = -1;
  dropReason: DropReason | undefined;
  /** The last internal error (answered SERVFAIL), for the server to log. */
  error: unknown;

  private readonly cacheEntries: number;
  private readonly counters: CacheCounters;
  private cache = new Map<string, Encoded>();
  private older = new Map<string, Encoded>();
  private readonly scratch = Buffer.alloc(512);

  constructor(
    readonly zones: ZoneSet,
    opts: ResponderOptions = {},
  ) {
    this.index = new ZoneIndex(zones);
    this.maxUdpPayload = Math.max(CLASSIC_UDP_SIZE, Math.min(opts.maxUdpPayload ?? DEFAULT_MAX_UDP_PAYLOAD, MAX_TCP_MESSAGE));
    this.cacheEntries = Math.max(1, opts.cacheEntries ?? DEFAULT_CACHE_ENTRIES);
    this.counters = opts.counters ?? { hits: 0, misses: 0 };
  }

  /** Entries in the answer cache (both generations). */
  get cacheSize(): number {
    return this.cache.size + this.older.size;
  }

  /**
   * The response to one message, or null when it gets none. `tcp`: the response may be 65535
   * octets and is preceded by its 2-octet length (RFC 7766 8); else UDP sizes apply.
   */
  respond(msg: Buffer, tcp = false): Buffer | null {
    this.error = undefined;
    this.dropReason = undefined;
    this.qtype = -1;
    try {
      return this.answer(msg, tcp);
    } catch (e) {
      this.error = e;
      this.rcode = RCODE.SERVFAIL;
      return msg.length >= HEADER_SIZE ? headerOnly(msg, RCODE.SERVFAIL, tcp) : null;
    }
  }

  private answer(msg: Buffer, tcp: boolean): Buffer | null {
    const p = parseQuery(msg);
    if (p.kind !== 'query') {
      if (p.kind === 'drop') {
        this.rcode = -1;
        this.dropReason = p.reason;
        return null;
      }
      this.rcode = p.rcode;
      return headerOnly(msg, p.rcode, tcp);
    }
    this.qtype = p.qtype;
    if (p.ednsSize >= 0 && p.ednsVersion > 0) {
      this.rcode = RCODE.BADVERS;
      return this.badVersion(msg, p, tcp);
    }
    // The key: question name in lower case, QTYPE, QCLASS, EDNS and DO.
    const k = this.scratch;
    const qEnd = HEADER_SIZE + p.qnameLength;
    let j = 0;
    for (let i = HEADER_SIZE; i < qEnd; i++) {
      const c = msg[i]!;
      // Length octets are at most 63, below 'A': only name characters change.
      k[j++] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
    }
    k[j++] = msg[qEnd]!;
    k[j++] = msg[qEnd + 1]!;
    k[j++] = msg[qEnd + 2]!;
    k[j++] = msg[qEnd + 3]!;
    k[j++] = p.ednsSize < 0 ? 0 : p.dnssecOk ? 2 : 1;
    const key = k.toString('latin1', 0, j);
    let e = this.cache.get(key);
    if (e === undefined) {
      e = this.older.get(key);
      if (e === undefined) {
        e = this.encode(msg, p);
        this.counters.misses++;
      } else this.counters.hits++;
      this.remember(key, e);
    } else this.counters.hits++;
    this.rcode = e.rcode;
    const limit = tcp ? MAX_TCP_MESSAGE : p.ednsSize < 0 ? CLASSIC_UDP_SIZE : Math.min(Math.max(p.ednsSize, CLASSIC_UDP_SIZE), this.maxUdpPayload);
    const src = e.msg.length <= limit ? e.msg : this.cutTo(e, limit);
    const at = tcp ? 2 : 0;
    const out = Buffer.allocUnsafe(at + src.length);
    src.copy(out, at);
    if (tcp) out.writeUInt16BE(src.length, 0);
    out[at] = msg[0]!;
    out[at + 1] = msg[1]!;
    out[at + 2] |= msg[2]! & 0x01; // RD is copied (RFC 1035 4.1.1)
    out[at + 3] |= msg[3]! & 0x10; // CD is copied (RFC 6840 5.9)
    msg.copy(out, at + HEADER_SIZE, HEADER_SIZE, qEnd);
    return out;
  }

  private remember(key: string, e: Encoded): void {
    if (this.cache.size >= this.cacheEntries) {
      this.older = this.cache;
      this.cache = new Map();
    }
    this.cache.set(key, e);
  }

  /** Resolves and encodes the answer to a question (a cache miss). */
  private encode(msg: Buffer, p: ParsedQuery): Encoded {
    const labels = questionLabels(msg);
    const res = this.resolution(labels, p.qtype, p.qclass);
    const w = new MessageWriter(512);
    const lower = Buffer.from(msg.subarray(HEADER_SIZE, HEADER_SIZE + p.qnameLength));
    for (let i = 0; i < lower.length; i++) if (lower[i]! >= 0x41 && lower[i]! <= 0x5a) lower[i]! |= 0x20;
    w.rawName(lower, labels);
    w.u16(p.qtype);
    w.u16(p.qclass);
    const questionEnd = w.off;
    const ends: number[] = [];
    const setStarts: boolean[] = [];
    for (const section of [res.answer, res.authority, res.additional]) {
      let prev: { name: string; type: string } | undefined;
      for (const r of section) {
        writeRecord(w, r);
        ends.push(w.off);
        setStarts.push(prev === undefined || prev.name !== r.name || prev.type !== r.type);
        prev = r;
      }
    }
    const edns = p.ednsSize >= 0;
    if (edns) writeOpt(w, this.maxUdpPayload, 0, p.dnssecOk);
    const counts: Cuttable['counts'] = [res.answer.length, res.authority.length, res.additional.length];
    const out = Buffer.from(w.done());
    writeHeader(out, (res.aa ? FLAG.AA : 0) | res.rcode, 1, counts[0], counts[1], counts[2] + (edns ? 1 : 0));
    // What truncation needs is kept only for messages that may be cut (no limit is below 512).
    if (out.length <= CLASSIC_UDP_SIZE) return { msg: out, rcode: res.rcode };
    const cuttable: Cuttable = { questionEnd, optLength: edns ? OPT_SIZE : 0, counts, ends, setStarts, referral: res.referral === true, copies: new Map() };
    return { msg: out, rcode: res.rcode, cuttable };
  }

  /** Questions we do not look up: other classes, zone transfers, meta types. */
  private resolution(labels: string[], qtype: number, qclass: number): Resolution {
    const refuse = (rcode: number): Resolution => ({ rcode, aa: false, answer: [], authority: [], additional: [] });
    // Only IN data here (QCLASS ANY reads it too); CH, HS and the rest: not our zones.
    if (qclass !== CLASS.IN && qclass !== CLASS.ANY) return refuse(RCODE.REFUSED);
    // No zone transfers.
    if (qtype === TYPE.AXFR || qtype === TYPE.IXFR) return refuse(RCODE.REFUSED);
    if (qtype === TYPE.MAILA || qtype === TYPE.MAILB) return refuse(RCODE.NOTIMP);
    // Meta types that only make sense in the additional section (RFC 6895 3.1).
    if (qtype === TYPE.OPT || qtype === TYPE.TSIG || qtype === TYPE.TKEY) return refuse(RCODE.FORMERR);
    return this.index.resolve(labels, qtype);
  }

  /** The response cut to `limit` octets: whole RRsets dropped from the end, then our OPT again. */
  private cutTo(e: Encoded, limit: number): Buffer {
    const c = e.cuttable!;
    let out = c.copies.get(limit);
    if (out) return out;
    const n = c.ends.length;
    const room = limit - c.optLength;
    let k = n;
    while (k > 0 && (c.ends[k - 1]! > room || (k < n && !c.setStarts[k]))) k--;
    const end = k === 0 ? c.questionEnd : c.ends[k - 1]!;
    const [an, ns, ar] = c.counts;
    const tc = k < an + ns || (c.referral && k < n);
    out = Buffer.alloc(end + c.optLength);
    e.msg.copy(out, 0, 0, end);
    e.msg.copy(out, end, e.msg.length - c.optLength);
    const keptAr = Math.max(0, k - an - ns);
    writeHeader(out, (e.msg.readUInt16BE(2) & ~FLAG.QR) | (tc ? FLAG.TC : 0), 1, Math.min(an, k), Math.min(ns, Math.max(0, k - an)), Math.min(ar, keptAr) + (c.optLength ? 1 : 0));
    c.copies.set(limit, out);
    return out;
  }


  /** BADVERS (RFC 6891 6.1.3): the question and our OPT at version 0, with the extended RCODE. */
  private badVersion(msg: Buffer, p: ParsedQuery, tcp: boolean): Buffer {
    const w = new MessageWriter(64 + p.qnameLength);
    w.bytes(msg.subarray(HEADER_SIZE, p.questionEnd));
    writeOpt(w, this.maxUdpPayload, RCODE.BADVERS >> 4, p.dnssecOk);
    const body = w.done();
    writeHeader(body, RCODE.BADVERS & 0xf, 1, 0, 0, 1);
    return finish(msg, body, tcp);
  }
}

/** Writes a response header with ID 0 (flags: QR added, opcode QUERY). */
function writeHeader(buf: Buffer, flags: number, qd: number, an: number, ns: number, ar: number): void {
  buf.writeUInt16BE(0, 0);
  buf.writeUInt16BE(FLAG.QR | flags, 2);
  buf.writeUInt16BE(qd, 4);
  buf.writeUInt16BE(an, 6);
  buf.writeUInt16BE(ns, 8);
  buf.writeUInt16BE(ar, 10);
}

/** Our OPT record (RFC 6891 6.1.2): payload size, extended RCODE, version 0, DO echoed (RFC 3225). */
function writeOpt(w: MessageWriter, payload: number, extendedRcode: number, dnssecOk: boolean): void {
  w.u8(0);
  w.u16(TYPE.OPT);
  w.u16(payload);
  w.u8(extendedRcode);
  w.u8(0);
  w.u16(dnssecOk ? EDNS_DO : 0);
  w.u16(0);
}

/** The client's ID, opcode and RD on a response body; the length prefix for TCP. */
function finish(msg: Buffer, body: Buffer, tcp: boolean): Buffer {
  const at = tcp ? 2 : 0;
  const out = Buffer.allocUnsafe(at + body.length);
  if (tcp) out.writeUInt16BE(body.length, 0);
  body.copy(out, at);
  out[at] = msg[0]!;
  out[at + 1] = msg[1]!;
  out[at + 2] |= msg[2]! & 0x79;
  return out;
}

/** A header alone: FORMERR, NOTIMP, SERVFAIL (the question may be what was wrong). */
function headerOnly(msg: Buffer, rcode: number, tcp: boolean): Buffer {
  const body = Buffer.alloc(HEADER_SIZE);
  writeHeader(body, rcode, 0, 0, 0, 0);
  return finish(msg, body, tcp);
}
