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

const port = parentPort!;
const data = workerData as ThreadData;
const model = new Model(data.params, data.chars, data.h0, data.meta);
const scheduler = new Scheduler(model, { capacity: data.capacity, primeStepsPerTick: data.primeStepsPerTick });

const send = (m: FromThread) => port.postMessage(m);

function stats(): ThreadStats {
  const s = scheduler;
  return { counters: { ...s.counters }, inFlight: s.inFlight, sampling: s.sampling, queued: s.queued, capacity: s.capacity };
}

function handle(m: ToThread): void {
  if (m.type === 'generate') scheduler.submit(m.req);
  else scheduler.cancel(m.id);
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
