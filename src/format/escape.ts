/**
 * Makes user text (and the model's) display literally in Discord: markdown cannot change the layout,
 * `<@id>` and `@everyone` show as text (they could not ping anyway: every message sends
 * allowed_mentions {parse: []}), and text Discord would reject or mangle is cleaned.
 */

/** Control characters other than newline, and lone surrogates (invalid UTF-16), have no business in a message. */
export function cleanText(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f]/g, (c) => (c === '\t' ? ' ' : ''))
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Characters that are markdown anywhere in a line (links need '[', mentions/timestamps need '<'). */
const INLINE = /[\\*_~`|<>[\]@#]/g;
/** Line starts that make lists: "- ", "+ ", "1. ". ('*' and '#' are already escaped inline.) */
const LIST_START = /^(\s*)([-+])(?=\s)|^(\s*\d+)\.(?=\s)/gm;

export function escapeMarkdown(s: string): string {
  return cleanText(s)
    .replace(INLINE, (c) => `\\${c}`)
    .replace(LIST_START, (_m, sp: string | undefined, marker: string | undefined, num: string | undefined) =>
      marker !== undefined ? `${sp}\\${marker}` : `${num}\\.`,
    );
}

/** Inverse of escapeMarkdown for the characters it escapes (tests use it to measure what the reader sees). */
export function unescapeMarkdown(s: string): string {
  return s.replace(/\\([\\*_~`|<>[\]@#\-+.])/g, '$1');
}
