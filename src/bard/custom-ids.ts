/**
 * Button custom_ids (Discord allows 100 characters): a kind, an action and a key into the store,
 * never the state itself. "bard:hotter:<ref>", "round:vote:<roundId>:<label>".
 */
import { ID_PATTERN, LABELS, type Label } from './state.ts';
import { PRESS_ACTIONS, type TempAction } from './temperature.ts';

export type ButtonId = { kind: 'press'; action: TempAction; ref: string } | { kind: 'vote'; roundId: string; label: Label };

export function pressId(action: TempAction, ref: string): string {
  return `bard:${action}:${ref}`;
}

export function voteId(roundId: string, label: Label): string {
  return `round:vote:${roundId}:${label}`;
}

export function parseButtonId(id: string): ButtonId | null {
  if (id.length > 100) return null;
  const parts = id.split(':');
  if (parts[0] === 'bard' && parts.length === 3) {
    const action = parts[1] as TempAction;
    if (PRESS_ACTIONS.includes(action) && ID_PATTERN.test(parts[2])) return { kind: 'press', action, ref: parts[2] };
  }
  if (parts[0] === 'round' && parts[1] === 'vote' && parts.length === 4) {
    const label = parts[3] as Label;
    if (ID_PATTERN.test(parts[2]) && LABELS.includes(label)) return { kind: 'vote', roundId: parts[2], label };
  }
  return null;
}
