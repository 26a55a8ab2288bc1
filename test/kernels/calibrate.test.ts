import { describe, expect, it } from 'vitest';
import { fastest } from '../../src/kernels/calibrate.ts';
import { Arena, type ArenaExports } from '../../src/kernels/wasm.ts';

/** A WASM arena whose generation step also waits `ms` per call: a kernel set known to be slower. */
function slowed(ms: number): Arena {
  const a = new Arena('fma');
  const e = a.exports;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const project: ArenaExports['project'] = (...args) => {
    Atomics.wait(pause, 0, 0, ms);
    e.project(...args);
  };
  // the instance's exports are frozen: the arena gets a copy with the slow project
  Object.assign(a, { exports: { ...e, project } });
  return a;
}

describe('choosing the kernel set by measuring', () => {
  it('picks the faster set, wherever it stands in the list, and reports each one time', () => {
    for (const order of [['fast', 'slow'], ['slow', 'fast']] as const) {
      const r = fastest(order.map((name) => ({ name, arena: () => (name === 'fast' ? new Arena('fma') : slowed(2)) })), 2);
      expect(r.name).toBe('fast');
      // 36 steps of the slow one wait 2 ms each
      expect(r.ms.slow).toBeGreaterThan(r.ms.fast);
      expect(r.ms.slow).toBeGreaterThanOrEqual(70);
    }
  });

  it('refuses an empty list', () => {
    expect(() => fastest([])).toThrow(/no kernel set/);
  });
});
