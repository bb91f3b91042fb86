/**
 * Keep-alive connections to one endpoint. A connection is leased to one request at a time (its
 * `owner` receives the socket's events) and comes back idle when its response was read to the
 * end. Idle connections are reused last-in first-out: the most recently used one is the least
 * likely to have been closed by the backend in the meantime, and the others age out.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ReadGate } from './read-gate.js';

/** What a leased connection reports to the request using it. */
export interface UpstreamOwner {
  /** The connection is established (never called for a reused connection). */
  onUpConnect(conn: UpstreamConn): void;
  onUpData(conn: UpstreamConn, chunk: Buffer): void;
  /** The backend closed its side. */
  onUpEnd(conn: UpstreamConn): void;
  /** The connection failed or closed (`err` undefined: closed without error). */
  onUpError(conn: UpstreamConn, err: Error | undefined): void;
  onUpDrain(conn: UpstreamConn): void;
}

export interface PoolOptions {
  /** How long an idle connection is kept (shortened by a backend's Keep-Alive: timeout hint). */
  idleTimeoutMs: number;
  /** Idle connections kept per endpoint. */
  maxIdle: number;
}

/** Read buffer size of a plain connection. */
const READ_BUFFER = 64 * 1024;

/**
 * Where a plain connection reads (net's `onread`, which skips the stream machinery): one buffer,
 * reused unless the data last read into it is still referenced.
 */
class ReadBuffer {
  private buf: Buffer | null = null;
  retained = false;

  next(): Buffer {
    if (this.buf === null || this.retained) {
      this.buf = Buffer.allocUnsafeSlow(READ_BUFFER);
      this.retained = false;
    }
    return this.buf;
  }
}

export class UpstreamConn {
  owner: UpstreamOwner | null = null;
  connected = false;
  /** A request was already sent on it (a reused connection may have been closed by the backend meanwhile). */
  reused = false;
  idleSince = 0;
  idleTimeoutMs: number;
  private dead = false;
  private readonly gate: ReadGate;

  private constructor(
    readonly pool: UpstreamPool,
    readonly socket: Socket,
    tls: boolean,
    private readonly reads: ReadBuffer | null,
  ) {
    this.idleTimeoutMs = pool.opts.idleTimeoutMs;
    this.gate = new ReadGate(socket);
    socket.on(tls ? 'secureConnect' : 'connect', () => {
      this.connected = true;
      this.owner?.onUpConnect(this);
    });
    if (reads === null) socket.on('data', (d: Buffer) => this.data(d));
    socket.on('end', () => {
      if (this.owner !== null) this.owner.onUpEnd(this);
      else this.destroy();
    });
    socket.on('drain', () => this.owner?.onUpDrain(this));
    socket.on('error', (e: Error) => this.gone(e));
    socket.on('close', () => this.gone(undefined));
  }

  static open(pool: UpstreamPool, host: string, port: number, tls: boolean, servername: string | undefined): UpstreamConn {
    if (tls) {
      const socket = tlsConnect({ host, port, servername, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
      socket.setNoDelay(true);
      return new UpstreamConn(pool, socket, true, null);
    }
    const reads = new ReadBuffer();
    const socket = netConnect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: () => reads.next(),
        callback: (n: number, b: Uint8Array) => {
          conn.data((b as Buffer).subarray(0, n));
          return true;
        },
      },
    });
    const conn = new UpstreamConn(pool, socket, false, reads);
    return conn;
  }

  private data(d: Buffer): void {
    if (this.owner !== null) this.owner.onUpData(this, d);
    // Bytes nobody asked for: the connection's framing is lost.
    else this.destroy();
  }

  /** Stops reading (the client cannot take more). */
  pause(): void {
    this.gate.pause();
  }

  resume(): void {
    this.gate.resume();
  }

  /**
   * The data last handed to the owner is still referenced after onUpData returned (kept, or in a
   * write that did not complete at once): the next read goes to a new buffer.
   */
  retain(): void {
    if (this.reads !== null) this.reads.retained = true;
  }

  private gone(err: Error | undefined): void {
    const owner = this.owner;
    this.owner = null;
    if (!this.dead) {
      this.dead = true;
      this.pool.forget(this);
      this.socket.destroy();
    }
    owner?.onUpError(this, err);
  }

  get alive(): boolean {
    return !this.dead;
  }

  /** Closes it; its owner is not told. */
  destroy(): void {
    this.owner = null;
    if (!this.dead) {
      this.dead = true;
      this.pool.forget(this);
      this.socket.destroy();
    }
  }

  /** Takes it out of the pool for good (an upgraded connection becomes a tunnel). */
  detach(): void {
    this.pool.forget(this);
  }
}

export class UpstreamPool {
  private readonly idle: UpstreamConn[] = [];
  /** Every open connection, idle or leased. */
  private readonly all = new Set<UpstreamConn>();
  private closed = false;
  private readonly servername: string | undefined;

  constructor(
    readonly address: string,
    readonly port: number,
    readonly tls: boolean,
    readonly opts: PoolOptions,
  ) {
    this.servername = tls && isIP(address) === 0 ? address : undefined;
  }

  get size(): number {
    return this.all.size;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /**
   * A connection for `owner`: an idle one (connected; use it now) or a new one (`onUpConnect`
   * follows, or `onUpError`).
   */
  acquire(owner: UpstreamOwner): UpstreamConn {
    while (this.idle.length > 0) {
      const c = this.idle.pop()!;
      if (!c.alive) continue;
      c.owner = owner;
      c.reused = true;
      return c;
    }
    const c = UpstreamConn.open(this, this.address, this.port, this.tls, this.servername);
    c.owner = owner;
    this.all.add(c);
    return c;
  }

  /** Gives back a connection whose exchange completed cleanly. */
  release(c: UpstreamConn, now: number): void {
    c.owner = null;
    c.resume();
    if (this.closed || !c.alive || this.idle.length >= this.opts.maxIdle || c.idleTimeoutMs <= 0) {
      c.destroy();
      return;
    }
    c.idleSince = now;
    this.idle.push(c);
  }

  /** Called by a connection that closed. */
  forget(c: UpstreamConn): void {
    this.all.delete(c);
    const i = this.idle.indexOf(c);
    if (i >= 0) this.idle.splice(i, 1);
  }

  /** Closes connections idle for longer than their timeout (the oldest are at the bottom). */
  sweep(now: number): void {
    while (this.idle.length > 0) {
      const c = this.idle[0]!;
      if (now - c.idleSince < c.idleTimeoutMs) break;
      c.destroy();
    }
    // Connections released later with a shorter hint may sit above older ones.
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const c = this.idle[i]!;
      if (now - c.idleSince >= c.idleTimeoutMs) c.destroy();
    }
  }

  /** No new idle connections; idle ones closed now, leased ones when their exchange ends. */
  close(): void {
    this.closed = true;
    for (const c of [...this.idle]) c.destroy();
  }

  /** Everything closed now, leased connections too. */
  destroy(): void {
    this.closed = true;
    for (const c of [...this.all]) c.destroy();
  }
}
