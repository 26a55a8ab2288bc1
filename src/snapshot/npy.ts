import { FormatError } from './errors.ts';
import { formatHeader, parseHeader } from './npy-header.ts';
import { unpickleObjectArray } from './numpy-pickle.ts';
import { PickleError } from './pickle.ts';

/**
 * One numpy array in .npy format (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html):
 *   "\x93NUMPY" major minor  header-length (u16 for v1, u32 for v2/v3)  header (dict literal, '\n'-terminated)  data
 * Supported dtypes: '<f8', '<f4', '<i8', '|u1', '|S<n>', '<U<n>' and '|O' (pickled objects, read only),
 * C order only. Data is read through DataView, so it is little-endian on every host.
 */
interface Base {
  shape: number[];
}
export type NpyArray =
  | (Base & { kind: 'f8'; data: Float64Array })
  | (Base & { kind: 'f4'; data: Float32Array })
  | (Base & { kind: 'i8'; data: BigInt64Array })
  | (Base & { kind: 'u1'; data: Uint8Array })
  /** '|S<n>': byte strings, decoded as latin-1, trailing NULs stripped (as numpy does) */
  | (Base & { kind: 'bytes'; data: string[] })
  /** '<U<n>': UTF-32 strings, trailing NULs stripped */
  | (Base & { kind: 'unicode'; data: string[] })
  /** '|O': the unpickled items (see pickle.ts) */
  | (Base & { kind: 'object'; data: unknown[] });

export type NpyKind = NpyArray['kind'];

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** numpy's name for each kind, for error messages. */
export function describeDtype(a: NpyArray): string {
  switch (a.kind) {
    case 'f8': return "'<f8' (float64)";
    case 'f4': return "'<f4' (float32)";
    case 'i8': return "'<i8' (int64)";
    case 'u1': return "'|u1' (uint8)";
    case 'bytes': return "'|S' (bytes)";
    case 'unicode': return "'<U' (str)";
    case 'object': return "'|O' (pickled objects)";
  }
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new FormatError('not a .npy array (bad magic bytes)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new FormatError('truncated .npy header');
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new FormatError(`unsupported .npy format version ${major}.${bytes[7]}`);
  }
  if (headerStart + headerLen > bytes.length) throw new FormatError('truncated .npy header');
  // v1/v2 headers are latin-1, v3 headers UTF-8
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const { descr, fortranOrder, shape } = parseHeader(headerText.trim());
  if (fortranOrder) throw new FormatError('Fortran-order arrays are not supported (save with C order)');
  const data = bytes.subarray(headerStart + headerLen);
  const dataView = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = sizeOf(shape);

  const expectBytes = (itemsize: number): void => {
    if (data.length < n * itemsize) throw new FormatError(`truncated data: shape ${formatShape(shape)} needs ${n * itemsize} bytes, found ${data.length}`);
    if (data.length > n * itemsize) throw new FormatError(`data is ${data.length} bytes, expected ${n * itemsize} for shape ${formatShape(shape)}`);
  };

  const str = /^([<>|=])([SU])(\d+)$/.exec(descr);
  if (str) {
    const [, order, type, width] = str;
    const len = Number(width);
    if (type === 'S') {
      expectBytes(len);
      const latin1 = new TextDecoder('latin1');
      const strings = Array.from({ length: n }, (_, i) => latin1.decode(data.subarray(i * len, (i + 1) * len)).replace(/\0+$/, ''));
      return { kind: 'bytes', shape, data: strings };
    }
    if (order === '>') throw new FormatError(`unsupported dtype '${descr}' (big-endian)`);
    expectBytes(4 * len);
    const strings: string[] = [];
    for (let i = 0; i < n; i++) {
      let s = '';
      for (let k = 0; k < len; k++) {
        const cp = dataView.getUint32((i * len + k) * 4, true);
        if (cp > 0x10ffff) throw new FormatError(`invalid code point ${cp} in '${descr}' data`);
        s += String.fromCodePoint(cp);
      }
      strings.push(s.replace(/\0+$/, ''));
    }
    return { kind: 'unicode', shape, data: strings };
  }

  switch (descr) {
    case '<f8': {
      expectBytes(8);
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = dataView.getFloat64(i * 8, true);
      return { kind: 'f8', shape, data: out };
    }
    case '<f4': {
      expectBytes(4);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = dataView.getFloat32(i * 4, true);
      return { kind: 'f4', shape, data: out };
    }
    case '<i8': {
      expectBytes(8);
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = dataView.getBigInt64(i * 8, true);
      return { kind: 'i8', shape, data: out };
    }
    case '|u1':
      expectBytes(1);
      return { kind: 'u1', shape, data: data.slice() };
    case '|O': {
      try {
        const { items } = unpickleObjectArray(data);
        if (items.length !== n) throw new FormatError(`object array holds ${items.length} items, expected ${n} for shape ${formatShape(shape)}`);
        return { kind: 'object', shape, data: items };
      } catch (e) {
        if (e instanceof PickleError) throw new FormatError(e.message);
        throw e;
      }
    }
    default:
      throw new FormatError(`unsupported dtype '${descr}'`);
  }
}

/** Serialises an array as .npy, version 1.0 (2.0 if the header needs it), header padded to 64 bytes as numpy does. */
export function serialiseNpy(a: NpyArray): Uint8Array {
  const n = sizeOf(a.shape);
  if (a.data.length !== n) throw new FormatError(`array has ${a.data.length} items but shape ${formatShape(a.shape)} needs ${n}`);
  let descr: string;
  let data: Uint8Array;
  switch (a.kind) {
    case 'f8': {
      descr = '<f8';
      data = new Uint8Array(n * 8);
      const v = new DataView(data.buffer);
      for (let i = 0; i < n; i++) v.setFloat64(i * 8, a.data[i], true);
      break;
    }
    case 'f4': {
      descr = '<f4';
      data = new Uint8Array(n * 4);
      const v = new DataView(data.buffer);
      for (let i = 0; i < n; i++) v.setFloat32(i * 4, a.data[i], true);
      break;
    }
    case 'i8': {
      descr = '<i8';
      data = new Uint8Array(n * 8);
      const v = new DataView(data.buffer);
      for (let i = 0; i < n; i++) v.setBigInt64(i * 8, a.data[i], true);
      break;
    }
    case 'u1':
      descr = '|u1';
      data = a.data.slice();
      break;
    case 'unicode': {
      const cps = a.data.map((s) => Array.from(s, (c) => c.codePointAt(0)!));
      // numpy strips trailing NULs on read, so a string ending in NUL would not round-trip
      if (a.data.some((s) => s.endsWith('\0'))) throw new FormatError("a '<U' string cannot end with NUL");
      const width = Math.max(1, ...cps.map((c) => c.length));
      descr = `<U${width}`;
      data = new Uint8Array(n * width * 4);
      const v = new DataView(data.buffer);
      cps.forEach((c, i) => c.forEach((cp, k) => v.setUint32((i * width + k) * 4, cp, true)));
      break;
    }
    case 'bytes': {
      if (a.data.some((s) => /[^\x01-\xff]/.test(s))) throw new FormatError("'|S' strings must be latin-1 without NUL");
      const width = Math.max(1, ...a.data.map((s) => s.length));
      descr = `|S${width}`;
      data = new Uint8Array(n * width);
      a.data.forEach((s, i) => {
        for (let k = 0; k < s.length; k++) data[i * width + k] = s.charCodeAt(k);
      });
      break;
    }
    case 'object':
      throw new FormatError('writing pickled object arrays is not supported');
  }
  let header = formatHeader({ descr, fortranOrder: false, shape: a.shape });
  const prefix = header.length + 1 + 10 > 0xffff ? 12 : 10;
  header = header.padEnd(Math.ceil((prefix + header.length + 1) / 64) * 64 - prefix - 1, ' ') + '\n';
  const out = new Uint8Array(prefix + header.length + data.length);
  out.set(MAGIC, 0);
  out[6] = prefix === 10 ? 1 : 2;
  out[7] = 0;
  const v = new DataView(out.buffer);
  if (prefix === 10) v.setUint16(8, header.length, true);
  else v.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(data, prefix + header.length);
  return out;
}
