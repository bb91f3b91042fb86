/**
 * The DNS server on real sockets (ephemeral ports): dig end to end (answers, NXDOMAIN/NODATA,
 * truncation and the retry over TCP, EDNS sizes, 0x20, BADVERS, NOTIMP), raw UDP and TCP clients
 * (several and pipelined queries per connection, split frames, idle timeout, malformed input),
 * zone swaps, metrics, and a fuzz run over both transports after which answers are still right.
 * Needs dig (Debian's bind9-dnsutils).
 */
import { execFile } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsServer } from '../../src/dns/server.js';
import { RCODE } from '../../src/dns/wire.js';
import { BIG_COUNT, decode, exampleZones, query } from '../unit/dns-fixtures.js';
import { fuzzMessages } from '../unit/dns-fuzz-corpus.js';

const run = promisify(execFile);
let server: DnsServer;
let port: number;

beforeAll(async () => {
  try {
    await run('dig', ['-v']);
  } catch {
    throw new Error('dig is not installed (apt-get install -y bind9-dnsutils)');
  }
  server = await DnsServer.start({ udp: { host: '127.0.0.1', port: 0 }, tcp: { host: '127.0.0.1', port: 0 }, zones: exampleZones() });
  port = server.udpPort!;
});
afterAll(() => server?.close());

interface DigResult {
  status: string;
  flags: string[];
  question: string[];
  answer: string[];
  authority: string[];
  additional: string[];
  edns: string | undefined;
  out: string;
}

/** Runs dig against the server; records as "name ttl type data" (class dropped). */
async function dig(...args: string[]): Promise<DigResult> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=5', ...args]);
  const section = (title: string) => {
    const m = new RegExp(`;; ${title} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(stdout);
    return m ? m[1]!.split('\n').filter((l) => l && !l.startsWith(';;')) : [];
  };
  const rec = (l: string) => {
    const [name, ttl, , type, ...data] = l.split(/\s+/);
    return `${name} ${ttl} ${type} ${data.join(' ')}`;
  };
  return {
    status: /status: (\w+)/.exec(stdout)?.[1] ?? '',
    flags: (/;; flags: ([^;]*);/.exec(stdout)?.[1] ?? '').trim().split(' '),
    question: section('QUESTION').map((l) => l.replace(/^;/, '').split(/\s+/).join(' ')),
    answer: section('ANSWER').map(rec),
    authority: section('AUTHORITY').map(rec),
    additional: section('ADDITIONAL').map(rec),
    edns: /; EDNS: (.*)/.exec(stdout)?.[1],
    out: stdout,
  };
}

describe('dig end to end', () => {
  it('A, AAAA, CNAME chain, TXT', async () => {
    const a = await dig('www.example.com', 'A');
    expect(a).toMatchObject({ status: 'NOERROR', answer: ['www.example.com. 5 A 192.0.2.1', 'www.example.com. 5 A 192.0.2.2'] });
    expect(a.flags).toContain('aa');
    expect(a.flags).not.toContain('ra');
    expect((await dig('www.example.com', 'AAAA')).answer).toEqual(['www.example.com. 5 AAAA 2001:db8::1']);
    expect((await dig('chain.example.com', 'A')).answer).toEqual([
      'chain.example.com. 5 CNAME alias.example.com.',
      'alias.example.com. 5 CNAME www.example.com.',
      'www.example.com. 5 A 192.0.2.1',
      'www.example.com. 5 A 192.0.2.2',
    ]);
    expect((await dig('txt.example.com', 'TXT')).answer).toEqual(['txt.example.com. 5 TXT "hello" "world"']);
  });

  it('SRV with the targets in additional; SOA and NS with glue at the apex', async () => {
    const srv = await dig('_http._tcp.web.example.com', 'SRV');
    expect(srv.answer).toHaveLength(3);
    expect(srv.additional).toEqual(['web-0.web.example.com. 5 A 10.1.0.1', 'web-1.web.example.com. 5 A 10.1.0.2', 'web-1.web.example.com. 5 AAAA fd00::2']);
    expect((await dig('example.com', 'SOA')).answer).toEqual(['example.com. 300 SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 30']);
    const ns = await dig('example.com', 'NS');
    expect(ns.answer).toEqual(['example.com. 300 NS ns1.example.com.', 'example.com. 300 NS ns2.example.com.', 'example.com. 300 NS ns.elsewhere.org.']);
    expect(ns.additional).toEqual(['ns1.example.com. 300 A 127.0.53.1', 'ns2.example.com. 300 A 127.0.53.2', 'ns2.example.com. 300 AAAA ::2']);
  });

  it('NXDOMAIN and NODATA carry the SOA; empty non-terminals are NODATA; outside the zones REFUSED', async () => {
    const soa = ['example.com. 30 SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 30'];
    expect(await dig('nope.example.com', 'A')).toMatchObject({ status: 'NXDOMAIN', answer: [], authority: soa });
    expect(await dig('www.example.com', 'TXT')).toMatchObject({ status: 'NOERROR', answer: [], authority: soa });
    expect(await dig('a.b.c.example.com', 'A')).toMatchObject({ status: 'NOERROR', answer: [], authority: soa });
    const refused = await dig('www.example.net', 'A');
    expect(refused).toMatchObject({ status: 'REFUSED', answer: [], authority: [] });
    expect(refused.flags).not.toContain('aa');
  });

  it('truncates over 512 octets without EDNS (TC shown with +ignore), and dig retries over TCP', async () => {
    const tc = await dig('big.example.com', 'A', '+noedns', '+ignore');
    expect(tc.flags).toContain('tc');
    expect(tc.answer).toEqual([]);
    const retried = await dig('big.example.com', 'A', '+noedns');
    expect(retried.out).toContain('Truncated, retrying in TCP mode');
    expect(retried.flags).not.toContain('tc');
    expect(retried.answer).toHaveLength(BIG_COUNT);
    const tcp = await dig('big.example.com', 'A', '+tcp');
    expect(tcp.answer).toHaveLength(BIG_COUNT);
  });

  it('honours the EDNS payload size and advertises 1232', async () => {
    const small = await dig('big.example.com', 'A', '+bufsize=600', '+ignore');
    expect(small.flags).toContain('tc');
    expect(small.edns).toMatch(/version: 0, flags:; udp: 1232/);
    const fits = await dig('big.example.com', 'A', '+bufsize=1232', '+ignore');
    expect(fits.flags).not.toContain('tc');
    expect(fits.answer).toHaveLength(BIG_COUNT);
    expect((await dig('www.example.com', 'A', '+dnssec')).edns).toMatch(/flags: do; udp: 1232/);
  });

  it('echoes the question in the client case (0x20)', async () => {
    const r = await dig('wWw.ExAmPlE.CoM', 'A');
    expect(r.question).toEqual(['wWw.ExAmPlE.CoM. IN A']);
    expect(r.answer).toEqual(['wWw.ExAmPlE.CoM. 5 A 192.0.2.1', 'wWw.ExAmPlE.CoM. 5 A 192.0.2.2']);
  });

  it('BADVERS for EDNS version 1, NOTIMP for other opcodes', async () => {
    expect((await dig('www.example.com', '+edns=1', '+noednsnegotiation')).status).toBe('BADVERS');
    expect((await dig('www.example.com', '+edns=1')).out).toContain('BADVERS, retrying with EDNS version 0');
    expect((await dig('www.example.com', '+opcode=status')).status).toBe('NOTIMP');
    expect((await dig('example.com', 'AXFR')).out).toContain('Transfer failed');
  });
});

/** A UDP client matching answers to queries by ID. */
class UdpClient {
  private readonly sock: UdpSocket = createSocket('udp4');
  private readonly waiting = new Map<number, (b: Buffer) => void>();
  received = 0;

  constructor() {
    this.sock.on('message', (m) => {
      this.received++;
      if (m.length >= 2) this.waiting.get(m.readUInt16BE(0))?.(m);
    });
  }

  send(msg: Buffer): void {
    this.sock.send(msg, port, '127.0.0.1');
  }

  ask(msg: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const id = msg.readUInt16BE(0);
      const t = setTimeout(() => reject(new Error(`no answer to query ${id}`)), 5000);
      this.waiting.set(id, (b) => {
        clearTimeout(t);
        this.waiting.delete(id);
        resolve(b);
      });
      this.send(msg);
    });
  }

  close(): void {
    this.sock.close();
  }
}

/** A TCP client: writes octets, reads length-prefixed answers in order. */
class TcpClient {
  readonly sock: Socket;
  private buf = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private wake: (() => void) | undefined;
  readonly closed: Promise<void>;

  constructor() {
    this.sock = connect(port, '127.0.0.1');
    this.sock.on('data', (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 2 && this.buf.length >= 2 + this.buf.readUInt16BE(0)) {
        this.frames.push(this.buf.subarray(2, 2 + this.buf.readUInt16BE(0)));
        this.buf = this.buf.subarray(2 + this.buf.readUInt16BE(0));
      }
      this.wake?.();
    });
    this.closed = new Promise((r) => this.sock.on('close', () => r()));
    this.sock.on('close', () => this.wake?.());
    this.sock.on('error', () => {});
  }

  write(b: Buffer): void {
    this.sock.write(b);
  }

  async next(n = 1): Promise<Buffer[]> {
    while (this.frames.length < n) {
      if (this.sock.destroyed) throw new Error(`connection closed with ${this.frames.length} of ${n} answers`);
      await new Promise<void>((r) => (this.wake = r));
    }
    return this.frames.splice(0, n);
  }
}

const framed = (m: Buffer) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 255]), m]);

describe('TCP', () => {
  it('answers several pipelined queries per connection, in order, split anyhow', async () => {
    const c = new TcpClient();
    const qs = [query('www.example.com', 'A', { id: 1 }), query('nope.example.com', 'A', { id: 2 }), query('big.example.com', 'A', { id: 3 }), query('WWW.example.com', 'AAAA', { id: 4 })];
    // Three in one write.
    c.write(Buffer.concat(qs.slice(0, 3).map(framed)));
    const [a, b, big] = (await c.next(3)).map(decode);
    expect([a!.id, b!.id, big!.id]).toEqual([1, 2, 3]);
    expect(a!.answer).toHaveLength(2);
    expect(b!.rcode).toBe(RCODE.NXDOMAIN);
    expect(big!.answer).toHaveLength(BIG_COUNT);
    // One split octet by octet.
    for (const octet of framed(qs[3]!)) c.write(Buffer.from([octet]));
    expect(decode((await c.next())[0]!)).toMatchObject({ id: 4, question: ['WWW.example.com AAAA IN'], answer: ['WWW.example.com 5 AAAA 2001:db8::1'] });
    // Malformed but readable: FORMERR, and the connection goes on.
    c.write(framed(Buffer.from('12340000000000000000000000', 'hex')));
    expect(decode((await c.next())[0]!).rcode).toBe(RCODE.FORMERR);
    c.write(framed(qs[0]!));
    expect(decode((await c.next())[0]!).id).toBe(1);
    c.sock.end();
    await c.closed;
  });

  it('closes a connection whose frame is not even a header', async () => {
    const c = new TcpClient();
    c.write(framed(Buffer.from([1, 2, 3])));
    await c.closed;
  });

  it('closes idle connections', async () => {
    const s = await DnsServer.start({ tcp: { host: '127.0.0.1', port: 0 }, zones: exampleZones(), tcpIdleTimeoutMs: 200 });
    try {
      const sock = connect(s.tcpPort!, '127.0.0.1');
      const t0 = Date.now();
      await new Promise((r) => sock.on('close', r));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    } finally {
      await s.close();
    }
  });
});

describe('UDP', () => {
  it('FORMERR for readable garbage, nothing for responses and short messages, and keeps answering', async () => {
    const u = new UdpClient();
    try {
      const formerr = Buffer.from('abcd0000000000000000000000', 'hex');
      expect(decode(await u.ask(formerr))).toMatchObject({ id: 0xabcd, rcode: RCODE.FORMERR });
      // A response and a short message get nothing; the query after them is the next answer.
      const before = u.received;
      u.send(Buffer.from('abce8000000100000000000003777777076578616d706c6503636f6d0000010001', 'hex'));
      u.send(Buffer.from([1, 2, 3]));
      const next = decode(await u.ask(query('www.example.com', 'A', { id: 0xabcf })));
      expect(next.answer).toHaveLength(2);
      expect(u.received).toBe(before + 1);
    } finally {
      u.close();
    }
  });

  it('survives a sender it cannot answer (source port 0)', async () => {
    const sock = (server as unknown as { udpSocket: UdpSocket }).udpSocket;
    sock.emit('message', query('www.example.com', 'A'), { address: '127.0.0.1', family: 'IPv4', port: 0, size: 33 });
    const u = new UdpClient();
    try {
      expect(decode(await u.ask(query('www.example.com', 'A', { id: 9 }))).answer).toHaveLength(2);
    } finally {
      u.close();
    }
    expect(await server.registry.metrics()).toMatch(/kubefed_dns_dropped_total\{reason="unanswerable"\} 1/);
  });

  it('shows a new zone snapshot to the next query', async () => {
    const u = new UdpClient();
    try {
      expect(decode(await u.ask(query('www.example.com', 'A', { id: 10 }))).answer[0]).toBe('www.example.com 5 A 192.0.2.1');
      server.setZones(exampleZones(2, '192.0.2.99'));
      expect(decode(await u.ask(query('www.example.com', 'A', { id: 11 }))).answer[0]).toBe('www.example.com 5 A 192.0.2.99');
      expect(decode(await u.ask(query('example.com', 'SOA', { id: 12 }))).answer[0]).toBe('example.com 300 SOA ns1.example.com 30');
      expect((await dig('example.com', 'SOA')).answer[0]).toContain(' 2 3600 600 86400 30');
      server.setZones({ zones: [] });
      expect(decode(await u.ask(query('www.example.com', 'A', { id: 13 }))).rcode).toBe(RCODE.REFUSED);
    } finally {
      server.setZones(exampleZones());
      u.close();
    }
  });
});

describe('fuzz over the sockets', () => {
  it('survives 6,000 random and mutated messages over UDP and TCP and still answers correctly', async () => {
    const messages = fuzzMessages(4711, 6000);
    const u = new UdpClient();
    try {
      // In chunks, each followed by a query whose answer says the chunk was read.
      for (let i = 0; i < messages.length; i += 250) {
        for (const m of messages.slice(i, i + 250)) u.send(m);
        const id = 0xf000 + i / 250;
        expect(decode(await u.ask(query('www.example.com', 'A', { id }))).id).toBe(id);
      }
    } finally {
      u.close();
    }
    // Over TCP: one connection per 500 messages (one with less than a header ends it).
    for (let i = 0; i < messages.length; i += 500) {
      const c = new TcpClient();
      c.write(Buffer.concat(messages.slice(i, i + 500).map(framed)));
      c.sock.end();
      await c.closed;
    }
    expect(await dig('chain.example.com', 'A')).toMatchObject({ status: 'NOERROR' });
    expect((await dig('big.example.com', 'A', '+noedns')).answer).toHaveLength(BIG_COUNT);
    expect((await dig('nope.example.com')).status).toBe('NXDOMAIN');
    const metrics = await server.registry.metrics();
    expect(metrics).toMatch(/kubefed_dns_queries_total\{type="A",rcode="NOERROR",transport="udp"\} \d+/);
    expect(metrics).toMatch(/kubefed_dns_queries_total\{type="none",rcode="FORMERR",transport="(udp|tcp)"\} \d+/);
    expect(metrics).toMatch(/kubefed_dns_dropped_total\{reason="response"\} \d+/);
    expect(metrics).toMatch(/kubefed_dns_query_duration_seconds_count \d+/);
    expect(metrics).toMatch(/kubefed_dns_zones 3/);
    expect(metrics).toMatch(/kubefed_dns_answer_cache_hits_total [1-9]/);
    expect(metrics).toMatch(/kubefed_dns_answer_cache_misses_total [1-9]/);
  });
});
