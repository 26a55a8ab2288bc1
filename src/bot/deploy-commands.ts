/**
 * `npm run deploy-commands`: registers every slash command with Discord, in one server when
 * DISCORD_GUILD_ID is set (instant, for development), globally otherwise (may take a while to appear).
 */
import { REST } from '@discordjs/rest';
import { Routes } from 'discord-api-types/v10';
import { commands } from '../../commands/index.ts';
import { loadConfigOrExit } from '../config.ts';

const config = loadConfigOrExit('deploy');
const rest = new REST({ version: '10', ...(config.discordApiUrl ? { api: config.discordApiUrl } : {}) }).setToken(config.discordToken);
const body = commands.map((c) => c.data);
const route = config.guildId ? Routes.applicationGuildCommands(config.appId, config.guildId) : Routes.applicationCommands(config.appId);

try {
  const registered = (await rest.put(route, { body })) as { name: string }[];
  const where = config.guildId ? `in server ${config.guildId}` : 'globally (new commands can take up to an hour to show)';
  process.stdout.write(`Registered ${registered.length} commands ${where}: ${registered.map((c) => `/${c.name}`).join(', ')}\n`);
} catch (e) {
  process.stderr.write(`bard deploy-commands: ${(e as Error).message}\n`);
  process.exit(1);
}
