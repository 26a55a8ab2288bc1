import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { numpyGlobals, unpickleObjectArray } from '../../src/snapshot/numpy-pickle.ts';
import { PickleError, unpickle } from '../../src/snapshot/pickle.ts';
import { CSC321_SNAPSHOT, CSC321_VOCAB } from './fixtures.ts';

/** Bytes from opcodes: numbers are single bytes, strings their latin-1 bytes. */
function pk(...parts: (number | string | number[])[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else if (typeof p === 'string') for (const c of p) out.push(c.charCodeAt(0));
    else out.push(...p);
  }
  return Uint8Array.from(out);
}
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
const noGlobals = () => undefined;

describe('pickle subset', () => {
  it('reads a protocol 2 dict int → str as Python 2 numpy wrote it (BININT1, SHORT_BINSTRING, SETITEMS)', () => {
    const bytes = pk(0x80, 2, '}', 'q', 0, '(', 'K', 0, 'U', 1, '\n', 'K', 1, 'U', 1, '!', 'K', 2, 'U', 1, ' ', 'u', '.');
    expect(unpickle(bytes, noGlobals)).toEqual(new Map<number, string>([[0, '\n'], [1, '!'], [2, ' ']]));
  });

  it('reads protocol 3 strings, bytes, ints of every width, floats, bools, None, tuples, lists and memo references', () => {
    const bytes = pk(
      0x80, 3, ']', 'q', 0, '(',
      'X', u32(2), [0xc3, 0xa9], // 'é' in UTF-8
      'M', 0x34, 0x12, // BININT2 0x1234
      'J', u32(-5 >>> 0), // BININT -5
      0x8a, 2, 0x00, 0x80, // LONG1 -32768
      'G', [0x3f, 0xf8, 0, 0, 0, 0, 0, 0], // BINFLOAT 1.5, big-endian
      0x88, 0x89, 'N',
      'C', 2, 'a', 'b', // SHORT_BINBYTES
      ')', 'K', 7, 0x85, // (), (7,)
      'K', 1, 'K', 2, 0x86, 'q', 1, 'h', 1, // (1, 2) twice, the second time from the memo
      'e', '.',
    );
    const value = unpickle(bytes, noGlobals) as unknown[];
    expect(value).toEqual(['é', 0x1234, -5, -32768, 1.5, true, false, null, Uint8Array.from([97, 98]), [], [7], [1, 2], [1, 2]]);
    expect(value[12]).toBe(value[11]);
    expect(() => unpickle(pk(0x80, 2, 'N', 'N', '.'), noGlobals)).toThrow(/stack holds 2 items at STOP/);
  });

  it('reads protocol 4 framing, short unicode, MEMOIZE and STACK_GLOBAL', () => {
    const bytes = pk(
      0x80, 4, 0x95, [40, 0, 0, 0, 0, 0, 0, 0],
      0x8c, 5, 'numpy', 0x94, 0x8c, 5, 'dtype', 0x94, 0x93, 0x94, // numpy.dtype
      0x8c, 2, 'O8', 0x94, 0x89, 0x88, 0x87, 'R', 0x94, // dtype('O8', False, True)
      '.',
    );
    const dtype = unpickle(bytes, numpyGlobals) as { descr: string };
    expect(dtype.descr).toBe('O8');
  });

  it('reads the real CSC321 ix_to_char and char_to_ix object arrays', () => {
    const members = unzipSync(readFileSync(CSC321_SNAPSHOT));
    const body = (name: string) => {
      const npy = members[`${name}.npy`];
      const headerLen = npy[8] | (npy[9] << 8);
      return npy.subarray(10 + headerLen);
    };
    const ixToChar = unpickleObjectArray(body('ix_to_char'));
    expect(ixToChar.shape).toEqual([]);
    const dict = ixToChar.items[0] as Map<number, string>;
    expect([...dict.keys()]).toEqual([...Array(62).keys()]);
    expect([...dict.values()].join('')).toBe(CSC321_VOCAB);
    const charToIx = unpickleObjectArray(body('char_to_ix')).items[0] as Map<string, number>;
    for (const [i, c] of dict) expect(charToIx.get(c)).toBe(i);
  });

  it('refuses globals outside the allow-list, unknown opcodes, other protocols and truncated data', () => {
    expect(() => unpickle(pk(0x80, 2, 'c', 'os\nsystem\n', '.'), numpyGlobals)).toThrow(/refers to os\.system, which is not allowed/);
    expect(() => unpickle(pk(0x80, 2, 'c', 'os\nsystem\n', '.'), numpyGlobals)).toThrow(PickleError);
    expect(() => unpickle(pk(0x80, 2, 'I', '1\n', '.'), noGlobals)).toThrow(/unsupported opcode 0x49 \("I"\) \(opcode at byte 2\)/);
    expect(() => unpickle(pk(0x80, 6, 'N', '.'), noGlobals)).toThrow(/protocol 6 is not supported/);
    expect(() => unpickle(pk(0x80, 2, 'U', 5, 'ab'), noGlobals)).toThrow(/truncated/);
    expect(() => unpickle(pk(0x80, 2, 'h', 3, '.'), noGlobals)).toThrow(/memo entry 3 is missing/);
    expect(() => unpickle(pk(0x80, 2, 'K', 1, 'K', 2, 'u', '.'), noGlobals)).toThrow(/no mark/);
    // a numpy array of a non-object dtype inside a pickle is not something a vocabulary needs
    const floatArray = pk(
      0x80, 2, 'c', 'numpy.core.multiarray\n_reconstruct\n', 'c', 'numpy\nndarray\n', 'K', 0, 0x85, 'U', 1, 'b', 0x87, 'R',
      '(', 'K', 1, 'K', 1, 0x85, 'c', 'numpy\ndtype\n', 'U', 2, 'f8', 'K', 0, 'K', 1, 0x87, 'R', 0x89, 'U', 8, '\0\0\0\0\0\0\0\0', 't', 'b', '.',
    );
    expect(() => unpickleObjectArray(floatArray)).toThrow(/only object arrays/);
  });
});
