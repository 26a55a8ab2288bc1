/** Messages between the worker's event loop and its model thread (small: text in, text out). */
import type { Params } from '../rnn/params.ts';
import type { ExplainQuery } from '../worker/explain.ts';
import type { ServeCounters, ServeOutcome, ServeRequest } from './scheduler.ts';

/** One model as a thread rebuilds it (structured-cloned once, at start). */
export interface ThreadModel {
  name: string;
  params: Params;
  chars: string[];
  h0: Float64Array | null;
  meta: Record<string, unknown>;
}

/** What the thread needs to build its own copy of every model. */
export interface ThreadData {
  models: ThreadModel[];
  /** Streams in flight per model (each model has its own batch: streams of different models never share a product). */
  capacity: number;
  primeStepsPerTick?: number;
  /** How often a busy thread reports its counters. */
  statsIntervalMs: number;
}

export type ToThread =
  | { type: 'generate'; model: string; req: ServeRequest }
  | { type: 'cancel'; model: string; id: number }
  | { type: 'explain'; id: number; model: string; query: ExplainQuery };

/** A snapshot of the thread's scheduler: running totals and what is in flight now. */
export interface ThreadStats {
  counters: ServeCounters;
  inFlight: number;
  sampling: number;
  queued: number;
  capacity: number;
  /** Batches that share the capacity: one per model in each thread. */
  batches: number;
}

export type FromThread =
  | { type: 'ready'; capacity: number; fast: boolean }
  | { type: 'outcomes'; outcomes: readonly ServeOutcome[] }
  | { type: 'stats'; stats: ThreadStats }
  | { type: 'explained'; id: number; ok: true; text: string; image: { name: string; data: Uint8Array } }
  /** `usage`: the model cannot be asked (an ExplainError), as opposed to a failure. */
  | { type: 'explained'; id: number; ok: false; usage: boolean; error: string };
