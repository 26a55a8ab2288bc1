/**
 * A model thread: owns one copy of the model and a Scheduler, and runs the batching loop off the
 * worker's event loop. While there is work it loops without yielding, taking new requests between
 * ticks with receiveMessageOnPort (so streams join at the next tick); when idle it sleeps until a
 * message arrives.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { Model } from '../rnn/model.ts';
import type { FromThread, ThreadData, ThreadStats, ToThread } from './protocol.ts';
import { Scheduler } from './scheduler.ts';
import { kernelsAvailable } from '../kernels/wasm.ts';
import { ExplainError } from '../explain/index.ts';
import { explainColon, type ColonExplanation } from '../worker/explain.ts';

const port = parentPort!;
const data = workerData as ThreadData;
const model = new Model(data.params, data.chars, data.h0, data.meta);
const scheduler = new Scheduler(model, { capacity: data.capacity, primeStepsPerTick: data.primeStepsPerTick });

const send = (m: FromThread) => port.postMessage(m);

function stats(): ThreadStats {
  const s = scheduler;
  return { counters: { ...s.counters }, inFlight: s.inFlight, sampling: s.sampling, queued: s.queued, capacity: s.capacity };
}

// /why-colon works on the same weights: computed here, synchronously (between two ticks, so even a thread
// that never goes idle answers it), once; later requests get the cached answer.
let explained: { ok: true; e: ColonExplanation } | { ok: false; usage: boolean; error: string } | null = null;

function handle(m: ToThread): void {
  if (m.type === 'generate') scheduler.submit(m.req);
  else if (m.type === 'cancel') scheduler.cancel(m.id);
  else {
    if (!explained) {
      try {
        explained = { ok: true, e: explainColon(model) };
      } catch (err) {
        // A model that cannot be asked stays so; any other failure is tried again next time.
        const usage = err instanceof ExplainError;
        const failed = { ok: false as const, usage, error: (err as Error).message };
        if (usage) explained = failed;
        return send({ type: 'explained', id: m.id, ...failed });
      }
    }
    if (explained.ok) send({ type: 'explained', id: m.id, ok: true, text: explained.e.text, image: explained.e.image });
    else send({ type: 'explained', id: m.id, ...explained });
  }
}

let running = false;
let lastStats = 0;

function run(): void {
  running = true;
  try {
    for (;;) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) handle(m.message as ToThread);
      if (!scheduler.busy) break;
      const outcomes = scheduler.iterate();
      if (outcomes.length) send({ type: 'outcomes', outcomes });
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
send({ type: 'ready', capacity: scheduler.capacity, fast: kernelsAvailable() });
