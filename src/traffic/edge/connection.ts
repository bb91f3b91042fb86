/**
 * One client connection (plain or TLS): reads request heads, hands each request to an Exchange,
 * one at a time (pipelined requests wait, unread, until the one before is answered), keeps the
 * connection alive between requests, becomes a tunnel after an upgrade, and enforces the
 * head, idle and tunnel timeouts when the edge sweeps its connections.
 */
import type { Socket } from 'node:net';
import type { Location } from '../model.js';
import type { EndpointState } from './endpoints.js';
import { Exchange } from './exchange.js';
import { HeadReader, HttpError, parseRequestHead, simpleResponse } from './http1.js';
import { normalizeAddress } from './forwarded.js';
import { ReadGate } from './read-gate.js';
import type { EdgeRuntime } from './runtime.js';

/** One reader for every connection: heads are read one at a time. */
const HEADS = new HeadReader();

export class ClientConn {
  readonly peer: string;
  /** The exchange occupying the connection: until its response is sent and its body read. */
  ex: Exchange | null = null;
  /** Bytes received and not yet handled (a partial head, or pipelined requests). */
  private buf: Buffer | null = null;
  /** Where the search for the end of the head resumes in `buf`. */
  private scanFrom = 0;
  private headSince = 0;
  private idleSince: number;
  private feeding = false;
  private readonly gate: ReadGate;
  private tunnel: Exchange | null = null;
  /** The client closed its side. */
  ending = false;
  closed = false;
  private gone = false;
  private gen = -1;
  private trusted = false;
  private loc: Location | undefined;

  constructor(
    readonly socket: Socket,
    readonly https: boolean,
    private readonly rt: EdgeRuntime,
    private readonly onClosed: (c: ClientConn) => void,
  ) {
    this.peer = normalizeAddress(socket.remoteAddress);
    this.gate = new ReadGate(socket);
    this.idleSince = rt.now;
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('drain', () => {
      if (this.tunnel !== null) this.tunnel.onClientDrain();
      else this.ex?.onClientDrain();
    });
    socket.on('end', () => this.onEnd());
    socket.on('error', () => this.onClose());
    socket.on('close', () => this.onClose());
  }

  /** Whether the peer is a trusted proxy (cached per configuration snapshot). */
  peerTrusted(): boolean {
    this.refresh();
    return this.trusted;
  }

  /** The peer's location (cached per configuration snapshot). */
  location(): Location {
    this.refresh();
    return (this.loc ??= this.rt.locate(this.peer));
  }

  private refresh(): void {
    const snap = this.rt.snapshot;
    if (snap.generation === this.gen) return;
    this.gen = snap.generation;
    this.trusted = snap.trust.has(this.peer);
    this.loc = undefined;
  }

  pause(): void {
    this.gate.pause();
  }

  resume(): void {
    this.gate.resume();
  }

  private onData(chunk: Buffer): void {
    if (this.tunnel !== null) {
      this.tunnel.tunnelData(chunk);
      return;
    }
    const ex = this.ex;
    if (ex === null) {
      this.feed(chunk);
      return;
    }
    let rest = chunk;
    if (ex.bodyPending) {
      const used = ex.clientBody(chunk, 0);
      if (used === chunk.length) {
        if (ex.done && !ex.bodyPending && this.ex === ex) this.next();
        return;
      }
      rest = chunk.subarray(used);
    }
    // The next request arrived before this one was answered: it waits.
    this.buf = this.buf === null ? rest : Buffer.concat([this.buf, rest]);
    if (ex.done && !ex.bodyPending && this.ex === ex) this.next();
    else this.pause();
  }

  /** Reads as many complete requests from the buffered bytes and `chunk` as can be started. */
  private feed(chunk: Buffer | null): void {
    let buf = this.buf;
    this.buf = null;
    if (chunk !== null) buf = buf === null ? chunk : Buffer.concat([buf, chunk]);
    if (buf === null) return;
    const maxHead = this.rt.tunables.maxHeadBytes;
    this.feeding = true;
    try {
      while (buf.length > 0 && !this.closed) {
        // Empty lines before a request line are ignored (RFC 9112 section 2.2).
        if (buf[0] === 13 || buf[0] === 10) {
          let i = 0;
          while (i < buf.length && (buf[i] === 13 || buf[i] === 10)) i++;
          buf = buf.subarray(i);
          this.scanFrom = 0;
          continue;
        }
        HEADS.reset(buf);
        const end = HEADS.find(this.scanFrom);
        if (end < 0 || end > maxHead) {
          HEADS.clear();
          if (buf.length > maxHead) {
            this.reject(new HttpError(431, 'request head too large'));
            return;
          }
          this.buf = buf;
          this.scanFrom = Math.max(0, buf.length - 3);
          if (this.headSince === 0) this.headSince = this.rt.now;
          return;
        }
        this.scanFrom = 0;
        this.headSince = 0;
        let head;
        try {
          head = parseRequestHead(HEADS.text(0, end));
        } catch (e) {
          this.reject(e instanceof HttpError ? e : new HttpError(400, 'malformed request'));
          return;
        } finally {
          HEADS.clear();
        }
        const ex = new Exchange(this, head, this.rt);
        this.ex = ex;
        const next = ex.begin(buf, end + 4);
        buf = buf.subarray(next);
        if (this.ex === ex && !(ex.done && !ex.bodyPending)) {
          if (ex.inTunnel) return;
          // Still running: what follows waits for it.
          if (buf.length > 0) {
            this.buf = buf;
            this.pause();
          }
          return;
        }
        if (this.closed || this.ending) return;
        this.ex = null;
        this.idleSince = this.rt.now;
      }
    } finally {
      this.feeding = false;
    }
  }

  /** A malformed request: answered, and the connection closed (its framing cannot be trusted). */
  private reject(e: HttpError): void {
    this.rt.metrics.request('', e.status, '', 0);
    this.socket.end(simpleResponse(e.status, `${e.message}\n`, 'x-kubefed-cluster: -\r\n', true), 'latin1');
    this.closed = true;
  }

  /** Called by the exchange once its response is complete (or it gave up). */
  exchangeDone(ex: Exchange, close: boolean): void {
    if (this.ex !== ex) return;
    if (close || this.ending) {
      this.closed = true;
      this.ex = null;
      this.socket.end();
      return;
    }
    // The rest of a request body nobody reads any more is read and dropped.
    if (ex.bodyPending) {
      this.idleSince = this.rt.now;
      this.resume();
      return;
    }
    if (!this.feeding) this.next();
  }

  /** The connection is free for the next request. */
  private next(): void {
    this.ex = null;
    this.idleSince = this.rt.now;
    if (this.buf !== null) {
      // Pipelined requests are started from a fresh stack.
      setImmediate(() => {
        if (!this.closed && this.ex === null) this.feed(null);
        if (!this.closed && this.ex === null) this.resume();
      });
      return;
    }
    this.resume();
  }

  startTunnel(ex: Exchange): void {
    this.tunnel = ex;
    this.ex = null;
    const rest = this.buf;
    this.buf = null;
    if (rest !== null && rest.length > 0) ex.tunnelData(rest);
    this.resume();
  }

  private onEnd(): void {
    this.ending = true;
    if (this.tunnel !== null) this.tunnel.tunnelEnd();
    else if (this.ex === null) {
      this.closed = true;
      this.socket.end();
    } else if (this.ex.bodyPending) {
      // The body will never be complete.
      const ex = this.ex;
      ex.abort('aborted');
      if (this.ex === ex) {
        this.ex = null;
        this.closed = true;
        this.socket.destroy();
      }
    }
  }

  private onClose(): void {
    if (this.gone) return;
    this.gone = true;
    this.closed = true;
    const ex = this.ex ?? this.tunnel;
    this.ex = null;
    this.tunnel = null;
    ex?.abort('aborted');
    this.finalClose();
  }

  private finalClose(): void {
    this.socket.destroy();
    this.onClosed(this);
  }

  /** An endpoint was found dead: a request waiting on it may be retried elsewhere now. */
  endpointDown(st: EndpointState): void {
    this.ex?.endpointDown(st);
  }

  /** Timeouts: slow heads, idle keep-alive connections, request deadlines, idle tunnels. */
  sweep(now: number): void {
    if (this.tunnel !== null) {
      this.tunnel.sweep(now);
      return;
    }
    const t = this.rt.tunables.timeouts;
    if (this.ex !== null) {
      // Answered, its body still being read and dropped: as long as an idle connection may stay.
      if (this.ex.done) {
        if (now - this.idleSince >= t.clientIdleMs) this.socket.destroy();
      } else this.ex.sweep(now);
      return;
    }
    if (this.headSince > 0) {
      if (now - this.headSince >= t.headersMs) this.reject(new HttpError(408, 'request head timed out'));
    } else if (now - this.idleSince >= t.clientIdleMs) {
      this.closed = true;
      this.socket.destroy();
    }
  }

  /** Closes an idle connection now (the edge is closing); busy ones close after their exchange. */
  closeIfIdle(): boolean {
    if (this.ex === null && this.tunnel === null && this.headSince === 0) {
      this.closed = true;
      this.socket.destroy();
      return true;
    }
    return false;
  }
}
