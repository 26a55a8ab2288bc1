/**
 * Makes user text (and the model's) display literally in Discord: markdown cannot change the layout,
 * `<@id>` and `@everyone` show as text (they could not ping anyway: every message sends
 * allowed_mentions {parse: []}), and text Discord would reject or mangle is cleaned.
 */

/**
 * Control characters other than newline (C0 and C1), lone surrogates (invalid UTF-16) and the bidi
 * embedding, override and isolate controls have no business in a message: an RTL override in a prompt
 * would run on and display the rest of the line, Bard's own text included, backwards.
 */
export function cleanText(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => (c === '\t' ? ' ' : ''))
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
