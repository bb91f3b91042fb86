/**
 * Active health checks: every endpoint of the current configuration is sent `GET <path>` every
 * `intervalMs` (staggered over the interval so checks do not come in bursts) over a keep-alive
 * connection of its own. An answer below 500 is a pass: the check asks "is this endpoint
 * serving HTTP?", and with the default path "/" many healthy applications answer 404 or a
 * redirect; a 5xx, a timeout, a refused or reset connection is a failure. `fall` consecutive
 * failures mark the endpoint failing, `rise` consecutive passes bring it back. When the check
 * connection closes between checks (a backend that exits closes it), the next check runs at once,
 * so a dead endpoint is usually caught within one interval of its death; a request's connection
 * refused by an endpoint marks it failing at once (markDown).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { EndpointState, EndpointTable } from '../endpoints.js';
import { ChunkedScanner, findHeadEnd, parseResponseHead, responseFraming, type Framing } from '../http1.js';

export interface ActiveCheckOptions {
  /** 0 disables active checks. */
  intervalMs: number;
  timeoutMs: number;
  rise: number;
  fall: number;
}

export const DEFAULT_ACTIVE: ActiveCheckOptions = { intervalMs: 250, timeoutMs: 1000, rise: 1, fall: 2 };

const MAX_HEAD = 16 * 1024;

/** One endpoint's checks. */
class Probe {
  private socket: Socket | null = null;
  private connected = false;
  private timer: NodeJS.Timeout | null = null;
  private deadline: NodeJS.Timeout | null = null;
  private inFlight = false;
  private buf: Buffer | null = null;
  private framing: Framing | null = null;
  private remaining = 0;
  private chunks: ChunkedScanner | null = null;
  private status = 0;
  private stopped = false;

  constructor(
    readonly st: EndpointState,
    private readonly opts: ActiveCheckOptions,
    private readonly onChange: (st: EndpointState) => void,
  ) {}

  start(): void {
    this.schedule(Math.random() * this.opts.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.deadline) clearTimeout(this.deadline);
    this.dropSocket();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), ms);
    this.timer.unref();
  }

  private dropSocket(): void {
    const s = this.socket;
    this.socket = null;
    this.connected = false;
    this.buf = null;
    s?.destroy();
  }

  private check(): void {
    this.timer = null;
    if (this.stopped || this.inFlight) return;
    this.inFlight = true;
    this.framing = null;
    this.buf = null;
    this.deadline = setTimeout(() => this.done(false), this.opts.timeoutMs);
    this.deadline.unref();
    if (this.socket === null) this.open();
    else this.send();
  }

  private open(): void {
    const { address, port } = this.st.ep;
    const tls = this.st.pool.tls;
    const s = tls ? tlsConnect({ host: address, port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] }) : netConnect({ host: address, port, noDelay: true });
    this.socket = s;
    s.on(tls ? 'secureConnect' : 'connect', () => {
      if (this.socket !== s) return;
      this.connected = true;
      this.send();
    });
    s.on('data', (d: Buffer) => this.socket === s && this.onData(d));
    s.on('error', () => {});
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = null;
      this.connected = false;
      if (this.inFlight) this.done(false);
      // Closed between checks: look again now.
      else this.schedule(0);
    });
  }

  private send(): void {
    if (!this.connected || this.socket === null) return;
    const { address, port } = this.st.ep;
    const host = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
    this.socket.write(`GET ${this.st.checkPath} HTTP/1.1\r\nhost: ${host}\r\nuser-agent: kubefed-edge-health-check\r\naccept: */*\r\n\r\n`, 'latin1');
  }

  private onData(d: Buffer): void {
    this.st.lastHeard = performance.now();
    if (!this.inFlight) {
      this.dropSocket();
      return;
    }
    let buf = this.buf === null ? d : Buffer.concat([this.buf, d]);
    let start = 0;
    try {
      while (this.framing === null) {
        const end = findHeadEnd(buf, 0);
        if (end < 0) {
          if (buf.length > MAX_HEAD) throw new Error('response head too large');
          this.buf = buf;
          return;
        }
        const h = parseResponseHead(buf.toString('latin1', 0, end));
        buf = buf.subarray(end + 4);
        if (h.status < 200) continue;
        this.status = h.status;
        this.framing = responseFraming(h, 'GET');
        this.remaining = h.contentLength;
        this.chunks = this.framing === 'chunked' ? new ChunkedScanner() : null;
        // A close-delimited answer or Connection: close: pass or fail now, then reconnect.
        if (h.close || this.framing === 'close') {
          this.done(this.status < 500, true);
          return;
        }
      }
      this.buf = null;
      if (this.framing === 'length') {
        const take = Math.min(this.remaining, buf.length - start);
        this.remaining -= take;
        start += take;
        if (this.remaining === 0) this.done(this.status < 500);
      } else if (this.framing === 'chunked') {
        if (this.chunks!.scan(buf, start) >= 0) this.done(this.status < 500);
      } else this.done(this.status < 500);
    } catch {
      this.done(false, true);
    }
  }

  private done(ok: boolean, close = false): void {
    if (!this.inFlight) return;
    this.inFlight = false;
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
    this.framing = null;
    if (!ok || close) this.dropSocket();
    const st = this.st;
    if (ok) {
      st.activeFailures = 0;
      st.activeSuccesses++;
      if (st.activeDown && st.activeSuccesses >= this.opts.rise) {
        st.activeDown = false;
        st.refresh();
        this.onChange(st);
      }
    } else {
      st.activeSuccesses = 0;
      st.activeFailures++;
      if (!st.activeDown && st.activeFailures >= this.opts.fall) {
        st.activeDown = true;
        st.refresh();
        this.onChange(st);
      }
    }
    this.schedule(this.opts.intervalMs);
  }
}

export class ActiveChecker {
  private readonly probes = new Map<EndpointState, Probe>();

  constructor(
    private readonly opts: ActiveCheckOptions,
    private readonly onChange: (st: EndpointState) => void = () => {},
  ) {}

  /** Checks exactly the endpoints of `table`: starts new ones, stops those gone. */
  sync(table: EndpointTable): void {
    if (this.opts.intervalMs <= 0) return;
    const live = new Set<EndpointState>();
    for (const st of table.values()) {
      live.add(st);
      if (!this.probes.has(st)) {
        const p = new Probe(st, this.opts, this.onChange);
        this.probes.set(st, p);
        p.start();
      }
    }
    for (const [st, p] of this.probes) {
      if (!live.has(st)) {
        p.stop();
        this.probes.delete(st);
      }
    }
  }

  /**
   * A request's connection to `st` was refused: nothing listens there, which is what a failed
   * check would find. It counts as failing now (the next passing check brings it back) rather
   * than after `fall` checks. Only while checks run: nothing else would bring it back.
   */
  markDown(st: EndpointState): boolean {
    if (this.opts.intervalMs <= 0 || st.activeDown || !this.probes.has(st)) return false;
    st.activeDown = true;
    st.activeFailures = this.opts.fall;
    st.activeSuccesses = 0;
    st.refresh();
    this.onChange(st);
    return true;
  }

  /** Endpoints being checked (for tests and status). */
  get checking(): number {
    return this.probes.size;
  }

  close(): void {
    for (const p of this.probes.values()) p.stop();
    this.probes.clear();
  }
}
