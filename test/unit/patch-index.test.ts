import { describe, it, expect } from 'vitest';
import { applyPatch, patchTypeFromContentType, type PatchType } from '../../src/apiserver/patch/index.js';
import { SchemaSet } from '../../src/apis/schema/resolve.js';
import type { JSONSchema } from '../../src/apis/schema/types.js';
import { StatusError } from '../../src/apiserver/errors.js';

describe('patchTypeFromContentType', () => {
  it.each([
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json', 'merge'],
    ['application/strategic-merge-patch+json', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
    ['application/merge-patch+json; charset=utf-8', 'merge'],
    ['Application/JSON-Patch+JSON', 'json'],
    ['application/apply-patch+cbor', undefined],
    ['application/json', undefined],
    ['application/yaml', undefined],
    ['', undefined],
  ] as [string, PatchType | undefined][])('%j -> %s', (ct, want) => {
    expect(patchTypeFromContentType(ct)).toBe(want);
  });
});

describe('applyPatch', () => {
  const schema: JSONSchema = {
    type: 'object',
    properties: {
      list: {
        type: 'array',
        items: { type: 'object', properties: { name: { type: 'string' }, v: { type: 'integer' } } },
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-patch-merge-key': 'name',
      },
    },
  };
  const set = new SchemaSet(new Map());
  const doc = { list: [{ name: 'a', v: 1 }], x: 1 };

  it('dispatches json patch', () => {
    expect(applyPatch('json', doc, [{ op: 'replace', path: '/x', value: 2 }])).toEqual({ list: [{ name: 'a', v: 1 }], x: 2 });
  });

  it('dispatches merge patch (lists replaced)', () => {
    expect(applyPatch('merge', doc, { list: [{ name: 'b' }] })).toEqual({ list: [{ name: 'b' }], x: 1 });
  });

  it('dispatches strategic merge patch (lists merged by key)', () => {
    expect(applyPatch('strategic', doc, { list: [{ name: 'a', v: 2 }] }, schema, set)).toEqual({ list: [{ name: 'a', v: 2 }], x: 1 });
  });

  it('rejects strategic merge patch without a schema with 415', () => {
    let err: unknown;
    try {
      applyPatch('strategic', doc, { x: 2 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(415);
    expect((err as StatusError).reason).toBe('UnsupportedMediaType');
    expect((err as StatusError).message).toBe('strategic merge patch format is not supported');
  });
});
