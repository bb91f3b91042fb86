/**
 * The access log: one JSON line per request (pino). Off unless asked for: formatting and writing
 * a line costs several microseconds per request, measured in docs/edge.md.
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

  flush(): void {
    this.logger.flush();
  }
}
