import { Model } from '../../src/rnn/model.ts';
import { lossFun } from '../../src/rnn/loss.ts';
import { adagradUpdate, clipGradients } from '../../src/rnn/optim.ts';
import { initParams, zerosLike } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';

/**
 * A made-up "play": each speech is a speaker name, ':', a newline, then one line of words ending in '.'
 * and a newline. ':' occurs only at the end of a name and is always followed by '\n'.
 */
export function syntheticPlay(rng: Rng, speeches: number): string {
  const names = ['BAD', 'CAB', 'DEE', 'FACE'];
  const letters = 'abcdef';
  let text = '';
  for (let s = 0; s < speeches; s++) {
    text += names[Math.floor(rng.next() * names.length)] + ':\n';
    const words = 2 + Math.floor(rng.next() * 4);
    const ws: string[] = [];
    for (let w = 0; w < words; w++) {
      let word = '';
      const len = 1 + Math.floor(rng.next() * 4);
      for (let i = 0; i < len; i++) word += letters[Math.floor(rng.next() * letters.length)];
      ws.push(word);
    }
    text += ws.join(' ') + '.\n';
  }
  return text;
}

/** min-char-rnn's training loop (seq 25, Adagrad, clipped gradients) on the synthetic play. */
export function trainTinyModel(opts: { H?: number; iterations?: number; seed?: number } = {}): { model: Model; text: string; loss: number } {
  const rng = new Rng(opts.seed ?? 3);
  const text = syntheticPlay(rng, 400);
  const chars = [...new Set(text)].sort();
  const charToIx = new Map(chars.map((c, i) => [c, i]));
  const data = [...text].map((c) => charToIx.get(c)!);
  const H = opts.H ?? 16;
  const p = initParams(H, chars.length, () => rng.normal());
  const mem = zerosLike(p);
  const seqLength = 25;
  let hprev: Float64Array = new Float64Array(H);
  let pos = 0;
  let smooth = -Math.log(1 / chars.length) * seqLength;
  for (let it = 0; it < (opts.iterations ?? 1500); it++) {
    if (pos + seqLength + 1 >= data.length) {
      pos = 0;
      hprev = new Float64Array(H);
    }
    const { loss, grads, h } = lossFun(p, data.slice(pos, pos + seqLength), data.slice(pos + 1, pos + seqLength + 1), hprev);
    clipGradients(grads, 5);
    adagradUpdate(p, grads, mem, 0.1);
    smooth = smooth * 0.99 + loss * 0.01;
    hprev = h;
    pos += seqLength;
  }
  return { model: new Model(p, chars), text, loss: smooth / seqLength };
}
