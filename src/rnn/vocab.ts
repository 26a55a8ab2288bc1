/**
 * Prompt normalisation, so text typed in Discord maps onto a model's small vocabulary:
 *   1. CRLF and lone CR become LF; tabs become a space.
 *   2. Curly quotes, dashes, ellipsis and non-breaking spaces become their ASCII cousins.
 *   3. NFKD decomposition, then combining marks are stripped ("é" → "e", "ﬁ" → "fi").
 *   4. Any character still outside the vocabulary is dropped and reported in `dropped`
 *      (emoji, control characters, lone surrogates, …).
 * Where a character's case is missing from the vocabulary but the other case is present, it is swapped.
 */
const REPLACEMENTS: Record<string, string> = {
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'", '`': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"',
  '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-', '\u2010': '-', '\u2011': '-',
  '\u2026': '...', '\u00a0': ' ', '\u2007': ' ', '\u202f': ' ', '\t': ' ',
};

export interface Encoded {
  /** The prompt as the model reads it (normalised, out-of-vocabulary characters removed). */
  text: string;
  ixs: number[];
  /** Characters that could not be mapped, in order of appearance (one entry per occurrence). */
  dropped: string[];
}

export function normaliseText(raw: string): string {
  let s = raw.replace(/\r\n?/g, '\n');
  s = s.replace(/[\u2018\u2019\u201a\u201b\u2032`\u201c-\u201f\u2033\u2010-\u2015\u2212\u2026\u00a0\u2007\u202f\t]/g, (c) => REPLACEMENTS[c] ?? c);
  // Lone surrogates make normalize() and later string handling unreliable: replace them first.
  s = s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  return s.normalize('NFKD').replace(/\p{M}/gu, '');
}

export function encode(raw: string, charToIx: ReadonlyMap<string, number>): Encoded {
  const ixs: number[] = [];
  const dropped: string[] = [];
  let text = '';
  for (const ch of normaliseText(raw)) {
    let ix = charToIx.get(ch);
    if (ix === undefined) {
      const other = ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase();
      if (other.length === 1) ix = charToIx.get(other);
      if (ix !== undefined) {
        ixs.push(ix);
        text += other;
        continue;
      }
      dropped.push(ch);
      continue;
    }
    ixs.push(ix);
    text += ch;
  }
  return { text, ixs, dropped };
}
