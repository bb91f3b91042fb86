/**
 * The access log: one JSON line per request (pino, written asynchronously in 4 KiB batches).
 * Off unless asked for: a line costs a few microseconds per request (README.md has the figures).
 */
import pino, { type Logger } from 'pino';
import type { Location } from '../model.js';

export interface AccessRecord {
  client: string;
  location: Location;
  host: string;
  path: string;
  method: string;
  status: number;
  /** The cluster that served it; '' when the edge answered itself. */
  cluster: string;
  tier: string;
  tries: number;
  /** Milliseconds from the request head to the end of its response. */
  durationMs: number;
}

export class AccessLog {
  constructor(private readonly logger: Logger) {}

  /** A log writing to `destination` (a file descriptor or path; default stdout), asynchronously. */
  static create(destination: number | string = 1): AccessLog {
    return new AccessLog(pino({ base: undefined, messageKey: 'msg' }, pino.destination({ dest: destination, sync: false, minLength: 4096 })));
  }

  write(r: AccessRecord): void {
    this.logger.info({
      client: r.client,
      region: r.location.region,
      zone: r.location.zone,
      host: r.host,
      path: r.path,
      method: r.method,
      status: r.status,
      cluster: r.cluster || undefined,
      tier: r.tier || undefined,
      tries: r.tries,
      duration_ms: Math.round(r.durationMs * 1000) / 1000,
    });
  }

  /** Writes out what is buffered. */
  flush(): Promise<void> {
    return new Promise((resolve) => this.logger.flush(() => resolve()));
  }
}
