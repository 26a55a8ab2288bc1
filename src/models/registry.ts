/**
 * The models a Bard deployment serves (BARD_MODELS): files or folders of .npz, each model with a name,
 * its card fields and a content hash. The bot offers the names; a job names the model and the hash it was
 * asked for, and a worker answers only with that very file (never silently with another model).
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Model } from '../rnn/model.ts';
import { checkpointFromBytes, readSnapshotBytes, SnapshotError } from '../snapshot/index.ts';

/** What a user is told about a model (/bard-models, autocomplete): its size, what it saw, how well it does. */
export interface ModelCard {
  name: string;
  /** The file it came from (its base name: paths stay on the operator's machine). */
  file: string;
  /** First 12 hex digits of the SHA-256 of the file's bytes. */
  hash: string;
  H: number;
  V: number;
  /** The characters the model knows, in index order. */
  vocab: string;
  /** Characters the trainer showed it, when recorded. */
  charsTrained: number | null;
  /** Validation loss in nats per character, when recorded. */
  valLoss: number | null;
}

export interface RegisteredModel {
  card: ModelCard;
  model: Model;
}

/** How a job names its model. */
export interface ModelRef {
  name: string;
  hash: string;
}

/** Names go in slash-command options and in `models:"a b"` lists: no spaces, at most this long. */
export const MODEL_NAME_MAX = 60;

/** A job asked for a model this process does not serve, or serves from a different file. Not worth retrying here. */
export class ModelUnavailableError extends Error {
  override name = 'ModelUnavailableError';
}

/** BARD_MODELS names nothing usable, or (strict) one of its files is bad. The message is one line per problem. */
export class RegistryError extends Error {
  override name = 'RegistryError';
}

export class ModelRegistry {
  private readonly byName: Map<string, RegisteredModel>;

  constructor(readonly entries: readonly RegisteredModel[]) {
    if (entries.length === 0) throw new RegistryError('no models');
    this.byName = new Map(entries.map((e) => [e.card.name.toLowerCase(), e]));
  }

  /** The first model listed: what a job without a model, and a channel without a default, gets. */
  get default(): RegisteredModel {
    return this.entries[0];
  }

  get cards(): ModelCard[] {
    return this.entries.map((e) => e.card);
  }

  /** A model by name (case does not matter), or undefined. */
  find(name: string): RegisteredModel | undefined {
    return this.byName.get(name.trim().toLowerCase());
  }

  /** The model a job asked for, checked against the file this process loaded. Throws ModelUnavailableError. */
  resolve(ref: ModelRef | undefined): RegisteredModel {
    if (!ref) return this.default;
    const found = this.find(ref.name);
    if (!found) throw new ModelUnavailableError(`This worker does not serve the model "${ref.name}" (it serves ${this.cards.map((c) => c.name).join(', ')}).`);
    if (found.card.hash !== ref.hash) {
      throw new ModelUnavailableError(
        `This worker has a different file for the model "${found.card.name}" (hash ${found.card.hash}; the job asked for ${ref.hash}). The bot and the workers must load the same files: restart them together after changing a model.`,
      );
    }
    return found;
  }
}

/** The name shown in footers and typed in commands: the snapshot's own, else its file name; no spaces. */
export function modelName(model: Model, path: string): string {
  const own = typeof model.meta.name === 'string' ? model.meta.name.trim() : '';
  const name = own || basename(path).replace(/\.npz$/i, '') || 'model';
  return name.replace(/\s+/g, '-').slice(0, MODEL_NAME_MAX);
}

export function cardOf(model: Model, path: string, bytes: Uint8Array): ModelCard {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    name: modelName(model, path),
    file: basename(path),
    hash: createHash('sha256').update(bytes).digest('hex').slice(0, 12),
    H: model.H,
    V: model.V,
    vocab: model.vocab,
    charsTrained: num(model.meta.chars_seen),
    valLoss: num(model.meta.val_loss),
  };
}

/** One model file, read once (the hash is of the very bytes that were parsed). Throws SnapshotError. */
export function loadModelFile(path: string): RegisteredModel {
  const bytes = readSnapshotBytes(path);
  const model = checkpointFromBytes(path, bytes).model;
  return { card: cardOf(model, path, bytes), model };
}

export interface RegistryOptions {
  /** BARD_MODELS_STRICT: a bad file stops the start (default); otherwise it is skipped. */
  strict: boolean;
  /** Told one line per skipped file (non-strict only). */
  onSkip?: (problem: string) => void;
}

/** The .npz files `spec` names ("a.npz,models/": files and folders, comma-separated), in order. Throws RegistryError. */
export function modelFiles(spec: string): string[] {
  const files: string[] = [];
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    let isDir = false;
    try {
      isDir = statSync(item).isDirectory();
    } catch {
      // not there: the loader names the file and says so
    }
    if (!isDir) {
      files.push(item);
      continue;
    }
    const inside = readdirSync(item).filter((f) => f.toLowerCase().endsWith('.npz')).sort();
    if (inside.length === 0) throw new RegistryError(`${item}: no .npz files in this folder`);
    files.push(...inside.map((f) => join(item, f)));
  }
  if (files.length === 0) throw new RegistryError('BARD_MODELS names no model files');
  return files;
}

/**
 * Loads every model `spec` names. A bad file or a name used twice is one line naming the file and the
 * problem: strict, it stops the start (RegistryError); otherwise that model is skipped.
 */
export function loadRegistry(spec: string, opts: RegistryOptions): ModelRegistry {
  const entries: RegisteredModel[] = [];
  const problems: string[] = [];
  for (const path of modelFiles(spec)) {
    let entry: RegisteredModel;
    try {
      entry = loadModelFile(path);
    } catch (e) {
      if (!(e instanceof SnapshotError)) throw e;
      problems.push(e.message);
      continue;
    }
    const twin = entries.find((x) => x.card.name.toLowerCase() === entry.card.name.toLowerCase());
    if (twin) {
      problems.push(`${path}: the model name "${entry.card.name}" is already taken by ${twin.card.file}`);
      continue;
    }
    entries.push(entry);
  }
  if (problems.length > 0 && opts.strict) throw new RegistryError(problems.join('\n'));
  for (const p of problems) opts.onSkip?.(p);
  if (entries.length === 0) throw new RegistryError('none of the models in BARD_MODELS could be loaded');
  return new ModelRegistry(entries);
}

/** "bard-h768 · H 768 · loss 1.520": a model in one short line (autocomplete choices are ≤ 100 characters). */
export function shortCard(c: ModelCard): string {
  const loss = c.valLoss === null ? '' : ` · loss ${c.valLoss.toFixed(3)}`;
  return `${c.name} · H ${c.H}${loss}`.slice(0, 100);
}
