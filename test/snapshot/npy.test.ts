import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/snapshot/errors.ts';
import { parseHeader } from '../../src/snapshot/npy-header.ts';
import { parseNpy, serialiseNpy, type NpyArray } from '../../src/snapshot/npy.ts';

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A .npy file built by hand: magic, version, header length (u16 for v1, u32 after), header, data. */
function npyBytes(header: string, data: Uint8Array, major = 1): Uint8Array {
  const prefix = major === 1 ? 10 : 12;
  const head = major === 3 ? new TextEncoder().encode(header + '\n') : latin1(header + '\n');
  const out = new Uint8Array(prefix + head.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const v = new DataView(out.buffer);
  if (major === 1) v.setUint16(8, head.length, true);
  else v.setUint32(8, head.length, true);
  out.set(head, prefix);
  out.set(data, prefix + head.length);
  return out;
}

function f8bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const v = new DataView(out.buffer);
  values.forEach((x, i) => v.setFloat64(i * 8, x, true));
  return out;
}

describe('npy header literal', () => {
  it('reads the dict numpy writes, including Python 2 longs and double quotes', () => {
    expect(parseHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (250, 62), }")).toEqual({ descr: '<f8', fortranOrder: false, shape: [250, 62] });
    expect(parseHeader('{"descr": "|S1", "shape": (62L,), "fortran_order": False}')).toEqual({ descr: '|S1', fortranOrder: false, shape: [62] });
    expect(parseHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (), }").shape).toEqual([]);
  });

  it('rejects structured dtypes and malformed literals', () => {
    expect(() => parseHeader("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (2,), }")).toThrow(/structured dtypes/);
    expect(() => parseHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (2,}")).toThrow(FormatError);
    expect(() => parseHeader("{'descr': '<f8', 'fortran_order': False}")).toThrow(/shape/);
  });
});

describe('npy arrays', () => {
  const cases: NpyArray[] = [
    { kind: 'f8', shape: [2, 3], data: Float64Array.from([0, -0, 5e-324, 1.7976931348623157e308, -1 / 3, Math.PI]) },
    { kind: 'f8', shape: [], data: Float64Array.from([2.5]) },
    { kind: 'f4', shape: [3, 1], data: Float32Array.from([1.5, -2.25, 3.1]) },
    { kind: 'i8', shape: [3], data: BigInt64Array.from([0n, -(2n ** 62n), 268330n]) },
    { kind: 'u1', shape: [4], data: Uint8Array.from([0, 1, 127, 255]) },
    { kind: 'unicode', shape: [5], data: ['\n', ' ', 'é', '𝄞', 'z'] },
    { kind: 'unicode', shape: [], data: ['{"a": "héllo"}'] },
    { kind: 'bytes', shape: [3], data: ['\n', 'ab', 'c'] },
  ];

  it.each(cases.map((a) => [`${a.kind} ${JSON.stringify(a.shape)}`, a] as const))('round-trips %s exactly', (_, a) => {
    const bytes = serialiseNpy(a);
    // numpy pads magic + length + header to a multiple of 64 bytes and ends the header with '\n'
    const headerLen = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + headerLen) % 64).toBe(0);
    expect(bytes[10 + headerLen - 1]).toBe(0x0a);
    const back = parseNpy(bytes);
    expect(back.kind).toBe(a.kind);
    expect(back.shape).toEqual(a.shape);
    if (a.kind === 'f8' && back.kind === 'f8') {
      // bit for bit, signed zero included
      expect(new Uint8Array(back.data.buffer)).toEqual(new Uint8Array(a.data.buffer));
    } else {
      expect(back.data).toEqual(a.data);
    }
  });

  it('writes the descr numpy would use for strings', () => {
    const header = (a: NpyArray) => new TextDecoder('latin1').decode(serialiseNpy(a).subarray(10, 80));
    expect(header({ kind: 'unicode', shape: [2], data: ['a', '\n'] })).toContain("'descr': '<U1'");
    expect(header({ kind: 'unicode', shape: [], data: ['hello'] })).toContain("'descr': '<U5', 'fortran_order': False, 'shape': ()");
    expect(header({ kind: 'f8', shape: [7], data: new Float64Array(7) })).toContain("'shape': (7,)");
  });

  it('reads version 2 and 3 headers (u32 length; v3 header in UTF-8)', () => {
    const data = f8bytes([1, 2, 3, 4]);
    for (const major of [2, 3]) {
      const a = parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", data, major));
      expect(a.kind).toBe('f8');
      expect(a.shape).toEqual([2, 2]);
      expect(Array.from(a.data as Float64Array)).toEqual([1, 2, 3, 4]);
    }
  });

  it('reads the |S1 vocabulary layout of min-char-rnn files', () => {
    const a = parseNpy(npyBytes("{'descr': '|S1', 'fortran_order': False, 'shape': (3,), }", latin1('\n! ')));
    expect(a).toEqual({ kind: 'bytes', shape: [3], data: ['\n', '!', ' '] });
  });

  it('rejects Fortran order, unknown or big-endian dtypes, bad magic and short data with clear errors', () => {
    const data = f8bytes([1, 2, 3, 4, 5, 6]);
    expect(() => parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", data))).toThrow(/Fortran-order/);
    expect(() => parseNpy(npyBytes("{'descr': '<c16', 'fortran_order': False, 'shape': (3,), }", data))).toThrow(/unsupported dtype '<c16'/);
    expect(() => parseNpy(npyBytes("{'descr': '>f8', 'fortran_order': False, 'shape': (6,), }", data))).toThrow(/unsupported dtype '>f8'/);
    expect(() => parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (7,), }", data))).toThrow(/truncated data: shape \(7,\) needs 56 bytes, found 48/);
    expect(() => parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", data))).toThrow(/data is 48 bytes, expected 40/);
    expect(() => parseNpy(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }", data, 4))).toThrow(/unsupported \.npy format version 4/);
    expect(() => parseNpy(latin1('PK\x03\x04 not an array at all'))).toThrow(/bad magic/);
    const good = serialiseNpy({ kind: 'f8', shape: [6], data: new Float64Array(6) });
    expect(() => parseNpy(good.subarray(0, 40))).toThrow(/truncated \.npy header/);
  });

  it('refuses to write what it cannot write faithfully', () => {
    expect(() => serialiseNpy({ kind: 'f8', shape: [2, 2], data: new Float64Array(3) })).toThrow(/shape \(2, 2\) needs 4/);
    expect(() => serialiseNpy({ kind: 'object', shape: [], data: [{}] })).toThrow(/pickled/);
    expect(() => serialiseNpy({ kind: 'unicode', shape: [1], data: ['a\0'] })).toThrow(/NUL/);
  });
});
