/** The playground's TCP proxy: splicing, half-close, backpressure, retries and resets. */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpBackend } from '../../src/playground/cluster/network/tcp-proxy.js';

const HOST = '127.0.0.1';
let echo: Server;
let echoPort: number;
/** Reads everything until the client half-closes, then answers with the byte count and closes. */
let counter: Server;
let counterPort: number;
let deadPort: number;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, HOST, () => resolve((server.address() as { port: number }).port)));
}

beforeAll(async () => {
  echo = createServer((s) => s.pipe(s));
  echoPort = await listen(echo);
  counter = createServer({ allowHalfOpen: true }, (s) => {
    let n = 0;
    s.on('data', (d: Buffer) => (n += d.length));
    s.on('end', () => s.end(`got ${n} bytes`));
  });
  counterPort = await listen(counter);
  const tmp = createServer();
  deadPort = await listen(tmp);
  await new Promise((r) => tmp.close(r));
});

afterAll(() => {
  echo.close();
  counter.close();
});

function roundTrip(port: number, payload: Buffer, halfClose: boolean): Promise<{ data: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const s: Socket = connect({ host: HOST, port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', (e: NodeJS.ErrnoException) => resolve({ data: Buffer.concat(chunks), error: e.code }));
    s.on('end', () => {
      s.end();
      resolve({ data: Buffer.concat(chunks) });
    });
    s.on('connect', () => {
      s.write(payload);
      if (halfClose) s.end();
    });
  });
}

describe('startTcpProxy', () => {
  it('passes a half-close through and the answer back', async () => {
    const proxy = await startTcpProxy({ ip: HOST, port: 0, pickBackend: () => ({ host: HOST, port: counterPort }) });
    try {
      const r = await roundTrip(proxy.port, Buffer.alloc(123_456, 1), true);
      expect(r.data.toString()).toBe('got 123456 bytes');
    } finally {
      await proxy.close();
    }
  });

  it('moves large payloads both ways with backpressure', async () => {
    const proxy = await startTcpProxy({ ip: HOST, port: 0, pickBackend: () => ({ host: HOST, port: echoPort }) });
    try {
      const size = 24 * 1024 * 1024;
      const payload = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4096) payload[i] = i % 251;
      const got = await new Promise<Buffer>((resolve, reject) => {
        const s = connect({ host: HOST, port: proxy.port });
        const chunks: Buffer[] = [];
        let n = 0;
        s.on('data', (d: Buffer) => {
          chunks.push(d);
          n += d.length;
          if (n >= size) {
            s.destroy();
            resolve(Buffer.concat(chunks));
          }
        });
        s.on('error', reject);
        s.on('connect', () => s.write(payload));
      });
      expect(got.length).toBe(size);
      expect(got.equals(payload)).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('retries a backend that refuses once on another, telling the picker what was tried', async () => {
    const seen: TcpBackend[][] = [];
    const proxy = await startTcpProxy({
      ip: HOST,
      port: 0,
      pickBackend: ({ tried }) => {
        seen.push(tried);
        return tried.length === 0 ? { host: HOST, port: deadPort } : { host: HOST, port: counterPort };
      },
    });
    try {
      const r = await roundTrip(proxy.port, Buffer.from('hello'), true);
      expect(r.data.toString()).toBe('got 5 bytes');
      expect(seen).toEqual([[], [{ host: HOST, port: deadPort }]]);
    } finally {
      await proxy.close();
    }
  });

  it('resets the connection when there is no backend, or every try fails', async () => {
    const none = await startTcpProxy({ ip: HOST, port: 0, pickBackend: () => undefined });
    const dead = await startTcpProxy({ ip: HOST, port: 0, pickBackend: () => ({ host: HOST, port: deadPort }) });
    try {
      expect((await roundTrip(none.port, Buffer.from('x'), false)).error).toBe('ECONNRESET');
      expect((await roundTrip(dead.port, Buffer.from('x'), false)).error).toBe('ECONNRESET');
    } finally {
      await none.close();
      await dead.close();
    }
  });

  it('close() stops listening and drops open connections', async () => {
    const proxy = await startTcpProxy({ ip: HOST, port: 0, pickBackend: () => ({ host: HOST, port: echoPort }) });
    const s = connect({ host: HOST, port: proxy.port });
    await new Promise((r) => s.once('connect', r));
    s.write('ping');
    await new Promise((r) => s.once('data', r));
    expect(proxy.connections()).toBe(1);
    const closed = new Promise((r) => s.once('close', r));
    s.on('error', () => {});
    await proxy.close();
    await closed;
    const refused = await new Promise<string>((resolve) => {
      const t = connect({ host: HOST, port: proxy.port });
      t.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? ''));
      t.on('connect', () => {
        t.destroy();
        resolve('connected');
      });
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
