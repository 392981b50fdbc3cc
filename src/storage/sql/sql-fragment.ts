/**
 * A tiny SQL builder: text with `?` placeholders plus its parameters, composable. We compile
 * searches to SQL that differs per engine only in placeholder syntax, so a query builder
 * (kysely) would add a layer without removing any of the compilation work; see docs/adr/0002.
 */
export interface Sql {
  text: string;
  params: unknown[];
}

export function sql(strings: TemplateStringsArray, ...values: (Sql | unknown)[]): Sql {
  let text = strings[0] ?? '';
  const params: unknown[] = [];
  values.forEach((value, i) => {
    if (isSql(value)) {
      text += value.text;
      params.push(...value.params);
    } else {
      text += '?';
      params.push(value);
    }
    text += strings[i + 1] ?? '';
  });
  return { text, params };
}

export function raw(text: string): Sql {
  return { text, params: [] };
}

export function join(parts: Sql[], separator: string): Sql {
  return { text: parts.map((p) => p.text).join(separator), params: parts.flatMap((p) => p.params) };
}

/** `(a OR b)`; an empty list is FALSE. */
export function any(parts: Sql[]): Sql {
  if (parts.length === 0) return raw('1=0');
  if (parts.length === 1) return parts[0] as Sql;
  const joined = join(parts, ' OR ');
  return { text: `(${joined.text})`, params: joined.params };
}

/** `(a AND b)`; an empty list is TRUE. */
export function all(parts: Sql[]): Sql {
  if (parts.length === 0) return raw('1=1');
  const joined = join(parts, ' AND ');
  return { text: `(${joined.text})`, params: joined.params };
}

export function list(values: unknown[]): Sql {
  return { text: values.map(() => '?').join(', '), params: values };
}

function isSql(value: unknown): value is Sql {
  return typeof value === 'object' && value !== null && 'text' in value && 'params' in value && Array.isArray((value as Sql).params);
}

/** PostgreSQL numbers its placeholders. We never emit a literal `?` inside SQL text. */
export function numberPlaceholders(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}
