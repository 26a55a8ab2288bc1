import type { Store } from '../store/store.ts';
import { getJson, setJson } from '../store/store.ts';
import { ChannelDefaults, keys } from './state.ts';

/** A channel's /bard defaults (set with /bard-config); anything unreadable counts as none. */
export async function readChannelDefaults(store: Store, channelId: string): Promise<ChannelDefaults> {
  const parsed = ChannelDefaults.safeParse(await getJson(store, keys.channelDefaults(channelId)));
  return parsed.success ? parsed.data : {};
}

export async function writeChannelDefaults(store: Store, channelId: string, d: ChannelDefaults): Promise<void> {
  if (d.temp === undefined && d.length === undefined && d.model === undefined) await store.del(keys.channelDefaults(channelId));
  else await setJson(store, keys.channelDefaults(channelId), d, null);
}
