/** Seeded fuzz messages for the DNS server (shared by the in-process and the socket fuzz tests). */
import { query } from './dns-fixtures.js';
import { seeded } from './locality-fixtures.js';

const NAMES = ['www.example.com', 'WwW.ExAmPlE.cOm', 'big.example.com', 'chain.example.com', '_http._tcp.web.example.com', 'example.com', 'nope.example.com', 'a.b.c.example.com', 'www.sub.example.com', 'x.example.net', 'svc.other.test', 'loop1.example.com', '.'];
const TYPES = ['A', 'AAAA', 'CNAME', 'SRV', 'TXT', 'SOA', 'NS', 'ANY', 'PTR', 'AXFR', 65280, 41, 250, 253];

/** Valid queries to mutate. */
export function seedQueries(rand: () => number): Buffer[] {
  const out: Buffer[] = [];
  for (const name of NAMES) {
    for (const type of TYPES) {
      const edns = rand() < 0.5 ? undefined : [512, 1232, 4096, 600][Math.floor(rand() * 4)];
      out.push(query(name, type, { id: Math.floor(rand() * 65536), rd: rand() < 0.5, ...(edns ? { edns, dnssecOk: rand() < 0.3 } : {}) }));
    }
  }
  return out;
}

/** `count` messages: a third random bytes, a third mutated queries, a third random structure. */
export function fuzzMessages(seed: number, count: number): Buffer[] {
  const rand = seeded(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const seeds = seedQueries(rand);
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 3;
    if (kind === 0) {
      const b = Buffer.alloc(int(rand() < 0.2 ? 12 : 600));
      for (let j = 0; j < b.length; j++) b[j] = int(256);
      // Mostly queries (QR clear), so they get past the first check.
      if (b.length > 2 && rand() < 0.8) b[2]! &= 0x7f;
      out.push(b);
    } else if (kind === 1) {
      out.push(mutate(Buffer.from(seeds[int(seeds.length)]!), rand));
    } else {
      out.push(structured(rand));
    }
  }
  return out;
}

function mutate(b: Buffer, rand: () => number): Buffer {
  const int = (n: number) => Math.floor(rand() * n);
  const steps = 1 + int(4);
  for (let s = 0; s < steps; s++) {
    switch (int(8)) {
      case 0: // bit flips
        b[int(b.length)]! ^= 1 << int(8);
        break;
      case 1: // a random octet
        b[int(b.length)] = int(256);
        break;
      case 2: // truncate
        b = b.subarray(0, int(b.length + 1));
        break;
      case 3: // append garbage
        b = Buffer.concat([b, Buffer.from(Array.from({ length: 1 + int(20) }, () => int(256)))]);
        break;
      case 4: // counts
        if (b.length >= 12) b.writeUInt16BE(int(4), 4 + 2 * int(4));
        break;
      case 5: // opcode
        if (b.length >= 3) b[2] = (b[2]! & 0x87) | (int(16) << 3);
        break;
      case 6: // a label length
        if (b.length > 12) b[12 + int(Math.min(b.length - 12, 30))] = [0, 63, 64, 0xc0, 0xff, int(256)][int(6)]!;
        break;
      case 7: // delete a slice
        if (b.length > 12) {
          const at = 12 + int(b.length - 12);
          b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(8))]);
        }
        break;
    }
  }
  return b;
}

function structured(rand: () => number): Buffer {
  const int = (n: number) => Math.floor(rand() * n);
  const parts: Buffer[] = [];
  const h = Buffer.alloc(12);
  h.writeUInt16BE(int(65536), 0);
  h.writeUInt16BE(int(65536) & 0x7fff & (rand() < 0.7 ? 0x07ff : 0xffff), 2);
  h.writeUInt16BE(rand() < 0.8 ? 1 : int(3), 4);
  h.writeUInt16BE(rand() < 0.9 ? 0 : int(2), 6);
  h.writeUInt16BE(rand() < 0.9 ? 0 : int(2), 8);
  h.writeUInt16BE(rand() < 0.6 ? 0 : int(3), 10);
  parts.push(h);
  const labels = int(rand() < 0.1 ? 130 : 6);
  for (let i = 0; i < labels; i++) {
    const len = rand() < 0.05 ? int(256) : 1 + int(rand() < 0.1 ? 63 : 12);
    const l = Buffer.alloc(1 + Math.min(len, 63));
    l[0] = len;
    for (let j = 1; j < l.length; j++) l[j] = rand() < 0.8 ? 0x61 + int(26) - (rand() < 0.3 ? 32 : 0) : int(256);
    parts.push(l);
  }
  parts.push(Buffer.from([0, 0, int(256), 0, rand() < 0.9 ? 1 : int(256)]));
  // Sometimes an OPT (or two), sometimes with a bad owner or version.
  const opts = rand() < 0.5 ? 0 : rand() < 0.9 ? 1 : 2;
  for (let i = 0; i < opts; i++) {
    parts.push(Buffer.from([rand() < 0.95 ? 0 : 1, 0, 41, int(256), int(256), 0, rand() < 0.9 ? 0 : int(3), int(256), 0, 0, 0]));
  }
  if (rand() < 0.1) parts.push(Buffer.from([int(256)]));
  return Buffer.concat(parts);
}
