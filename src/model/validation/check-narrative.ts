/**
 * Basic sanity of an `xhtml` value (Narrative.div), per R4 narrative.html: the content is one
 * `div` element in the XHTML namespace; it SHALL NOT contain a head, a body, external stylesheet
 * references, scripts, forms, base/link/xlink, frames, iframes and objects (txt-1); it SHALL
 * have some non-whitespace content (txt-2).
 *
 * Not an XML parser: well-formedness and the full list of allowed elements and attributes (txt-1
 * names HTML 4.0 chapters) need one, which the write path cannot afford. This catches the
 * mistakes that matter: plain text or HTML without the namespace, and active content. Every
 * pattern is linear in the input (no `[^>]*` that could rescan a hostile run of `<`).
 */

const OPENING = /^\s*<div(?=[\s>/])/;
const XMLNS = /\sxmlns\s*=\s*(["'])http:\/\/www\.w3\.org\/1999\/xhtml\1/;
const CLOSING = /<\/div\s*>\s*$/;
const TAG = /<(\/?)([A-Za-z][\w:-]*)([^<>]*)>/g;
const FORBIDDEN = new Set(['head', 'body', 'script', 'style', 'form', 'input', 'button', 'select', 'textarea', 'base', 'link', 'meta', 'frame', 'frameset', 'iframe', 'object', 'embed', 'applet']);
const ACTIVE_ATTRIBUTE = /\son[a-z]+\s*=|(?:href|src)\s*=\s*["']?\s*javascript:/i;
const ANY_TAG = /<[^<>]*>/g;

/** What is wrong with the narrative, or undefined when it passes these checks. */
export function checkNarrative(div: string): string | undefined {
  const openEnd = div.indexOf('>');
  if (!OPENING.test(div) || openEnd < 0 || !XMLNS.test(div.slice(0, openEnd)) || !CLOSING.test(div)) {
    return 'Invalid xhtml format: the narrative must be a <div> element with xmlns="http://www.w3.org/1999/xhtml"';
  }
  for (const [, , name, attributes] of div.matchAll(TAG)) {
    const element = (name as string).toLowerCase();
    if (FORBIDDEN.has(element)) return `Invalid xhtml content: <${element}> is not allowed in a narrative (txt-1)`;
    if (ACTIVE_ATTRIBUTE.test(attributes as string)) return 'Invalid xhtml content: scripts are not allowed in a narrative (txt-1)';
  }
  if (div.replace(ANY_TAG, '').trim() === '' && !/<img[\s/>]/i.test(div)) return 'Invalid xhtml content: the narrative has no content (txt-2)';
  return undefined;
}
