/** Messages between the worker's event loop and its model thread (small: text in, text out). */
import type { Params } from '../rnn/params.ts';
import type { ServeCounters, ServeOutcome, ServeRequest } from './scheduler.ts';

/** What the thread needs to build its own copy of the model (structured-cloned once, at start). */
export interface ThreadData {
  params: Params;
  chars: string[];
  h0: Float64Array | null;
  meta: Record<string, unknown>;
  capacity: number;
  primeStepsPerTick?: number;
  /** How often a busy thread reports its counters. */
  statsIntervalMs: number;
}

export type ToThread = { type: 'generate'; req: ServeRequest } | { type: 'cancel'; id: number } | { type: 'explain-colon'; id: number };

/** A snapshot of the thread's scheduler: running totals and what is in flight now. */
export interface ThreadStats {
  counters: ServeCounters;
  inFlight: number;
  sampling: number;
  queued: number;
  capacity: number;
}

export type FromThread =
  | { type: 'ready'; capacity: number; fast: boolean }
  | { type: 'outcomes'; outcomes: ServeOutcome[] }
  | { type: 'stats'; stats: ThreadStats }
  | { type: 'explained'; id: number; ok: true; text: string; image: { name: string; data: Uint8Array } }
  /** `usage`: the model cannot be asked (an ExplainError), as opposed to a failure. */
  | { type: 'explained'; id: number; ok: false; usage: boolean; error: string };
