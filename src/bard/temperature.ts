import { LIMITS } from './limits.ts';

/** The buttons under a /bard result, in the order they are shown: the one list of actions. */
export const PRESS_ACTIONS = ['again', 'cooler', 'hotter', 'continue'] as const;
export type TempAction = (typeof PRESS_ACTIONS)[number];

/** Cooler divides, Hotter multiplies by this factor. */
export const TEMP_STEP = 1.5;

export interface TempChange {
  temp: number;
  /** Set when the wanted temperature fell outside the bounds and was clamped to one. */
  clamped: 'min' | 'max' | null;
}

/** Four decimals are plenty for display and keep repeated ÷1.5 / ×1.5 from drifting into long floats. */
export function roundTemp(t: number): number {
  return Math.round(t * 10_000) / 10_000;
}

export function clampTemp(t: number): TempChange {
  if (t < LIMITS.tempMin) return { temp: LIMITS.tempMin, clamped: 'min' };
  if (t > LIMITS.tempMax) return { temp: LIMITS.tempMax, clamped: 'max' };
  return { temp: roundTemp(t), clamped: null };
}

/** The temperature a button press asks for: Cooler ÷ 1.5, Hotter × 1.5, Again and Continue keep it. */
export function nextTemp(current: number, action: TempAction): TempChange {
  if (action === 'cooler') return clampTemp(current / TEMP_STEP);
  if (action === 'hotter') return clampTemp(current * TEMP_STEP);
  return clampTemp(current);
}

/** "0.8", "0.5333", "5": short, without trailing zeros. */
export function formatTemp(t: number): string {
  return String(roundTemp(t));
}
