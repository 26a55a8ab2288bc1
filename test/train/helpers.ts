import { Rng } from '../../src/rnn/rng.ts';

/**
 * A small synthetic text with learnable structure: words drawn from a tiny lexicon, lines of a few
 * words, paragraph breaks. Generated here, so no text from elsewhere is involved.
 */
export function syntheticText(n: number, seed = 1): string {
  const words = ['to', 'be', 'or', 'not', 'the', 'king', 'and', 'queen', 'shall', 'speak', 'thou', 'art'];
  const rng = new Rng(seed);
  let s = '';
  while (s.length < n) {
    const lineWords = 2 + Math.floor(rng.next() * 5);
    const line: string[] = [];
    for (let i = 0; i < lineWords; i++) line.push(words[Math.floor(rng.next() * words.length)]);
    s += line.join(' ') + (rng.next() < 0.2 ? '.\n\n' : ',\n');
  }
  return s.slice(0, n);
}
