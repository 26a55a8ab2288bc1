// `npm run play` with piped stdin: no token, no Redis, the same handlers and worker code in-process.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { complete } from '../../src/rnn/generate.ts';
import { DEFAULT_SNAPSHOT, loadSnapshot } from '../../src/snapshot/index.ts';
import { REFERENCE_SNAPSHOT, REPO } from './harness.ts';

/** Through npm, exactly as the README says (`viaNpm`), or straight through node (faster). */
function play(input: string, env: Record<string, string> = {}, viaNpm = false) {
  const { DISCORD_TOKEN: _t, REDIS_URL: _r, ...rest } = process.env;
  const [cmd, args] = viaNpm ? ['npm', ['run', '--silent', 'play']] : [process.execPath, ['--import', 'tsx', 'src/play/main.ts']];
  const r = spawnSync(cmd, args, {
    cwd: REPO,
    input,
    encoding: 'utf8',
    timeout: 60_000,
    // Neither a Discord token nor a reachable Redis: play must not need them.
    env: { ...rest, SNAPSHOT: REFERENCE_SNAPSHOT, REDIS_URL: 'redis://127.0.0.1:1', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm run play', () => {
  it('prints the continuation for a piped /bard and exits at the end of input', () => {
    const r = play('/bard prompt:"JULIET:" temp:0.5 length:80\n', {}, true);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const seed = Number(/seed (\d+)/.exec(r.out)![1]);
    const expected = complete(loadSnapshot(REFERENCE_SNAPSHOT), { prompt: 'JULIET:', temp: 0.5, length: 80, seed }).continuation;
    expect(r.out).toContain(`JULIET:${expected}\n[temperature 0.5 · 80 characters · seed ${seed} · model char-rnn-snapshot]`);
  });

  it('plays the buttons, a round with votes and its reveal, the config and /why-colon', () => {
    const r = play(
      [
        '/bard prompt:"ROMEO:" temp:0.9 length:40',
        'cooler',
        'hotter',
        'again',
        'continue',
        '/bard-config temp:4 length:30',
        '/bard HAMLET:',
        'hotter',
        '/bard-round prompt:"KING:" temps:"0.3 1.5" seconds:60',
        'vote A',
        'vote B as juliet',
        'vote B as romeo',
        'reveal',
        '/bard temp:99 prompt:x',
        '/why-colon',
        'help',
        // Still open at the end of input: revealed then.
        '/bard-round prompt:"QUEEN:" temps:"0.5 2" seconds:600',
        'vote B as romeo',
      ].join('\n'),
    );
    expect(r.code).toBe(0);
    expect(r.out).toContain('you pressed cooler · temperature 0.6\n');
    expect(r.out).toContain('you pressed hotter · temperature 0.9\n');
    expect(r.out).toContain('you pressed again · temperature 0.9\n');
    expect(r.out).toContain('you pressed continue · temperature 0.9\n');
    expect(r.out).toMatch(/Saved\. In this channel \/bard uses temperature 4 and length 30/);
    expect(r.out).toMatch(/HAMLET:[\s\S]{30}\n\[temperature 4 · 30 characters/);
    expect(r.out).toContain('you pressed hotter · temperature 5 (clamped to the hottest, 5)');
    expect(r.out).toMatch(/\[A\][\s\S]+\[B\]/);
    expect(r.out).toMatch(/The round is over\. The winner is B\.\n {2}A: temperature (0\.3|1\.5), 1 vote\n {2}B: temperature (0\.3|1\.5), 2 votes {2}<- winner/);
    expect(r.out).toMatch(/The temperature must be a number from 0\.05 to 5 \(you gave 99\)/);
    expect(r.out).toMatch(/Why ':' is followed by a newline or a space/);
    expect(r.out).toMatch(/\[chart: why-colon\.png, \d+ bytes\]/);
    expect(r.out.trimEnd()).toMatch(/The round is over\. The winner is B\.\n {2}A: temperature (0\.5|2), 0 votes\n {2}B: temperature (0\.5|2), 1 vote {2}<- winner$/);
  });

  it('many models: model: on /bard (kept by the buttons), /bard-models, a round across models, /why and /why-colon per model', () => {
    const r = play(
      [
        '/bard prompt:"ROMEO:" temp:0.5 length:60 model:bard-h768',
        'again',
        '/bard prompt:"ROMEO:" model:nope',
        '/bard-models',
        '/bard-round prompt:"KING:" models:"char-rnn-snapshot bard-h768" temps:0.8',
        'vote A',
        'reveal',
        '/why after:"the q" next:u model:char-rnn-snapshot',
        '/why after:"the q" next:uv',
        '/why-colon model:bard-h768',
      ].join('\n'),
      { BARD_MODELS: `${REFERENCE_SNAPSHOT},${DEFAULT_SNAPSHOT}` },
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const seeds = [...r.out.matchAll(/\[temperature 0\.5 · 60 characters · seed (\d+) · model bard-h768\]/g)].map((m) => Number(m[1]));
    expect(seeds).toHaveLength(2);
    const ours = loadSnapshot(DEFAULT_SNAPSHOT);
    expect(r.out).toContain(`ROMEO:${complete(ours, { prompt: 'ROMEO:', temp: 0.5, length: 60, seed: seeds[1] }).continuation}\n`);
    expect(r.out).toContain('you pressed again · temperature 0.5\n');
    expect(r.out).toMatch(/\(only you see this\) There is no model nope\. Models: char-rnn-snapshot \(H 250\), bard-h768 \(H 768, loss 1.486\)\./);
    expect(r.out).toMatch(/char-rnn-snapshot \(default here\) · H 250/);
    expect(r.out).toMatch(/The round is over\. The winner is A\.\n {2}A: (char-rnn-snapshot|bard-h768), temperature 0\.8, 1 vote {2}<- winner\n {2}B: (char-rnn-snapshot|bard-h768), temperature 0\.8, 0 votes/);
    expect(r.out).toMatch(/you asked why 'q' is followed by 'u' \(model char-rnn-snapshot\):\nProbability: P\('u'\) after "the q" is 0\.\d{4}\.\nCause: /);
    expect(r.out).toMatch(/\(only you see this\) next must be exactly one character/);
    expect(r.out).toMatch(/\(model bard-h768\):\nProbability: P\(newline or space\)[^\n]*\nCause: spread/);
  });

  it('quit stops reading', () => {
    const r = play('quit\n/bard prompt:"never read"\n');
    expect(r.code).toBe(0);
    expect(r.out).toBe('');
  });

  it('a missing snapshot: one clear line and exit 1', () => {
    const r = play('/bard prompt:x\n', { SNAPSHOT: 'no/such/model.npz' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no\/such\/model\.npz.*not found/);
    expect(r.out).toBe('');
  });
});
