/**
 * Validation of what users type, shared by the slash commands and `npm run play`. Discord enforces
 * the bounds declared in the command definitions too, but the bot never relies on that: every value
 * is checked here, and each failure is one sentence the user can act on.
 */
import { DEFAULTS, LIMITS } from './limits.ts';
import type { ChannelDefaults } from './state.ts';

export type RawOptions = Record<string, string | number | boolean | undefined>;

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

export interface BardOptions {
  prompt: string;
  temp: number;
  length: number;
}

export interface RoundOptions {
  prompt: string;
  temps: number[];
  seconds: number;
}

export interface ConfigOptions {
  temp?: number;
  length?: number;
  reset: boolean;
}

function num(raw: RawOptions, name: string): number | undefined | 'invalid' {
  const v = raw[name];
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim()) : NaN;
  return Number.isFinite(n) ? n : 'invalid';
}

export function checkPrompt(raw: unknown): Checked<string> {
  if (typeof raw !== 'string' || raw.trim() === '') return { ok: false, error: 'Give me a prompt to continue, e.g. `ROMEO:`.' };
  if ([...raw].length > LIMITS.promptMax) return { ok: false, error: `The prompt is too long: at most ${LIMITS.promptMax} characters, yours has ${[...raw].length}.` };
  return { ok: true, value: raw };
}

export function checkTemp(t: number | undefined | 'invalid', fallback: number): Checked<number> {
  if (t === undefined) return { ok: true, value: fallback };
  if (t === 'invalid' || t < LIMITS.tempMin || t > LIMITS.tempMax) {
    return { ok: false, error: `The temperature must be a number from ${LIMITS.tempMin} to ${LIMITS.tempMax}${t === 'invalid' ? '' : ` (you gave ${t})`}.` };
  }
  return { ok: true, value: t };
}

export function checkLength(n: number | undefined | 'invalid', fallback: number): Checked<number> {
  if (n === undefined) return { ok: true, value: fallback };
  if (n === 'invalid' || !Number.isInteger(n) || n < LIMITS.lengthMin || n > LIMITS.lengthMax) {
    return { ok: false, error: `The length must be a whole number of characters from ${LIMITS.lengthMin} to ${LIMITS.lengthMax}${n === 'invalid' ? '' : ` (you gave ${n})`}.` };
  }
  return { ok: true, value: n };
}

export function parseBardOptions(raw: RawOptions, defaults: ChannelDefaults = {}): Checked<BardOptions> {
  const prompt = checkPrompt(raw.prompt);
  if (!prompt.ok) return prompt;
  const temp = checkTemp(num(raw, 'temp'), defaults.temp ?? DEFAULTS.temp);
  if (!temp.ok) return temp;
  const length = checkLength(num(raw, 'length'), defaults.length ?? DEFAULTS.length);
  if (!length.ok) return length;
  return { ok: true, value: { prompt: prompt.value, temp: temp.value, length: length.value } };
}

/** "0.3 0.8 1.5", "0.3, 0.8, 1.5" or "0.3;0.8" → [0.3, 0.8, 1.5]. */
export function parseTemps(raw: unknown): Checked<number[]> {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : '';
  const parts = text.split(/[\s,;]+/).filter((s) => s !== '');
  const { roundTempsMin: lo, roundTempsMax: hi, tempMin, tempMax } = LIMITS;
  const usage = `Give ${lo} to ${hi} temperatures from ${tempMin} to ${tempMax}, separated by spaces, e.g. \`0.3 0.8 1.5\`.`;
  if (parts.length < lo || parts.length > hi) return { ok: false, error: `${usage} You gave ${parts.length}.` };
  const temps = parts.map(Number);
  const bad = parts.find((p, i) => !Number.isFinite(temps[i]) || temps[i] < tempMin || temps[i] > tempMax);
  if (bad !== undefined) return { ok: false, error: `${usage} \`${bad.slice(0, 20)}\` is not one.` };
  return { ok: true, value: temps };
}

export function parseRoundOptions(raw: RawOptions, minSeconds: number): Checked<RoundOptions> {
  const prompt = checkPrompt(raw.prompt);
  if (!prompt.ok) return prompt;
  const temps = parseTemps(raw.temps);
  if (!temps.ok) return temps;
  const s = num(raw, 'seconds');
  const seconds = s === undefined ? LIMITS.roundSecondsDefault : s;
  if (seconds === 'invalid' || !Number.isInteger(seconds) || seconds < minSeconds || seconds > LIMITS.roundSecondsMax) {
    return { ok: false, error: `A round lasts a whole number of seconds from ${minSeconds} to ${LIMITS.roundSecondsMax}.` };
  }
  return { ok: true, value: { prompt: prompt.value, temps: temps.value, seconds } };
}

export function parseConfigOptions(raw: RawOptions): Checked<ConfigOptions> {
  const tRaw = num(raw, 'temp');
  const lRaw = num(raw, 'length');
  const out: ConfigOptions = { reset: raw.reset === true || raw.reset === 'true' };
  if (tRaw !== undefined) {
    const t = checkTemp(tRaw, DEFAULTS.temp);
    if (!t.ok) return t;
    out.temp = t.value;
  }
  if (lRaw !== undefined) {
    const l = checkLength(lRaw, DEFAULTS.length);
    if (!l.ok) return l;
    out.length = l.value;
  }
  return { ok: true, value: out };
}
