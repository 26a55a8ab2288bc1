import { prime } from '../rnn/forward.ts';
import type { Params } from '../rnn/params.ts';

/**
 * The warm start state stored in the snapshot (see src/rnn/start.ts for why h = 0 is a bad start):
 * the hidden state after reading `length` characters of training text that end at its last paragraph
 * break ("\n\n"), so a prompt is read as the first words of a new speech. Reading starts just after a
 * space or newline (a word boundary), from h = 0; a few hundred characters wash out that start.
 * Deterministic: same weights and text, same state.
 */
export function burnInRange(text: Int32Array, nl: number | undefined, length = 1000): { from: number; to: number } {
  let to = text.length;
  if (nl !== undefined) {
    for (let i = text.length - 2; i >= 0; i--) {
      if (text[i] === nl && text[i + 1] === nl) {
        to = i + 2;
        break;
      }
    }
  }
  let from = Math.max(0, to - length);
  return { from, to };
}

export function warmStartState(p: Params, text: Int32Array, chars: readonly string[], length = 1000): Float64Array {
  const nl = chars.indexOf('\n');
  const { from, to } = burnInRange(text, nl >= 0 ? nl : undefined, length);
  let start = from;
  const space = chars.indexOf(' ');
  // Begin after a word boundary so the first characters read are an ordinary word, not half of one.
  while (start > 0 && start < to - 1 && text[start - 1] !== space && text[start - 1] !== nl) start++;
  return prime(p, text.subarray(start, to), new Float64Array(p.H));
}
