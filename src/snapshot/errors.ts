/** A problem with the bytes of a file (bad header, unsupported dtype, wrong shape, …), without the file's name. */
export class FormatError extends Error {
  override name = 'FormatError';
}

/** A snapshot that cannot be read or written. The message is "<file>: <problem>". */
export class SnapshotError extends Error {
  override name = 'SnapshotError';

  constructor(
    readonly path: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${problem}`, options);
  }
}
