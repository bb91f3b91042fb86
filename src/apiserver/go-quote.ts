/**
 * Go's %q formatting, for messages kube-apiserver builds with fmt.Sprintf("%q", ...) or
 * strconv.Quote: a string in double quotes with Go escapes, and a []string as `["a" "b"]`.
 */

const NAMED_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** strconv.Quote(s). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const named = NAMED_ESCAPES[ch];
    if (named) out += named;
    else if (PRINTABLE.test(ch)) out += ch;
    else {
      const cp = ch.codePointAt(0)!;
      out += cp < 0x80 ? `\\x${hex(cp, 2)}` : cp < 0x10000 ? `\\u${hex(cp, 4)}` : `\\U${hex(cp, 8)}`;
    }
  }
  return out + '"';
}

/** fmt.Sprintf("%q", []string{...}). */
export const goQuoteList = (items: readonly string[]): string => `[${items.map(goQuote).join(' ')}]`;
