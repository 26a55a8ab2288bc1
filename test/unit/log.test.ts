import { describe, expect, it } from 'vitest';
import { scrubber } from '../../src/log.ts';
import { interactionTime, TOKEN_LIFETIME_MS } from '../../src/worker/discord-poster.ts';

describe('log scrubbing', () => {
  const token = 'MTIzNDU2Nzg5MDEy.GhIjKl.secret-part_0123456789';
  const scrub = scrubber([token]);

  it('removes the secret wherever it is, as written and as JSON escapes it', () => {
    expect(scrub(`{"err":"Bot ${token} refused"}`)).toBe('{"err":"Bot [redacted] refused"}');
    const odd = 'a"b\\c-long-enough';
    expect(scrubber([odd])(JSON.stringify({ x: `<${odd}>` }))).toBe('{"x":"<[redacted]>"}');
    expect(scrub('nothing to see')).toBe('nothing to see');
  });

  it('removes interaction tokens from webhook and callback URLs', () => {
    const line = '{"url":"https://discord.com/api/v10/webhooks/123456789012345678/aW50ZXJhY3Rpb246MTIz.abc-DEF_g/messages/@original"}';
    expect(scrub(line)).toBe('{"url":"https://discord.com/api/v10/webhooks/123456789012345678/[redacted]/messages/@original"}');
    expect(scrub('/interactions/123456789012345678/aW50ZXJh:tok/callback')).toBe('/interactions/123456789012345678/[redacted]/callback');
  });

  it('ignores secrets too short to be one (they would blank ordinary words)', () => {
    expect(scrubber(['abc'])('abc abc')).toBe('abc abc');
  });
});

describe('interaction age', () => {
  it('reads the creation time from a snowflake, and nothing from other ids', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    const id = ((BigInt(at) - 1420070400000n) << 22n).toString();
    expect(interactionTime(id)).toBe(at);
    expect(interactionTime('terminal')).toBeNull();
    expect(TOKEN_LIFETIME_MS).toBeLessThan(15 * 60_000);
  });
});
