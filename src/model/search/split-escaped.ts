/**
 * R4 search §3.1.1.4 escaping (search.html#escaping): in a parameter value `\,` `\|` `\$` and `\\`
 * stand for the literal character, so `,` (OR), `|` (system|code) and `$` (composite) only
 * separate when unescaped. Splitting keeps the escapes, so a part can be split again on another
 * separator; `unescapeSearchValue` removes them at the end.
 */
export function splitEscaped(value: string, separator: ',' | '|' | '$'): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\') i++;
    else if (ch === separator) {
      parts.push(value.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(value.slice(start));
  return parts;
}

export function unescapeSearchValue(value: string): string {
  return value.replace(/\\([\\,|$])/g, '$1');
}
