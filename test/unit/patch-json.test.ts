import { describe, it, expect } from 'vitest';
import {
  applyJsonPatch,
  formatJsonPointer,
  parseJsonPointer,
  validateJsonPatchOps,
} from '../../src/apiserver/patch/json-patch.js';
import { StatusError } from '../../src/apiserver/errors.js';

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Applies with frozen inputs and checks they are unchanged afterwards. */
function apply(doc: unknown, patch: unknown): unknown {
  const docCopy = clone(doc);
  const patchCopy = clone(patch);
  const out = applyJsonPatch(deepFreeze(doc), deepFreeze(patch));
  expect(doc).toEqual(docCopy);
  expect(patch).toEqual(patchCopy);
  return out;
}

function failure(doc: unknown, patch: unknown): StatusError {
  try {
    apply(doc, patch);
  } catch (e) {
    expect(e).toBeInstanceOf(StatusError);
    return e as StatusError;
  }
  throw new Error('expected the patch to fail');
}

interface Case {
  name: string;
  doc: unknown;
  patch: unknown;
  want: unknown;
}

// The situations of RFC 6902 appendix A, with our own documents.
const rfcCases: Case[] = [
  {
    name: 'A.1 adding an object member',
    doc: { spec: { replicas: 1 } },
    patch: [{ op: 'add', path: '/spec/paused', value: true }],
    want: { spec: { replicas: 1, paused: true } },
  },
  {
    name: 'A.2 adding an array element',
    doc: { args: ['--a', '--c'] },
    patch: [{ op: 'add', path: '/args/1', value: '--b' }],
    want: { args: ['--a', '--b', '--c'] },
  },
  {
    name: 'A.3 removing an object member',
    doc: { metadata: { name: 'web', generateName: 'web-' } },
    patch: [{ op: 'remove', path: '/metadata/generateName' }],
    want: { metadata: { name: 'web' } },
  },
  {
    name: 'A.4 removing an array element',
    doc: { args: ['--a', '--b', '--c'] },
    patch: [{ op: 'remove', path: '/args/1' }],
    want: { args: ['--a', '--c'] },
  },
  {
    name: 'A.5 replacing a value',
    doc: { spec: { replicas: 1, paused: false } },
    patch: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
    want: { spec: { replicas: 3, paused: false } },
  },
  {
    name: 'A.6 moving a value',
    doc: { metadata: { labels: { app: 'web' }, annotations: { tier: 'frontend' } } },
    patch: [{ op: 'move', from: '/metadata/annotations/tier', path: '/metadata/labels/tier' }],
    want: { metadata: { labels: { app: 'web', tier: 'frontend' }, annotations: {} } },
  },
  {
    name: 'A.7 moving an array element',
    doc: { list: ['a', 'b', 'c', 'd'] },
    patch: [{ op: 'move', from: '/list/1', path: '/list/3' }],
    want: { list: ['a', 'c', 'd', 'b'] },
  },
  {
    name: 'A.8 testing a value: success',
    doc: { spec: { replicas: 2, selector: { app: 'web' }, ports: [80, 443] } },
    patch: [
      { op: 'test', path: '/spec/replicas', value: 2 },
      { op: 'test', path: '/spec/selector', value: { app: 'web' } },
      { op: 'test', path: '/spec/ports', value: [80, 443] },
    ],
    want: { spec: { replicas: 2, selector: { app: 'web' }, ports: [80, 443] } },
  },
  {
    name: 'A.10 adding a nested member object',
    doc: { metadata: { name: 'web' } },
    patch: [{ op: 'add', path: '/metadata/labels', value: { app: 'web' } }],
    want: { metadata: { name: 'web', labels: { app: 'web' } } },
  },
  {
    name: 'A.11 ignoring unrecognized elements',
    doc: { a: 1 },
    patch: [{ op: 'add', path: '/b', value: 2, xyz: 123 }],
    want: { a: 1, b: 2 },
  },
  {
    name: 'A.14 ~ escape ordering',
    doc: { '/': 9, '~1': 10 },
    patch: [{ op: 'test', path: '/~01', value: 10 }],
    want: { '/': 9, '~1': 10 },
  },
  {
    name: 'A.16 adding an array value',
    doc: { list: ['a'] },
    patch: [{ op: 'add', path: '/list/-', value: ['b', 'c'] }],
    want: { list: ['a', ['b', 'c']] },
  },
];

const moreCases: Case[] = [
  {
    name: 'add with "-" appends',
    doc: { list: [1, 2] },
    patch: [{ op: 'add', path: '/list/-', value: 3 }],
    want: { list: [1, 2, 3] },
  },
  {
    name: 'add at index == length appends',
    doc: { list: [1, 2] },
    patch: [{ op: 'add', path: '/list/2', value: 3 }],
    want: { list: [1, 2, 3] },
  },
  {
    name: 'add replaces an existing member',
    doc: { a: { b: 1 } },
    patch: [{ op: 'add', path: '/a', value: 'x' }],
    want: { a: 'x' },
  },
  {
    name: 'add at the root replaces the document',
    doc: { a: 1 },
    patch: [{ op: 'add', path: '', value: { b: 2 } }],
    want: { b: 2 },
  },
  {
    name: 'replace at the root replaces the document',
    doc: { a: 1 },
    patch: [{ op: 'replace', path: '', value: [1] }],
    want: [1],
  },
  {
    name: 'replace an array element',
    doc: { list: ['a', 'b'] },
    patch: [{ op: 'replace', path: '/list/0', value: 'z' }],
    want: { list: ['z', 'b'] },
  },
  {
    name: '~1 and ~0 escapes in keys',
    doc: { metadata: { annotations: { 'example.com/a~b': 'x' } } },
    patch: [{ op: 'replace', path: '/metadata/annotations/example.com~1a~0b', value: 'y' }],
    want: { metadata: { annotations: { 'example.com/a~b': 'y' } } },
  },
  {
    name: 'empty key',
    doc: { '': 1 },
    patch: [{ op: 'replace', path: '/', value: 2 }],
    want: { '': 2 },
  },
  {
    name: 'copy an object (deep copy)',
    doc: { a: { b: [1] } },
    patch: [
      { op: 'copy', from: '/a', path: '/c' },
      { op: 'add', path: '/c/b/-', value: 2 },
    ],
    want: { a: { b: [1] }, c: { b: [1, 2] } },
  },
  {
    name: 'move to the same place is a no-op',
    doc: { a: 1 },
    patch: [{ op: 'move', from: '/a', path: '/a' }],
    want: { a: 1 },
  },
  {
    name: 'operations apply in sequence',
    doc: { spec: { replicas: 1 } },
    patch: [
      { op: 'add', path: '/spec/template', value: { spec: { containers: [] } } },
      { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'web' } },
      { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'web' },
      { op: 'remove', path: '/spec/replicas' },
    ],
    want: { spec: { template: { spec: { containers: [{ name: 'web' }] } } } },
  },
  {
    name: 'null values are values',
    doc: { a: 1 },
    patch: [
      { op: 'add', path: '/b', value: null },
      { op: 'test', path: '/b', value: null },
    ],
    want: { a: 1, b: null },
  },
  {
    name: 'empty patch',
    doc: { a: 1 },
    patch: [],
    want: { a: 1 },
  },
  {
    name: '__proto__ is an ordinary key',
    doc: JSON.parse('{"a":1}'),
    patch: JSON.parse('[{"op":"add","path":"/__proto__","value":{"polluted":true}}]'),
    want: JSON.parse('{"a":1,"__proto__":{"polluted":true}}'),
  },
];

describe('applyJsonPatch', () => {
  it.each([...rfcCases, ...moreCases])('$name', ({ doc, patch, want }) => {
    const out = apply(doc, patch);
    expect(out).toEqual(want);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('result shares nothing with the patch', () => {
    const value = { b: [1] };
    const out = applyJsonPatch({}, [{ op: 'add', path: '/a', value }]) as { a: { b: number[] } };
    out.a.b.push(2);
    expect(value).toEqual({ b: [1] });
  });

  const applyFailures: { name: string; doc: unknown; patch: unknown; message: string }[] = [
    {
      name: 'A.9 testing a value: error',
      doc: { spec: { replicas: 2 } },
      patch: [{ op: 'test', path: '/spec/replicas', value: 3 }],
      message: 'testing value /spec/replicas failed: test failed',
    },
    {
      name: 'A.12 adding to a nonexistent target',
      doc: { spec: {} },
      patch: [{ op: 'add', path: '/spec/template/spec', value: {} }],
      message: 'jsonpatch add operation does not apply: doc is missing path: /spec/template/spec',
    },
    {
      name: 'A.15 comparing strings and numbers',
      doc: { '/': 9, '~1': 10 },
      patch: [{ op: 'test', path: '/~01', value: '10' }],
      message: 'testing value /~01 failed: test failed',
    },
    {
      name: 'test of a missing path',
      doc: { spec: {} },
      patch: [{ op: 'test', path: '/spec/replicas', value: 1 }],
      message: 'testing value /spec/replicas failed: test failed',
    },
    {
      name: 'replace of a missing key',
      doc: { spec: {} },
      patch: [{ op: 'replace', path: '/spec/foo', value: 1 }],
      message: 'jsonpatch replace operation does not apply: doc is missing key: /spec/foo',
    },
    {
      name: 'remove of a missing key',
      doc: { spec: {} },
      patch: [{ op: 'remove', path: '/spec/foo' }],
      message: 'jsonpatch remove operation does not apply: doc is missing key: /spec/foo',
    },
    {
      name: 'remove under a missing parent',
      doc: {},
      patch: [{ op: 'remove', path: '/spec/foo' }],
      message: 'jsonpatch remove operation does not apply: doc is missing path: /spec/foo',
    },
    {
      name: 'add past the end of an array',
      doc: { list: [1] },
      patch: [{ op: 'add', path: '/list/2', value: 3 }],
      message: 'jsonpatch add operation does not apply: index out of range: /list/2',
    },
    {
      name: 'replace at index == length',
      doc: { list: [1] },
      patch: [{ op: 'replace', path: '/list/1', value: 3 }],
      message: 'jsonpatch replace operation does not apply: index out of range: /list/1',
    },
    {
      name: 'remove with "-"',
      doc: { list: [1] },
      patch: [{ op: 'remove', path: '/list/-' }],
      message: 'jsonpatch remove operation does not apply: index out of range: /list/-',
    },
    {
      name: 'leading zero index',
      doc: { list: [1, 2] },
      patch: [{ op: 'replace', path: '/list/01', value: 3 }],
      message: 'jsonpatch replace operation does not apply: invalid array index "01": /list/01',
    },
    {
      name: 'non-numeric index',
      doc: { list: [1, 2] },
      patch: [{ op: 'add', path: '/list/x', value: 3 }],
      message: 'jsonpatch add operation does not apply: invalid array index "x": /list/x',
    },
    {
      name: 'move from a missing path',
      doc: {},
      patch: [{ op: 'move', from: '/a', path: '/b' }],
      message: 'jsonpatch move operation does not apply: doc is missing from path: /a',
    },
    {
      name: 'move into its own child',
      doc: { a: { b: {} } },
      patch: [{ op: 'move', from: '/a', path: '/a/b/c' }],
      message: 'jsonpatch move operation does not apply: cannot move /a into its own child /a/b/c',
    },
    {
      name: 'copy from a missing path',
      doc: {},
      patch: [{ op: 'copy', from: '/a', path: '/b' }],
      message: 'jsonpatch copy operation does not apply: doc is missing from path: /a',
    },
    {
      name: 'add below a scalar',
      doc: { a: 1 },
      patch: [{ op: 'add', path: '/a/b', value: 1 }],
      message: 'jsonpatch add operation does not apply: doc is missing path: /a/b',
    },
    {
      name: 'remove the root',
      doc: { a: 1 },
      patch: [{ op: 'remove', path: '' }],
      message: 'jsonpatch remove operation does not apply: cannot remove the root of the document',
    },
  ];

  it.each(applyFailures)('422 when it does not apply: $name', ({ doc, patch, message }) => {
    const err = failure(doc, patch);
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toBe(message);
  });

  it('a failing operation leaves the input untouched even after earlier operations applied', () => {
    const doc = { a: 1 };
    const err = failure(doc, [
      { op: 'add', path: '/b', value: 2 },
      { op: 'test', path: '/a', value: 2 },
    ]);
    expect(err.code).toBe(422);
    expect(doc).toEqual({ a: 1 });
  });

  const decodeFailures: { name: string; patch: unknown; message: string }[] = [
    { name: 'not an array', patch: { op: 'add' }, message: 'invalid JSON patch: the patch must be a JSON array of operations, not an object' },
    { name: 'operation not an object', patch: ['add'], message: 'invalid JSON patch: operation 0 must be a JSON object, not a string' },
    { name: 'missing op (A.13: an invalid patch document)', patch: [{ path: '/a', value: 1 }], message: 'invalid JSON patch: operation 0 is missing "op"' },
    {
      name: 'unknown op',
      patch: [{ op: 'add', path: '/a', value: 1 }, { op: 'merge', path: '/a' }],
      message:
        'invalid JSON patch: operation 1 has unsupported op "merge": supported ops are "add", "remove", "replace", "move", "copy", "test"',
    },
    { name: 'missing path', patch: [{ op: 'add', value: 1 }], message: 'invalid JSON patch: operation 0 is missing "path"' },
    { name: 'path not a string', patch: [{ op: 'remove', path: 3 }], message: 'invalid JSON patch: operation 0 has a "path" that is not a string' },
    {
      name: 'path not a pointer',
      patch: [{ op: 'remove', path: 'spec' }],
      message: 'invalid JSON patch: operation 0 has an invalid "path" "spec": a JSON pointer must be empty or start with "/"',
    },
    {
      name: 'bad escape',
      patch: [{ op: 'remove', path: '/a~2b' }],
      message: 'invalid JSON patch: operation 0 has an invalid "path" "/a~2b": "~" must be followed by "0" or "1" in a JSON pointer',
    },
    { name: 'missing value', patch: [{ op: 'replace', path: '/a' }], message: 'invalid JSON patch: operation 0 is missing "value"' },
    { name: 'missing from', patch: [{ op: 'move', path: '/a' }], message: 'invalid JSON patch: operation 0 is missing "from"' },
  ];

  it.each(decodeFailures)('400 when malformed: $name', ({ patch, message }) => {
    const err = failure({ a: 1 }, patch);
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toBe(message);
  });

  it('a malformed operation fails the patch before anything applies', () => {
    const err = failure({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }, { op: 'nope', path: '/a' }]);
    expect(err.code).toBe(400);
  });
});

describe('JSON pointers', () => {
  it.each([
    ['', []],
    ['/', ['']],
    ['/a/b', ['a', 'b']],
    ['/a~1b/c~0d', ['a/b', 'c~d']],
    ['/~01', ['~1']],
    ['/0/-', ['0', '-']],
  ] as [string, string[]][])('%j', (pointer, tokens) => {
    expect(parseJsonPointer(pointer)).toEqual(tokens);
    expect(formatJsonPointer(tokens)).toBe(pointer);
  });

  it.each(['a', 'a/b', '/a~', '/~2'])('rejects %j', (pointer) => {
    expect(() => parseJsonPointer(pointer)).toThrow();
  });
});

describe('validateJsonPatchOps', () => {
  it.each([
    { name: 'valid add', op: { op: 'add', path: '/spec/replicas', value: 1 }, want: [] },
    { name: 'valid remove', op: { op: 'remove', path: '/metadata/labels/a~1b' }, want: [] },
    { name: 'valid replace with null', op: { op: 'replace', path: '/spec/x', value: null }, want: [] },
    {
      name: 'unsupported op',
      op: { op: 'move', from: '/a', path: '/b' },
      want: ['op: Unsupported value: "move": supported values: "add", "remove", "replace"'],
    },
    { name: 'missing op', op: { path: '/a', value: 1 }, want: ['op: Required value'] },
    { name: 'missing path', op: { op: 'remove' }, want: ['path: Required value'] },
    { name: 'empty path', op: { op: 'remove', path: '' }, want: ['path: Required value'] },
    {
      name: 'path not a pointer',
      op: { op: 'replace', path: 'spec/replicas', value: 1 },
      want: ['path: Invalid value: "spec/replicas": must be a JSON pointer starting with "/"'],
    },
    {
      name: 'bad escape',
      op: { op: 'remove', path: '/a~' },
      want: ['path: Invalid value: "/a~": "~" must be followed by "0" or "1" in a JSON pointer'],
    },
    { name: 'missing value', op: { op: 'add', path: '/a' }, want: ['value: Required value'] },
    {
      name: 'several problems',
      op: { op: 'frob', path: 7 },
      want: ['op: Unsupported value: "frob": supported values: "add", "remove", "replace"', 'path: Invalid value: 7: must be a string'],
    },
    { name: 'not an object', op: 'add', want: ['Invalid value: a string: must be an object with "op", "path" and "value"'] },
  ])('$name', ({ op, want }) => {
    expect(validateJsonPatchOps([op])).toEqual([want]);
  });

  it('reports per operation', () => {
    expect(
      validateJsonPatchOps([
        { op: 'add', path: '/a', value: 1 },
        { op: 'remove', path: 'b' },
      ]),
    ).toEqual([[], ['path: Invalid value: "b": must be a JSON pointer starting with "/"']]);
  });

  it('defaultOp makes op optional', () => {
    expect(validateJsonPatchOps([{ path: '/a', value: 1 }], { defaultOp: 'replace' })).toEqual([[]]);
    expect(validateJsonPatchOps([{ path: '/a' }], { defaultOp: 'replace' })).toEqual([['value: Required value']]);
  });

  it('ops option widens the allowed operations', () => {
    expect(validateJsonPatchOps([{ op: 'move', from: '/a', path: '/b' }], { ops: ['add', 'move'] })).toEqual([[]]);
    expect(validateJsonPatchOps([{ op: 'copy', path: '/b' }], { ops: ['copy'] })).toEqual([['from: Required value']]);
  });
});
