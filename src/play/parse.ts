/**
 * Reads one line of `npm run play`: a slash command with Discord-style options
 * (`/bard prompt:"ROMEO:" temp:0.5 length:200`), or a button press (`again`, `vote A`), or a REPL word.
 */
import type { RawOptions } from '../bard/options.ts';
import { PRESS_ACTIONS, type TempAction } from '../bard/temperature.ts';

export type PlayLine =
  | { kind: 'command'; name: string; options: RawOptions }
  | { kind: 'press'; action: TempAction }
  | { kind: 'vote'; label: string; as: string | null }
  | { kind: 'reveal' }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'empty' }
  | { kind: 'error'; message: string };

/** Splits on spaces, keeping "quoted strings" (with \" \\ \n escapes) and name:"quoted values" together. */
export function tokenize(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let started = false;
  let quote: string | null = null;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\' && i + 1 < s.length) {
        const n = s[++i];
        cur += n === 'n' ? '\n' : n === 't' ? '\t' : n;
      } else if (c === quote) quote = null;
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (/\s/.test(c)) {
      if (started) out.push(cur);
      cur = '';
      started = false;
    } else {
      cur += c;
      started = true;
    }
  }
  if (quote) throw new Error(`unclosed ${quote} quote`);
  if (started) out.push(cur);
  return out;
}

/**
 * `optionNames` maps each command to its option names (from the command definitions); the first is
 * the one free text goes to, so `/bard ROMEO:` works as `/bard prompt:ROMEO:`.
 */
export function parseLine(line: string, optionNames: Record<string, string[]>): PlayLine {
  const text = line.trim();
  if (text === '') return { kind: 'empty' };
  const word = text.split(/\s+/)[0].toLowerCase();
  if ((PRESS_ACTIONS as readonly string[]).includes(word) && text.split(/\s+/).length === 1) return { kind: 'press', action: word as TempAction };
  if (word === 'help' || word === '/help' || word === '?') return { kind: 'help' };
  if (word === 'quit' || word === 'exit' || word === '/quit') return { kind: 'quit' };
  if (word === 'reveal') return { kind: 'reveal' };
  if (word === 'vote') {
    const m = /^vote\s+([a-d])(?:\s+as\s+(\S{1,32}))?$/i.exec(text);
    if (!m) return { kind: 'error', message: 'Vote like this: vote A (or: vote B as juliet, to play another member).' };
    return { kind: 'vote', label: m[1].toUpperCase(), as: m[2] ?? null };
  }
  if (!text.startsWith('/')) return { kind: 'error', message: `Unknown input "${text.slice(0, 40)}". Type help.` };
  let tokens: string[];
  try {
    tokens = tokenize(text.slice(1));
  } catch (e) {
    return { kind: 'error', message: `Could not read that line: ${(e as Error).message}.` };
  }
  const name = (tokens.shift() ?? '').toLowerCase();
  const names = optionNames[name];
  if (!names) return { kind: 'error', message: `Unknown command /${name}. Commands: ${Object.keys(optionNames).map((n) => `/${n}`).join(', ')}.` };
  const options: RawOptions = {};
  const free: string[] = [];
  for (const t of tokens) {
    const m = /^([a-z-]+):([\s\S]*)$/i.exec(t);
    if (m && names.includes(m[1].toLowerCase())) options[m[1].toLowerCase()] = m[2];
    else free.push(t);
  }
  if (free.length) {
    if (!names.length) return { kind: 'error', message: `/${name} takes no options.` };
    if (options[names[0]] !== undefined) return { kind: 'error', message: `Unknown option "${free[0].slice(0, 30)}" for /${name} (options: ${names.join(', ')}).` };
    options[names[0]] = free.join(' ');
  }
  return { kind: 'command', name, options };
}
