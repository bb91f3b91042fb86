/**
 * The access log: one JSON line per request, in pino's format (`level`, `time`, then the fields),
 * written asynchronously in 4 KiB batches through pino's destination. The line is put together
 * here, which is a little cheaper than logger.info()'s generic serialization. Off unless asked
 * for: it costs about 8 us per request, mostly the batched writes (README.md has the figures).
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

interface Sink {
  write(line: string): unknown;
  flush(cb?: (err?: Error) => void): void;
}

/** Characters a JSON string cannot hold as they are. */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;
const str = (s: string): string => (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);

export class AccessLog {
  private constructor(
    private readonly sink: Sink | undefined,
    private readonly logger: Logger | undefined,
  ) {}

  /** A log writing to `destination` (a file descriptor or path; default stdout). */
  static create(destination: number | string = 1): AccessLog {
    return new AccessLog(pino.destination({ dest: destination, sync: false, minLength: 4096 }), undefined);
  }

  /** A log through an existing pino logger (its own serialization, level and destination). */
  static fromLogger(logger: Logger): AccessLog {
    return new AccessLog(undefined, logger);
  }

  write(r: AccessRecord): void {
    const duration = Math.round(r.durationMs * 1000) / 1000;
    if (this.sink === undefined) {
      this.logger!.info({ client: r.client, region: r.location.region, zone: r.location.zone, host: r.host, path: r.path, method: r.method, status: r.status, cluster: r.cluster || undefined, tier: r.tier || undefined, tries: r.tries, duration_ms: duration });
      return;
    }
    let line = `{"level":30,"time":${Date.now()},"client":${str(r.client)}`;
    if (r.location.region !== undefined) line += `,"region":${str(r.location.region)}`;
    if (r.location.zone !== undefined) line += `,"zone":${str(r.location.zone)}`;
    line += `,"host":${str(r.host)},"path":${str(r.path)},"method":${str(r.method)},"status":${r.status}`;
    if (r.cluster !== '') line += `,"cluster":${str(r.cluster)}`;
    if (r.tier !== '') line += `,"tier":${str(r.tier)}`;
    this.sink.write(`${line},"tries":${r.tries},"duration_ms":${duration}}\n`);
  }

  /** Writes out what is buffered. */
  flush(): Promise<void> {
    const target = this.sink ?? this.logger!;
    return new Promise((resolve) => target.flush(() => resolve()));
  }
}
