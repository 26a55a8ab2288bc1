/**
 * Reads a character list typed on a command line, where a newline is hard to type:
 *   \n newline, \t tab, \r carriage return, \s space, \\ backslash, \xHH and \u{H…} / \uHHHH code points.
 * Any other character stands for itself.
 */
export function unescapeChars(spec: string): string {
  let out = '';
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i];
    if (c !== '\\' || i === spec.length - 1) {
      out += c;
      continue;
    }
    const e = spec[++i];
    if (e === 'n') out += '\n';
    else if (e === 't') out += '\t';
    else if (e === 'r') out += '\r';
    else if (e === 's') out += ' ';
    else if (e === '\\') out += '\\';
    else if (e === 'x' && /^[0-9a-fA-F]{2}$/.test(spec.slice(i + 1, i + 3))) {
      out += String.fromCharCode(parseInt(spec.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === 'u' && /^\{[0-9a-fA-F]{1,6}\}/.test(spec.slice(i + 1))) {
      const close = spec.indexOf('}', i);
      out += String.fromCodePoint(parseInt(spec.slice(i + 2, close), 16));
      i = close;
    } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(spec.slice(i + 1, i + 5))) {
      out += String.fromCharCode(parseInt(spec.slice(i + 1, i + 5), 16));
      i += 4;
    } else out += '\\' + e;
  }
  return out;
}

/** A character as people read it in a report: '\n' for newline, ' ' for space. */
export function showChar(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  return c;
}

/** A character with a name, for plain-language text: "newline", "space", "':'". */
export function nameChar(c: string): string {
  if (c === '\n') return 'newline';
  if (c === ' ') return 'space';
  if (c === '\t') return 'tab';
  return `'${c}'`;
}
