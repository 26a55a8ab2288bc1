/**
 * A model thread: owns a copy of every model, each with its own Scheduler (streams of different models never
 * share a product), and runs the batching loop off the worker's event loop. While there is work it loops
 * without yielding, ticking every busy model's batch in turn and taking new requests between ticks with
 * receiveMessageOnPort (so streams join at the next tick); when idle it sleeps until a message arrives.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { Model } from '../rnn/model.ts';
import type { FromThread, ThreadData, ThreadStats, ToThread } from './protocol.ts';
import { Scheduler, type ServeCounters } from './scheduler.ts';
import { kernelsAvailable } from '../kernels/wasm.ts';
import { ExplainError } from '../explain/index.ts';
import { ExplainCache, explainQuery, type ExplainResult } from '../worker/explain.ts';

const port = parentPort!;
const data = workerData as ThreadData;
const models = new Map(data.models.map((m) => [m.name, new Model(m.params, m.chars, m.h0, m.meta)]));
const schedulers = new Map([...models].map(([name, model]) => [name, new Scheduler(model, { capacity: data.capacity, primeStepsPerTick: data.primeStepsPerTick })]));

const send = (m: FromThread) => port.postMessage(m);

function stats(): ThreadStats {
  const counters: ServeCounters = { ticks: 0, streamTicks: 0, chars: 0, primedChars: 0, completed: 0, failed: 0 };
  const out: ThreadStats = { counters, inFlight: 0, sampling: 0, queued: 0, capacity: 0, batches: schedulers.size };
  for (const s of schedulers.values()) {
    for (const k of Object.keys(counters) as (keyof ServeCounters)[]) counters[k] += s.counters[k];
    out.inFlight += s.inFlight;
    out.sampling += s.sampling;
    out.queued += s.queued;
    out.capacity += s.capacity;
  }
  return out;
}

// /why-colon and /why work on the same weights: computed here, synchronously (between two ticks, so even a
// thread that never goes idle answers), and kept for the next request with the same model and question.
const explained = new ExplainCache<ExplainResult>();

function handle(m: ToThread): void {
  if (m.type === 'generate') {
    const s = schedulers.get(m.model);
    if (s) s.submit(m.req);
    else send({ type: 'outcomes', outcomes: [{ id: m.req.id, ok: false, error: `this thread has no model "${m.model}"` }] });
  } else if (m.type === 'cancel') schedulers.get(m.model)?.cancel(m.id);
  else {
    const model = models.get(m.model);
    try {
      if (!model) throw new Error(`this thread has no model "${m.model}"`);
      const e = explained.get(m.model, m.query, () => explainQuery(model, m.query));
      send({ type: 'explained', id: m.id, ok: true, text: e.text, image: e.image });
    } catch (err) {
      // ExplainError: the model cannot be asked that (a usage answer, not a failure).
      send({ type: 'explained', id: m.id, ok: false, usage: err instanceof ExplainError, error: (err as Error).message });
    }
  }
}

let running = false;
let lastStats = 0;

function busy(): boolean {
  for (const s of schedulers.values()) if (s.busy) return true;
  return false;
}

function run(): void {
  running = true;
  try {
    for (;;) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) handle(m.message as ToThread);
      if (!busy()) break;
      for (const s of schedulers.values()) {
        if (!s.busy) continue;
        const outcomes = s.iterate();
        if (outcomes.length) send({ type: 'outcomes', outcomes });
      }
      const now = performance.now();
      if (now - lastStats >= data.statsIntervalMs) {
        lastStats = now;
        send({ type: 'stats', stats: stats() });
      }
    }
  } finally {
    running = false;
  }
  send({ type: 'stats', stats: stats() });
}

port.on('message', (m: ToThread) => {
  handle(m);
  if (!running) run();
});
send({ type: 'ready', capacity: data.capacity * schedulers.size, fast: kernelsAvailable() });
