/**
 * What a job shows, before any platform formats it: the Discord renderer turns a Reply into
 * messages (markdown, buttons, ≤ 2000 characters each), the terminal renderer into plain text.
 */
import type { Actor, Label } from './state.ts';
import type { TempAction } from './temperature.ts';

export interface CompletionReply {
  kind: 'completion';
  /** Whose prompt it is. */
  author: Actor;
  prompt: string;
  continuation: string;
  temp: number;
  length: number;
  seed: number;
  model: string;
  /** Key of the stored state the buttons refer to. */
  ref: string;
  /** Characters of the prompt the model does not know (dropped before priming). */
  dropped: number;
  /** Set when a button made this result. */
  press?: {
    by: Actor;
    action: TempAction;
    clamped: 'min' | 'max' | null;
    /** For Continue: the end of the text it continues, shown for context. */
    previousTail?: string;
  };
}

export interface RoundReply {
  kind: 'round';
  id: string;
  author: Actor;
  prompt: string;
  model: string;
  length: number;
  entries: { label: Label; text: string }[];
  endsAt: number;
}

export interface RoundResultReply {
  kind: 'round-result';
  id: string;
  author: Actor;
  prompt: string;
  model: string;
  length: number;
  /** `model`: which model wrote the entry (a round across models reveals it with the temperature). */
  entries: { label: Label; text: string; temp: number; model: string; votes: number }[];
  voters: number;
  /** Labels with the most votes (several on a tie, none when nobody voted). */
  winners: Label[];
}

export interface NoticeReply {
  kind: 'notice';
  text: string;
}

export interface ExplanationReply {
  kind: 'explanation';
  requester: Actor;
  /** What was asked, e.g. "why ':' is followed by 'u'". */
  question: string;
  model: string;
  text: string;
  image?: { name: string; data: Uint8Array };
}

export type Reply = CompletionReply | RoundReply | RoundResultReply | NoticeReply | ExplanationReply;

/** Tallies votes ({userId: label}) for the labels in play; unknown labels are ignored. */
export function tally(votes: Record<string, string>, labels: Label[]): { counts: Record<string, number>; voters: number; winners: Label[] } {
  const counts: Record<string, number> = Object.fromEntries(labels.map((l) => [l, 0]));
  let voters = 0;
  for (const label of Object.values(votes)) {
    if (label in counts) {
      counts[label] += 1;
      voters += 1;
    }
  }
  const best = Math.max(0, ...Object.values(counts));
  const winners = best === 0 ? [] : labels.filter((l) => counts[l] === best);
  return { counts, voters, winners };
}
