/**
 * Clients of a simulated cluster's DNS and ClusterSetIPs: `dig` (Debian's bind9-dnsutils) at a
 * server, and HTTP GETs from a source address (a client "in" a cluster binds 127.O.250.x).
 */
import { execFile } from 'node:child_process';
import { request } from 'node:http';

export interface DigAnswer {
  /** "NOERROR", "NXDOMAIN", ... */
  status: string;
  /** The answer section as "name TYPE data" (no TTL, no trailing dots), in the server's order. */
  answer: string[];
  /** The whole of dig's output (for failure messages). */
  raw: string;
}

/** `dig @server [-p port] name type` over UDP (or TCP with `tcp`). */
export function dig(server: string, name: string, type = 'A', o: { port?: number; tcp?: boolean } = {}): Promise<DigAnswer> {
  // +comments keeps the header line with the status; +answer the records.
  const full = [`@${server}`, ...(o.port ? ['-p', String(o.port)] : []), '+time=2', '+tries=2', '+noall', '+answer', '+comments', ...(o.tcp ? ['+tcp'] : []), name, type];
  return new Promise((resolve, reject) => {
    execFile('dig', full, (err, stdout, stderr) => {
      if (err) return reject(new Error(`dig @${server} ${name} ${type}: ${stderr || err.message}`));
      const status = /status: ([A-Z]+)/.exec(stdout)?.[1] ?? '';
      const answer = stdout
        .split('\n')
        .filter((l) => l && !l.startsWith(';'))
        .map((l) => {
          const f = l.split(/\s+/);
          return `${f[0]!.replace(/\.$/, '')} ${f[3]} ${f.slice(4).join(' ').replace(/\.$/, '')}`;
        });
      resolve({ status, answer, raw: stdout });
    });
  });
}

/** Just the data of the records of one type in an answer, sorted. */
export const dataOf = (a: DigAnswer, type: string): string[] =>
  a.answer
    .map((l) => l.split(' '))
    .filter((f) => f[1] === type)
    .map((f) => f.slice(2).join(' '))
    .sort();

export interface Served {
  status: number;
  /** The pod answer's cluster, pod and zone. */
  cluster: string;
  pod: string;
  zone: string;
}

/** One GET on a fresh connection from `localAddress`; the pod's JSON answer says who served it. */
export function getFrom(localAddress: string, host: string, port: number, timeoutMs = 5_000): Promise<Served> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', localAddress, agent: false, timeout: timeoutMs, headers: { accept: 'application/json' } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        try {
          const j = JSON.parse(body) as { cluster?: string; pod?: string; zone?: string };
          resolve({ status: res.statusCode ?? 0, cluster: j.cluster ?? '', pod: j.pod ?? '', zone: j.zone ?? '' });
        } catch {
          reject(new Error(`not a pod's answer (${res.statusCode}): ${body.slice(0, 200)}`));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * A steady stream of GETs (one at a time, every `everyMs`) until stopped: who answered, and failures.
 * `between(fault)` runs a fault while no request is in flight: a request a crash cuts off midway is
 * lost in any data plane, what the stream proves is that every request sent after the fault is served.
 */
export function stream(localAddress: string, host: string, port: number, everyMs = 20) {
  const log: { at: number; cluster?: string; error?: string }[] = [];
  let running = true;
  const faults: { run: () => unknown; done: (e?: unknown) => void }[] = [];
  const done = (async () => {
    while (running) {
      const at = Date.now();
      try {
        const r = await getFrom(localAddress, host, port);
        log.push(r.status === 200 ? { at, cluster: r.cluster } : { at, error: `status ${r.status}` });
      } catch (e) {
        log.push({ at, error: (e as Error).message });
      }
      for (const f of faults.splice(0)) {
        try {
          await f.run();
          f.done();
        } catch (e) {
          f.done(e);
        }
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    log,
    between(run: () => unknown): Promise<void> {
      return new Promise((resolve, reject) => faults.push({ run, done: (e) => (e === undefined ? resolve() : reject(e as Error)) }));
    },
    async stop() {
      running = false;
      await done;
      return log;
    },
  };
}
