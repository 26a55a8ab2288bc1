import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { crc32, readNpz, writeNpz } from '../../src/snapshot/npz.ts';
import { serialiseNpy, type NpyArray } from '../../src/snapshot/npy.ts';

const arrays = new Map<string, NpyArray>([
  ['W', { kind: 'f8', shape: [2, 2], data: Float64Array.from([1, -2, 3.25, 1e-300]) }],
  ['chars', { kind: 'unicode', shape: [2], data: ['a', '\n'] }],
]);

describe('npz', () => {
  it('round-trips named arrays and writes the same bytes every time', () => {
    const bytes = writeNpz(arrays);
    expect(String.fromCharCode(bytes[0], bytes[1])).toBe('PK');
    expect(readNpz(bytes)).toEqual(arrays);
    expect(writeNpz(arrays)).toEqual(bytes);
  });

  it('reads deflated members (np.savez_compressed) and ignores members that are not .npy', () => {
    const zip = zipSync({ 'W.npy': serialiseNpy(arrays.get('W')!), 'README.txt': new TextEncoder().encode('hi') }, { level: 6 });
    const back = readNpz(zip);
    expect([...back.keys()]).toEqual(['W']);
    expect(back.get('W')).toEqual(arrays.get('W'));
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('names the problem: not a zip, truncated, corrupt member, bad member', () => {
    const bytes = writeNpz(arrays);
    expect(() => readNpz(new TextEncoder().encode('{"not": "a zip"}'))).toThrow(/not a zip file/);
    expect(() => readNpz(bytes.subarray(0, bytes.length - 30))).toThrow(/truncated or corrupt/);
    const flipped = bytes.slice();
    flipped[30 + 'W.npy'.length + 128 + 8] ^= 0x01; // local header, name, npy header, then W's second float
    expect(() => readNpz(flipped)).toThrow(/member 'W.npy' is corrupt \(CRC-32 mismatch\)/);
    const badMember = zipSync({ 'W.npy': new TextEncoder().encode('not npy') });
    expect(() => readNpz(badMember)).toThrow(/array 'W': not a \.npy array/);
  });
});
