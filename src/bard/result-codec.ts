/**
 * A /bard result as it is kept for its buttons (STATE_TTL_HOURS): one small binary value per result, since at
 * a steady rate these keys are most of what Bard keeps in Redis. The fields go into a JSON array (no names),
 * deflated: character-level text compresses to about two thirds. A version byte leads; values written as a
 * plain JSON object (before this format) are still read until they expire.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ResultState } from './state.ts';

const VERSION = 1;
const JSON_OBJECT = 0x7b; // '{': the older format

export function encodeResult(s: ResultState): Uint8Array {
  const fields: (string | number)[] = [s.author.id, s.author.name, s.prompt, s.text, s.temp, s.length];
  if (s.model) fields.push(s.model.name, s.model.hash);
  // zlib's (C) deflate with a small window: a value is < 8 KB, and a smaller state to set up is most of the
  // cost here (~30 µs a result; fflate's level 9 took a worker about 0.3 ms per job).
  const packed = deflateRawSync(JSON.stringify(fields), { windowBits: 12, memLevel: 4 });
  const out = new Uint8Array(packed.length + 1);
  out[0] = VERSION;
  out.set(packed, 1);
  return out;
}

/** The result, or null when the value is missing, damaged or not a result (its buttons then say they expired). */
export function decodeResult(value: Uint8Array | null): ResultState | null {
  if (!value || value.length === 0) return null;
  let raw: unknown;
  try {
    if (value[0] === VERSION) {
      const f = JSON.parse(inflateRawSync(value.subarray(1)).toString('utf8'));
      if (!Array.isArray(f) || (f.length !== 6 && f.length !== 8)) return null;
      raw = { author: { id: f[0], name: f[1] }, prompt: f[2], text: f[3], temp: f[4], length: f[5], model: f.length === 8 ? { name: f[6], hash: f[7] } : undefined };
    } else if (value[0] === JSON_OBJECT) {
      raw = JSON.parse(new TextDecoder().decode(value));
    } else {
      return null;
    }
  } catch {
    return null;
  }
  const parsed = ResultState.safeParse(raw);
  return parsed.success ? parsed.data : null;
}
