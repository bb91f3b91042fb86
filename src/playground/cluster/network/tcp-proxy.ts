/**
 * A small TCP proxy: listens on ip:port and splices each accepted connection to a backend the
 * caller picks per connection, so backend changes apply to new connections while established
 * ones carry on. Data is piped with backpressure in both directions; a FIN from either side is
 * passed on as a FIN (half-close), a reset as a reset.
 *
 * When no backend is available the connection is accepted and reset at once (the client sees
 * "connection reset by peer"), which is what cloud TCP load balancers do for a forwarding rule
 * with no healthy backends. A backend that cannot be connected to is replaced by another pick
 * once (the picker is told which backends were tried), before the client is reset.
 *
 * While the network is blackholed (faults.ts), new connections are accepted and held: what the
 * client sends is kept (up to HOLD_BUFFER bytes) and forwarded once the blackhole lifts, and
 * nothing is sent back; a client closing a held connection has it closed. Established
 * connections stop forwarding in both directions until the blackhole lifts.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { holdWhileBlackholed, type BlackholeGate } from './faults.js';

/** What a held connection reads before it stops reading (as a full receive window). */
const HOLD_BUFFER = 256 * 1024;

export interface TcpBackend {
  host: string;
  port: number;
}

export interface PickContext {
  /** The client's address (without an IPv4-mapped prefix). */
  remoteAddress: string | undefined;
  /** Backends already tried for this connection (failed to connect). */
  tried: TcpBackend[];
}

export interface TcpProxyOptions {
  ip: string;
  port: number;
  pickBackend: (ctx: PickContext) => TcpBackend | undefined;
  /** How many further backends to try when connecting fails (default 1). */
  retries?: number;
  /** Giving up on a backend that does not accept the connection (default 3 s). */
  connectTimeoutMs?: number;
  /** The network's blackhole, if it can have one. */
  network?: BlackholeGate;
}

export interface TcpProxy {
  readonly ip: string;
  /** The port listened on (the one chosen by the OS when 0 was asked for). */
  readonly port: number;
  /** Open client connections. */
  connections(): number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const reset = (s: Socket) => {
  if (s.destroyed) return;
  // resetAndDestroy needs a connected TCP handle; fall back to a plain destroy.
  try {
    s.resetAndDestroy();
  } catch {
    s.destroy();
  }
};

/** Why a proxy could not listen on `address` (ip:port), for logs and events. */
export function listenFailure(err: NodeJS.ErrnoException, address: string): string {
  return err.code === 'EACCES'
    ? `cannot listen on ${address}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; run the playground as root or use a port >= 1024)`
    : `cannot listen on ${address}: ${err.code ?? err.message}`;
}

export function startTcpProxy(opts: TcpProxyOptions): Promise<TcpProxy> {
  const clients = new Set<Socket>();
  const upstreams = new Set<Socket>();
  const retries = opts.retries ?? 1;
  const connectTimeoutMs = opts.connectTimeoutMs ?? 3_000;
  let closed = false;
  const { network } = opts;
  /** Spliced connections, which stop flowing while the network is blackholed. */
  const pairs = new Set<[Socket, Socket]>();
  const flow = ([client, up]: [Socket, Socket], on: boolean) => {
    if (on) {
      client.pipe(up);
      up.pipe(client);
    } else {
      client.unpipe(up);
      up.unpipe(client);
      client.pause();
      up.pause();
    }
  };

  const splice = (client: Socket, up: Socket) => {
    const pair: [Socket, Socket] = [client, up];
    pairs.add(pair);
    client.once('close', () => pairs.delete(pair));
    up.once('close', () => pairs.delete(pair));
    if (!network?.blackholed) flow(pair, true);
    // Any error on one side resets the other; a clean close on both ends ends everything.
    client.on('error', () => reset(up));
    up.on('error', () => reset(client));
    client.on('close', () => {
      if (!up.destroyed && (client.errored || !up.writableEnded)) reset(up);
    });
    up.on('close', () => {
      if (!client.destroyed && up.errored) reset(client);
    });
  };

  const handle = (client: Socket) => {
    if (closed) {
      client.destroy();
      return;
    }
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => {});
    const tried: TcpBackend[] = [];
    const remoteAddress = client.remoteAddress?.replace(/^::ffff:/, '');

    const attempt = () => {
      if (client.destroyed) return;
      const b = opts.pickBackend({ remoteAddress, tried: [...tried] });
      if (!b) {
        reset(client);
        return;
      }
      tried.push(b);
      const up = connect({ host: b.host, port: b.port, allowHalfOpen: true });
      upstreams.add(up);
      up.on('close', () => upstreams.delete(up));
      let connected = false;
      const timer = setTimeout(() => up.destroy(new Error(`connect to ${b.host}:${b.port} timed out`)), connectTimeoutMs);
      timer.unref();
      const onClientGone = () => {
        if (!connected) up.destroy();
      };
      client.once('close', onClientGone);
      up.once('connect', () => {
        clearTimeout(timer);
        connected = true;
        client.removeListener('close', onClientGone);
        if (client.destroyed) {
          up.destroy();
          return;
        }
        splice(client, up);
      });
      up.on('error', () => {
        if (connected) return; // handled by splice
        clearTimeout(timer);
        client.removeListener('close', onClientGone);
        if (tried.length <= retries && !closed) attempt();
        else reset(client);
      });
    };
    if (network?.blackholed) hold(client, attempt);
    else attempt();
  };

  /** Keeps a new connection (reading what it sends) until the blackhole lifts, then carries on. */
  const hold = (client: Socket, then: () => void) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      if (size >= HOLD_BUFFER) client.pause();
    };
    const onEnd = () => client.destroy();
    client.on('data', onData);
    client.once('end', onEnd);
    client.resume();
    holdWhileBlackholed(network, client, () => {
      client.off('data', onData);
      client.off('end', onEnd);
      client.pause();
      if (chunks.length) client.unshift(Buffer.concat(chunks));
      if (!client.destroyed) then();
    });
  };
  let unsubscribe: (() => void) | undefined;

  const server: Server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, handle);

  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.removeListener('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.removeListener('error', onError);
      server.on('error', () => {});
      unsubscribe = network?.onChange((on) => {
        for (const p of pairs) flow(p, !on);
      });
      const addr = server.address();
      resolve({
        ip: opts.ip,
        port: addr && typeof addr === 'object' ? addr.port : opts.port,
        connections: () => clients.size,
        close: () =>
          new Promise<void>((done) => {
            if (closed) return done();
            closed = true;
            unsubscribe?.();
            server.close(() => done());
            for (const s of clients) s.destroy();
            for (const s of upstreams) s.destroy();
          }),
      });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: opts.ip, port: opts.port, exclusive: true });
  });
}
