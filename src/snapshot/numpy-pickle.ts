import { PickleError, unpickle, type FindClass, type PyCallable, type PyStateful } from './pickle.ts';

/**
 * The numpy globals an object array's pickle needs, and nothing else:
 *   numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')  then BUILD with
 *   (version, shape, dtype, is_fortran, [items…])       (np.save writes an object array this way)
 */
export class PyNdarray implements PyStateful {
  shape: number[] = [];
  dtype: PyDtype | null = null;
  items: unknown[] = [];

  setState(state: unknown): void {
    if (!Array.isArray(state) || state.length !== 5) throw new PickleError('pickle: unexpected ndarray state');
    const [, shape, dtype, , data] = state;
    if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n))) throw new PickleError('pickle: bad ndarray shape');
    if (!(dtype instanceof PyDtype)) throw new PickleError('pickle: bad ndarray dtype');
    if (dtype.descr !== 'O8' && dtype.descr !== 'O') throw new PickleError(`pickle: only object arrays are supported inside pickles, not dtype ${dtype.descr}`);
    if (!Array.isArray(data)) throw new PickleError('pickle: object array data is not a list');
    this.shape = shape as number[];
    this.dtype = dtype;
    this.items = data;
  }
}

export class PyDtype implements PyStateful {
  constructor(readonly descr: string) {}

  setState(): void {
    // byte order, field names, itemsize…: irrelevant for object dtypes
  }
}

const reconstruct: PyCallable = {
  call: ([cls]) => {
    if (cls !== ndarrayClass) throw new PickleError('pickle: _reconstruct of something other than numpy.ndarray');
    return new PyNdarray();
  },
};

const ndarrayClass: PyCallable = {
  call: () => {
    throw new PickleError('pickle: direct numpy.ndarray() call is not supported');
  },
};

const dtypeClass: PyCallable = {
  call: ([descr]) => {
    if (typeof descr !== 'string') throw new PickleError('pickle: numpy.dtype() without a string');
    return new PyDtype(descr);
  },
};

export const numpyGlobals: FindClass = (module, name) => {
  if ((module === 'numpy.core.multiarray' || module === 'numpy._core.multiarray') && name === '_reconstruct') return reconstruct;
  if (module === 'numpy' && name === 'ndarray') return ndarrayClass;
  if (module === 'numpy' && name === 'dtype') return dtypeClass;
  return undefined;
};

/** The items (C order) of the object array pickled in `bytes`, as np.save writes it. */
export function unpickleObjectArray(bytes: Uint8Array): { shape: number[]; items: unknown[] } {
  const arr = unpickle(bytes, numpyGlobals);
  if (!(arr instanceof PyNdarray)) throw new PickleError('pickle: does not hold a numpy array');
  return { shape: arr.shape, items: arr.items };
}
