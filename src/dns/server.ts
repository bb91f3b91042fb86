/**
 * The federation's authoritative DNS server: UDP and TCP listeners in front of a `Responder`
 * (one per ZoneSet snapshot; `setZones` swaps it atomically, so the next query sees the new
 * zones and a fresh answer cache). See README.md in this folder for the behaviour in detail.
 *
 * TCP (RFC 7766): each message is preceded by its 2-octet length; a connection carries any
 * number of queries, which may be pipelined (answers come in order); a connection idle for
 * `tcpIdleTimeoutMs` is closed; a client that does not read its answers stops being read.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { lookup } from 'node:dns';
import { createServer, isIP, isIPv6, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import pino, { type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { DnsMetrics, type Transport } from './metrics.js';
import { Responder, type ResponderOptions } from './responder.js';
import { HEADER_SIZE } from './wire.js';
import type { ZoneSet } from './zone.js';

export interface ListenAddress {
  host: string;
  /** 0: any free port. When UDP and TCP both ask for port 0 on one host they get the same port. */
  port: number;
}

export interface DnsServerOptions extends ResponderOptions {
  udp?: ListenAddress;
  tcp?: ListenAddress;
  /** The first snapshot (default: no zones, every question REFUSED). */
  zones?: ZoneSet;
  logger?: Logger;
  /** A TCP connection with nothing to read or write for this long is closed (default 10 s). */
  tcpIdleTimeoutMs?: number;
  /** TCP connections at once; more are refused (default 1000). */
  maxTcpConnections?: number;
  /** SO_RCVBUF of the UDP socket, to ride out bursts (default 4 MiB; the kernel may cap it). */
  udpReceiveBufferSize?: number;
}

const EMPTY: ZoneSet = { zones: [] };

/**
 * dgram resolves the address of every send; ours are the senders' own IP literals, so they are
 * passed straight through (Node's resolver would answer them a tick later: measurable per query).
 */
const literalLookup = (host: string, opts: unknown, cb: (err: Error | null, address: string, family: number) => void): void => {
  const family = isIP(host);
  if (family !== 0) return cb(null, host, family);
  lookup(host, { family: typeof opts === 'number' ? opts : 0 }, cb as (err: Error | null, address: string, family: number) => void);
};

export class DnsServer {
  private responder: Responder;
  private udpSocket: UdpSocket | undefined;
  private tcpServer: Server | undefined;
  private readonly connections = new Set<Socket>();
  private readonly log: Logger;
  private readonly metricsImpl: DnsMetrics;
  private lastErrorLog = 0;
  private readonly cacheCounters = { hits: 0, misses: 0 };
  private closed = false;

  private constructor(private readonly opts: DnsServerOptions) {
    this.log = opts.logger ?? pino({ level: process.env.KUBEFED_LOG_LEVEL ?? 'warn', base: { component: 'dns' } }, pino.destination(2));
    this.responder = this.compile(opts.zones ?? EMPTY);
    this.metricsImpl = new DnsMetrics({
      tcpConnections: () => this.connections.size,
      zones: () => this.responder.index.size,
      problems: () => this.responder.index.problems.length,
      cacheEntries: () => this.responder.cacheSize,
      cache: this.cacheCounters,
    });
  }

  /** Starts listening on the given addresses (at least one of udp and tcp). */
  static async start(opts: DnsServerOptions): Promise<DnsServer> {
    if (!opts.udp && !opts.tcp) throw new Error('DnsServer: give a udp or a tcp address (or both)');
    const s = new DnsServer(opts);
    try {
      await s.listen();
    } catch (e) {
      await s.close();
      throw e;
    }
    return s;
  }

  private async listen(): Promise<void> {
    const { udp, tcp } = this.opts;
    const samePort = udp && tcp && udp.port === 0 && tcp.port === 0 && udp.host === tcp.host;
    if (!samePort) {
      if (udp) this.udpSocket = await this.bindUdp(udp);
      if (tcp) this.tcpServer = await this.bindTcp(tcp);
      return;
    }
    // One free port for both: take a UDP port, then TCP on it; try again if TCP's is taken.
    for (let attempt = 0; ; attempt++) {
      const sock = await this.bindUdp(udp);
      try {
        this.tcpServer = await this.bindTcp({ host: tcp.host, port: sock.address().port });
        this.udpSocket = sock;
        return;
      } catch (e) {
        await new Promise<void>((r) => sock.close(() => r()));
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw e;
      }
    }
  }

  private bindUdp(a: ListenAddress): Promise<UdpSocket> {
    const sock = createSocket({ type: isIPv6(a.host) ? 'udp6' : 'udp4', lookup: literalLookup });
    return new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(a.port, a.host, () => {
        sock.off('error', reject);
        try {
          sock.setRecvBufferSize(this.opts.udpReceiveBufferSize ?? 4 << 20);
        } catch {
          // Capped by net.core.rmem_max; the default buffer works, only bursts suffer.
        }
        sock.on('error', (e) => this.log.debug({ err: e }, 'udp socket error'));
        sock.on('message', (msg, rinfo) => this.onUdp(sock, msg, rinfo.port, rinfo.address));
        resolve(sock);
      });
    });
  }

  private bindTcp(a: ListenAddress): Promise<Server> {
    const server = createServer({ noDelay: true }, (c) => this.onTcp(c));
    server.maxConnections = this.opts.maxTcpConnections ?? 1000;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(a.port, a.host, () => {
        server.off('error', reject);
        server.on('error', (e) => this.log.warn({ err: e }, 'tcp server error'));
        resolve(server);
      });
    });
  }

  private onUdp(sock: UdpSocket, msg: Buffer, port: number, address: string): void {
    const t0 = performance.now();
    const r = this.responder;
    const out = r.respond(msg, false);
    if (out === null) return this.metricsImpl.dropped(r.dropReason ?? 'short');
    try {
      sock.send(out, port, address);
    } catch (e) {
      // A sender dgram refuses to answer (source port 0, say): nothing to send it.
      this.log.debug({ err: e, address, port }, 'udp answer not sent');
      return this.metricsImpl.dropped('unanswerable');
    }
    this.account('udp', r, t0);
  }

  private onTcp(c: Socket): void {
    if (this.closed) return void c.destroy();
    this.connections.add(c);
    c.setTimeout(this.opts.tcpIdleTimeoutMs ?? 10_000, () => c.destroy());
    c.on('error', () => c.destroy());
    c.on('close', () => this.connections.delete(c));
    let pending: Buffer | undefined;
    c.on('data', (chunk: Buffer) => {
      const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      let off = 0;
      c.cork();
      while (buf.length - off >= 2) {
        const len = buf.readUInt16BE(off);
        if (buf.length - off - 2 < len) break;
        const msg = buf.subarray(off + 2, off + 2 + len);
        off += 2 + len;
        const t0 = performance.now();
        const r = this.responder;
        const out = r.respond(msg, true);
        if (out === null) {
          this.metricsImpl.dropped(r.dropReason ?? 'short');
          // Not even a header: the stream cannot be trusted any more.
          if (len < HEADER_SIZE) {
            c.uncork();
            return void c.destroy();
          }
          continue;
        }
        c.write(out);
        this.account('tcp', r, t0);
      }
      c.uncork();
      pending = off < buf.length ? Buffer.from(buf.subarray(off)) : undefined;
      // A client that does not read its answers is not read either.
      if (c.writableNeedDrain) {
        c.pause();
        c.once('drain', () => c.resume());
      }
    });
  }

  private account(transport: Transport, r: Responder, t0: number): void {
    this.metricsImpl.query(transport, r.qtype, r.rcode, (performance.now() - t0) / 1000);
    if (r.error !== undefined) {
      const now = Date.now();
      if (now - this.lastErrorLog >= 1000) {
        this.lastErrorLog = now;
        this.log.error({ err: r.error }, 'answering a query failed (SERVFAIL)');
      }
    }
  }

  private compile(zones: ZoneSet): Responder {
    const r = new Responder(zones, { ...this.opts, counters: this.cacheCounters });
    const problems = r.index.problems;
    if (problems.length > 0) this.log?.warn({ problems: problems.slice(0, 20), count: problems.length }, 'some records of the zones cannot be served');
    return r;
  }

  /** Installs a new snapshot: the next query is answered from it. */
  setZones(zones: ZoneSet): void {
    this.responder = this.compile(zones);
  }

  get zones(): ZoneSet {
    return this.responder.zones;
  }

  /** Records of the current snapshot that are not served, and why. */
  get problems(): readonly string[] {
    return this.responder.index.problems;
  }

  get udpAddress(): ListenAddress | undefined {
    const a = this.udpSocket?.address();
    return a ? { host: a.address, port: a.port } : undefined;
  }

  get tcpAddress(): ListenAddress | undefined {
    const a = this.tcpServer?.address();
    return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
  }

  get udpPort(): number | undefined {
    return this.udpAddress?.port;
  }

  get tcpPort(): number | undefined {
    return this.tcpAddress?.port;
  }

  /** The server's own Prometheus registry (kubefed_dns_*). */
  get registry(): Registry {
    return this.metricsImpl.registry;
  }

  /** Answers one message in process, as the UDP (or TCP, length-prefixed) listener would. */
  answer(msg: Buffer, transport: Transport = 'udp'): Buffer | null {
    return this.responder.respond(msg, transport === 'tcp');
  }

  /** Stops listening and closes open TCP connections. */
  async close(): Promise<void> {
    this.closed = true;
    const udp = this.udpSocket;
    const tcp = this.tcpServer;
    this.udpSocket = undefined;
    this.tcpServer = undefined;
    for (const c of this.connections) c.destroy();
    await Promise.all([
      udp ? new Promise<void>((r) => udp.close(() => r())) : undefined,
      tcp ? new Promise<void>((r) => tcp.close(() => r())) : undefined,
    ]);
  }
}
