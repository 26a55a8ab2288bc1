/**
 * Representative contexts for "what follows CHAR". They are read from the warm start
 * (src/rnn/start.ts), never from h = 0, so they do not fall into the zero-state trap.
 * The texts are our own, written for this purpose.
 */
export interface NamedContext {
  name: string;
  text: string;
}

const SPEECH = 'ROMEO:\nI will not stay to hear thee more,';

export function defaultContexts(after: string): [NamedContext, NamedContext] {
  if (after === ':') {
    return [
      { name: 'speaker tag', text: `${SPEECH}\nBut go, and tell the rest what I have said.\n\nJULIET:` },
      { name: 'mid-line colon', text: `${SPEECH}\nFor this I know, and this I say:` },
    ];
  }
  if (after === '\n') {
    return [
      { name: 'end of a verse line', text: `${SPEECH}\n` },
      { name: 'end of a speaker tag', text: 'ROMEO:\n' },
    ];
  }
  return [
    { name: 'start of a word', text: `${SPEECH}\nBut go, and tell the ${after}` },
    { name: 'start of a line', text: `${SPEECH}\n${after}` },
  ];
}

/** The user's context, with the 'after' character appended when it does not already end with it. */
export function withAfter(context: string, after: string): string {
  return context.endsWith(after) ? context : context + after;
}
