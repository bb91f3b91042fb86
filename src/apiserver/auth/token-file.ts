/**
 * Static bearer tokens from a Kubernetes --token-auth-file: CSV rows of
 * `token,user,uid[,"group1,group2"]`, parsed the way kube-apiserver's tokenfile package does.
 */
import { readFileSync } from 'node:fs';

export interface StaticToken {
  token: string;
  username: string;
  uid: string;
  groups: string[];
}

export function readTokenFile(path: string): StaticToken[] {
  return parseTokenCsv(readFileSync(path, 'utf8'), path);
}

export function parseTokenCsv(text: string, source = 'token file'): StaticToken[] {
  const tokens: StaticToken[] = [];
  for (const record of parseCsv(text)) {
    if (record.length < 3) {
      throw new Error(`token file '${source}' must have at least 3 columns (token, user name, user uid), found ${record.length}`);
    }
    const [token, username, uid, groups] = record as [string, string, string, string | undefined];
    if (token === '') continue; // kube-apiserver skips (and warns about) empty tokens
    tokens.push({ token, username, uid, groups: groups === undefined ? [] : groups.split(',') });
  }
  return tokens;
}

/** RFC 4180 CSV as Go's encoding/csv reads it: quoted fields with "" escapes, blank lines skipped. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let atFieldStart = true;
  const endRecord = (): void => {
    record.push(field);
    if (!(record.length === 1 && record[0] === '' && atFieldStart)) records.push(record);
    record = [];
    field = '';
    atFieldStart = true;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && atFieldStart && field === '') {
      quoted = true;
      atFieldStart = false;
    } else if (c === ',') {
      record.push(field);
      field = '';
      atFieldStart = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
    } else {
      field += c;
      atFieldStart = false;
    }
  }
  if (quoted) throw new Error('token file: unterminated quoted field');
  if (field !== '' || record.length > 0) endRecord();
  return records;
}
