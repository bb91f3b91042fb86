/**
 * Field selectors (`?fieldSelector=`): `field=value`, `field==value`, `field!=value`, ANDed by
 * commas, with `\` escaping `,`, `=` and `\` in values. Which fields are selectable is per kind.
 */
import { badRequest } from '../errors.js';

export interface FieldRequirement {
  field: string;
  negate: boolean;
  value: string;
}

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const unescape = (v: string) => v.replace(/\\(.)/g, '$1');

export function parseFieldSelector(input: string): FieldRequirement[] {
  if (input.trim() === '') return [];
  return splitUnescaped(input, ',').map((term) => {
    let m = /^([^=!]+)(==|!=|=)(.*)$/s.exec(term);
    if (!m) {
      // Escaped operators inside the field name are not allowed; report the term.
      m = null;
      throw badRequest(`invalid selector: '${input}'; can't understand '${term}'`);
    }
    const [, field, op, value] = m;
    return { field: field!.trim(), negate: op === '!=', value: unescape(value!) };
  });
}

export function fieldsMatch(reqs: FieldRequirement[], get: (field: string) => string | undefined): boolean {
  for (const r of reqs) {
    const v = get(r.field) ?? '';
    if (r.negate ? v === r.value : v !== r.value) return false;
  }
  return true;
}
