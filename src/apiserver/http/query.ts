/**
 * Boolean and integer query parameters, read as kube-apiserver's parameter codec reads them
 * (k8s.io/apimachinery/pkg/runtime/conversion.go, used for ListOptions, DeleteOptions,
 * PatchOptions, PodLogOptions, ...). Only the first value of a repeated parameter counts.
 *
 * Booleans are lenient: "0" and "false" in any letter case are false, and every other value,
 * the empty one included (`?watch`), is true. There is no invalid boolean.
 *
 * Integers go through Go's strconv.ParseInt(s, 10, 64); a value it refuses is a 400 BadRequest.
 * kube-apiserver's message is strconv's error alone (`strconv.ParseInt: parsing "abc": invalid
 * syntax`); ours names the parameter in front of it, which no client parses and every user needs.
 */
import { badRequest } from '../errors.js';
import { goQuote } from '../go-quote.js';

/** Convert_Slice_string_To_bool for one value. */
export function parseQueryBool(value: string): boolean {
  return !(value === '0' || value.toLowerCase() === 'false');
}

/** A boolean parameter; undefined when absent (a `*bool` left nil). */
export function queryBool(q: URLSearchParams, name: string): boolean | undefined {
  const v = q.get(name);
  return v === null ? undefined : parseQueryBool(v);
}

const MAX_UINT64 = (1n << 64n) - 1n;
const INT64_CUTOFF = 1n << 63n;

/** strconv.ParseInt(value, 10, 64): the number, or strconv's error message. */
export function parseGoInt64(value: string): { value: number } | { error: string } {
  const fail = (why: 'invalid syntax' | 'value out of range') => ({ error: `strconv.ParseInt: parsing ${goQuote(value)}: ${why}` });
  const neg = value.startsWith('-');
  const digits = neg || value.startsWith('+') ? value.slice(1) : value;
  if (digits === '') return fail('invalid syntax');
  let n = 0n;
  // Left to right as Go does: a non-digit is a syntax error unless the digits before it already overflowed.
  for (const c of digits) {
    if (c < '0' || c > '9') return fail('invalid syntax');
    n = n * 10n + BigInt(c.charCodeAt(0) - 48);
    if (n > MAX_UINT64) return fail('value out of range');
  }
  if (neg ? n > INT64_CUTOFF : n >= INT64_CUTOFF) return fail('value out of range');
  return { value: Number(neg ? -n : n) };
}

/** An int64 parameter; undefined when absent; a 400 BadRequest when strconv refuses it. */
export function queryInt64(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  const r = parseGoInt64(v);
  if ('error' in r) throw badRequest(`invalid value for query parameter ${goQuote(name)}: ${r.error}`);
  return r.value;
}
