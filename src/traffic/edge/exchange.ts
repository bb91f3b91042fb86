/**
 * One request through the edge: route, pick an endpoint, send the request (head, then its body
 * as it streams in), read the response head, forward the response as it streams back, and retry
 * on another endpoint when a try fails before anything reached the client (retry.ts says when).
 * Upgrade requests (WebSocket) become a tunnel once the endpoint answers 101.
 *
 * This is the proxy's hot path: no per-request timers (ClientConn.sweep checks deadlines), no
 * streams, one string built per head, writes straight to the sockets.
 */
import type { Backend, Location } from '../model.js';
import type { Avoid, Pick } from '../locality/balancer-api.js';
import type { ClientConn } from './connection.js';
import type { EndpointState } from './endpoints.js';
import { ChunkedScanner, HeadReader, HttpError, parseResponseHead, requestFraming, responseFraming, simpleResponse, type Framing, type MessageHead } from './http1.js';
import { BodyBuffer, endpointFailure, mayRetry, nothingSent, RETRY_STATUSES, retryEligible, type TryOutcome } from './retry.js';
import { normalizeHost, pickBackend, targetPath } from './router.js';
import type { EdgeRuntime } from './runtime.js';
import type { UpstreamConn, UpstreamOwner } from './upstream.js';

const P_ROUTING = 0;
const P_CONNECTING = 1;
/** The request is being sent; waiting for the response head. */
const P_WAITING = 2;
/** Forwarding the response body. */
const P_RESPONSE = 3;
const P_TUNNEL = 4;
const P_DONE = 5;

/** Request body bytes waiting for a connection before the client is asked to wait. */
const BODY_HIGH_WATER = 64 * 1024;
const EDGE_CLUSTER_HEADER = 'x-kubefed-cluster: -\r\n';
const NO_LOCATION: Location = {};
/** Heads are read one at a time (the proxy is single-threaded): one reader serves every exchange. */
const HEADS = new HeadReader();
/** A response whose body came with its head and is at most this long is written in one buffer. */
const MERGE_MAX = 16 * 1024;

export class Exchange implements UpstreamOwner {
  readonly started = performance.now();
  readonly deadline: number;
  readonly path: string;
  host = '';
  /** More request body is to come from the client. */
  bodyPending: boolean;
  private readonly framing: Framing;
  private bodyRemaining: number;
  private readonly bodyChunks: ChunkedScanner | null;
  /** Read by mayRetry. */
  readonly body: BodyBuffer | null;
  readonly eligible: boolean;

  private backend: Backend | undefined;
  client = '';
  location: Location = NO_LOCATION;
  private upHead = '';

  tries = 0;
  /** Tries that could not connect (they do not count against maxTries). */
  connectFailures = 0;
  private avoid: { endpoints: Set<string>; clusters: Set<string> } | undefined;
  private pick: Pick | undefined;
  private st: EndpointState | undefined;
  private up: UpstreamConn | null = null;
  private phase = P_ROUTING;
  private tryDeadline = 0;
  private tryStarted = 0;
  private connectDeadline = 0;
  /** The status answered when tries run out: 502, or 504 after a timeout. */
  private failStatus = 502;

  private upBuf: Buffer | null = null;
  private respFraming: Framing = 'none';
  private respRemaining = 0;
  private respChunks: ChunkedScanner | null = null;
  private dechunk = false;
  private reusable = false;
  private closeClient = false;
  /** Some byte of a response (even a 1xx) was written to the client: no more retries. */
  private answered = false;
  private sent100 = false;
  private bodyBroken = false;
  /** The endpoint is paused until the client drains. */
  private upPaused = false;
  /** The client is paused until the endpoint drains (request body). */
  private clientPaused = false;
  status = 0;
  cluster = '';
  tier = '';
  private tunnelActive = 0;

  constructor(
    readonly conn: ClientConn,
    readonly head: MessageHead,
    private readonly rt: EdgeRuntime,
  ) {
    this.path = targetPath(head.target);
    this.framing = requestFraming(head);
    this.bodyPending = this.framing !== 'none';
    this.bodyRemaining = head.contentLength;
    this.bodyChunks = head.chunked ? new ChunkedScanner() : null;
    this.eligible = retryEligible(head.method, head.idempotencyKey);
    this.body = this.bodyPending ? new BodyBuffer(this.eligible, rt.tunables.retry.replayLimit) : null;
    const requestMs = rt.tunables.timeouts.requestMs;
    this.deadline = requestMs > 0 ? this.started + requestMs : Infinity;
  }

  /**
   * Starts the exchange with the bytes after its head (`buf` from `start`): takes those that are
   * body, returns where the body ended in `buf` (what follows is the next request, or tunnel data).
   */
  begin(buf: Buffer, start: number): number {
    const rt = this.rt;
    rt.inFlight++;
    let next = start;
    if (this.bodyPending && start < buf.length) {
      next = this.clientBody(buf, start);
      if (this.phase === P_DONE) return next;
    }
    const h = this.head;
    const snap = rt.snapshot;
    this.host = normalizeHost(h.host);
    const route = snap.router.match(this.host, this.path, h.method, h);
    if (route === undefined) {
      this.backend = snap.router.defaultBackend;
      if (this.backend === undefined) {
        this.respondLocal(404, 'no route\n');
        return next;
      }
    } else {
      this.backend = pickBackend(route);
      if (this.backend === undefined) {
        this.respondLocal(500, 'no backend with a weight\n');
        return next;
      }
    }
    const conn = this.conn;
    const trusted = conn.peerTrusted();
    if (trusted && h.xff !== '') {
      this.client = snap.trust.client(conn.peer, true, h.xff);
      this.location = this.client === conn.peer ? conn.location() : rt.locate(this.client);
    } else {
      this.client = conn.peer;
      this.location = conn.location();
    }
    this.upHead = this.requestHead(trusted);
    this.nextTry();
    return next;
  }

  private requestHead(trusted: boolean): string {
    const h = this.head;
    const peer = this.conn.peer;
    const fields = h.forward;
    const xff = h.xff !== '' ? `${h.xff}, ${peer}` : peer;
    const proto = trusted && h.xfProto !== '' ? h.xfProto : this.conn.https ? 'https' : 'http';
    const xhost = trusted && h.xfHost !== '' ? h.xfHost : h.host;
    let s = `${h.method} ${h.target} HTTP/1.1\r\n${fields}x-forwarded-for: ${xff}\r\nx-forwarded-proto: ${proto}\r\n`;
    if (xhost !== '') s += `x-forwarded-host: ${xhost}\r\n`;
    if (h.chunked) s += 'transfer-encoding: chunked\r\n';
    if (h.upgrade !== '') s += `connection: upgrade\r\nupgrade: ${h.upgrade}\r\n`;
    return s + '\r\n';
  }

  // ---- request body ----

  /**
   * Body bytes from the client (`buf` from `start`); returns the index after the last body byte.
   * Malformed chunked framing ends the exchange and the connection.
   */
  clientBody(buf: Buffer, start: number): number {
    try {
      return this.takeBody(buf, start);
    } catch (e) {
      this.bodyPending = false;
      this.bodyBroken = true;
      if (this.phase === P_DONE) this.conn.socket.destroy();
      else if (this.answered) this.abort('aborted');
      else {
        if (this.up !== null) this.endTry('aborted', false);
        this.respondLocal(e instanceof HttpError ? e.status : 400, 'malformed request body\n');
      }
      return buf.length;
    }
  }

  private takeBody(buf: Buffer, start: number): number {
    let end: number;
    if (this.framing === 'length') {
      const take = Math.min(this.bodyRemaining, buf.length - start);
      this.bodyRemaining -= take;
      end = start + take;
      if (this.bodyRemaining === 0) this.bodyPending = false;
    } else {
      const e = this.bodyChunks!.scan(buf, start);
      end = e < 0 ? buf.length : e;
      if (e >= 0) this.bodyPending = false;
    }
    if (end > start) this.bodyBytes(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
    return end;
  }

  private bodyBytes(b: Buffer): void {
    if (this.phase === P_DONE) return;
    const body = this.body!;
    body.push(b);
    if ((this.phase === P_WAITING || this.phase === P_RESPONSE) && this.up !== null) this.flushBody();
    else if (body.unsentBytes > BODY_HIGH_WATER) this.pauseClient();
  }

  private flushBody(): void {
    const s = this.up!.socket;
    if (!this.body!.flush((b) => s.write(b))) this.pauseClient();
    else if (this.clientPaused) {
      this.clientPaused = false;
      this.conn.resume();
    }
  }

  private pauseClient(): void {
    if (!this.clientPaused && this.bodyPending) {
      this.clientPaused = true;
      this.conn.pause();
    }
  }

  onUpDrain(conn: UpstreamConn): void {
    if (conn !== this.up) return;
    if (this.clientPaused) {
      this.clientPaused = false;
      this.conn.resume();
    }
  }

  /** The client can take more. */
  onClientDrain(): void {
    if (this.upPaused && this.up !== null) {
      this.upPaused = false;
      this.up.resume();
    }
  }

  // ---- tries ----

  private nextTry(): void {
    const rt = this.rt;
    const backend = this.backend!;
    let pick: Pick | undefined;
    let st: EndpointState | undefined;
    // An endpoint the table no longer has (the configuration changed under this request) is skipped.
    for (let guard = 0; guard <= backend.endpoints.length; guard++) {
      pick = rt.balancer.pick(backend, this.location, rt.endpoints.healthy, this.avoid as Avoid | undefined);
      if (pick === undefined) break;
      st = rt.endpoints.get(pick.endpoint.id);
      if (st !== undefined) break;
      this.avoidAdd(pick.endpoint.id, pick.endpoint.cluster);
      pick = undefined;
    }
    if (pick === undefined || st === undefined) {
      if (this.tries === 0) this.respondLocal(503, 'no endpoint available\n');
      else this.respondLocal(this.failStatus, this.failStatus === 504 ? 'upstream timed out\n' : 'upstream failed\n');
      return;
    }
    this.tries++;
    if (this.tries > 1) rt.metrics.retried();
    this.pick = pick;
    this.st = st;
    this.cluster = pick.endpoint.cluster;
    this.tier = pick.tier;
    rt.balancer.started(pick.endpoint);
    const now = performance.now();
    this.tryStarted = now;
    this.tryDeadline = Math.min(now + rt.tunables.timeouts.tryMs, this.deadline);
    const up = st.pool.acquire(this);
    this.up = up;
    if (up.connected) {
      this.phase = P_WAITING;
      this.send();
    } else {
      this.phase = P_CONNECTING;
      this.connectDeadline = Math.min(now + rt.tunables.timeouts.connectMs, this.tryDeadline);
    }
  }

  private avoidAdd(id: string, cluster: string): void {
    this.avoid ??= { endpoints: new Set(), clusters: new Set() };
    this.avoid.endpoints.add(id);
    this.avoid.clusters.add(cluster);
  }

  onUpConnect(conn: UpstreamConn): void {
    if (conn !== this.up || this.phase !== P_CONNECTING) return;
    this.phase = P_WAITING;
    this.send();
  }

  private send(): void {
    const s = this.up!.socket;
    if (this.body === null || !this.body.hasUnsent) {
      s.write(this.upHead, 'latin1');
      return;
    }
    s.cork();
    s.write(this.upHead, 'latin1');
    this.flushBody();
    s.uncork();
  }

  /** Ends the current try: its connection kept (`reusable`) or closed, accounting done. */
  private endTry(outcome: TryOutcome, reusable: boolean): void {
    const up = this.up;
    this.up = null;
    if (up !== null) {
      this.upPaused = false;
      if (reusable) this.st!.pool.release(up, this.rt.now);
      else up.destroy();
    }
    const rt = this.rt;
    const pick = this.pick!;
    rt.balancer.finished(pick.endpoint);
    rt.metrics.tryEnded(pick.endpoint.cluster, outcome);
    if (endpointFailure(outcome)) rt.outlier.failure(this.st!, this.rt.now);
    else if (outcome === 'success') {
      if (this.status >= 500) rt.outlier.failure(this.st!, this.rt.now);
      else rt.outlier.success(this.st!);
    }
  }

  /** The current try failed before its response was forwarded. */
  private tryFailed(outcome: TryOutcome): void {
    const pick = this.pick!;
    this.endTry(outcome, false);
    if (nothingSent(outcome)) this.connectFailures++;
    this.upBuf = null;
    if (this.answered) {
      this.abort(outcome);
      return;
    }
    if (outcome === 'timeout' || outcome === 'connect_timeout') this.failStatus = 504;
    else if (outcome !== 'retried_status') this.failStatus = 502;
    this.avoidAdd(pick.endpoint.id, pick.endpoint.cluster);
    if (mayRetry(outcome, this, this.rt.tunables.retry, performance.now())) {
      this.body?.rewind();
      this.phase = P_ROUTING;
      this.nextTry();
    } else this.respondLocal(this.failStatus, this.failStatus === 504 ? 'upstream timed out\n' : 'upstream failed\n');
  }

  onUpError(conn: UpstreamConn, err: Error | undefined): void {
    if (conn !== this.up) return;
    switch (this.phase) {
      case P_CONNECTING: {
        const st = this.st!;
        this.tryFailed('connect_error');
        // After the retry started: marking it down walks the requests waiting on it, this one too.
        if ((err as NodeJS.ErrnoException | undefined)?.code === 'ECONNREFUSED') this.rt.refused(st);
        break;
      }
      case P_WAITING:
        this.tryFailed('reset');
        break;
      case P_RESPONSE:
        if (this.respFraming === 'close' && err === undefined) this.complete();
        else this.abort('reset');
        break;
      case P_TUNNEL:
        this.closeTunnel();
        break;
    }
  }

  onUpEnd(conn: UpstreamConn): void {
    if (conn !== this.up) return;
    if (this.phase === P_RESPONSE && this.respFraming === 'close') this.complete();
    else if (this.phase === P_TUNNEL) this.conn.socket.end();
    else if (this.phase === P_WAITING) this.tryFailed('reset');
    else if (this.phase === P_RESPONSE) this.abort('reset');
  }

  // ---- response ----

  onUpData(conn: UpstreamConn, chunk: Buffer): void {
    if (conn !== this.up) return;
    this.st!.lastHeard = performance.now();
    switch (this.phase) {
      case P_RESPONSE:
        this.forwardBody(chunk, 0);
        break;
      case P_WAITING:
        this.readHead(chunk);
        break;
      case P_TUNNEL:
        this.tunnelActive = this.rt.now;
        if (!this.conn.socket.write(chunk)) this.pauseUp();
        break;
      default:
        conn.destroy();
        return;
    }
    // The chunk sits in the connection's read buffer: a write still holding it keeps it.
    if (this.conn.socket.writableLength > 0) conn.retain();
  }

  private readHead(chunk: Buffer): void {
    let buf = chunk;
    if (this.upBuf !== null) {
      buf = Buffer.concat([this.upBuf, chunk]);
      this.upBuf = null;
    }
    const reader = HEADS;
    reader.reset(buf);
    let start = 0;
    for (;;) {
      const end = reader.find(start);
      if (end < 0) {
        reader.clear();
        if (buf.length - start > this.rt.tunables.maxHeadBytes) this.tryFailed('protocol_error');
        else {
          this.upBuf = buf.subarray(start);
          this.up?.retain();
        }
        return;
      }
      let h: MessageHead;
      try {
        h = parseResponseHead(reader.text(start, end));
      } catch {
        reader.clear();
        this.tryFailed('protocol_error');
        return;
      }
      start = end + 4;
      if (h.status >= 200) {
        reader.clear();
        if (RETRY_STATUSES.has(h.status) && !this.answered && mayRetry('retried_status', this, this.rt.tunables.retry, performance.now())) {
          this.status = h.status;
          this.tryFailed('retried_status');
          return;
        }
        this.respond(h, buf, start);
        return;
      }
      if (h.status === 101) {
        reader.clear();
        if (this.head.upgrade !== '') this.startTunnel(h, buf, start);
        else this.tryFailed('protocol_error');
        return;
      }
      // Other 1xx: 100 Continue when the client asked for it, 102/103 to HTTP/1.1 clients.
      if (this.head.minor === 1 && (h.status !== 100 || (this.head.expectContinue && !this.sent100))) {
        this.answered = true;
        if (h.status === 100) this.sent100 = true;
        this.conn.socket.write(`HTTP/1.1 ${h.status} ${h.reason}\r\n${h.status === 100 ? '' : h.forward}\r\n`, 'latin1');
      }
    }
  }

  private respond(h: MessageHead, buf: Buffer, start: number): void {
    const rt = this.rt;
    const req = this.head;
    this.phase = P_RESPONSE;
    this.status = h.status;
    const framing = responseFraming(h, req.method);
    this.respFraming = framing;
    this.dechunk = framing === 'chunked' && req.minor === 0;
    // A client that expects 100-continue and did not get it may never send its body: the
    // connection cannot be read past it.
    this.closeClient = req.close || framing === 'close' || this.dechunk || this.conn.ending || (this.bodyPending && req.expectContinue && !this.sent100);
    this.reusable = !h.close && framing !== 'close';
    if (h.keepAliveTimeout >= 0) this.up!.idleTimeoutMs = Math.min(rt.tunables.timeouts.upstreamIdleMs, h.keepAliveTimeout * 1000 - 1000);
    let out = `HTTP/1.1 ${h.status} ${h.reason}\r\n${h.forward}x-kubefed-cluster: ${this.cluster}\r\n`;
    if (framing === 'chunked' && !this.dechunk) out += 'transfer-encoding: chunked\r\n';
    if (this.closeClient) out += 'connection: close\r\n';
    else if (req.minor === 0) out += 'connection: keep-alive\r\n';
    out += '\r\n';
    this.answered = true;
    const socket = this.conn.socket;
    if (framing === 'none') {
      socket.write(out, 'latin1');
      if (start < buf.length) this.reusable = false;
      this.complete();
      return;
    }
    if (framing === 'length') {
      this.respRemaining = h.contentLength;
      // The common small response: its whole body came with the head; one write of a copy.
      if (buf.length - start === this.respRemaining && this.respRemaining <= MERGE_MAX) {
        const whole = Buffer.allocUnsafe(out.length + this.respRemaining);
        whole.write(out, 0, 'latin1');
        buf.copy(whole, out.length, start);
        socket.write(whole);
        this.respRemaining = 0;
        this.complete();
        return;
      }
    } else if (framing === 'chunked') this.respChunks = new ChunkedScanner();
    socket.cork();
    socket.write(out, 'latin1');
    if (start < buf.length) this.forwardBody(buf, start);
    socket.uncork();
  }

  private writeClient(b: Buffer): void {
    if (!this.conn.socket.write(b)) this.pauseUp();
  }

  private pauseUp(): void {
    if (!this.upPaused && this.up !== null) {
      this.upPaused = true;
      this.up.pause();
    }
  }

  private forwardBody(buf: Buffer, start: number): void {
    const n = buf.length;
    switch (this.respFraming) {
      case 'length': {
        const take = Math.min(this.respRemaining, n - start);
        if (take > 0) this.writeClient(start === 0 && take === n ? buf : buf.subarray(start, start + take));
        this.respRemaining -= take;
        if (this.respRemaining === 0) {
          if (start + take < n) this.reusable = false;
          this.complete();
        }
        break;
      }
      case 'chunked': {
        let end: number;
        try {
          end = this.dechunk ? this.respChunks!.scan(buf, start, (b, f, t) => this.writeClient(b.subarray(f, t))) : this.respChunks!.scan(buf, start);
        } catch {
          this.abort('protocol_error');
          return;
        }
        if (!this.dechunk) {
          const to = end < 0 ? n : end;
          if (to > start) this.writeClient(start === 0 && to === n ? buf : buf.subarray(start, to));
        }
        if (end >= 0) {
          if (end < n) this.reusable = false;
          this.complete();
        }
        break;
      }
      case 'close':
        if (start < n) this.writeClient(start === 0 ? buf : buf.subarray(start));
        break;
    }
  }

  /** The response was forwarded to its end. */
  private complete(): void {
    if (this.phase === P_DONE) return;
    // A connection whose request body is still being sent cannot carry another request.
    this.endTry('success', this.reusable && !this.bodyPending);
    this.finish(this.closeClient);
  }

  // ---- endings ----

  private finish(close: boolean): void {
    this.phase = P_DONE;
    const rt = this.rt;
    rt.inFlight--;
    const seconds = (performance.now() - this.started) / 1000;
    rt.metrics.request(this.cluster, this.status, this.tier, seconds);
    if (this.cluster !== '') rt.split.record(this.cluster, this.tier, rt.clock());
    if (rt.accessLog !== undefined) {
      rt.accessLog.write({
        client: this.client || this.conn.peer,
        location: this.location,
        host: this.host,
        path: this.path,
        method: this.head.method,
        status: this.status,
        cluster: this.cluster,
        tier: this.tier,
        tries: this.tries,
        durationMs: seconds * 1000,
      });
    }
    this.conn.exchangeDone(this, close);
  }

  /** The edge answers by itself (no route, no endpoint, tries exhausted, timeout). */
  respondLocal(status: number, text: string): void {
    if (this.phase === P_DONE) return;
    if (this.answered) {
      this.abort('aborted');
      return;
    }
    this.answered = true;
    this.status = status;
    this.cluster = '';
    this.tier = '';
    const close = (this.bodyPending && this.head.expectContinue) || this.bodyBroken || this.head.close || this.conn.ending;
    this.conn.socket.write(simpleResponse(status, text, EDGE_CLUSTER_HEADER, close), 'latin1');
    this.finish(close);
  }

  /** The exchange cannot go on (client gone, response cut, deadline): everything is closed. */
  abort(outcome: TryOutcome): void {
    if (this.phase === P_DONE) return;
    if (this.phase === P_TUNNEL) {
      this.closeTunnel();
      return;
    }
    if (this.up !== null) this.endTry(outcome, false);
    if (!this.answered) this.status = 499;
    this.finish(true);
    this.conn.socket.destroy();
  }

  /**
   * `st` was found dead (failing active checks, or ejected). A try still waiting on it is given up
   * and retried elsewhere at once when it may be (a blackholed endpoint would otherwise hold it
   * for the whole per-try timeout); one that may not be retried keeps waiting.
   */
  endpointDown(st: EndpointState): void {
    if (this.st !== st || this.answered) return;
    if (this.phase === P_CONNECTING) this.tryFailed('connect_timeout');
    else if (this.phase === P_WAITING && mayRetry('abandoned', this, this.rt.tunables.retry, performance.now())) this.tryFailed('abandoned');
  }

  /**
   * A blackholed endpoint (accepts, or drops packets, and never answers) holds its requests until
   * its checks fail `fall` times, each after a whole check timeout: 2 x (timeout + interval) with
   * the defaults, ~2.3 s. The requests waiting on it are evidence too. When this try has waited
   * `stallMs` (a check interval plus a check timeout) and nothing at all has come from the endpoint
   * for as long - no response byte on any connection, no answer to a check - its current check is
   * overdue (a live endpoint answers one within timeout + interval) while a request is stuck: the
   * endpoint is marked failing as a refused connection marks it, every try waiting on it is
   * retried elsewhere (endpointDown), and its next passing check brings it back. A slow endpoint
   * that still answers its checks is never marked.
   */
  private checkStall(now: number): void {
    const st = this.st!;
    const ms = this.rt.stallMs;
    if (ms > 0 && now - this.tryStarted >= ms && now - st.lastHeard >= ms) this.rt.stalled(st);
  }

  /** Deadlines, checked by the connection's sweep. */
  sweep(now: number): void {
    switch (this.phase) {
      case P_CONNECTING:
        if (now >= this.connectDeadline) this.tryFailed('connect_timeout');
        else this.checkStall(now);
        return;
      case P_WAITING:
        if (now >= this.tryDeadline) this.tryFailed('timeout');
        else this.checkStall(now);
        return;
      case P_RESPONSE:
        if (now >= this.deadline) this.abort('aborted');
        return;
      case P_TUNNEL:
        if (now - this.tunnelActive >= this.rt.tunables.timeouts.tunnelIdleMs) this.closeTunnel();
        return;
    }
  }

  // ---- upgrades ----

  private startTunnel(h: MessageHead, buf: Buffer, start: number): void {
    const up = this.up!;
    this.phase = P_TUNNEL;
    this.status = 101;
    this.answered = true;
    this.tunnelActive = this.rt.now;
    up.detach();
    const socket = this.conn.socket;
    socket.cork();
    socket.write(`HTTP/1.1 101 ${h.reason}\r\n${h.forward}x-kubefed-cluster: ${this.cluster}\r\nconnection: upgrade\r\nupgrade: ${h.upgrade || this.head.upgrade}\r\n\r\n`, 'latin1');
    if (start < buf.length) socket.write(buf.subarray(start));
    socket.uncork();
    const rt = this.rt;
    rt.metrics.request(this.cluster, 101, this.tier, (performance.now() - this.started) / 1000);
    rt.split.record(this.cluster, this.tier, rt.clock());
    rt.metrics.tryEnded(this.cluster, 'success');
    rt.outlier.success(this.st!);
    this.conn.startTunnel(this);
  }

  /** Client bytes of an upgraded connection. */
  tunnelData(chunk: Buffer): void {
    if (this.phase !== P_TUNNEL || this.up === null) return;
    this.tunnelActive = this.rt.now;
    if (!this.up.socket.write(chunk)) {
      this.clientPaused = true;
      this.conn.pause();
    }
  }

  /** The client closed its side of the tunnel. */
  tunnelEnd(): void {
    this.up?.socket.end();
  }

  closeTunnel(): void {
    if (this.phase !== P_TUNNEL) return;
    this.phase = P_DONE;
    this.rt.inFlight--;
    const up = this.up;
    this.up = null;
    up?.destroy();
    if (this.pick) this.rt.balancer.finished(this.pick.endpoint);
    this.conn.socket.destroy();
  }

  get inTunnel(): boolean {
    return this.phase === P_TUNNEL;
  }

  get done(): boolean {
    return this.phase === P_DONE;
  }
}
