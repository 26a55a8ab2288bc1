// BARD_MODELS: files and folders of .npz, each model with a name, its card and a content hash; bad files
// stop the start (strict) or are skipped with one line each; a job's model is checked by name and hash.
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkModel, modelChoices } from '../../src/bard/models.ts';
import { loadRegistry, ModelUnavailableError, RegistryError } from '../../src/models/registry.ts';
import { DEFAULT_SNAPSHOT, saveSnapshot } from '../../src/snapshot/index.ts';
import { REFERENCE_SNAPSHOT } from '../e2e/harness.ts';
import { randomModel, tempDir } from '../snapshot/fixtures.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('model registry', () => {
  it('a folder and a file: names from the metadata or the file, card fields, hashes of the bytes; the first is the default', () => {
    const dir = join(tmp.dir, 'models');
    saveSnapshot(join(dir, 'b-small.npz'), randomModel({ H: 7, meta: { name: 'tiny one', val_loss: 2.5, chars_seen: 12345 } }));
    saveSnapshot(join(dir, 'a-plain.npz'), randomModel({ H: 5, meta: {} }));
    const r = loadRegistry(`${dir}, ${DEFAULT_SNAPSHOT}`, { strict: true });
    expect(r.cards.map((c) => c.name)).toEqual(['a-plain', 'tiny-one', 'bard-h768']);
    expect(r.default.card.name).toBe('a-plain');
    expect(r.cards[1]).toMatchObject({ file: 'b-small.npz', H: 7, V: 6, charsTrained: 12345, valLoss: 2.5, vocab: '\n abé:' });
    expect(r.cards[2]).toMatchObject({ H: 768, V: 65, charsTrained: 131177600 });
    expect(r.cards[2].valLoss).toBeCloseTo(1.4855, 4);
    for (const c of r.cards) expect(c.hash).toMatch(/^[0-9a-f]{12}$/);
    expect(new Set(r.cards.map((c) => c.hash)).size).toBe(3);
    expect(r.find('BARD-H768')?.card.name).toBe('bard-h768');
  });

  it('the CSC321 snapshot carries no name or loss: it is named after its file, and says so', () => {
    const r = loadRegistry(REFERENCE_SNAPSHOT, { strict: true });
    expect(r.default.card).toMatchObject({ name: 'char-rnn-snapshot', H: 250, V: 62, charsTrained: null, valLoss: null });
  });

  it('resolve: the same name and hash, or a clear ModelUnavailableError (never another model)', () => {
    const r = loadRegistry(`${REFERENCE_SNAPSHOT},${DEFAULT_SNAPSHOT}`, { strict: true });
    const bard = r.find('bard-h768')!.card;
    expect(r.resolve({ name: 'bard-h768', hash: bard.hash }).card).toBe(bard);
    expect(r.resolve(undefined).card.name).toBe('char-rnn-snapshot');
    expect(() => r.resolve({ name: 'ghost', hash: bard.hash })).toThrow(ModelUnavailableError);
    expect(() => r.resolve({ name: 'bard-h768', hash: '0123456789ab' })).toThrow(/different file for the model "bard-h768"/);
  });

  it('bad files: strict stops with one line per file naming it; otherwise they are skipped with that line', () => {
    const bad = join(tmp.dir, 'bad.npz');
    writeFileSync(bad, 'not a zip');
    const twin = join(tmp.dir, 'twin.npz');
    copyFileSync(DEFAULT_SNAPSHOT, twin);
    const spec = `${REFERENCE_SNAPSHOT},${bad},${DEFAULT_SNAPSHOT},${twin},${join(tmp.dir, 'missing.npz')}`;
    let err: unknown;
    try {
      loadRegistry(spec, { strict: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RegistryError);
    const lines = (err as Error).message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`^${bad}: not a zip file`));
    expect(lines[1]).toBe(`${twin}: the model name "bard-h768" is already taken by bard.npz`);
    expect(lines[2]).toMatch(/missing\.npz: file not found$/);
    const skipped: string[] = [];
    const r = loadRegistry(spec, { strict: false, onSkip: (p) => skipped.push(p) });
    expect(r.cards.map((c) => c.name)).toEqual(['char-rnn-snapshot', 'bard-h768']);
    expect(skipped).toEqual(lines);
    expect(() => loadRegistry(bad, { strict: false })).toThrow(/none of the models/);
    expect(() => loadRegistry(tmp.dir + '/models-none', { strict: true })).toThrow(/file not found/);
  });

  it('the model option: a typed name, else the channel default, else the first; unknown names list the models', () => {
    const r = loadRegistry(`${REFERENCE_SNAPSHOT},${DEFAULT_SNAPSHOT}`, { strict: true });
    expect(checkModel(r, 'Bard-H768')).toMatchObject({ ok: true, value: { card: { name: 'bard-h768' } } });
    expect(checkModel(r, undefined, 'bard-h768')).toMatchObject({ ok: true, value: { card: { name: 'bard-h768' } } });
    expect(checkModel(r, '')).toMatchObject({ ok: true, value: { card: { name: 'char-rnn-snapshot' } } });
    const bad = checkModel(r, 'ghost');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toBe('There is no model `ghost`. Models: `char-rnn-snapshot` (H 250), `bard-h768` (H 768, loss 1.486).');
    expect(checkModel(r, undefined, 'gone')).toMatchObject({ ok: false, error: expect.stringMatching(/default model `gone` is not served any more/) });
    expect(modelChoices(r, 'h7')).toEqual([{ name: 'bard-h768 · H 768 · loss 1.486', value: 'bard-h768' }]);
    expect(modelChoices(r, '').map((c) => c.value)).toEqual(['char-rnn-snapshot', 'bard-h768']);
  });
});
