/**
 * Server-rendered pages with escaping by default: every interpolated value is HTML-escaped
 * unless it is already `Html` (built by this same tag). No template engine: the pages are few and
 * small, and a tag that cannot forget to escape is the property that matters.
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

function render(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Handover</title>
<link rel="stylesheet" href="/auth/assets/handover.css">
</head>
<body>
<header class="bar"><span class="brand">Handover</span></header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>`.text;
}

export const PAGE_CSS = `
:root { font-family: system-ui, sans-serif; color: #1b1f24; background: #f6f7f9; }
body { margin: 0; }
.bar { background: #0b4f6c; color: #fff; padding: .6rem 1rem; font-weight: 600; }
main { max-width: 40rem; margin: 1.5rem auto; padding: 0 1rem; }
h1 { font-size: 1.4rem; }
form { background: #fff; border: 1px solid #d0d7de; border-radius: .5rem; padding: 1rem; }
label { display: block; margin: .5rem 0; }
input[type=text], input[type=password], input[type=search] { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
fieldset { border: 1px solid #d0d7de; border-radius: .4rem; margin: .8rem 0; }
button { font-size: 1rem; padding: .55rem 1.1rem; margin: .6rem .4rem 0 0; border-radius: .4rem; border: 1px solid #0b4f6c; background: #0b4f6c; color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: #0b4f6c; }
button:focus, input:focus { outline: 3px solid #f0b400; }
.warning { background: #fff4d6; border-left: 4px solid #f0b400; padding: .6rem; }
.error { background: #ffe3e3; border-left: 4px solid #c92a2a; padding: .6rem; }
.muted { color: #57606a; font-size: .9rem; }
table { border-collapse: collapse; width: 100%; background: #fff; }
td, th { border-bottom: 1px solid #d0d7de; padding: .4rem; text-align: left; vertical-align: top; }
article { background: #fff; border: 1px solid #d0d7de; border-radius: .5rem; padding: .2rem 1rem 1rem; margin: 1rem 0; }
article form { border: 0; padding: 0; background: none; }
dt { font-weight: 600; }
dd { margin: 0 0 .5rem 0; }
ul.inline { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4rem 1rem; }
.log { padding-left: 1.2rem; overflow-wrap: anywhere; }
.log li { margin: .3rem 0; }
button { min-height: 2.75rem; }
a:focus { outline: 3px solid #f0b400; }
.qr { margin: 1rem 0; text-align: center; }
.qr svg { width: 15rem; max-width: 100%; height: auto; }
code.link { overflow-wrap: anywhere; font-size: .85rem; }
pre.resource { overflow-x: auto; max-height: 24rem; background: #f6f8fa; border: 1px solid #d0d7de; padding: .5rem; font-size: .8rem; }
pre.resource:focus { outline: 3px solid #f0b400; }
@media (max-width: 30rem) { main { margin: .5rem auto; } }
@media print { .bar, form, .muted a { display: none; } main { margin: 0; } }
`;
