import { Model, type ModelMeta } from '../rnn/model.ts';
import { PARAM_NAMES, paramShapes, type ParamName, type Params } from '../rnn/params.ts';
import { FormatError } from './errors.ts';
import { describeDtype, formatShape, sizeOf, type NpyArray } from './npy.ts';

/**
 * Model <-> named numpy arrays, in min-char-rnn's layout so numpy code can use our snapshots as is:
 *   Wxh (H, V), Whh (H, H), Why (V, H), bh (H, 1), by (V, 1)     float64
 *   chars  (V,) '<U1'      the vocabulary in index order (no pickle, unlike min-char-rnn's dicts)
 *   h0     (H, 1) float64  the warm start state, when the model has one
 *   meta   () '<U…'        JSON: {format, version, hidden_size, vocab_size, model, optimizer?, step?, extra?}
 *   <name> float64         optimizer state, one array per entry (e.g. mWxh … for Adagrad), listed in meta
 *
 * Reading also accepts min-char-rnn / CSC321 files: vocabulary from the pickled `ix_to_char` dict
 * (or `chars` as '|S1'), Adagrad memory from mWxh … mby, and no meta.
 */
export interface OptimizerState {
  kind: string;
  state: Record<string, Float64Array>;
}

export interface Checkpoint {
  model: Model;
  optimizer?: OptimizerState;
  step?: number;
  extra?: Record<string, unknown>;
}

export interface SaveOptions {
  optimizer?: OptimizerState;
  step?: number;
  extra?: Record<string, unknown>;
}

export const FORMAT = 'bard-char-rnn';
export const FORMAT_VERSION = 1;

const RESERVED = new Set<string>([...PARAM_NAMES, 'chars', 'h0', 'meta', 'char_to_ix', 'ix_to_char', 'vocab_size', 'data_size']);
const ADAGRAD_KEYS = PARAM_NAMES.map((n) => `m${n}`);

interface Meta {
  format: string;
  version: number;
  hidden_size: number;
  vocab_size: number;
  model: ModelMeta;
  optimizer?: { kind: string; arrays: string[] };
  step?: number;
  extra?: Record<string, unknown>;
}

// ---------------------------------------------------------------- writing

export function checkpointToArrays(model: Model, opts: SaveOptions = {}): Map<string, NpyArray> {
  const p = model.params;
  const shapes = paramShapes(p.H, p.V);
  for (const name of PARAM_NAMES) checkFinite(name, p[name], shapes[name]);
  const arrays = new Map<string, NpyArray>();
  for (const name of PARAM_NAMES) arrays.set(name, { kind: 'f8', shape: shapes[name], data: p[name].slice() });
  arrays.set('chars', { kind: 'unicode', shape: [p.V], data: [...model.chars] });
  if (model.h0) {
    checkFinite('h0', model.h0, [p.H, 1]);
    arrays.set('h0', { kind: 'f8', shape: [p.H, 1], data: model.h0.slice() });
  }
  const meta: Meta = { format: FORMAT, version: FORMAT_VERSION, hidden_size: p.H, vocab_size: p.V, model: model.meta };
  if (opts.optimizer) {
    const names = Object.keys(opts.optimizer.state);
    for (const name of names) {
      if (RESERVED.has(name)) throw new FormatError(`optimizer array name '${name}' is reserved`);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new FormatError(`optimizer array name '${name}' is not a plain identifier`);
      const data = opts.optimizer.state[name];
      const shape = optimizerShape(name, data.length, shapes);
      checkFinite(name, data, shape);
      arrays.set(name, { kind: 'f8', shape, data: data.slice() });
    }
    meta.optimizer = { kind: opts.optimizer.kind, arrays: names };
  }
  if (opts.step !== undefined) {
    if (!Number.isSafeInteger(opts.step) || opts.step < 0) throw new FormatError(`step must be a whole number ≥ 0, got ${opts.step}`);
    meta.step = opts.step;
  }
  if (opts.extra) meta.extra = opts.extra;
  arrays.set('meta', { kind: 'unicode', shape: [], data: [JSON.stringify(meta)] });
  return arrays;
}

/** An optimizer array named after a parameter (mWxh, v_Whh, …) with its size takes that parameter's shape; others are 1-D. */
function optimizerShape(name: string, length: number, shapes: Record<ParamName, [number, number]>): number[] {
  for (const p of PARAM_NAMES) {
    if (name.endsWith(p) && sizeOf(shapes[p]) === length) return shapes[p];
  }
  return [length];
}

// ---------------------------------------------------------------- reading

export function checkpointFromArrays(arrays: ReadonlyMap<string, NpyArray>): Checkpoint {
  const meta = readMeta(arrays);
  const chars = readVocab(arrays);
  const V = chars.length;

  const get = (name: string): NpyArray => {
    const a = arrays.get(name);
    if (!a) throw new FormatError(`missing array '${name}' (the file has: ${[...arrays.keys()].join(', ') || 'nothing'})`);
    return a;
  };
  const Whh = get('Whh');
  const Wxh = get('Wxh');
  const Why = get('Why');
  get('bh');
  get('by');
  for (const name of PARAM_NAMES) floatData(name, get(name));

  if (Whh.shape.length !== 2 || Whh.shape[0] !== Whh.shape[1]) throw new FormatError(`Whh has shape ${formatShape(Whh.shape)}, expected a square (H, H) matrix`);
  const H = Whh.shape[0];
  // When the weights agree among themselves on V, a different vocabulary size is the vocabulary's fault.
  const Vw = Wxh.shape[1];
  if (Wxh.shape.length === 2 && Why.shape.length === 2 && Why.shape[0] === Vw && Vw !== V) {
    throw new FormatError(`vocabulary has ${V} characters but the weights are for ${Vw} (Wxh is ${formatShape(Wxh.shape)}, Why is ${formatShape(Why.shape)})`);
  }
  const shapes = paramShapes(H, V);
  const data = {} as Record<ParamName, Float64Array>;
  for (const name of PARAM_NAMES) {
    const a = get(name);
    checkShape(name, a.shape, shapes[name], name === 'bh' || name === 'by');
    data[name] = floatData(name, a);
    checkFinite(name, data[name], a.shape);
  }
  if (meta && (meta.hidden_size !== H || meta.vocab_size !== V)) {
    throw new FormatError(`meta says H = ${meta.hidden_size}, V = ${meta.vocab_size} but the arrays have H = ${H}, V = ${V}`);
  }
  const params: Params = { H, V, ...data };

  let h0: Float64Array | null = null;
  const h0a = arrays.get('h0');
  if (h0a) {
    checkShape('h0', h0a.shape, [H, 1], true);
    h0 = floatData('h0', h0a);
    checkFinite('h0', h0, h0a.shape);
  }

  const modelMeta: ModelMeta = meta ? meta.model : minCharRnnMeta(arrays);
  const checkpoint: Checkpoint = { model: new Model(params, chars, h0, modelMeta) };
  const optimizer = readOptimizer(arrays, meta);
  if (optimizer) checkpoint.optimizer = optimizer;
  if (meta?.step !== undefined) checkpoint.step = meta.step;
  if (meta?.extra !== undefined) checkpoint.extra = meta.extra;
  return checkpoint;
}

function readMeta(arrays: ReadonlyMap<string, NpyArray>): Meta | null {
  const a = arrays.get('meta');
  if (!a) return null;
  let text: string;
  if (a.kind === 'unicode' && a.data.length === 1) text = a.data[0];
  else if (a.kind === 'u1') text = new TextDecoder().decode(a.data);
  else throw new FormatError(`meta has dtype ${describeDtype(a)} and shape ${formatShape(a.shape)}, expected a '<U' string scalar`);
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`meta is not valid JSON: ${(e as Error).message}`);
  }
  const m = meta as Partial<Meta>;
  if (typeof meta !== 'object' || meta === null || m.format !== FORMAT) throw new FormatError(`meta is not a ${FORMAT} header`);
  if (m.version !== FORMAT_VERSION) throw new FormatError(`snapshot format version ${m.version} is not supported (this code reads version ${FORMAT_VERSION})`);
  if (!Number.isInteger(m.hidden_size) || !Number.isInteger(m.vocab_size)) throw new FormatError('meta lacks hidden_size / vocab_size');
  if (typeof m.model !== 'object' || m.model === null || Array.isArray(m.model)) throw new FormatError('meta.model is not an object');
  if (m.step !== undefined && !(Number.isSafeInteger(m.step) && m.step >= 0)) throw new FormatError(`meta.step is not a whole number: ${m.step}`);
  if (m.optimizer !== undefined && (typeof m.optimizer?.kind !== 'string' || !Array.isArray(m.optimizer.arrays))) {
    throw new FormatError('meta.optimizer must be {kind, arrays}');
  }
  return m as Meta;
}

/**
 * The vocabulary in index order. min-char-rnn's ix_to_char (a pickled dict int → str) is the
 * authority; `chars` ('<U1' in ours, '|S1' in CSC321's) is used when there is no such dict, and
 * char_to_ix last. Whatever else the file holds must agree with it.
 */
function readVocab(arrays: ReadonlyMap<string, NpyArray>): string[] {
  const ixToChar = arrays.get('ix_to_char');
  const charsArr = arrays.get('chars');
  const charToIx = arrays.get('char_to_ix');
  const fromIxToChar = ixToChar && pickledDict('ix_to_char', ixToChar, 'number', 'string');
  const fromCharToIx = charToIx && pickledDict('char_to_ix', charToIx, 'string', 'number');
  let chars: string[] | undefined;
  if (charsArr) {
    if ((charsArr.kind !== 'unicode' && charsArr.kind !== 'bytes') || charsArr.shape.length !== 1) {
      throw new FormatError(`chars has dtype ${describeDtype(charsArr)} and shape ${formatShape(charsArr.shape)}, expected a 1-D '<U1' or '|S1' array`);
    }
    chars = charsArr.data;
  }

  let vocab: string[];
  if (fromIxToChar) {
    vocab = [];
    for (let i = 0; i < fromIxToChar.size; i++) {
      const c = fromIxToChar.get(i);
      if (c === undefined) throw new FormatError(`ix_to_char has no entry for index ${i} (its keys must be 0 … ${fromIxToChar.size - 1})`);
      vocab.push(c as string);
    }
  } else if (chars) {
    vocab = chars;
  } else if (fromCharToIx) {
    vocab = new Array(fromCharToIx.size);
    for (const [c, i] of fromCharToIx) {
      if (!Number.isInteger(i) || (i as number) < 0 || (i as number) >= fromCharToIx.size) throw new FormatError(`char_to_ix maps ${JSON.stringify(c)} to ${i}, outside 0 … ${fromCharToIx.size - 1}`);
      vocab[i as number] = c as string;
    }
  } else {
    throw new FormatError(`missing vocabulary: no 'chars' or 'ix_to_char' array (the file has: ${[...arrays.keys()].join(', ')})`);
  }

  if (vocab.length === 0) throw new FormatError('vocabulary is empty');
  vocab.forEach((c, i) => {
    if (typeof c !== 'string' || [...c].length !== 1) throw new FormatError(`vocabulary entry ${i} is ${JSON.stringify(c)}, not a single character`);
  });
  if (new Set(vocab).size !== vocab.length) throw new FormatError('vocabulary has repeated characters');
  if (chars && chars.join('') !== vocab.join('')) throw new FormatError('chars and ix_to_char disagree on the vocabulary');
  if (fromCharToIx) {
    const agrees = fromCharToIx.size === vocab.length && vocab.every((c, i) => fromCharToIx.get(c) === i);
    if (!agrees) throw new FormatError('char_to_ix is not the inverse of the vocabulary order');
  }
  return vocab;
}

function pickledDict(name: string, a: NpyArray, keyType: 'number' | 'string', valueType: 'number' | 'string'): Map<unknown, unknown> {
  if (a.kind !== 'object' || a.data.length !== 1 || !(a.data[0] instanceof Map)) {
    throw new FormatError(`${name} has dtype ${describeDtype(a)} and shape ${formatShape(a.shape)}, expected a pickled dict`);
  }
  const dict = a.data[0] as Map<unknown, unknown>;
  for (const [k, v] of dict) {
    if (typeof k !== keyType || typeof v !== valueType) throw new FormatError(`${name} is not a dict ${keyType === 'string' ? 'str → int' : 'int → str'}`);
  }
  return dict;
}

function readOptimizer(arrays: ReadonlyMap<string, NpyArray>, meta: Meta | null): OptimizerState | undefined {
  let kind: string;
  let names: string[];
  if (meta) {
    if (!meta.optimizer) return undefined;
    ({ kind, arrays: names } = meta.optimizer);
  } else {
    // min-char-rnn keeps its Adagrad memory next to the weights
    if (!ADAGRAD_KEYS.every((k) => arrays.has(k))) return undefined;
    kind = 'adagrad';
    names = ADAGRAD_KEYS;
  }
  const state: Record<string, Float64Array> = {};
  for (const name of names) {
    const a = arrays.get(name);
    if (!a) throw new FormatError(`missing optimizer array '${name}' (meta lists it)`);
    state[name] = floatData(name, a);
    checkFinite(name, state[name], a.shape);
  }
  return { kind, state };
}

function minCharRnnMeta(arrays: ReadonlyMap<string, NpyArray>): ModelMeta {
  const meta: ModelMeta = { source: 'min-char-rnn' };
  const dataSize = arrays.get('data_size');
  if (dataSize?.kind === 'i8' && dataSize.data.length === 1) meta.data_size = Number(dataSize.data[0]);
  return meta;
}

// ---------------------------------------------------------------- checks

/** Float arrays as float64 (float32 widens exactly); anything else is the wrong dtype. */
function floatData(name: string, a: NpyArray): Float64Array {
  if (a.kind === 'f8') return a.data;
  if (a.kind === 'f4') return Float64Array.from(a.data);
  throw new FormatError(`${name} has dtype ${describeDtype(a)}, expected '<f8' (float64)`);
}

/** Column vectors (biases, h0) may be stored as (n, 1) or (n,). */
function checkShape(name: string, shape: readonly number[], expected: readonly number[], column: boolean): void {
  const same = shape.length === expected.length && shape.every((n, i) => n === expected[i]);
  const flat = column && shape.length === 1 && shape[0] === expected[0];
  if (!same && !flat) {
    throw new FormatError(`${name} has shape ${formatShape(shape)}, expected ${formatShape(expected)}${SHAPE_HINT[name] ?? ''}`);
  }
}

const SHAPE_HINT: Record<string, string> = {
  Wxh: ' = (H, V)',
  Whh: ' = (H, H)',
  Why: ' = (V, H)',
  bh: ' = (H, 1)',
  by: ' = (V, 1)',
  h0: ' = (H, 1)',
};

/** NaN or ±Inf anywhere is an error naming the array and the element. */
function checkFinite(name: string, data: Float64Array, shape: readonly number[]): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new FormatError(`${name} holds ${data[i]} at ${formatIndex(i, shape)}`);
    }
  }
}

function formatIndex(flat: number, shape: readonly number[]): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]);
    flat = Math.floor(flat / shape[d]);
  }
  return `[${idx.join(', ')}]`;
}
