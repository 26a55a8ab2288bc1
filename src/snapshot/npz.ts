import { unzipSync, zipSync } from 'fflate';
import { FormatError } from './errors.ts';
import { parseNpy, serialiseNpy, type NpyArray } from './npy.ts';

/**
 * An .npz is a zip of "<name>.npy" members (np.savez stores them uncompressed, np.savez_compressed
 * deflates them; both read here). We write stored members with a fixed timestamp, so the same
 * arrays always give the same bytes.
 */
export function readNpz(bytes: Uint8Array): Map<string, NpyArray> {
  if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) throw new FormatError('not a zip file (an .npz must start with "PK")');
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch (e) {
    throw new FormatError(`not a readable zip (truncated or corrupt): ${(e as Error).message}`);
  }
  checkCrcs(bytes, members);
  const arrays = new Map<string, NpyArray>();
  for (const [file, data] of Object.entries(members)) {
    if (!file.endsWith('.npy')) continue; // np.load ignores other members too
    const name = file.slice(0, -4);
    try {
      arrays.set(name, parseNpy(data));
    } catch (e) {
      if (e instanceof FormatError) throw new FormatError(`array '${name}': ${e.message}`);
      throw e;
    }
  }
  return arrays;
}

export function writeNpz(arrays: ReadonlyMap<string, NpyArray>): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  for (const [name, a] of arrays) files[`${name}.npy`] = serialiseNpy(a);
  return zipSync(files, { level: 0, mtime: new Date(1980, 0, 1) });
}

/**
 * fflate does not check the CRC-32 the zip stores for each member: compare them here, so a
 * corrupted weight is an error rather than a silently different model.
 */
function checkCrcs(zip: Uint8Array, members: Record<string, Uint8Array>): void {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  // End of central directory: signature 0x06054b50, at most 64 KiB of comment after it.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new FormatError('not a readable zip (no end of central directory)');
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  if (count === 0xffff || p === 0xffffffff) return; // zip64: fflate has read it; leave the CRCs be
  const utf8 = new TextDecoder();
  for (let k = 0; k < count; k++) {
    if (p + 46 > zip.length || view.getUint32(p, true) !== 0x02014b50) throw new FormatError('corrupt zip central directory');
    const crc = view.getUint32(p + 16, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    const name = utf8.decode(zip.subarray(p + 46, p + 46 + nameLen));
    const data = members[name];
    if (data && crc32(data) !== crc) throw new FormatError(`member '${name}' is corrupt (CRC-32 mismatch)`);
    p += 46 + nameLen + extraLen + commentLen;
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
