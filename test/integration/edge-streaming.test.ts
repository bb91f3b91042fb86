/**
 * Bodies stream through the edge: a response's first chunk reaches the client before the backend
 * writes the rest, and a request's first chunk reaches the backend before the client sends the
 * rest (each side waits for the other's evidence, so a buffering edge would deadlock), and a
 * large response to a slow reader is paced by backpressure rather than buffered.
 */
import { PassThrough } from 'node:stream';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeProxy } from '../../src/traffic/edge/proxy.js';
import { eventually } from '../helpers/eventually.js';
import { backendOf, configOf, RoundRobinBalancer, routeTo, startBackend, type TestBackend } from '../helpers/edge.js';

let backend: TestBackend;
let edge: EdgeProxy;
const agent = new Agent();
let releaseResponse: () => void = () => {};
let requestChunkSeen: () => void = () => {};
/** Chunks of /large written so far, and whether the backend is waiting for 'drain'. */
let largeSent = 0;
let largeBlocked = false;

const LARGE_CHUNKS = 1024;

function signal(): { wait: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const wait = new Promise<void>((r) => (fire = r));
  return { wait, fire };
}

beforeAll(async () => {
  backend = await startBackend('cluster-s', (req, res) => {
    if (req.url === '/download') {
      req.resume();
      const release = signal();
      releaseResponse = release.fire;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk\n');
      void release.wait.then(() => res.end('second chunk\n'));
      return true;
    }
    if (req.url === '/upload') {
      let got = '';
      req.on('data', (d: Buffer) => {
        got += d.toString();
        if (got.includes('part one')) requestChunkSeen();
      });
      req.on('end', () => res.end(`backend got: ${got}`));
      return true;
    }
    if (req.url === '/large') {
      req.resume();
      res.writeHead(200, { 'content-length': String(LARGE_CHUNKS * 64 * 1024) });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      largeSent = 0;
      const pump = () => {
        largeBlocked = false;
        while (largeSent < LARGE_CHUNKS) {
          largeSent++;
          if (!res.write(chunk)) {
            largeBlocked = true;
            return void res.once('drain', pump);
          }
        }
        res.end();
      };
      pump();
      return true;
    }
    return false;
  });
  edge = await EdgeProxy.start({ httpAddress: { host: '127.0.0.1', port: 0 }, balancer: new RoundRobinBalancer(), config: configOf([routeTo(backendOf('s', [backend.endpoint()]))]), activeChecks: { intervalMs: 0 } });
});

afterAll(async () => {
  await agent.close();
  await edge.close();
  await backend.close();
});

describe('edge streaming', () => {
  it('delivers the first chunk of a response before the backend has written the rest', async () => {
    const r = await request(`http://127.0.0.1:${edge.httpPort}/download`, { dispatcher: agent });
    const it = r.body[Symbol.asyncIterator]();
    const first = await it.next();
    expect(String(first.value)).toBe('first chunk\n');
    releaseResponse();
    let rest = '';
    for (let n = await it.next(); !n.done; n = await it.next()) rest += String(n.value);
    expect(rest).toBe('second chunk\n');
  });

  it('delivers the first chunk of a request body before the client has sent the rest', async () => {
    const body = new PassThrough();
    const seen = signal();
    requestChunkSeen = seen.fire;
    const pending = request(`http://127.0.0.1:${edge.httpPort}/upload`, { dispatcher: agent, method: 'POST', body });
    body.write('part one, ');
    await seen.wait;
    body.end('part two');
    const r = await pending;
    expect(await r.body.text()).toBe('backend got: part one, part two');
  });

  it('paces a large response to a slow reader instead of buffering it', async () => {
    const r = await request(`http://127.0.0.1:${edge.httpPort}/large`, { dispatcher: agent, highWaterMark: 16 * 1024 });
    const it = r.body[Symbol.asyncIterator]();
    let got = (await it.next()).value.length as number;
    // The client stops reading: the backend must end up blocked, the edge no longer reading from it.
    await eventually(async () => {
      const before = largeSent;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return largeBlocked && largeSent === before;
    }, 'the backend held back by backpressure');
    // A buffering edge would have taken all 64 MiB from the backend by now.
    expect(largeSent).toBeLessThan(LARGE_CHUNKS);
    for (let n = await it.next(); !n.done; n = await it.next()) got += n.value.length;
    expect(got).toBe(LARGE_CHUNKS * 64 * 1024);
  });
});
