// Discord-style error bodies: { code, message, errors? } with the JSON error codes the real API uses.

export interface DiscordErrorBody {
  code: number;
  message: string;
  errors?: Record<string, unknown>;
}

/** A rejected request: the HTTP status and the body Discord would answer with. */
export class DiscordReject extends Error {
  constructor(
    readonly status: number,
    readonly body: DiscordErrorBody,
  ) {
    super(`${status} ${body.code} ${body.message}`);
  }
}

export const reject = {
  unauthorized: () => new DiscordReject(401, { code: 0, message: '401: Unauthorized' }),
  notFound: () => new DiscordReject(404, { code: 0, message: '404: Not Found' }),
  unknownChannel: () => new DiscordReject(404, { code: 10003, message: 'Unknown Channel' }),
  unknownMessage: () => new DiscordReject(404, { code: 10008, message: 'Unknown Message' }),
  unknownWebhook: () => new DiscordReject(404, { code: 10015, message: 'Unknown Webhook' }),
  unknownCommand: () => new DiscordReject(404, { code: 10063, message: 'Unknown application command' }),
  unknownInteraction: () => new DiscordReject(404, { code: 10062, message: 'Unknown interaction' }),
  missingAccess: () => new DiscordReject(403, { code: 50001, message: 'Missing Access' }),
  notAuthor: () => new DiscordReject(403, { code: 50005, message: 'Cannot edit a message authored by another user' }),
  invalidWebhookToken: () => new DiscordReject(401, { code: 50027, message: 'Invalid Webhook Token' }),
  alreadyAcknowledged: () =>
    new DiscordReject(400, { code: 40060, message: 'Interaction has already been acknowledged.' }),
  emptyMessage: () => new DiscordReject(400, { code: 50006, message: 'Cannot send an empty message' }),
  tooLarge: () => new DiscordReject(413, { code: 40005, message: 'Request entity too large' }),
  badBody: (why: string) => new DiscordReject(400, { code: 50109, message: `The request body contains invalid JSON. (${why})` }),
};

export interface FieldError {
  /** Path into the body, e.g. ['components', 0, 'components', 5]. */
  path: (string | number)[];
  code: string;
  message: string;
}

/** 50035 Invalid Form Body with Discord's nested `errors` object: { content: { _errors: [...] } }. */
export function invalidFormBody(fieldErrors: FieldError[]): DiscordReject {
  const errors: Record<string, unknown> = {};
  for (const e of fieldErrors) {
    let node = errors;
    for (const key of e.path) {
      const k = String(key);
      node[k] ??= {};
      node = node[k] as Record<string, unknown>;
    }
    const list = (node._errors ??= []) as { code: string; message: string }[];
    list.push({ code: e.code, message: e.message });
  }
  return new DiscordReject(400, { code: 50035, message: 'Invalid Form Body', errors });
}
