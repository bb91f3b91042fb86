/**
 * Query parameters parsed as kube-apiserver's parameter codec parses them: lenient booleans,
 * strconv.ParseInt integers with strconv's messages, Go's %q, and ListOptions validation.
 */
import { describe, expect, it } from 'vitest';
import { StatusError } from '../../src/apiserver/errors.js';
import { goQuote, goQuoteList } from '../../src/apiserver/go-quote.js';
import { decodeListOptions, validateListOptions } from '../../src/apiserver/http/list-options.js';
import { parseGoInt64, parseQueryBool, queryBool, queryInt64 } from '../../src/apiserver/http/query.js';
import { decodePodLogOptions, validatePodLogOptions } from '../../src/apiserver/handlers/pod-log-options.js';

const caught = (f: () => unknown): StatusError => {
  try {
    f();
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('no error');
};

describe('parseQueryBool (Convert_Slice_string_To_bool)', () => {
  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['1', true],
    ['t', true],
    ['T', true],
    // Not strconv.ParseBool: anything but "0"/"false" is true, the empty value included.
    ['f', true],
    ['F', true],
    ['yes', true],
    ['no', true],
    ['', true],
    ['2', true],
    ['false', false],
    ['False', false],
    ['FALSE', false],
    ['fAlSe', false],
    ['0', false],
  ])('%j -> %s', (v, want) => expect(parseQueryBool(v)).toBe(want));

  it.each([
    ['', undefined],
    ['watch=', true],
    ['watch', true],
    ['watch=False&watch=true', false],
  ] as const)('queryBool(%j) is %s: present or not, and the first value counts', (qs, want) => {
    expect(queryBool(new URLSearchParams(qs), 'watch')).toBe(want);
  });
});

describe('parseGoInt64 (strconv.ParseInt(s, 10, 64))', () => {
  it.each([
    ['0', 0],
    ['42', 42],
    ['+7', 7],
    ['-7', -7],
    ['007', 7],
    ['-0', 0],
    // The int64 extremes, as the nearest double.
    ['9223372036854775807', 2 ** 63],
    ['-9223372036854775808', -(2 ** 63)],
  ])('%j -> %d', (v, want) => expect(parseGoInt64(v)).toEqual({ value: want }));

  it.each([
    ['', 'strconv.ParseInt: parsing "": invalid syntax'],
    ['+', 'strconv.ParseInt: parsing "+": invalid syntax'],
    ['abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ['1.5', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['0.1s', 'strconv.ParseInt: parsing "0.1s": invalid syntax'],
    [' 1', 'strconv.ParseInt: parsing " 1": invalid syntax'],
    ['1_000', 'strconv.ParseInt: parsing "1_000": invalid syntax'],
    ['0x10', 'strconv.ParseInt: parsing "0x10": invalid syntax'],
    ['--1', 'strconv.ParseInt: parsing "--1": invalid syntax'],
    ['9223372036854775808', 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
    ['-9223372036854775809', 'strconv.ParseInt: parsing "-9223372036854775809": value out of range'],
    // Go stops at the first overflow, before it reaches the bad character.
    ['99999999999999999999x', 'strconv.ParseInt: parsing "99999999999999999999x": value out of range'],
    ['9x9999999999999999999', 'strconv.ParseInt: parsing "9x9999999999999999999": invalid syntax'],
    ['ü"\n', 'strconv.ParseInt: parsing "ü\\"\\n": invalid syntax'],
  ])('%j is refused', (v, message) => expect(parseGoInt64(v)).toEqual({ error: message }));

  it('queryInt64 answers a 400 naming the parameter, with strconv message', () => {
    expect(queryInt64(new URLSearchParams('limit=5'), 'limit')).toBe(5);
    expect(queryInt64(new URLSearchParams(''), 'limit')).toBeUndefined();
    const e = caught(() => queryInt64(new URLSearchParams('limit=ten'), 'limit'));
    expect(e.toStatus()).toMatchObject({ code: 400, reason: 'BadRequest', message: 'invalid value for query parameter "limit": strconv.ParseInt: parsing "ten": invalid syntax' });
  });
});

describe('goQuote (strconv.Quote)', () => {
  it.each([
    ['plain', '"plain"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ['\t\n\r\x07\b\f\v', '"\\t\\n\\r\\a\\b\\f\\v"'],
    ['\x00\x1f\x7f', '"\\x00\\x1f\\x7f"'],
    ['héllo 世界', '"héllo 世界"'],
    ['\u200b', '"\\u200b"'],
  ])('%j -> %s', (v, want) => expect(goQuote(v)).toBe(want));

  it('formats a []string as %q does', () => {
    expect(goQuoteList(['system:authenticated', 'dev'])).toBe('["system:authenticated" "dev"]');
    expect(goQuoteList([])).toBe('[]');
  });
});

describe('ListOptions', () => {
  it('decodes booleans leniently and integers strictly, timeoutSeconds first', () => {
    expect(decodeListOptions(new URLSearchParams('watch=True&allowWatchBookmarks=1&limit=%2B3&timeoutSeconds=-1&labelSelector=a%3Db'))).toEqual({
      watch: true,
      allowWatchBookmarks: true,
      limit: 3,
      timeoutSeconds: -1,
      labelSelector: 'a=b',
    });
    expect(caught(() => decodeListOptions(new URLSearchParams('limit=x&timeoutSeconds=y'))).message).toBe('invalid value for query parameter "timeoutSeconds": strconv.ParseInt: parsing "y": invalid syntax');
  });

  it.each([
    ['resourceVersionMatch=Exact', 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'],
    [
      'resourceVersion=5&resourceVersionMatch=Newest',
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
    ],
    ['resourceVersion=0&resourceVersionMatch=Exact', 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'],
    ['sendInitialEvents=false', 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list'],
    ['watch=1&sendInitialEvents=1', 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'],
    [
      'watch=1&resourceVersionMatch=Exact',
      'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]',
    ],
  ])('%s is a 422', (qs, message) => {
    const e = caught(() => validateListOptions(decodeListOptions(new URLSearchParams(qs))));
    expect(e.code).toBe(422);
    expect(e.message).toBe(message);
  });

  it.each(['', 'resourceVersion=5&resourceVersionMatch=NotOlderThan', 'watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan', 'watch=true&limit=-1'])('%j is valid', (qs) => {
    expect(() => validateListOptions(decodeListOptions(new URLSearchParams(qs)))).not.toThrow();
  });
});

describe('PodLogOptions', () => {
  it.each([
    ['tailLines=-1', 422, 'PodLogOptions "p" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0'],
    ['limitBytes=0', 422, 'PodLogOptions "p" is invalid: limitBytes: Invalid value: 0: must be greater than 0'],
    ['sinceSeconds=0', 422, 'PodLogOptions "p" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0'],
    ['tailLines=ten', 400, 'invalid value for query parameter "tailLines": strconv.ParseInt: parsing "ten": invalid syntax'],
    ['limitBytes=1k&sinceSeconds=1h', 400, 'invalid value for query parameter "sinceSeconds": strconv.ParseInt: parsing "1h": invalid syntax'],
  ])('%s -> %d', (qs, code, message) => {
    const e = caught(() => validatePodLogOptions('p', decodePodLogOptions(new URLSearchParams(qs))));
    expect([e.code, e.message]).toEqual([code, message]);
  });

  it('reads the booleans leniently', () => {
    expect(decodePodLogOptions(new URLSearchParams('previous=True&timestamps=0&follow&tailLines=0'))).toEqual({
      container: '',
      follow: true,
      previous: true,
      timestamps: false,
      tailLines: 0,
    });
  });
});
