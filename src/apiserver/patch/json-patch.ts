/**
 * RFC 6902 JSON Patch (application/json-patch+json), with the error codes kube-apiserver uses:
 * a patch that cannot be decoded is a 400 BadRequest, a well-formed patch that does not apply to
 * the object is a 422 Invalid whose message follows evanphx/json-patch's wording
 * ("jsonpatch replace operation does not apply: doc is missing key: /spec/foo").
 *
 * JSON Pointers (RFC 6901): "" is the whole document, otherwise "/"-separated reference tokens
 * with "~1" for "/" and "~0" for "~". Array indexes are decimal without leading zeros; "-" names
 * the position after the last element and is only meaningful for add (and as move/copy target).
 */
import { StatusError, badRequest } from '../errors.js';
import { deepEqual, isPlainObject } from '../../apis/object.js';

export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

export type JsonPatchOpName = JsonPatchOperation['op'];

const OPS: readonly JsonPatchOpName[] = ['add', 'remove', 'replace', 'move', 'copy', 'test'];

/** Splits a JSON Pointer into unescaped reference tokens; throws an Error describing what is wrong. */
export function parseJsonPointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error('a JSON pointer must be empty or start with "/"');
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~(?![01])/.test(token)) throw new Error('"~" must be followed by "0" or "1" in a JSON pointer');
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

/** The JSON Pointer for a list of reference tokens. */
export function formatJsonPointer(tokens: readonly (string | number)[]): string {
  return tokens.map((t) => '/' + String(t).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/**
 * Checks the shape of a JSON Patch document and returns its operations, or throws a 400
 * BadRequest ("invalid JSON patch: operation 0 is missing \"path\"").
 */
export function decodeJsonPatch(patch: unknown): JsonPatchOperation[] {
  if (!Array.isArray(patch)) {
    throw badRequest(`invalid JSON patch: the patch must be a JSON array of operations, not ${jsonKind(patch)}`);
  }
  return patch.map((raw, i): JsonPatchOperation => {
    const fail = (why: string): StatusError => badRequest(`invalid JSON patch: operation ${i} ${why}`);
    if (!isPlainObject(raw)) throw fail(`must be a JSON object, not ${jsonKind(raw)}`);
    if (!Object.hasOwn(raw, 'op')) throw fail('is missing "op"');
    const op = raw.op;
    if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op)) {
      throw fail(`has unsupported op ${JSON.stringify(op)}: supported ops are ${OPS.map((o) => `"${o}"`).join(', ')}`);
    }
    const pointer = (field: 'path' | 'from'): string => {
      if (!Object.hasOwn(raw, field)) throw fail(`is missing "${field}"`);
      const p = raw[field];
      if (typeof p !== 'string') throw fail(`has a "${field}" that is not a string`);
      try {
        parseJsonPointer(p);
      } catch (e) {
        throw fail(`has an invalid "${field}" ${JSON.stringify(p)}: ${(e as Error).message}`);
      }
      return p;
    };
    const path = pointer('path');
    switch (op as JsonPatchOpName) {
      case 'remove':
        return { op: 'remove', path };
      case 'move':
      case 'copy':
        return { op: op as 'move' | 'copy', from: pointer('from'), path };
      default:
        if (!Object.hasOwn(raw, 'value')) throw fail('is missing "value"');
        return { op: op as 'add' | 'replace' | 'test', path, value: raw.value };
    }
  });
}

/**
 * Applies an RFC 6902 JSON Patch to `doc` and returns the patched document. Neither argument is
 * modified and the result shares no objects with them.
 */
export function applyJsonPatch(doc: unknown, patch: unknown): unknown {
  const ops = decodeJsonPatch(patch);
  const box = { root: clone(doc) };
  for (const op of ops) applyOne(box, op);
  return box.root;
}

export interface ValidateJsonPatchOptions {
  /** Operations allowed (default add, remove, replace). */
  ops?: readonly JsonPatchOpName[];
  /** When set, an operation without "op" is taken as this one instead of being reported. */
  defaultOp?: JsonPatchOpName;
}

/**
 * Validates JSON-Patch-like operations written by users (e.g. federated overrides) without
 * applying them. Returns one list of messages per operation, empty when it is valid; each
 * message starts with the field it is about, in Kubernetes' field-error style:
 * `path: Invalid value: "spec/replicas": must be a JSON pointer starting with "/"`.
 * The root pointer "" is rejected: an operation must address a field.
 */
export function validateJsonPatchOps(ops: readonly unknown[], options: ValidateJsonPatchOptions = {}): string[][] {
  const allowed = options.ops ?? (['add', 'remove', 'replace'] as const);
  return ops.map((raw) => {
    const problems: string[] = [];
    if (!isPlainObject(raw)) return [`Invalid value: ${jsonKind(raw)}: must be an object with "op", "path" and "value"`];
    let op: unknown = raw.op;
    if (op === undefined || op === null || op === '') {
      if (options.defaultOp) op = options.defaultOp;
      else problems.push('op: Required value');
    }
    if (op !== undefined && op !== null && op !== '' && (typeof op !== 'string' || !(allowed as readonly string[]).includes(op))) {
      problems.push(`op: Unsupported value: ${goQuote(op)}: supported values: ${allowed.map((o) => `"${o}"`).join(', ')}`);
    }
    const checkPointer = (field: 'path' | 'from'): void => {
      const p = raw[field];
      if (p === undefined || p === null || p === '') {
        problems.push(`${field}: Required value`);
        return;
      }
      if (typeof p !== 'string') {
        problems.push(`${field}: Invalid value: ${goQuote(p)}: must be a string`);
        return;
      }
      if (!p.startsWith('/')) {
        problems.push(`${field}: Invalid value: ${JSON.stringify(p)}: must be a JSON pointer starting with "/"`);
        return;
      }
      try {
        parseJsonPointer(p);
      } catch (e) {
        problems.push(`${field}: Invalid value: ${JSON.stringify(p)}: ${(e as Error).message}`);
      }
    };
    checkPointer('path');
    if (op === 'move' || op === 'copy') checkPointer('from');
    if ((op === 'add' || op === 'replace' || op === 'test') && !Object.hasOwn(raw, 'value')) {
      problems.push('value: Required value');
    }
    return problems;
  });
}

// --- application ---------------------------------------------------------------------------

type Container = Record<string, unknown> | unknown[];

interface Box {
  root: unknown;
}

function notApply(op: JsonPatchOpName, why: string): StatusError {
  return new StatusError(422, 'Invalid', `jsonpatch ${op} operation does not apply: ${why}`);
}

function applyOne(box: Box, o: JsonPatchOperation): void {
  const tokens = parseJsonPointer(o.path);
  switch (o.op) {
    case 'add':
      add(box, tokens, o.path, clone(o.value), 'add');
      return;
    case 'remove':
      remove(box, tokens, o.path, 'remove');
      return;
    case 'replace':
      replace(box, tokens, o.path, clone(o.value));
      return;
    case 'test': {
      const got = lookup(box.root, tokens);
      if (!got.found || !deepEqual(got.value, o.value)) {
        throw new StatusError(422, 'Invalid', `testing value ${o.path} failed: test failed`);
      }
      return;
    }
    case 'move': {
      const fromTokens = parseJsonPointer(o.from);
      if (fromTokens.length < tokens.length && fromTokens.every((t, i) => t === tokens[i])) {
        throw notApply('move', `cannot move ${o.from} into its own child ${o.path}`);
      }
      const got = lookup(box.root, fromTokens);
      if (!got.found) throw notApply('move', `doc is missing from path: ${o.from}`);
      if (fromTokens.length === tokens.length && fromTokens.every((t, i) => t === tokens[i])) return;
      remove(box, fromTokens, o.from, 'move');
      add(box, tokens, o.path, got.value, 'move');
      return;
    }
    case 'copy': {
      const got = lookup(box.root, parseJsonPointer(o.from));
      if (!got.found) throw notApply('copy', `doc is missing from path: ${o.from}`);
      add(box, tokens, o.path, clone(got.value), 'copy');
      return;
    }
  }
}

/** The container holding the last token, or a 422 naming the path. */
function parentOf(box: Box, tokens: string[], path: string, op: JsonPatchOpName): Container {
  const got = lookup(box.root, tokens.slice(0, -1));
  if (!got.found || !isContainer(got.value)) throw notApply(op, `doc is missing path: ${path}`);
  return got.value;
}

function arrayIndex(token: string, length: number, path: string, op: JsonPatchOpName, allowEnd: boolean): number {
  if (token === '-') {
    if (allowEnd) return length;
    throw notApply(op, `index out of range: ${path}`);
  }
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw notApply(op, `invalid array index ${JSON.stringify(token)}: ${path}`);
  const i = Number(token);
  if (i > length || (i === length && !allowEnd)) throw notApply(op, `index out of range: ${path}`);
  return i;
}

function add(box: Box, tokens: string[], path: string, value: unknown, op: JsonPatchOpName): void {
  if (tokens.length === 0) {
    box.root = value;
    return;
  }
  const parent = parentOf(box, tokens, path, op);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, path, op, true), 0, value);
  else setOwn(parent, last, value);
}

function remove(box: Box, tokens: string[], path: string, op: JsonPatchOpName): void {
  if (tokens.length === 0) throw notApply(op, 'cannot remove the root of the document');
  const parent = parentOf(box, tokens, path, op);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(last, parent.length, path, op, false), 1);
  } else {
    if (!Object.hasOwn(parent, last)) throw notApply(op, `doc is missing key: ${path}`);
    delete parent[last];
  }
}

function replace(box: Box, tokens: string[], path: string, value: unknown): void {
  if (tokens.length === 0) {
    box.root = value;
    return;
  }
  const parent = parentOf(box, tokens, path, 'replace');
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    parent[arrayIndex(last, parent.length, path, 'replace', false)] = value;
  } else {
    if (!Object.hasOwn(parent, last)) throw notApply('replace', `doc is missing key: ${path}`);
    setOwn(parent, last, value);
  }
}

/** The value a pointer designates, if any (strict: no "-", no leading zeros). */
function lookup(root: unknown, tokens: readonly string[]): { found: true; value: unknown } | { found: false } {
  let cur = root;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(t)) return { found: false };
      const i = Number(t);
      if (i >= cur.length) return { found: false };
      cur = cur[i];
    } else if (isPlainObject(cur)) {
      if (!Object.hasOwn(cur, t)) return { found: false };
      cur = cur[t];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}

// --- helpers -------------------------------------------------------------------------------

const isContainer = (v: unknown): v is Container => Array.isArray(v) || isPlainObject(v);

/** Sets an own property, also for the key "__proto__" (which plain assignment would not). */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/** Deep copy of a JSON value (undefined stays undefined). */
function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

function goQuote(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
}
