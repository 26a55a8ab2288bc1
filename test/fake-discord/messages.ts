// Message storage: create and edit with Discord's validation, attachments from uploaded files, full edit history.
import { fileIndex, type UploadedFile } from './body.ts';
import { invalidFormBody, reject } from './errors.ts';
import { pingsOf, type Pings } from './mentions.ts';
import { snowflake } from './snowflake.ts';
import type { MessageKind, RouteName, StoredAttachment, StoredMessage } from './types.ts';
import { LIMITS, MessageFlag, isEmptyMessage, messageFieldErrors } from './validate.ts';

type Json = Record<string, any>;

export interface MessageStoreHost {
  baseUrl(): string;
  maxFileBytes: number;
  botId: string;
}

export interface CreateOptions {
  channelId: string;
  guildId: string | null;
  kind: MessageKind;
  interactionId?: string;
  body: Json;
  files: UploadedFile[];
  via: RouteName;
  time: number;
  /** A deferred original: no content yet, shown as "thinking". */
  loading?: boolean;
}

export class MessageStore {
  readonly byId = new Map<string, StoredMessage>();

  constructor(private readonly host: MessageStoreHost) {}

  /** Throws a DiscordReject for anything Discord would refuse. */
  create(o: CreateOptions): StoredMessage {
    const body = o.body ?? {};
    if (!o.loading) this.check(body);
    const attachments = this.attachments(body, o.files, [], o.channelId);
    const flags = Number(body.flags ?? 0) | (o.loading ? MessageFlag.Loading : 0);
    const msg: StoredMessage = {
      id: snowflake(),
      channelId: o.channelId,
      guildId: o.guildId,
      kind: o.kind,
      interactionId: o.interactionId,
      content: typeof body.content === 'string' ? body.content : '',
      embeds: Array.isArray(body.embeds) ? body.embeds : [],
      components: Array.isArray(body.components) ? body.components : [],
      attachments,
      flags,
      ephemeral: (flags & MessageFlag.Ephemeral) !== 0,
      loading: o.loading ?? false,
      deleted: false,
      allowedMentions: body.allowed_mentions,
      authorId: this.host.botId,
      createdAt: o.time,
      editedAt: null,
      history: [],
    };
    if (!msg.loading && isEmptyMessage(msg)) throw reject.emptyMessage();
    this.pushVersion(msg, o.via, o.time);
    this.byId.set(msg.id, msg);
    return msg;
  }

  /** Applies the fields present in `body`; what is absent stays. */
  edit(msg: StoredMessage, body: Json, files: UploadedFile[], via: RouteName, time: number): StoredMessage {
    body ??= {};
    this.check(body);
    const next = {
      content: 'content' in body ? (body.content ?? '') : msg.content,
      embeds: 'embeds' in body ? (body.embeds ?? []) : msg.embeds,
      components: 'components' in body ? (body.components ?? []) : msg.components,
      attachments: this.attachments(body, files, msg.attachments, msg.channelId),
    };
    if (isEmptyMessage(next)) throw reject.emptyMessage();
    Object.assign(msg, next);
    if ('flags' in body && body.flags != null) {
      // Only SUPPRESS_EMBEDS can change on an edit; ephemeral stays what it was.
      msg.flags = (msg.flags & ~MessageFlag.SuppressEmbeds) | (Number(body.flags) & MessageFlag.SuppressEmbeds);
    }
    msg.flags &= ~MessageFlag.Loading;
    msg.loading = false;
    msg.allowedMentions = body.allowed_mentions;
    msg.editedAt = time;
    this.pushVersion(msg, via, time);
    return msg;
  }

  /** Who the current version of a message pinged (by its content and allowed_mentions). */
  pings(msg: StoredMessage): Pings {
    return pingsOf(msg.content, msg.allowedMentions);
  }

  private check(body: Json): void {
    const errs = messageFieldErrors(body);
    if (errs.length > 0) throw invalidFormBody(errs);
  }

  private attachments(body: Json, files: UploadedFile[], existing: StoredAttachment[], channelId: string): StoredAttachment[] {
    const meta: Json[] = Array.isArray(body.attachments) ? body.attachments : [];
    // A listed `attachments` array keeps exactly the existing attachments it names; without it all are kept.
    const kept = Array.isArray(body.attachments) ? existing.filter((a) => meta.some((m) => String(m.id) === a.id)) : existing;
    const added = files.map((f, i): StoredAttachment => {
      if (f.data.length > this.host.maxFileBytes) throw reject.tooLarge();
      const idx = fileIndex(f.field, i);
      const m = meta.find((x) => String(x.id) === String(idx));
      const id = snowflake();
      const filename = typeof m?.filename === 'string' ? m.filename : f.name;
      return {
        id,
        filename,
        description: typeof m?.description === 'string' ? m.description : undefined,
        content_type: f.contentType,
        size: f.data.length,
        url: `${this.host.baseUrl()}/attachments/${channelId}/${id}/${encodeURIComponent(filename)}`,
        data: f.data,
      };
    });
    const all = [...kept, ...added];
    if (all.length > LIMITS.files) {
      throw invalidFormBody([{ path: ['attachments'], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${LIMITS.files} or fewer in length.` }]);
    }
    return all;
  }

  private pushVersion(msg: StoredMessage, via: RouteName, time: number): void {
    msg.history.push({
      time,
      via,
      content: msg.content,
      embeds: msg.embeds,
      components: msg.components,
      attachments: msg.attachments.map((a) => a.filename),
      flags: msg.flags,
      allowedMentions: msg.allowedMentions,
    });
  }
}
