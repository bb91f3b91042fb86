/**
 * How `kubefed playground ...` commands reach a running playground: a small HTTP API on a
 * Unix socket in the state directory (only the local user can reach it), described by
 * `control.json` (socket path and pid).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FaultError, type Playground } from './world.js';

export interface ControlInfo {
  pid: number;
  socket: string;
  kubeconfig: string;
  startedAt: string;
}

const CONTROL_FILE = 'control.json';

/** Unix socket paths are limited to ~107 bytes: long state directories use a hashed name in the temp dir. */
function socketPath(stateDir: string): string {
  const inside = join(resolve(stateDir), 'control.sock');
  if (Buffer.byteLength(inside) < 100) return inside;
  return join(tmpdir(), `kubefed-pg-${createHash('sha256').update(resolve(stateDir)).digest('hex').slice(0, 16)}.sock`);
}

export function readControlInfo(stateDir: string): ControlInfo | undefined {
  const f = join(stateDir, CONTROL_FILE);
  if (!existsSync(f)) return undefined;
  return JSON.parse(readFileSync(f, 'utf8')) as ControlInfo;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

type Handler = (parts: string[]) => Promise<unknown> | unknown;

export class ControlServer {
  private server: Server | undefined;

  constructor(
    private readonly pg: Playground,
    private readonly onShutdown: () => void,
    /** URL of the playground's federation API, if it runs one. */
    private readonly federation?: string,
    /** Address of the playground's global edge, if it runs one. */
    private readonly edge?: string,
    /** Address of the playground's DNS server, if it runs one. */
    private readonly dns?: string,
    /** URL of the playground's web dashboard, if it runs one. */
    private readonly dashboard?: string,
  ) {}

  async start(): Promise<ControlInfo> {
    const socket = socketPath(this.pg.stateDir);
    rmSync(socket, { force: true });
    const routes: [RegExp, Handler][] = [
      [/^GET \/status$/, () => ({ clusters: this.pg.status(), regions: this.pg.regions(), zones: this.pg.zones(), kubeconfig: this.pg.kubeconfig, ...(this.federation ? { federation: this.federation } : {}), ...(this.edge ? { edge: this.edge } : {}), ...(this.dns ? { dns: this.dns } : {}), ...(this.dashboard ? { dashboard: this.dashboard } : {}) })],
      [/^POST \/clusters\/([^/]+)\/stop$/, async ([n]) => (await this.pg.stopCluster(n!), { changed: [n] })],
      [/^POST \/clusters\/([^/]+)\/start$/, async ([n]) => (await this.pg.startCluster(n!), { changed: [n] })],
      [/^POST \/clusters\/([^/]+)\/isolate$/, async ([n]) => (await this.pg.isolateCluster(n!), { changed: [n] })],
      [/^POST \/clusters\/([^/]+)\/blackhole$/, ([n]) => (this.pg.blackholeCluster(n!), { changed: [n] })],
      [/^POST \/clusters\/([^/]+)\/latency\/([^/]+)$/, ([n, ms]) => (this.pg.setClusterLatency(n!, milliseconds(ms!)), { changed: [n] })],
      [/^POST \/zones\/([^/]+)\/(fail|restore)$/, ([z, a]) => ({ changed: this.pg.setZone(z!, a === 'restore') })],
      [/^POST \/zones\/([^/]+)\/latency\/([^/]+)$/, ([z, ms]) => ({ changed: this.pg.setZoneLatency(z!, milliseconds(ms!)) })],
      [/^POST \/regions\/([^/]+)\/(fail|restore)$/, ([r, a]) => ({ changed: this.pg.setRegion(r!, a === 'restore') })],
      [/^POST \/nodes\/([^/]+)\/([^/]+)\/(fail|restore)$/, ([c, n, a]) => ({ changed: this.pg.setNode(c!, n!, a === 'restore') })],
      [/^POST \/shutdown$/, () => (setImmediate(this.onShutdown), { stopping: true })],
    ];
    this.server = createServer((req, res) => {
      const line = `${req.method} ${decodeURIComponent((req.url ?? '').split('?')[0]!)}`;
      const route = routes.find(([re]) => re.test(line));
      const reply = (code: number, body: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (!route) return reply(404, { error: `unknown request ${line}` });
      const parts = route[0].exec(line)!.slice(1);
      Promise.resolve()
        .then(() => route[1](parts))
        .then(
          (out) => reply(200, out),
          (e: unknown) => reply(e instanceof FaultError ? 400 : 500, { error: e instanceof Error ? e.message : String(e) }),
        );
    });
    await new Promise<void>((res, rej) => {
      this.server!.once('error', rej);
      this.server!.listen(socket, () => res());
    });
    const info: ControlInfo = { pid: process.pid, socket, kubeconfig: this.pg.kubeconfig, startedAt: new Date().toISOString() };
    writeFileSync(join(this.pg.stateDir, CONTROL_FILE), JSON.stringify(info, null, 2));
    return info;
  }

  async stop(): Promise<void> {
    rmSync(join(this.pg.stateDir, CONTROL_FILE), { force: true });
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** A path segment that must be a whole number of milliseconds. */
function milliseconds(v: string): number {
  if (!/^\d+$/.test(v)) throw new FaultError(`latency must be a whole number of milliseconds, not "${v}"`);
  return Number(v);
}

/** Sends one request to a running playground; throws with its message on failure. */
export function controlRequest(stateDir: string, method: 'GET' | 'POST', path: string): Promise<any> {
  const info = readControlInfo(stateDir);
  if (!info || !isAlive(info.pid)) {
    return Promise.reject(new Error(`no playground is running with state directory ${stateDir} (start one with "kubefed playground up")`));
  }
  return new Promise((resolvePromise, reject) => {
    const req = request({ socketPath: info.socket, method, path: encodeURI(path) }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        let parsed: any;
        try {
          parsed = JSON.parse(body);
        } catch {
          parsed = { error: body };
        }
        if ((res.statusCode ?? 500) >= 300) reject(new Error(parsed.error ?? `playground answered ${res.statusCode}`));
        else resolvePromise(parsed);
      });
    });
    req.on('error', (e) => reject(new Error(`cannot reach the playground: ${e.message}`)));
    req.end();
  });
}
