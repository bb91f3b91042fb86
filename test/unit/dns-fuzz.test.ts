/**
 * Fuzzing the responder in process: random bytes, mutated valid queries and random structured
 * messages (seeded, so a failure is reproducible). No message may raise an internal error; every
 * answer is a well-formed response to its query (dns-packet reads it, ID echoed, QR set, within
 * the UDP size); afterwards the responder still answers correctly.
 */
import { describe, expect, it } from 'vitest';
import { Responder } from '../../src/dns/responder.js';
import { RCODE } from '../../src/dns/wire.js';
import { decode, exampleZones, query } from './dns-fixtures.js';
import { fuzzMessages } from './dns-fuzz-corpus.js';

const SEED = Number(process.env.DNS_FUZZ_SEED ?? 20261122);
const ALLOWED = new Set<number>([RCODE.NOERROR, RCODE.FORMERR, RCODE.NXDOMAIN, RCODE.NOTIMP, RCODE.REFUSED, RCODE.BADVERS]);

describe(`Responder fuzz (seed ${SEED})`, () => {
  it('never fails on 60,000 random and mutated messages, then still answers', () => {
    const r = new Responder(exampleZones(), { cacheEntries: 1000 });
    const counts = { answered: 0, dropped: 0, formerr: 0, notimp: 0 };
    for (const [i, msg] of fuzzMessages(SEED, 60_000).entries()) {
      const tcp = i % 5 === 0;
      const out = r.respond(msg, tcp);
      if (r.error !== undefined) throw new Error(`message ${i} (${msg.toString('hex')}): ${String(r.error)}`);
      if (out === null) {
        counts.dropped++;
        expect(msg.length < 12 || (msg[2]! & 0x80) !== 0, `message ${i} dropped: ${msg.toString('hex')}`).toBe(true);
        continue;
      }
      const body = tcp ? out.subarray(2) : out;
      if (tcp) expect(out.readUInt16BE(0)).toBe(body.length);
      else expect(body.length).toBeLessThanOrEqual(1232);
      let d: ReturnType<typeof decode>;
      try {
        d = decode(body);
      } catch (e) {
        throw new Error(`message ${i} (${msg.toString('hex')}): response unreadable (${body.toString('hex')}): ${String(e)}`);
      }
      expect(d.id).toBe(msg.readUInt16BE(0));
      expect(d.qr).toBe(true);
      expect(ALLOWED.has(d.rcode), `rcode ${d.rcode}`).toBe(true);
      if (d.rcode === RCODE.FORMERR) counts.formerr++;
      else if (d.rcode === RCODE.NOTIMP) counts.notimp++;
      else {
        counts.answered++;
        // The question is echoed octet for octet.
        const qEnd = 12 + (d.raw.questions?.length ? questionLength(msg) : 0);
        expect(body.subarray(12, qEnd).equals(msg.subarray(12, qEnd))).toBe(true);
      }
    }
    // The corpus reaches every outcome.
    expect(counts.answered).toBeGreaterThan(1000);
    expect(counts.formerr).toBeGreaterThan(1000);
    expect(counts.notimp).toBeGreaterThan(100);
    expect(counts.dropped).toBeGreaterThan(100);
    const after = decode(r.respond(query('www.example.com', 'A', { edns: 1232 }))!);
    expect(after).toMatchObject({ rcode: RCODE.NOERROR, answer: ['www.example.com 5 A 192.0.2.1', 'www.example.com 5 A 192.0.2.2'] });
    expect(decode(r.respond(query('nope.example.com', 'A'))!).rcode).toBe(RCODE.NXDOMAIN);
  });
});

function questionLength(msg: Buffer): number {
  let off = 12;
  while (msg[off] !== 0) off += msg[off]! + 1;
  return off + 1 - 12 + 4;
}
