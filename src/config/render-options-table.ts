import { OPTIONS } from './options.js';

/** The README's configuration table, generated from the options table (`npm run docs`). */
export function renderOptionsTable(): string {
  const rows = OPTIONS.map((o) => {
    const shown = o.defaultValue !== undefined ? `\`${String(o.defaultValue)}\`` : o.derivedNote ? `\`${o.derivedNote}\`` : '—';
    return `| \`${o.flag} <${o.valueName ?? 'value'}>\` | \`${o.env}\` | ${shown} | ${o.description} |`;
  });
  return ['| flag | environment variable | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
