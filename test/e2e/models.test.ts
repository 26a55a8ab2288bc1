// Many models in one bot, end to end: the real bot and worker processes, discord.js, Redis and the Discord fake.
// The bot offers three models (the CSC321 snapshot, a copy of ours, and "ghost", which the worker lacks); the
// worker serves two. Autocomplete, per-job models, a round across models, a channel default, /bard-models,
// /why and /why-colon per model, and the clear failures: a model the worker lacks, a file changed under its name.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../src/models/registry.ts';
import { complete } from '../../src/rnn/generate.ts';
import type { Model } from '../../src/rnn/model.ts';
import { DEFAULT_SNAPSHOT, saveSnapshot } from '../../src/snapshot/index.ts';
import { DEFAULT_MEMBER_PERMISSIONS, FakeDiscord, Permission, type StoredMessage } from '../fake-discord/index.ts';
import { randomModel } from '../snapshot/fixtures.ts';
import { bardEnv, FRONT_DOORS, freshPrefix, parseCompletion, REFERENCE_SNAPSHOT, shutDown, spawnBard, startFrontDoor, type Proc } from './harness.ts';

let fake: FakeDiscord;
let prefix: string;
let front: Proc;
let worker: Proc;
let workerEnv: NodeJS.ProcessEnv;
let dir: string;
let ours: Model;
let csc321: Model;

const seedOf = (footer: string) => Number(/seed (\d+)/.exec(footer)![1]);

describe.each(FRONT_DOORS)('many models in one bot, through the %s front door', (mode) => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bard-models-'));
    copyFileSync(DEFAULT_SNAPSHOT, join(dir, 'bard.npz'));
    copyFileSync(REFERENCE_SNAPSHOT, join(dir, 'ghost.npz'));
    const both = `${REFERENCE_SNAPSHOT},${join(dir, 'bard.npz')}`;
    const registry = loadRegistry(both, { strict: true });
    csc321 = registry.find('char-rnn-snapshot')!.model;
    ours = registry.find('bard-h768')!.model;
    fake = await new FakeDiscord().start();
    prefix = freshPrefix();
    const common = { COOLDOWN_USER_JOBS: '0', COOLDOWN_CHANNEL_JOBS: '0', ROUND_MIN_SECONDS: '1', SNAPSHOT: '' };
    const deploy = spawnBard('deploy', bardEnv(fake, prefix, common));
    expect(await deploy.exited, deploy.err.join('\n')).toBe(0);
    workerEnv = bardEnv(fake, prefix, { ...common, BARD_MODELS: both });
    worker = spawnBard('worker', workerEnv);
    const frontEnv = bardEnv(fake, prefix, { ...common, BARD_MODELS: `${both},${join(dir, 'ghost.npz')}` });
    [front] = await Promise.all([startFrontDoor(mode, fake, frontEnv, 60_000), worker.waitForLine(/"worker ready"/, 60_000)]);
  }, 90_000);

  afterAll(async () => {
    await shutDown(fake, prefix, [front, worker]);
    expect(fake.deliveryViolations).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  async function answered(id: string): Promise<StoredMessage[]> {
    return fake.waitUntil(() => {
      const ms = fake.messagesFor(id);
      return ms.length >= 1 && ms.every((m) => !m.loading) ? ms : null;
    }, 30_000);
  }

  /** The ephemeral answer the bot gave at once (no deferral, no job). */
  async function ephemeral(id: string): Promise<string> {
    const [m] = await fake.waitUntil(() => (fake.messagesFor(id).length ? fake.messagesFor(id) : null), 5000);
    const ix = fake.interaction(id)!;
    expect(ix.ack).toBe('reply');
    expect(ix.ephemeral).toBe(true);
    expect(m.allowedMentions).toEqual({ parse: [] });
    return m.content;
  }

  it('autocomplete on model: and models: answers within 3 s from the registry: ≤ 25 choices, names ≤ 100 characters, with H and loss', async () => {
    const ix = fake.injectAutocomplete({ name: 'bard', options: { prompt: 'ROMEO:' }, focused: { name: 'model', value: '' } });
    await fake.waitUntil(() => fake.interaction(ix.id)!.ack === 'autocomplete', 5000);
    const state = fake.interaction(ix.id)!;
    expect(state.ackAt! - state.createdAt).toBeLessThan(3000);
    const choices = state.choices!;
    expect(choices.length).toBeLessThanOrEqual(25);
    for (const c of choices) expect([...c.name].length).toBeLessThanOrEqual(100);
    expect(choices).toEqual([
      { name: 'char-rnn-snapshot · H 250', value: 'char-rnn-snapshot' },
      { name: 'bard-h768 · H 768 · loss 1.486', value: 'bard-h768' },
      { name: 'ghost · H 250', value: 'ghost' },
    ]);
    const typed = fake.injectAutocomplete({ name: 'why-colon', focused: { name: 'model', value: 'BARD' } });
    await fake.waitUntil(() => fake.interaction(typed.id)!.ack === 'autocomplete', 5000);
    expect(fake.interaction(typed.id)!.choices!.map((c) => c.value)).toEqual(['bard-h768']);
    // A round's models: the last word is completed, the ones before it kept.
    const round = fake.injectAutocomplete({ name: 'bard-round', options: { prompt: 'K' }, focused: { name: 'models', value: 'char-rnn-snapshot ba' } });
    await fake.waitUntil(() => fake.interaction(round.id)!.ack === 'autocomplete', 5000);
    expect(fake.interaction(round.id)!.choices!.map((c) => c.value)).toEqual(['char-rnn-snapshot bard-h768']);
  });

  it('/bard model: runs on that model (its footer names it) and the buttons keep it; an unknown name lists the models', async () => {
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'ROMEO:', temp: 0.5, length: 120, model: 'bard-h768' } });
    const [m] = await answered(ix.id);
    const parsed = parseCompletion(m.content)!;
    expect(parsed.footer).toMatch(/· model bard-h768$/);
    expect(parsed.continuation).toBe(complete(ours, { prompt: 'ROMEO:', temp: 0.5, length: 120, seed: seedOf(parsed.footer) }).continuation);

    const customId = m.components[0].components.find((b: { custom_id: string }) => b.custom_id.startsWith('bard:hotter:')).custom_id;
    const press = fake.injectButton({ customId, messageId: m.id, user: fake.users.bob });
    const [h] = await answered(press.id);
    const hot = parseCompletion(h.content)!;
    expect(hot.footer).toMatch(/^-# temperature 0\.75 · 120 characters · seed \d+ · model bard-h768$/);
    expect(hot.continuation).toBe(complete(ours, { prompt: 'ROMEO:', temp: 0.75, length: 120, seed: seedOf(hot.footer) }).continuation);

    const unknown = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'ROMEO:', model: 'bard-h9000' } });
    expect(await ephemeral(unknown.id)).toBe('There is no model `bard-h9000`. Models: `char-rnn-snapshot` (H 250), `bard-h768` (H 768, loss 1.486), `ghost` (H 250).');
  });

  it('a blind round across two models: entries labelled without models or temperatures, then the reveal says which wrote which', async () => {
    const ix = fake.injectSlashCommand({ name: 'bard-round', options: { prompt: 'KING:', models: 'char-rnn-snapshot bard-h768', temps: '0.8', seconds: 2 }, user: fake.users.owner });
    const [m] = await answered(ix.id);
    expect(m.content).toMatch(/\*\*A\*\*\n[\s\S]+\*\*B\*\*\n/);
    expect(m.content).not.toMatch(/temperature \d/);
    expect(m.content).toMatch(/model char-rnn-snapshot and bard-h768$/);
    const votes: string[] = m.components[0].components.map((b: { custom_id: string }) => b.custom_id);
    const v = fake.injectButton({ customId: votes[1], messageId: m.id, user: fake.users.alice });
    await fake.waitUntil(() => fake.messagesFor(v.id)[0], 5000);
    const revealed = await fake.waitUntil(() => {
      const cur = fake.message(m.id)!;
      return cur.content.includes('round is over') ? cur : null;
    }, 20_000);
    const entries = [...revealed.content.matchAll(/\*\*([AB])\*\* · ([\w-]+), temperature 0\.8 · (\d) votes?(?: 🏆)?\n([\s\S]*?)(?=\n\n\*\*[AB]\*\* · |\n-# )/g)];
    expect(entries.map((e) => e[1])).toEqual(['A', 'B']);
    expect(entries.map((e) => e[2]).sort()).toEqual(['bard-h768', 'char-rnn-snapshot']);
    expect(entries.map((e) => Number(e[3]))).toEqual([0, 1]);
    expect(revealed.content).toMatch(new RegExp(`The winner is \\*\\*B\\*\\* \\(${entries[1][2]}, temperature 0\\.8\\) with 1 of 1 vote\\.`));
  });

  it('/bard-config model: sets the channel default (Manage Channels only); /bard and /bard-models follow it', async () => {
    const channelId = fake.addChannel('models-test').id;
    const refused = fake.injectSlashCommand({ name: 'bard-config', options: { model: 'bard-h768' }, user: fake.users.bob, channelId });
    expect(await ephemeral(refused.id)).toMatch(/Manage Channels/);
    const typo = fake.injectSlashCommand({ name: 'bard-config', options: { model: 'bard' }, user: fake.users.bob, channelId, permissions: DEFAULT_MEMBER_PERMISSIONS | Permission.ManageChannels });
    expect(await ephemeral(typo.id)).toMatch(/^There is no model `bard`\. Models: /);
    const ok = fake.injectSlashCommand({ name: 'bard-config', options: { model: 'bard-h768' }, user: fake.users.bob, channelId, permissions: DEFAULT_MEMBER_PERMISSIONS | Permission.ManageChannels });
    expect(await ephemeral(ok.id)).toMatch(/^Saved\. .*with the model bard-h768, when they are not given\.$/);

    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'HAMLET:', length: 40 }, channelId });
    const parsed = parseCompletion((await answered(ix.id))[0].content)!;
    expect(parsed.footer).toMatch(/· model bard-h768$/);
    expect(parsed.continuation).toBe(complete(ours, { prompt: 'HAMLET:', temp: 0.8, length: 40, seed: seedOf(parsed.footer) }).continuation);
    // Elsewhere the default stays the first model.
    const other = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'HAMLET:', length: 40 } });
    expect(parseCompletion((await answered(other.id))[0].content)!.footer).toMatch(/· model char-rnn-snapshot$/);

    const list = fake.injectSlashCommand({ name: 'bard-models', channelId });
    const text = await ephemeral(list.id);
    expect(text).toMatch(/^Bard serves 3 models/);
    expect(text).toMatch(/\*\*bard-h768\*\* \(default here\) · H 768 · 65 characters · trained on 131\.2M characters · validation loss 1\.4855 nats\/char · file bard\.npz · hash [0-9a-f]{12}/);
    expect(text).toMatch(/\*\*char-rnn-snapshot\*\* · H 250 · 62 characters · no validation loss recorded/);
    const shown = fake.injectSlashCommand({ name: 'bard-models', options: { public: true }, channelId });
    const [pub] = await fake.waitUntil(() => (fake.messagesFor(shown.id).length ? fake.messagesFor(shown.id) : null), 5000);
    expect(fake.interaction(shown.id)!.ephemeral).toBe(false);
    expect(pub.content).toBe(text);
    expect(pub.allowedMentions).toEqual({ parse: [] });
  });

  it('/why and /why-colon on the chosen model: three short lines first, then the detail and the chart', async () => {
    const q = fake.injectSlashCommand({ name: 'why', options: { after: 'the q', next: 'u', model: 'char-rnn-snapshot' } });
    const [m] = await answered(q.id);
    const lines = m.content.split('\n');
    expect(lines[0]).toMatch(/asked why 'q' is followed by 'u' \(model char-rnn-snapshot\):$/);
    expect(lines[1]).toMatch(/^Probability: P\('u'\) after "the q" is 0\.\d{4}\.$/);
    expect(lines[2]).toMatch(/^Cause: (one unit|concentrated|spread)/);
    expect(lines[3]).toMatch(/^Check: /);
    expect(m.content).toMatch(/Why 'q' is followed by 'u'/);
    expect(m.attachments.map((a) => a.filename)).toEqual(['why.png']);

    const colon = fake.injectSlashCommand({ name: 'why-colon', options: { model: 'bard-h768' } });
    const [c] = await answered(colon.id);
    expect(c.content).toMatch(/\(model bard-h768\):\nProbability: P\(newline or space\)/);
    expect(c.content).toMatch(/\nCause: spread: the top 10 units carry \d+% of the [\d.]+-nat margin that ':' adds\./);
    expect(c.content).toMatch(/bard-h768 \(H = 768, 65 characters\)/);
    expect(c.attachments.map((a) => a.filename)).toEqual(['why-colon.png']);
    const seed = fake.injectSlashCommand({ name: 'why-colon' });
    const [s] = await answered(seed.id);
    expect(s.content).toMatch(/\(model char-rnn-snapshot\):\nProbability: P\(newline or space\)/);
    expect(s.content).toMatch(/\nCause: concentrated: three units, 100, 73 and 210, carry \d+% /);
  });

  it('/why with bad input: clear ephemeral errors, nothing queued', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ after: '', next: 'u' }, /^Give the text to read first in `after`/],
      [{ after: 'the q', next: 'uv' }, /^`next` must be exactly one character .*you gave 2\.$/],
      [{ after: 'the q', next: '€', model: 'char-rnn-snapshot' }, /^The model char-rnn-snapshot does not know "€"\. Its vocabulary: `\\n !&',-\.:;\?ABC[^`]*xyz`$/],
      [{ after: 'x'.repeat(1001), next: 'u' }, /^`after` is too long: at most 1000 characters, yours has 1001\.$/],
      [{ after: 'the q', next: 'u', model: 'nope' }, /^There is no model `nope`/],
    ];
    for (const [options, error] of cases) {
      const ix = fake.injectSlashCommand({ name: 'why', options });
      expect(await ephemeral(ix.id)).toMatch(error);
    }
  });

  it('a job for a model the worker lacks fails with a clear message instead of another model writing it', async () => {
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'ROMEO:', model: 'ghost' } });
    const [m] = await answered(ix.id);
    expect(m.content).toBe('This worker does not serve the model "ghost" (it serves char-rnn-snapshot, bard-h768).');
    expect(m.components).toEqual([]);
  });

  it('a worker restarted with a changed file under the same name refuses that model’s jobs; the others still run', async () => {
    // Same name, other weights: the bot still has the old file's hash.
    saveSnapshot(join(dir, 'bard.npz'), randomModel({ H: 16, chars: [...csc321.chars], meta: { name: 'bard-h768' } }));
    expect(await worker.stop()).toBe(0);
    worker = spawnBard('worker', workerEnv);
    await worker.waitForLine(/"worker ready"/, 60_000);
    const ix = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'ROMEO:', model: 'bard-h768' } });
    const [m] = await answered(ix.id);
    expect(m.content).toMatch(/^This worker has a different file for the model "bard-h768" \(hash [0-9a-f]{12}; the job asked for [0-9a-f]{12}\)\. The bot and the workers must load the same files/);
    const fine = fake.injectSlashCommand({ name: 'bard', options: { prompt: 'ROMEO:', length: 30, model: 'char-rnn-snapshot' } });
    const ok = parseCompletion((await answered(fine.id))[0].content)!;
    expect(ok.continuation).toBe(complete(csc321, { prompt: 'ROMEO:', temp: 0.8, length: 30, seed: seedOf(ok.footer) }).continuation);
  }, 90_000);
});
