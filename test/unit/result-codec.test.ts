import { describe, expect, it } from 'vitest';
import { decodeResult, encodeResult } from '../../src/bard/result-codec.ts';
import type { ResultState } from '../../src/bard/state.ts';

const state: ResultState = {
  author: { id: '1578053638662787076', name: 'Ælfrida 🌹' },
  prompt: 'ROMEO: "quoted" \\ and \n new lines',
  text: 'wime an of sopee that more chay the bovus may go, go hath\nSeing.\n\nSICINIUS:\nOf come foght, I king at of you be you his on peares when us ans to alouse keee homam.\n',
  temp: 0.6667,
  length: 300,
};

describe('result codec', () => {
  it('round-trips a result, in fewer bytes than its JSON', () => {
    const bytes = encodeResult(state);
    expect(decodeResult(bytes)).toEqual(state);
    expect(bytes.length).toBeLessThan(new TextEncoder().encode(JSON.stringify(state)).length * 0.75);
  });

  it('keeps the model that wrote the result', () => {
    const withModel = { ...state, model: { name: 'bard-small', hash: '0123456789ab' } };
    expect(decodeResult(encodeResult(withModel))).toEqual(withModel);
  });

  it('reads the earlier JSON-object format', () => {
    expect(decodeResult(new TextEncoder().encode(JSON.stringify(state)))).toEqual(state);
  });

  it('gives null for a missing, damaged or invalid value (its buttons then say they expired)', () => {
    const bytes = encodeResult(state);
    expect(decodeResult(null)).toBeNull();
    expect(decodeResult(new Uint8Array())).toBeNull();
    expect(decodeResult(bytes.subarray(0, 20))).toBeNull();
    expect(decodeResult(new Uint8Array([9, 1, 2, 3]))).toBeNull();
    expect(decodeResult(new TextEncoder().encode('{"author":1}'))).toBeNull();
    expect(decodeResult(encodeResult({ ...state, temp: 99 }))).toBeNull();
  });
});
