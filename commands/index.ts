import type { SlashCommand } from '../src/bot/command.ts';
import { command as bardConfig } from './bard-config.ts';
import { command as bardModels } from './bard-models.ts';
import { command as bardRound } from './bard-round.ts';
import { command as bard } from './bard.ts';
import { command as whyColon } from './why-colon.ts';
import { command as why } from './why.ts';

/** Every slash command Bard registers and answers. */
export const commands: SlashCommand[] = [bard, bardRound, bardConfig, bardModels, whyColon, why];
