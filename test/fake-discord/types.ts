// Public shapes of what the fake records and exposes.

export interface RecordedFile {
  field: string;
  name: string;
  contentType: string;
  size: number;
  data: Buffer;
}

/** Route names the fake understands; 'unknown' marks a request no route matched (answered 404). */
export type RouteName =
  | 'getGatewayBot'
  | 'getGateway'
  | 'getCurrentUser'
  | 'getApplication'
  | 'interactionCallback'
  /** The HTTP endpoint's response to a delivered interaction, taken as its callback. */
  | 'interactionResponse'
  | 'followUp'
  | 'webhookGetMessage'
  | 'webhookEditMessage'
  | 'webhookDeleteMessage'
  | 'getChannel'
  | 'listChannelMessages'
  | 'createChannelMessage'
  | 'getChannelMessage'
  | 'editChannelMessage'
  | 'deleteChannelMessage'
  | 'getCommands'
  | 'putCommands'
  | 'createCommand'
  | 'getCommand'
  | 'editCommand'
  | 'deleteCommand'
  | 'getAttachment'
  | 'unknown';

export interface RecordedRequest {
  /** 1, 2, 3, ... in order of arrival. */
  seq: number;
  method: string;
  /** Path after the /api/vN prefix, without the query: "/interactions/123/tok/callback". */
  path: string;
  /** API version from the URL (10 for discord.js v14), or null when the path had none. */
  version: number | null;
  query: Record<string, string>;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** Parsed JSON body, or the parsed `payload_json` of a multipart body; undefined when there was none. */
  body: any;
  files: RecordedFile[];
  route: RouteName;
  /** Route parameters, e.g. { interactionId, token } or { channelId, messageId }. */
  params: Record<string, string>;
  /** The interaction this request belongs to (callback or webhook by token), when the fake knows it. */
  interactionId?: string;
  /** `allowed_mentions` exactly as received (undefined when the body had none). */
  allowedMentions?: unknown;
  status: number;
  /** The JSON the fake answered with (undefined for 204). */
  response: any;
  /** True when a fault injection produced the answer. */
  injected: boolean;
  /** Epoch ms (fractional) when the request arrived and when the fake answered. */
  time: number;
  respondedAt: number;
}

export interface StoredAttachment {
  id: string;
  filename: string;
  description?: string;
  content_type: string;
  size: number;
  url: string;
  data: Buffer;
}

export interface MessageVersion {
  time: number;
  via: RouteName;
  content: string;
  embeds: any[];
  components: any[];
  attachments: string[];
  flags: number;
  allowedMentions?: unknown;
}

export type MessageKind = 'original' | 'followup' | 'channel';

export interface StoredMessage {
  id: string;
  channelId: string;
  guildId: string | null;
  kind: MessageKind;
  /** The interaction whose response (original or follow-up) this is. */
  interactionId?: string;
  content: string;
  embeds: any[];
  components: any[];
  attachments: StoredAttachment[];
  flags: number;
  ephemeral: boolean;
  /** A deferred ("Bard is thinking...") original not yet filled in by an edit or the first follow-up. */
  loading: boolean;
  deleted: boolean;
  /** `allowed_mentions` of the last create/edit of this message. */
  allowedMentions?: unknown;
  authorId: string;
  createdAt: number;
  editedAt: number | null;
  /** Every version: the create, then each edit. */
  history: MessageVersion[];
}

export type AckType = 'reply' | 'defer' | 'deferUpdate' | 'update' | 'modal' | 'autocomplete';

export interface InteractionState {
  id: string;
  token: string;
  applicationId: string;
  /** 2 application command, 3 message component, 4 autocomplete. */
  type: 2 | 3 | 4;
  commandName?: string;
  customId?: string;
  channelId: string;
  /** null for an interaction in a DM. */
  guildId: string | null;
  userId: string;
  /** The payload dispatched over the gateway. */
  payload: any;
  /** Epoch ms when INTERACTION_CREATE was dispatched. */
  createdAt: number;
  ack: AckType | null;
  ackAt: number | null;
  /** How many callback requests were answered 2xx (more than one never happens: the second gets 40060). */
  callbacks: number;
  deferred: boolean;
  ephemeral: boolean;
  /** Message id of @original: the reply, or for components the message the component is on. */
  originalId: string | null;
  followUpIds: string[];
  /** Set by expireInteraction() or when no callback came within the deadline. */
  expired: boolean;
  /** For a component interaction, the message the component is on. */
  sourceMessageId?: string;
  modal?: any;
  /** The choices an autocomplete interaction was answered with (callback type 8). */
  choices?: { name: string; value: string | number }[];
}

export interface RegisteredCommand {
  id: string;
  application_id: string;
  guild_id?: string;
  version: string;
  type: number;
  name: string;
  description: string;
  options?: any[];
  default_member_permissions: string | null;
  [k: string]: unknown;
}
