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
  /** As typed: null when not given (a round across models may leave them out). */
  temps: number[] | null;
  /** Model names as typed (checked against the registry by the command), null when not given. */
  models: string[] | null;
  seconds: number;
}

export interface ConfigOptions {
  temp?: number;
  length?: number;
  model?: string;
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

/** "a b", "a, b" or "a;b" → ['a', 'b']. */
function words(raw: unknown): string[] {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : '';
  return text.split(/[\s,;]+/).filter((s) => s !== '');
}

/** "0.3 0.8 1.5", "0.3, 0.8, 1.5" or "0.3;0.8" → [0.3, 0.8, 1.5]; `lo` is 1 when models make up the round. */
export function parseTemps(raw: unknown, lo: number = LIMITS.roundTempsMin): Checked<number[]> {
  const parts = words(raw);
  const { roundTempsMax: hi, tempMin, tempMax } = LIMITS;
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
  const models = words(raw.models);
  if (models.length > LIMITS.roundTempsMax) return { ok: false, error: `A round has at most ${LIMITS.roundTempsMax} entries: give at most ${LIMITS.roundTempsMax} models (you gave ${models.length}).` };
  const given = words(raw.temps).length > 0;
  // Across models, one temperature (or none: the channel's) may serve every entry.
  const temps = given ? parseTemps(raw.temps, models.length > 0 ? 1 : LIMITS.roundTempsMin) : models.length > 0 ? ({ ok: true, value: null } as const) : parseTemps(raw.temps);
  if (!temps.ok) return temps;
  const s = num(raw, 'seconds');
  const seconds = s === undefined ? LIMITS.roundSecondsDefault : s;
  if (seconds === 'invalid' || !Number.isInteger(seconds) || seconds < minSeconds || seconds > LIMITS.roundSecondsMax) {
    return { ok: false, error: `A round lasts a whole number of seconds from ${minSeconds} to ${LIMITS.roundSecondsMax}.` };
  }
  return { ok: true, value: { prompt: prompt.value, temps: temps.value, models: models.length > 0 ? models : null, seconds } };
}

export function parseConfigOptions(raw: RawOptions): Checked<ConfigOptions> {
  const tRaw = num(raw, 'temp');
  const lRaw = num(raw, 'length');
  const out: ConfigOptions = { reset: raw.reset === true || raw.reset === 'true' };
  if (typeof raw.model === 'string' && raw.model.trim() !== '') out.model = raw.model.trim();
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

/**
 * The entries of a round: temperatures and models paired in order; a single one of either serves every
 * entry ("models:'a b' temps:0.8" is a at 0.8 and b at 0.8). 2–4 entries.
 */
export function pairRound<M>(temps: number[] | null, models: M[] | null, defaultTemp: number, defaultModel: M): Checked<{ temp: number; model: M }[]> {
  const t = temps ?? [defaultTemp];
  const m = models ?? [defaultModel];
  const n = Math.max(t.length, m.length);
  if ((t.length !== n && t.length !== 1) || (m.length !== n && m.length !== 1)) {
    return { ok: false, error: `Give as many temperatures as models, or one of either for all entries (you gave ${t.length} temperatures and ${m.length} models).` };
  }
  if (n < LIMITS.roundTempsMin) return { ok: false, error: `A round needs ${LIMITS.roundTempsMin} to ${LIMITS.roundTempsMax} entries: give that many temperatures or models.` };
  return { ok: true, value: Array.from({ length: n }, (_, i) => ({ temp: t[t.length === 1 ? 0 : i], model: m[m.length === 1 ? 0 : i] })) };
}
