import { FormatError } from './errors.ts';

/**
 * The header of a .npy file is a Python dict literal, e.g.
 *   {'descr': '<f8', 'fortran_order': False, 'shape': (250, 62), }
 * This reads the literal subset numpy writes (dicts, tuples, lists, quoted strings, ints, True/False/None).
 */
export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

type PyLiteral = string | number | boolean | null | PyLiteral[] | Map<string, PyLiteral>;

export function parseHeader(text: string): NpyHeader {
  const value = new LiteralParser(text).parseAll();
  if (!(value instanceof Map)) throw new FormatError('npy header is not a dict');
  const descr = value.get('descr');
  const fortran = value.get('fortran_order');
  const shape = value.get('shape');
  if (typeof descr !== 'string') throw new FormatError(`unsupported dtype ${JSON.stringify(descr)} (structured dtypes are not supported)`);
  if (typeof fortran !== 'boolean') throw new FormatError('npy header has no fortran_order');
  if (!Array.isArray(shape) || !shape.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) {
    throw new FormatError('npy header has no valid shape');
  }
  return { descr, fortranOrder: fortran, shape: shape as number[] };
}

/** The dict literal numpy writes (a 1-tuple keeps its trailing comma). */
export function formatHeader(h: NpyHeader): string {
  const shape = h.shape.length === 1 ? `(${h.shape[0]},)` : `(${h.shape.join(', ')})`;
  return `{'descr': '${h.descr}', 'fortran_order': ${h.fortranOrder ? 'True' : 'False'}, 'shape': ${shape}, }`;
}

class LiteralParser {
  private pos = 0;

  constructor(private readonly s: string) {}

  parseAll(): PyLiteral {
    const v = this.value();
    this.ws();
    if (this.pos !== this.s.length) this.fail('trailing characters');
    return v;
  }

  private fail(problem: string): never {
    throw new FormatError(`npy header is not a valid dict literal: ${problem} at column ${this.pos}`);
  }

  private ws(): void {
    while (this.pos < this.s.length && /\s/.test(this.s[this.pos])) this.pos++;
  }

  private value(): PyLiteral {
    this.ws();
    const c = this.s[this.pos];
    if (c === '{') return this.dict();
    if (c === '(') return this.sequence(')');
    if (c === '[') return this.sequence(']');
    if (c === "'" || c === '"') return this.string();
    const word = /^(True|False|None|-?\d+L?)/.exec(this.s.slice(this.pos));
    if (!word) this.fail('unexpected character');
    this.pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number(word[0].replace('L', '')); // Python 2 wrote long shapes as 250L
  }

  private string(): string {
    const quote = this.s[this.pos++];
    let out = '';
    while (this.pos < this.s.length && this.s[this.pos] !== quote) {
      if (this.s[this.pos] === '\\') this.pos++;
      out += this.s[this.pos++];
    }
    if (this.pos >= this.s.length) this.fail('unterminated string');
    this.pos++;
    return out;
  }

  /** Items separated by commas, a trailing comma allowed: a tuple or a list. */
  private sequence(close: string): PyLiteral[] {
    this.pos++;
    const items: PyLiteral[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.pos] === close) break;
      items.push(this.value());
      this.ws();
      if (this.s[this.pos] === ',') this.pos++;
      else if (this.s[this.pos] !== close) this.fail(`expected ',' or '${close}'`);
    }
    this.pos++;
    return items;
  }

  private dict(): Map<string, PyLiteral> {
    this.pos++;
    const d = new Map<string, PyLiteral>();
    for (;;) {
      this.ws();
      if (this.s[this.pos] === '}') break;
      const key = this.value();
      if (typeof key !== 'string') this.fail('dict key is not a string');
      this.ws();
      if (this.s[this.pos++] !== ':') this.fail("expected ':'");
      d.set(key, this.value());
      this.ws();
      if (this.s[this.pos] === ',') this.pos++;
      else if (this.s[this.pos] !== '}') this.fail("expected ',' or '}'");
    }
    this.pos++;
    return d;
  }
}
