/** The edge's HTTP/1.1 heads and body framing: strict parsing, hop-by-hop fields, chunked bodies. */
import { describe, expect, it } from 'vitest';
import { ChunkedScanner, findHeadEnd, HttpError, parseRequestHead, parseResponseHead, requestFraming, responseFraming } from '../../src/traffic/edge/http1.js';

const req = (lines: string[]) => parseRequestHead(lines.join('\r\n'));
const status = (f: () => unknown): number | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof HttpError ? e.status : -1;
  }
};

describe('parseRequestHead', () => {
  it('reads the request line, fields and what is forwarded', () => {
    const h = req([
      'POST /a?b=1 HTTP/1.1',
      'Host: shop.example.com',
      'Connection: keep-alive, X-Secret',
      'X-Secret: s',
      'Keep-Alive: timeout=5',
      'Content-Length: 5',
      'X-Forwarded-For: 1.2.3.4',
      'x-forwarded-for: 5.6.7.8',
      'TE: trailers',
      'Accept:  */*  ',
    ]);
    expect([h.method, h.target, h.minor, h.host, h.contentLength, h.close, h.keepAlive]).toEqual(['POST', '/a?b=1', 1, 'shop.example.com', 5, false, true]);
    expect(h.xff).toBe('1.2.3.4, 5.6.7.8');
    expect(h.forward).toBe('Host: shop.example.com\r\nContent-Length: 5\r\nAccept:  */*  \r\n');
    expect(h.get('accept')).toBe('*/*');
    expect(h.get('x-forwarded-for')).toBe('1.2.3.4,5.6.7.8');
    expect(h.get('missing')).toBeUndefined();
    expect(h.idempotencyKey).toBe(false);
    expect(req(['POST / HTTP/1.1', 'Host: h', 'Idempotency-Key: k1']).idempotencyKey).toBe(true);
    expect(requestFraming(h)).toBe('length');
  });

  it('absolute-form targets name the host', () => {
    const h = req(['GET http://Shop.example.com:8080/x?y HTTP/1.1', 'Host: ignored']);
    expect([h.host, h.target]).toEqual(['Shop.example.com:8080', '/x?y']);
  });

  it('HTTP/1.0 closes unless keep-alive', () => {
    expect(req(['GET / HTTP/1.0']).close).toBe(true);
    expect(req(['GET / HTTP/1.0', 'Connection: keep-alive']).close).toBe(false);
  });

  it('an upgrade needs Connection: upgrade', () => {
    expect(req(['GET / HTTP/1.1', 'Host: h', 'Connection: Upgrade', 'Upgrade: websocket']).upgrade).toBe('websocket');
    expect(req(['GET / HTTP/1.1', 'Host: h', 'Upgrade: websocket']).upgrade).toBe('');
  });

  it('chunked requests', () => {
    const h = req(['POST / HTTP/1.1', 'Host: h', 'Transfer-Encoding: chunked']);
    expect([h.chunked, requestFraming(h), h.forward]).toEqual([true, 'chunked', 'Host: h\r\n']);
  });

  const bad: [string, string[], number][] = [
    ['lone LF', ['GET / HTTP/1.1', 'Host: h\nX: y'], 400],
    ['lone CR', ['GET / HTTP/1.1', 'Host: h\rX: y'], 400],
    ['NUL', ['GET / HTTP/1.1', 'Host: h\0'], 400],
    ['obs-fold', ['GET / HTTP/1.1', 'Host: h', ' folded'], 400],
    ['space before colon', ['GET / HTTP/1.1', 'Host : h'], 400],
    ['no colon', ['GET / HTTP/1.1', 'Host h'], 400],
    ['missing Host', ['GET / HTTP/1.1'], 400],
    ['two Hosts', ['GET / HTTP/1.1', 'Host: a', 'Host: b'], 400],
    ['bad Content-Length', ['POST / HTTP/1.1', 'Host: h', 'Content-Length: 1x'], 400],
    ['negative Content-Length', ['POST / HTTP/1.1', 'Host: h', 'Content-Length: -1'], 400],
    ['conflicting Content-Length', ['POST / HTTP/1.1', 'Host: h', 'Content-Length: 1', 'Content-Length: 2'], 400],
    ['CL and TE', ['POST / HTTP/1.1', 'Host: h', 'Content-Length: 1', 'Transfer-Encoding: chunked'], 400],
    ['TE not chunked', ['POST / HTTP/1.1', 'Host: h', 'Transfer-Encoding: gzip, chunked'], 501],
    ['TE chunked twice', ['POST / HTTP/1.1', 'Host: h', 'Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'], 501],
    ['TE in HTTP/1.0', ['POST / HTTP/1.0', 'Transfer-Encoding: chunked'], 400],
    ['HTTP/2 line', ['GET / HTTP/2.0', 'Host: h'], 505],
    ['garbage version', ['GET / HTTX/1.1', 'Host: h'], 400],
    ['extra space', ['GET  / HTTP/1.1', 'Host: h'], 400],
    ['bad method', ['G(T / HTTP/1.1', 'Host: h'], 400],
    ['non-ASCII target', ['GET /\xe9 HTTP/1.1', 'Host: h'], 400],
    ['relative target', ['GET x HTTP/1.1', 'Host: h'], 400],
    ['CONNECT', ['CONNECT h:443 HTTP/1.1', 'Host: h'], 405],
    ['bare CR after the request line', ['GET / HTTP/1.1\rHost: h'], 400],
    ['bare LF in the request line', ['GET /\n HTTP/1.1', 'Host: h'], 400],
  ];
  for (const [what, lines, want] of bad) it(`rejects ${what}`, () => expect(status(() => req(lines))).toBe(want));
});

describe('parseResponseHead', () => {
  it('reads the status line, framing and keep-alive hints', () => {
    const h = parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nKeep-Alive: timeout=5, max=100\r\nX-Kubefed-Cluster: spoofed');
    expect([h.status, h.reason, h.contentLength, h.keepAliveTimeout, h.forward]).toEqual([200, 'OK', 3, 5, 'Content-Length: 3\r\n']);
    expect(responseFraming(h, 'GET')).toBe('length');
    expect(responseFraming(h, 'HEAD')).toBe('none');
  });

  const framing: [string, string, string, string][] = [
    ['chunked', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked', 'GET', 'chunked'],
    ['no length: until close', 'HTTP/1.1 200 OK', 'GET', 'close'],
    ['204', 'HTTP/1.1 204 No Content\r\nContent-Length: 10', 'GET', 'none'],
    ['304', 'HTTP/1.1 304 Not Modified\r\nContent-Length: 10', 'GET', 'none'],
    ['101', 'HTTP/1.1 101 Switching Protocols', 'GET', 'none'],
    ['zero length', 'HTTP/1.1 200 OK\r\nContent-Length: 0', 'GET', 'none'],
    ['no reason phrase', 'HTTP/1.1 200\r\nContent-Length: 2', 'GET', 'length'],
  ];
  for (const [what, head, method, want] of framing) it(`framing: ${what}`, () => expect(responseFraming(parseResponseHead(head), method)).toBe(want));

  it('HTTP/1.0 responses close unless keep-alive', () => {
    expect(parseResponseHead('HTTP/1.0 200 OK').close).toBe(true);
    expect(parseResponseHead('HTTP/1.0 200 OK\r\nConnection: keep-alive').close).toBe(false);
  });

  for (const [what, head] of [
    ['bad status', 'HTTP/1.1 20 OK'],
    ['bad version', 'HTTP/2 200 OK'],
    ['CL and TE', 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked'],
    ['bad CL', 'HTTP/1.1 200 OK\r\nContent-Length: abc'],
  ]) {
    it(`rejects ${what} as a bad gateway`, () => expect(status(() => parseResponseHead(head!))).toBe(502));
  }
});

describe('ChunkedScanner', () => {
  const body = Buffer.from('5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT');

  it('finds the end of a chunked body and its payload, in any split', () => {
    const end = body.length - 4;
    for (let split = 0; split <= body.length; split++) {
      const s = new ChunkedScanner();
      const payload: string[] = [];
      const onData = (b: Buffer, f: number, t: number) => payload.push(b.toString('latin1', f, t));
      const a = body.subarray(0, split);
      const r1 = s.scan(a, 0, onData);
      if (r1 >= 0) {
        expect(r1).toBe(end);
      } else {
        const r2 = s.scan(body.subarray(split), 0, onData);
        expect(r2 + split).toBe(end);
      }
      expect(payload.join('')).toBe('hello world');
      expect(s.done).toBe(true);
    }
  });

  for (const [what, text] of [
    ['no size', '\r\n'],
    ['bad hex', 'g\r\n'],
    ['missing CRLF after data', '1\r\nab\r\n'],
    ['lone LF', '1\nab'],
    ['huge size', 'fffffffffffffff\r\n'],
  ]) {
    it(`rejects ${what}`, () => expect(status(() => new ChunkedScanner().scan(Buffer.from(text!), 0))).toBe(400));
  }
});

describe('findHeadEnd', () => {
  it('finds the blank line', () => {
    expect(findHeadEnd(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r\nbody'), 0)).toBe(23);
    expect(findHeadEnd(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n'), 0)).toBe(-1);
  });
});
