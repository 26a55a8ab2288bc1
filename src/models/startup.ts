import type { Logger } from 'pino';
import type { Config, Role } from '../config.ts';
import { loadRegistry, RegistryError, type ModelRegistry } from './registry.ts';

/**
 * BARD_MODELS, loaded at start-up by every process that needs the models (bot, worker, play). A bad file is
 * one line naming it and the problem: strict (default) the process stops with exit 1; otherwise the line is
 * logged and that model skipped.
 */
export function loadRegistryOrExit(role: Role, config: Pick<Config, 'models' | 'modelsStrict'>, log: Logger): ModelRegistry {
  try {
    return loadRegistry(config.models, { strict: config.modelsStrict, onSkip: (problem) => log.warn({ problem }, 'model skipped') });
  } catch (e) {
    if (!(e instanceof RegistryError)) throw e;
    process.stderr.write(`${e.message.split('\n').map((line) => `bard ${role}: ${line}`).join('\n')}\n`);
    process.exit(1);
  }
}
