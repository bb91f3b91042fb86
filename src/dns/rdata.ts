/**
 * Resource records on the wire: owner, type, class, TTL and data. A, AAAA, TXT and SRV data are
 * encoded by dns-packet's record codecs; names inside NS, CNAME, PTR and SOA data are written by
 * `MessageWriter` so they can be compressed (RFC 1035 4.1.4; SRV targets never are, RFC 2782).
 */
import dnsPacket from 'dns-packet';
import type { DnsRecord, DnsRecordType } from './zone.js';
import { CLASS, MessageWriter, TYPE } from './wire.js';

/** The parts of dns-packet's record codecs used here (its typings omit them). */
interface RdataCodec<T> {
  encode: ((data: T, buf: Buffer, offset: number) => Buffer) & { bytes: number };
  encodingLength(data: T): number;
}
const codecs = dnsPacket as unknown as {
  a: RdataCodec<string>;
  aaaa: RdataCodec<string>;
  txt: RdataCodec<Buffer[]>;
  srv: RdataCodec<{ priority: number; weight: number; port: number; target: string }>;
};

export const RECORD_TYPE: Record<DnsRecordType, number> = {
  A: TYPE.A,
  AAAA: TYPE.AAAA,
  CNAME: TYPE.CNAME,
  NS: TYPE.NS,
  PTR: TYPE.PTR,
  SRV: TYPE.SRV,
  TXT: TYPE.TXT,
  SOA: TYPE.SOA,
};

/** Writes one record (class IN). */
export function writeRecord(w: MessageWriter, r: DnsRecord): void {
  w.name(r.name);
  w.u16(RECORD_TYPE[r.type]);
  w.u16(CLASS.IN);
  w.u32(r.ttl);
  switch (r.type) {
    case 'A':
      encodeWith(w, codecs.a, r.data);
      return;
    case 'AAAA':
      encodeWith(w, codecs.aaaa, r.data);
      return;
    case 'TXT':
      encodeWith(
        w,
        codecs.txt,
        r.data.map((s) => Buffer.from(s)),
      );
      return;
    case 'SRV':
      encodeWith(w, codecs.srv, { ...r.data, target: r.data.target === '' ? '.' : r.data.target });
      return;
    case 'CNAME':
    case 'NS':
    case 'PTR': {
      const at = lengthPlaceholder(w);
      w.name(r.data);
      patchLength(w, at);
      return;
    }
    case 'SOA': {
      const at = lengthPlaceholder(w);
      w.name(r.data.mname);
      w.name(r.data.rname);
      w.u32(r.data.serial);
      w.u32(r.data.refresh);
      w.u32(r.data.retry);
      w.u32(r.data.expire);
      w.u32(r.data.minimum);
      patchLength(w, at);
      return;
    }
  }
}

function encodeWith<T>(w: MessageWriter, codec: RdataCodec<T>, data: T): void {
  w.ensure(codec.encodingLength(data));
  codec.encode(data, w.buf, w.off);
  w.off += codec.encode.bytes;
}

function lengthPlaceholder(w: MessageWriter): number {
  const at = w.off;
  w.u16(0);
  return at;
}

const patchLength = (w: MessageWriter, at: number) => w.buf.writeUInt16BE(w.off - at - 2, at);
