/**
 * WebSocket (HTTP Upgrade) through the edge: the 101 comes back with the serving cluster, and
 * messages are echoed both ways over the tunnel, with a real client (undici's WebSocket).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeProxy } from '../../src/traffic/edge/proxy.js';
import { backendOf, configOf, RoundRobinBalancer, routeTo, startBackend, type TestBackend } from '../helpers/edge.js';

let backend: TestBackend;
let edge: EdgeProxy;

/** A WebSocket echo: accepts the upgrade, answers every text or binary frame with the same payload. */
function echoUpgrades(b: TestBackend): void {
  b.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nX-Served-By: ${b.cluster}\r\n\r\n`);
    let buf = head;
    const frames = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (buf.length < 2) return;
        const opcode = buf[0]! & 0x0f;
        let len = buf[1]! & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        }
        const masked = (buf[1]! & 0x80) !== 0;
        const mask = masked ? buf.subarray(off, off + 4) : undefined;
        if (masked) off += 4;
        if (buf.length < off + len) return;
        const payload = Buffer.from(buf.subarray(off, off + len));
        if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
        buf = buf.subarray(off + len);
        if (opcode === 8) {
          socket.end(Buffer.from([0x88, 0]));
          return;
        }
        const header = payload.length < 126 ? Buffer.from([0x80 | opcode, payload.length]) : Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff]);
        socket.write(Buffer.concat([header, payload]));
      }
    };
    socket.on('data', frames);
    if (head.length > 0) frames(Buffer.alloc(0));
  });
}

beforeAll(async () => {
  backend = await startBackend('cluster-ws');
  echoUpgrades(backend);
  edge = await EdgeProxy.start({ httpAddress: { host: '127.0.0.1', port: 0 }, balancer: new RoundRobinBalancer(), config: configOf([routeTo(backendOf('ws', [backend.endpoint()]))]), activeChecks: { intervalMs: 0 } });
});

afterAll(async () => {
  await edge.close();
  await backend.close();
});

describe('edge WebSocket', () => {
  it('echoes messages through the edge with a real client', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${edge.httpPort}/chat`);
    const received: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      ws.addEventListener('message', (e) => {
        received.push(String(e.data));
        if (received.length === 1) ws.send('x'.repeat(300));
        else ws.close();
      });
      ws.addEventListener('close', () => resolve());
      ws.addEventListener('error', (e) => reject(new Error(String((e as { message?: string }).message ?? 'websocket error'))));
    });
    ws.addEventListener('open', () => ws.send('hello through the edge'));
    await done;
    expect(received).toEqual(['hello through the edge', 'x'.repeat(300)]);
    expect(edge.metrics.requests('cluster-ws', 101, 'zone')).toBeGreaterThan(0);
  });

  it('answers the upgrade with 101 from the serving cluster and tunnels bytes sent right after the request', async () => {
    const s = connect(edge.httpPort!, '127.0.0.1');
    const key = Buffer.alloc(16, 7).toString('base64');
    // A masked text frame "ping" sent together with the upgrade request.
    const mask = Buffer.from([1, 2, 3, 4]);
    const payload = Buffer.from('ping').map((b, i) => b ^ mask[i % 4]!);
    s.write(
      Buffer.concat([
        Buffer.from(`GET /chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`),
        Buffer.from([0x81, 0x80 | 4]),
        mask,
        payload,
      ]),
    );
    const text = await new Promise<Buffer>((resolve, reject) => {
      let got = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        const end = got.indexOf('\r\n\r\n');
        if (end >= 0 && got.length >= end + 4 + 6) resolve(got);
      });
      s.on('error', reject);
    });
    s.destroy();
    const head = text.subarray(0, text.indexOf('\r\n\r\n')).toString();
    expect(head).toMatch(/^HTTP\/1.1 101 /);
    expect(head).toMatch(/x-kubefed-cluster: cluster-ws/i);
    expect(head).toMatch(/x-served-by: cluster-ws/i);
    expect(head).toMatch(/upgrade: websocket/i);
    const frame = text.subarray(text.indexOf('\r\n\r\n') + 4);
    expect([...frame.subarray(0, 2)]).toEqual([0x81, 4]);
    expect(frame.subarray(2, 6).toString()).toBe('ping');
  });
});
