/**
 * The responder on the wire, without sockets: header bits, 0x20 case, EDNS, truncation, the
 * answer cache, and every kind of malformed query (decoded with dns-packet as an independent
 * reader).
 */
import { describe, expect, it } from 'vitest';
import { Responder } from '../../src/dns/responder.js';
import { RCODE } from '../../src/dns/wire.js';
import { buildZone } from '../../src/dns/zone.js';
import { BIG_COUNT, decode, exampleZones, query } from './dns-fixtures.js';

const responder = new Responder(exampleZones());
const ask = (msg: Buffer, r = responder) => {
  const out = r.respond(msg);
  expect(r.error).toBeUndefined();
  return out;
};
const answer = (msg: Buffer, r = responder) => decode(ask(msg, r)!);

/** A header: id 0x1234, the flags given, the counts given. */
function header(flags: number, qd: number, an = 0, ns = 0, ar = 0): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(0x1234, 0);
  b.writeUInt16BE(flags, 2);
  b.writeUInt16BE(qd, 4);
  b.writeUInt16BE(an, 6);
  b.writeUInt16BE(ns, 8);
  b.writeUInt16BE(ar, 10);
  return b;
}
const wireName = (labels: string[]) => Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
const question = (labels: string[], type = 1, cls = 1) => Buffer.concat([wireName(labels), Buffer.from([type >> 8, type & 255, cls >> 8, cls & 255])]);
const opt = (size = 1232, version = 0, owner = Buffer.from([0])) => Buffer.concat([owner, Buffer.from([0, 41, size >> 8, size & 255, 0, version, 0, 0, 0, 0])]);
const WWW = question(['www', 'example', 'com']);

describe('Responder: header and question', () => {
  it('copies ID, RD and CD, sets QR and AA, never RA', () => {
    const r = answer(query('www.example.com', 'A', { id: 777, rd: true, cd: true }));
    expect(r).toMatchObject({ id: 777, qr: true, aa: true, rd: true, cd: true, ra: false, tc: false, rcode: RCODE.NOERROR, opcode: 0 });
    const r2 = answer(query('www.example.com', 'A', { id: 778 }));
    expect(r2).toMatchObject({ id: 778, rd: false, cd: false });
    expect(r2.answer).toEqual(r.answer);
  });

  it('echoes the question in the client case (0x20) and answers in it', () => {
    for (const name of ['wWw.ExAmPlE.cOm', 'WWW.EXAMPLE.COM', 'www.example.com']) {
      const r = answer(query(name, 'A'));
      expect(r.question).toEqual([`${name} A IN`]);
      expect(r.answer).toEqual([`${name} 5 A 192.0.2.1`, `${name} 5 A 192.0.2.2`]);
    }
    const c = answer(query('ChAiN.eXaMpLe.CoM', 'A'));
    expect(c.question).toEqual(['ChAiN.eXaMpLe.CoM A IN']);
    expect(c.answer.map((a) => a.toLowerCase())).toEqual([
      'chain.example.com 5 cname alias.example.com',
      'alias.example.com 5 cname www.example.com',
      'www.example.com 5 a 192.0.2.1',
      'www.example.com 5 a 192.0.2.2',
    ]);
  });

  it('answers NXDOMAIN and NODATA with the SOA, REFUSED outside the zones', () => {
    expect(answer(query('nope.example.com', 'A'))).toMatchObject({ rcode: RCODE.NXDOMAIN, aa: true, answer: [], authority: ['example.com 30 SOA ns1.example.com 30'] });
    expect(answer(query('www.example.com', 'TXT'))).toMatchObject({ rcode: RCODE.NOERROR, aa: true, answer: [], authority: ['example.com 30 SOA ns1.example.com 30'] });
    expect(answer(query('b.c.example.com', 'A'))).toMatchObject({ rcode: RCODE.NOERROR, answer: [], authority: ['example.com 30 SOA ns1.example.com 30'] });
    expect(answer(query('www.example.net', 'A'))).toMatchObject({ rcode: RCODE.REFUSED, aa: false, answer: [], authority: [] });
  });

  it('answers unknown types NODATA or NXDOMAIN', () => {
    expect(answer(query('www.example.com', 65280))).toMatchObject({ rcode: RCODE.NOERROR, question: ['www.example.com UNKNOWN_65280 IN'], authority: ['example.com 30 SOA ns1.example.com 30'] });
    expect(answer(query('nope.example.com', 65280))).toMatchObject({ rcode: RCODE.NXDOMAIN });
    expect(answer(query('www.example.com', 200))).toMatchObject({ rcode: RCODE.NOERROR, answer: [] });
  });

  it('classes: ANY reads IN data, others are REFUSED', () => {
    expect(answer(query('www.example.com', 'A', { qclass: 'ANY' }))).toMatchObject({ rcode: RCODE.NOERROR, question: ['www.example.com A ANY'], answer: ['www.example.com 5 A 192.0.2.1', 'www.example.com 5 A 192.0.2.2'] });
    for (const c of ['CH', 'HS', 'NONE']) expect(answer(query('www.example.com', 'A', { qclass: c }))).toMatchObject({ rcode: RCODE.REFUSED, aa: false, answer: [] });
    expect(answer(Buffer.concat([header(0, 1), question(['version', 'bind'], 16, 3)]))).toMatchObject({ rcode: RCODE.REFUSED });
  });

  it('meta types: no transfers (REFUSED), MAILA/MAILB NOTIMP, OPT/TSIG/TKEY FORMERR', () => {
    expect(answer(query('example.com', 'AXFR')).rcode).toBe(RCODE.REFUSED);
    expect(answer(query('example.com', 'IXFR')).rcode).toBe(RCODE.REFUSED);
    expect(answer(query('example.com', 253)).rcode).toBe(RCODE.NOTIMP);
    expect(answer(query('example.com', 254)).rcode).toBe(RCODE.NOTIMP);
    for (const t of [41, 249, 250]) expect(answer(query('example.com', t)).rcode).toBe(RCODE.FORMERR);
  });

  it('answers ANY with what exists at the name', () => {
    expect(answer(query('www.example.com', 'ANY')).answer).toEqual(['www.example.com 5 A 192.0.2.1', 'www.example.com 5 A 192.0.2.2', 'www.example.com 5 AAAA 2001:db8::1']);
  });

  it('writes SRV targets uncompressed and their addresses in additional', () => {
    const out = ask(query('_http._tcp.web.example.com', 'SRV'))!;
    const r = decode(out);
    expect(r.answer).toHaveLength(3);
    expect(r.additional).toEqual(['web-0.web.example.com 5 A 10.1.0.1', 'web-1.web.example.com 5 A 10.1.0.2', 'web-1.web.example.com 5 AAAA fd00::2']);
    // The SRV target appears in full (RFC 2782: no compression), the owners are pointers.
    expect(out.includes(Buffer.from('\x05web-0\x03web\x07example\x03com\x00', 'latin1'))).toBe(true);
  });
});

describe('Responder: EDNS and sizes', () => {
  it('echoes an OPT with our payload size and the DO bit, none without EDNS', () => {
    const r = answer(query('www.example.com', 'A', { edns: 4096 }));
    expect(r.opt).toMatchObject({ udpPayloadSize: 1232, ednsVersion: 0, flags: 0 });
    expect(answer(query('www.example.com', 'A', { edns: 4096, dnssecOk: true })).opt).toMatchObject({ flags: 0x8000 });
    expect(answer(query('www.example.com', 'A')).opt).toBeUndefined();
    expect(answer(query('nope.example.com', 'A', { edns: 1232 })).opt).toMatchObject({ udpPayloadSize: 1232 });
  });

  it('BADVERS for EDNS versions above 0, with our OPT at version 0', () => {
    const r = answer(query('www.example.com', 'A', { edns: 1232, ednsVersion: 1 }));
    expect(r).toMatchObject({ rcode: RCODE.BADVERS, answer: [], question: ['www.example.com A IN'] });
    expect(r.opt).toMatchObject({ ednsVersion: 0, extendedRcode: 1, udpPayloadSize: 1232 });
  });

  it('truncates UDP answers over 512 octets without EDNS: TC, answer emptied; TCP gets it all', () => {
    const udp = ask(query('big.example.com', 'A'))!;
    expect(udp.length).toBeLessThanOrEqual(512);
    expect(decode(udp)).toMatchObject({ tc: true, aa: true, answer: [], rcode: RCODE.NOERROR, question: ['big.example.com A IN'] });
    const tcp = responder.respond(query('big.example.com', 'A'), true)!;
    expect(tcp.readUInt16BE(0)).toBe(tcp.length - 2);
    const full = decode(tcp.subarray(2));
    expect(full.tc).toBe(false);
    expect(full.answer).toHaveLength(BIG_COUNT);
  });

  it('honours the client payload size, bounded by ours and at least 512', () => {
    const size = (edns: number, r = responder) => ask(query('big.example.com', 'A', { edns }), r)!;
    const full = size(1232);
    expect(full.length).toBeGreaterThan(900);
    expect(decode(full)).toMatchObject({ tc: false });
    expect(decode(full).answer).toHaveLength(BIG_COUNT);
    expect(decode(size(4096)).answer).toHaveLength(BIG_COUNT);
    // (dns-packet writes a size of 0 as 4096: that one is written by hand.)
    const zero = ask(Buffer.concat([header(0, 1, 0, 0, 1), question(['big', 'example', 'com']), opt(0)]))!;
    for (const [edns, out] of [[0, zero], ...[100, 512, 600, 900].map((n) => [n, size(n)] as const)] as const) {
      expect(out.length).toBeLessThanOrEqual(Math.max(512, edns));
      expect(decode(out)).toMatchObject({ tc: true, answer: [] });
      expect(decode(out).opt).toMatchObject({ udpPayloadSize: 1232 });
    }
    const small = new Responder(exampleZones(), { maxUdpPayload: 600 });
    expect(decode(size(4096, small))).toMatchObject({ tc: true });
    expect(decode(size(4096, small)).opt).toMatchObject({ udpPayloadSize: 600 });
    const large = new Responder(exampleZones(), { maxUdpPayload: 4096 });
    expect(decode(size(4096, large)).answer).toHaveLength(BIG_COUNT);
  });

  it('drops additional records that do not fit without TC; referral glue sets TC', () => {
    const soa = { mname: 'ns.z.test', rname: 'h.z.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 };
    const recs = [
      ...Array.from({ length: 12 }, (_, i) => ({ name: '_x._tcp.z.test', type: 'SRV' as const, ttl: 5, data: { priority: 0, weight: 0, port: 80, target: `t${i}.z.test` } })),
      ...Array.from({ length: 12 }, (_, i) => ({ name: `t${i}.z.test`, type: 'AAAA' as const, ttl: 5, data: `fd00::${i + 1}` })),
      ...Array.from({ length: 12 }, (_, i) => ({ name: `ns${i}.sub.z.test`, type: 'AAAA' as const, ttl: 5, data: `fd00::${i + 1}` })),
      ...Array.from({ length: 12 }, (_, i) => ({ name: 'sub.z.test', type: 'NS' as const, ttl: 5, data: `ns${i}.sub.z.test` })),
    ];
    const r = new Responder({ zones: [buildZone({ origin: 'z.test', soa, ttl: 5, nameServers: ['ns.z.test'] }, recs)] });
    const srv = decode(ask(query('_x._tcp.z.test', 'SRV'), r)!);
    expect(srv.tc).toBe(false);
    expect(srv.answer).toHaveLength(12);
    expect(srv.additional.length).toBeLessThan(12);
    const full = decode(r.respond(query('_x._tcp.z.test', 'SRV'), true)!.subarray(2));
    expect(full.additional).toHaveLength(12);
    const referral = decode(ask(query('www.sub.z.test', 'A'), r)!);
    expect(referral).toMatchObject({ aa: false, tc: true });
  });

  it('answers names of exactly 255 octets', () => {
    const labels = [...Array.from({ length: 3 }, () => 'a'.repeat(63)), 'b'.repeat(49), 'example', 'com'];
    expect(wireName(labels).length).toBe(255);
    const r = answer(Buffer.concat([header(0, 1), question(labels)]));
    expect(r.rcode).toBe(RCODE.NXDOMAIN);
  });
});

describe('Responder: malformed queries', () => {
  const formerr = (msg: Buffer) => {
    const out = ask(msg)!;
    expect(out).not.toBeNull();
    const r = decode(out);
    expect(r).toMatchObject({ id: 0x1234, qr: true, rcode: RCODE.FORMERR, question: [], answer: [] });
    return r;
  };

  it.each([
    ['no question', Buffer.concat([header(0, 0)])],
    ['two questions', Buffer.concat([header(0, 2), WWW, WWW])],
    ['question count without question', header(0, 1)],
    ['truncated name', Buffer.concat([header(0, 1), Buffer.from([3, 0x77, 0x77])])],
    ['truncated type and class', Buffer.concat([header(0, 1), wireName(['www', 'example', 'com']), Buffer.from([0, 1])])],
    ['label of 64 octets (0x40 label type)', Buffer.concat([header(0, 1), Buffer.from([64]), Buffer.alloc(64, 0x61), Buffer.from([0, 0, 1, 0, 1])])],
    ['label type 0x80', Buffer.concat([header(0, 1), Buffer.from([0x81, 0x61, 0, 0, 1, 0, 1])])],
    ['compression pointer in the question', Buffer.concat([header(0, 1), Buffer.from([0xc0, 12, 0, 1, 0, 1])])],
    ['name of 256 octets', Buffer.concat([header(0, 1), question([...Array.from({ length: 3 }, () => 'a'.repeat(63)), 'b'.repeat(50), 'example', 'com'])])],
    ['answer records in a query', Buffer.concat([header(0, 1, 1), WWW, wireName([]), Buffer.from([0, 1, 0, 1, 0, 0, 0, 5, 0, 4, 1, 2, 3, 4])])],
    ['additional count without records', Buffer.concat([header(0, 1, 0, 0, 1), WWW])],
    ['truncated OPT', Buffer.concat([header(0, 1, 0, 0, 1), WWW, opt().subarray(0, 7)])],
    ['OPT rdata past the end', Buffer.concat([header(0, 1, 0, 0, 1), WWW, opt().subarray(0, 9), Buffer.from([0, 8])])],
    ['two OPT records', Buffer.concat([header(0, 1, 0, 0, 2), WWW, opt(), opt()])],
    ['OPT not owned by the root', Buffer.concat([header(0, 1, 0, 0, 1), WWW, opt(1232, 0, wireName(['x']))])],
    ['OPT in the authority section', Buffer.concat([header(0, 1, 0, 1, 0), WWW, opt()])],
    ['trailing octets', Buffer.concat([header(0, 1), WWW, Buffer.from([0])])],
  ])('FORMERR: %s', (_name, msg) => {
    formerr(msg);
  });

  it('NOTIMP for opcodes other than QUERY, with the opcode echoed', () => {
    for (const opcode of [1, 2, 4, 5, 15]) {
      const r = decode(ask(Buffer.concat([header(opcode << 11, 1), WWW]))!);
      expect(r).toMatchObject({ id: 0x1234, qr: true, rcode: RCODE.NOTIMP, opcode, answer: [] });
    }
  });

  it('drops responses and messages shorter than a header', () => {
    expect(responder.respond(Buffer.concat([header(0x8000, 1), WWW]))).toBeNull();
    expect(responder.dropReason).toBe('response');
    for (let n = 0; n < 12; n++) expect(responder.respond(Buffer.alloc(n))).toBeNull();
    expect(responder.dropReason).toBe('short');
  });

  it('skips records of other types in the additional section (a TSIG, say)', () => {
    const tsig = Buffer.concat([wireName(['key']), Buffer.from([0, 250, 0, 255, 0, 0, 0, 0, 0, 2, 0xab, 0xcd])]);
    const r = decode(ask(Buffer.concat([header(0, 1, 0, 0, 2), WWW, tsig, opt(1232)]))!);
    expect(r).toMatchObject({ rcode: RCODE.NOERROR, answer: ['www.example.com 5 A 192.0.2.1', 'www.example.com 5 A 192.0.2.2'] });
    expect(r.opt).toBeDefined();
  });

  it('treats a label holding a dot or non-ASCII octets as its own name', () => {
    const r = answer(Buffer.concat([header(0, 1), question(['www.example', 'com'])]));
    expect(r.rcode).toBe(RCODE.REFUSED);
    const r2 = answer(Buffer.concat([header(0, 1), question(['w\xc0w', 'example', 'com'])]));
    expect(r2.rcode).toBe(RCODE.NXDOMAIN);
    // Upper-case only folds ASCII: \xc0 is not \xe0.
    const r3 = answer(Buffer.concat([header(0, 1), question(['WWW', 'EXAMPLE', 'COM'])]));
    expect(r3.answer).toHaveLength(2);
  });
});

describe('Responder: cache', () => {
  it('answers repeated questions from the cache, in each client case and ID', () => {
    const r = new Responder(exampleZones());
    const first = decode(ask(query('www.example.com', 'A', { id: 1 }), r)!);
    expect(r.cacheSize).toBe(1);
    const second = decode(ask(query('WWW.example.com', 'A', { id: 2 }), r)!);
    expect(r.cacheSize).toBe(1);
    expect(second.id).toBe(2);
    expect(second.question).toEqual(['WWW.example.com A IN']);
    expect(second.answer.map((a) => a.replace('WWW', 'www'))).toEqual(first.answer);
    // EDNS and DO are part of the key.
    ask(query('www.example.com', 'A', { edns: 1232 }), r);
    ask(query('www.example.com', 'A', { edns: 1232, dnssecOk: true }), r);
    expect(r.cacheSize).toBe(3);
  });

  it('is bounded', () => {
    const r = new Responder(exampleZones(), { cacheEntries: 10 });
    for (let i = 0; i < 100; i++) expect(decode(ask(query(`n${i}.example.com`, 'A'), r)!).rcode).toBe(RCODE.NXDOMAIN);
    expect(r.cacheSize).toBeLessThanOrEqual(20);
    expect(decode(ask(query('www.example.com', 'A'), r)!).answer).toHaveLength(2);
  });

  it('belongs to its snapshot', () => {
    const a = new Responder(exampleZones(1, '192.0.2.1'));
    const b = new Responder(exampleZones(2, '192.0.2.77'));
    expect(decode(ask(query('www.example.com', 'A'), a)!).answer[0]).toBe('www.example.com 5 A 192.0.2.1');
    expect(decode(ask(query('www.example.com', 'A'), b)!).answer[0]).toBe('www.example.com 5 A 192.0.2.77');
  });
});
