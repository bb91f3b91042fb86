/**
 * What a simulated container serves: a real HTTP server on the pod's address and container
 * port. Every path answers with who served it (pod, node, cluster, zone), as JSON, or as the
 * Federation v1 demo's nginx page ("Welcome to the global site! You are being served from
 * <zone>") when the client prefers HTML. `/healthz` and `/readyz` answer "ok" for probes.
 * Behaviour (added latency, a share of 500s) is read per request, so pod annotations changed
 * at run time take effect at once; an answer is never sent before its latency has passed.
 * While the cluster's network is blackholed (network/faults.ts) requests are held unanswered
 * and connections are neither answered nor closed by the server (not even when idle).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { atLeastAfter, holdWhileBlackholed, type BlackholeGate } from './network/faults.js';

export interface PodIdentity {
  pod: string;
  namespace: string;
  node: string;
  cluster: string;
  zone: string;
  region: string;
  container: string;
  image: string;
  podIP: string;
}

export interface PodBehaviour {
  /** Added to every answer. */
  latencyMs: number;
  /** Share of requests (0..1) answered 500. */
  errorRate: number;
}

export interface PodServerOptions {
  ip: string;
  port: number;
  identity: PodIdentity;
  behaviour: () => PodBehaviour;
  /** The cluster network's blackhole, if it can have one. */
  network?: BlackholeGate;
  /** Called with an nginx-style access log line per answered request. */
  onRequest?: (line: string) => void;
}

export interface PodServer {
  /** Stops listening and destroys open connections (like the process being killed). */
  close(): Promise<void>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** nginx's $time_local: "10/Oct/2000:13:55:36 +0000". */
export function nginxTime(d = new Date()): string {
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** The q-value the Accept header gives a media type (exact, type/*, or * / *). */
function acceptQ(accept: string, type: string): number {
  const [major] = type.split('/');
  let best = -1;
  let bestSpecificity = -1;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().split(';').map((s) => s.trim());
    if (!range) continue;
    const [t, s] = range.toLowerCase().split('/');
    let specificity: number;
    if (t === '*' && s === '*') specificity = 0;
    else if (t === major && s === '*') specificity = 1;
    else if (`${t}/${s}` === type) specificity = 2;
    else continue;
    let q = 1;
    for (const p of params) {
      const m = /^q=([0-9.]+)$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (specificity > bestSpecificity) {
      bestSpecificity = specificity;
      best = q;
    }
  }
  return best < 0 ? 0 : best;
}

/** HTML when the client ranks text/html above JSON (browsers); JSON otherwise (curl's * / *, APIs). */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const html = acceptQ(accept, 'text/html');
  return html > 0 && html > acceptQ(accept, 'application/json');
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function htmlPage(id: PodIdentity): string {
  return `<!DOCTYPE html>
<html>
<head>
<title>Welcome to the global site!</title>
</head>
<body>
<h1>Welcome to the global site! You are being served from ${escapeHtml(id.zone)}</h1>
<p>Congratulations!</p>
<ul>
<li>cluster: ${escapeHtml(id.cluster)}</li>
<li>region: ${escapeHtml(id.region)}</li>
<li>zone: ${escapeHtml(id.zone)}</li>
<li>node: ${escapeHtml(id.node)}</li>
<li>pod: ${escapeHtml(id.namespace)}/${escapeHtml(id.pod)} (${escapeHtml(id.podIP)})</li>
<li>container: ${escapeHtml(id.container)} (${escapeHtml(id.image)})</li>
</ul>
</body>
</html>
`;
}

const clientIP = (req: IncomingMessage) => (req.socket.remoteAddress ?? '-').replace(/^::ffff:/, '');

export function startPodServer(opts: PodServerOptions): Promise<PodServer> {
  const { identity } = opts;
  const sockets = new Set<Socket>();
  const pending = new Set<() => void>();
  let closed = false;

  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const { errorRate } = opts.behaviour();
    const path = (req.url ?? '/').split('?')[0] || '/';
    let status = 200;
    let body: string;
    let contentType: string;
    if (errorRate > 0 && Math.random() < errorRate) {
      status = 500;
      contentType = 'text/plain; charset=utf-8';
      body = `500 Internal Server Error (simulated by ${identity.cluster}/${identity.pod})\n`;
    } else if (path === '/healthz' || path === '/readyz' || path === '/livez') {
      contentType = 'text/plain; charset=utf-8';
      body = 'ok';
    } else if (prefersHtml(req.headers.accept)) {
      contentType = 'text/html; charset=utf-8';
      body = htmlPage(identity);
    } else {
      contentType = 'application/json';
      body =
        JSON.stringify({
          pod: identity.pod,
          namespace: identity.namespace,
          node: identity.node,
          cluster: identity.cluster,
          zone: identity.zone,
          region: identity.region,
          container: identity.container,
          image: identity.image,
          podIP: identity.podIP,
          path,
          method: req.method,
          clientIP: clientIP(req),
          time: new Date().toISOString(),
        }) + '\n';
    }
    const bytes = Buffer.byteLength(body);
    res.writeHead(status, {
      'Content-Type': contentType,
      'Content-Length': bytes,
      'X-Served-By': `${identity.cluster}/${identity.pod}`,
      Server: 'nginx/1.27.0 (kubefed playground)',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    opts.onRequest?.(
      `${clientIP(req)} - - [${nginxTime()}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} ${req.method === 'HEAD' ? 0 : bytes} "${req.headers.referer ?? '-'}" "${req.headers['user-agent'] ?? '-'}"`,
    );
  };

  const after = (ms: number, fn: () => void): void => {
    const cancel = atLeastAfter(ms, () => {
      pending.delete(cancel);
      fn();
    });
    pending.add(cancel);
  };

  const { network } = opts;
  // Idle keep-alive connections are not closed while blackholed (that FIN would be lost).
  let unsubscribe: (() => void) | undefined;
  // A blackholed server answers nothing, at the time of the answer too (latency may have started before).
  const respond = (req: IncomingMessage, res: ServerResponse) =>
    holdWhileBlackholed(network, res, () => {
      if (!closed) answer(req, res);
    });
  const server = createServer((req, res) => {
    // Drain the body (if any) before answering, like a real server would.
    req.resume();
    holdWhileBlackholed(network, res, () => {
      const { latencyMs } = opts.behaviour();
      if (latencyMs > 0) after(latencyMs, () => respond(req, res));
      else respond(req, res);
    });
  });
  server.keepAliveTimeout = 65_000;
  server.on('connection', (s: Socket) => {
    if (closed) {
      s.destroy();
      return;
    }
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket: Socket) =>
    holdWhileBlackholed(network, socket, () => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    }),
  );

  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.removeListener('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.removeListener('error', onError);
      server.on('error', () => {});
      unsubscribe = network?.onChange((on) => {
        if (on) for (const s of sockets) s.setTimeout(0);
      });
      resolve({
        close: () =>
          new Promise<void>((done) => {
            if (closed) return done();
            closed = true;
            unsubscribe?.();
            for (const cancel of pending) cancel();
            pending.clear();
            server.close(() => done());
            for (const s of sockets) s.destroy();
            sockets.clear();
          }),
      });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: opts.ip, port: opts.port, exclusive: true });
  });
}
