/**
 * Cuts a message into pieces of at most `max` characters (UTF-16 units, as Discord counts), preferring
 * line boundaries, then spaces, and never cutting inside a protected range (e.g. a bold prompt), an
 * escape sequence ("\*") or a surrogate pair. The separator a cut lands on (newline or space) is dropped.
 */
export interface Range {
  start: number;
  end: number;
}

export function splitMessage(text: string, max: number, protect: Range[] = []): string[] {
  if (max < 2) throw new RangeError('max must be at least 2');
  const pieces: string[] = [];
  let offset = 0;
  let rest = text;
  while (rest.length > max) {
    const inProtected = (i: number) => protect.some((r) => offset + i > r.start && offset + i < r.end);
    const cut = findCut(rest, max, inProtected);
    pieces.push(rest.slice(0, cut.at));
    const skip = cut.at + (cut.dropSeparator ? 1 : 0);
    rest = rest.slice(skip);
    offset += skip;
  }
  pieces.push(rest);
  return pieces.filter((p, i) => p.trim() !== '' || (i === 0 && pieces.length === 1));
}

function findCut(s: string, max: number, inProtected: (i: number) => boolean): { at: number; dropSeparator: boolean } {
  const lastOf = (ch: RegExp, from: number, to: number) => {
    for (let i = to; i >= from; i--) if (ch.test(s[i]) && !inProtected(i)) return i;
    return -1;
  };
  const half = Math.floor(max / 2);
  // A separator at index i leaves s.slice(0, i) (length i ≤ max) in this piece.
  const nlLate = lastOf(/\n/, half, max);
  if (nlLate > 0) return { at: nlLate, dropSeparator: true };
  const spLate = lastOf(/[ \u00a0]/, half, max);
  if (spLate > 0) return { at: spLate, dropSeparator: true };
  const nl = lastOf(/\n/, 1, half);
  if (nl > 0) return { at: nl, dropSeparator: true };
  const sp = lastOf(/[ \u00a0]/, 1, half);
  if (sp > 0) return { at: sp, dropSeparator: true };
  // No separator at all: a hard cut that keeps escapes and surrogate pairs whole.
  let at = max;
  while (at > 1 && inProtected(at)) at--;
  if (isHighSurrogate(s.charCodeAt(at - 1))) at--;
  if (endsInsideEscape(s, at)) at--;
  return { at: Math.max(1, at), dropSeparator: false };
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/** True when s.slice(0, at) ends with an odd run of backslashes, i.e. an escape waiting for its character. */
function endsInsideEscape(s: string, at: number): boolean {
  let n = 0;
  for (let i = at - 1; i >= 0 && s[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

/** Shortens text to at most max characters, keeping its end (what a continuation follows) and marking the cut with "…". */
export function keepTail(text: string, max: number): string {
  if (text.length <= max) return text;
  let start = text.length - (max - 1);
  if (start < text.length && text.charCodeAt(start) >= 0xdc00 && text.charCodeAt(start) <= 0xdfff) start++;
  return `…${text.slice(start)}`;
}

/** Shortens text to at most max characters, keeping its start, cut at a space when one is near, marked with "…". */
export function keepHead(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const space = text.lastIndexOf(' ', end);
  if (space > max * 0.7) end = space;
  if (isHighSurrogate(text.charCodeAt(end - 1))) end--;
  if (endsInsideEscape(text, end)) end--;
  return `${text.slice(0, end)}…`;
}
