import { describe, it, expect } from 'vitest';
import { applyMergePatch } from '../../src/apiserver/patch/merge-patch.js';

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

describe('applyMergePatch', () => {
  // RFC 7386 appendix A, one row each.
  const rfc: [unknown, unknown, unknown][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [['a', 'b'], ['c', 'd'], ['c', 'd']],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];

  it.each(rfc)('RFC 7386: %j + %j = %j', (doc, patch, want) => {
    const docCopy = clone(doc);
    const patchCopy = clone(patch);
    expect(applyMergePatch(deepFreeze(doc), deepFreeze(patch))).toEqual(want);
    expect(doc).toEqual(docCopy);
    expect(patch).toEqual(patchCopy);
  });

  it.each([
    {
      name: 'null deletes a label, other labels kept',
      doc: { metadata: { labels: { a: '1', b: '2' } }, spec: { replicas: 1 } },
      patch: { metadata: { labels: { a: null, c: '3' } } },
      want: { metadata: { labels: { b: '2', c: '3' } }, spec: { replicas: 1 } },
    },
    {
      name: 'lists are replaced, never merged',
      doc: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b' }] } },
      patch: { spec: { containers: [{ name: 'a', image: 'y' }] } },
      want: { spec: { containers: [{ name: 'a', image: 'y' }] } },
    },
    {
      name: 'nulls inside arrays are kept',
      doc: {},
      patch: { a: [null, { b: null }] },
      want: { a: [null, { b: null }] },
    },
    {
      name: 'deleting a missing key is a no-op',
      doc: { a: 1 },
      patch: { b: null },
      want: { a: 1 },
    },
    {
      name: 'an object replaces a scalar',
      doc: { a: 1 },
      patch: { a: { b: 1, c: null } },
      want: { a: { b: 1 } },
    },
    {
      name: 'empty patch keeps the document',
      doc: { a: { b: 1 } },
      patch: {},
      want: { a: { b: 1 } },
    },
  ])('$name', ({ doc, patch, want }) => {
    const docCopy = clone(doc);
    expect(applyMergePatch(deepFreeze(doc), deepFreeze(patch))).toEqual(want);
    expect(doc).toEqual(docCopy);
  });

  it('result shares nothing with the inputs', () => {
    const doc = { a: { b: [1] }, keep: { x: 1 } };
    const patch = { c: { d: [2] } };
    const out = applyMergePatch(doc, patch) as { a: { b: number[] }; c: { d: number[] }; keep: { x: number } };
    out.a.b.push(9);
    out.c.d.push(9);
    out.keep.x = 2;
    expect(doc).toEqual({ a: { b: [1] }, keep: { x: 1 } });
    expect(patch).toEqual({ c: { d: [2] } });
  });

  it('__proto__ is an ordinary key', () => {
    const out = applyMergePatch({}, JSON.parse('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
