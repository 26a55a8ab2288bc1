// Discord's limits on messages and application commands, enforced so that bot bugs fail here as they would live.
import type { FieldError } from './errors.ts';

export const LIMITS = {
  content: 2000,
  embeds: 10,
  embedTotal: 6000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  embedFieldName: 256,
  embedFieldValue: 1024,
  embedFooter: 2048,
  embedAuthor: 256,
  actionRows: 5,
  rowWidth: 5,
  customId: 100,
  buttonLabel: 80,
  files: 10,
  commandsPerScope: 100,
  commandOptions: 25,
  choices: 25,
} as const;

export const MessageFlag = {
  SuppressEmbeds: 1 << 2,
  Ephemeral: 1 << 6,
  Loading: 1 << 7,
  SuppressNotifications: 1 << 12,
  IsComponentsV2: 1 << 15,
} as const;

/** Discord counts message length in code points, not UTF-16 units. */
export function lengthOf(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

const maxLen = (path: (string | number)[], max: number): FieldError => ({
  path,
  code: 'BASE_TYPE_MAX_LENGTH',
  message: `Must be ${max} or fewer in length.`,
});
const required = (path: (string | number)[]): FieldError => ({
  path,
  code: 'BASE_TYPE_REQUIRED',
  message: 'This field is required',
});
const badType = (path: (string | number)[], what: string): FieldError => ({
  path,
  code: 'BASE_TYPE_BAD_TYPE',
  message: `Must be ${what}.`,
});

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the message fields present in `body` (a create or an edit payload). */
export function messageFieldErrors(body: Json): FieldError[] {
  const errs: FieldError[] = [];
  if ('content' in body && body.content != null) {
    if (typeof body.content !== 'string') errs.push(badType(['content'], 'a string'));
    else if (lengthOf(body.content) > LIMITS.content) errs.push(maxLen(['content'], LIMITS.content));
  }
  if ('embeds' in body && body.embeds != null) errs.push(...embedErrors(body.embeds));
  const v2 = typeof body.flags === 'number' && (body.flags & MessageFlag.IsComponentsV2) !== 0;
  if ('components' in body && body.components != null && !v2) errs.push(...componentErrors(body.components));
  if ('allowed_mentions' in body && body.allowed_mentions != null) errs.push(...allowedMentionsErrors(body.allowed_mentions));
  return errs;
}

function embedErrors(embeds: unknown): FieldError[] {
  if (!Array.isArray(embeds)) return [badType(['embeds'], 'an array')];
  const errs: FieldError[] = [];
  if (embeds.length > LIMITS.embeds) errs.push(maxLen(['embeds'], LIMITS.embeds));
  let total = 0;
  const text = (v: unknown) => (typeof v === 'string' ? lengthOf(v) : 0);
  embeds.forEach((e, i) => {
    if (!isObj(e)) return errs.push(badType(['embeds', i], 'an object'));
    const check = (path: (string | number)[], v: unknown, max: number) => {
      const n = text(v);
      total += n;
      if (n > max) errs.push(maxLen(['embeds', i, ...path], max));
    };
    check(['title'], e.title, LIMITS.embedTitle);
    check(['description'], e.description, LIMITS.embedDescription);
    if (isObj(e.footer)) check(['footer', 'text'], e.footer.text, LIMITS.embedFooter);
    if (isObj(e.author)) check(['author', 'name'], e.author.name, LIMITS.embedAuthor);
    if (Array.isArray(e.fields)) {
      if (e.fields.length > LIMITS.embedFields) errs.push(maxLen(['embeds', i, 'fields'], LIMITS.embedFields));
      e.fields.forEach((f: unknown, j: number) => {
        if (!isObj(f)) return;
        check(['fields', j, 'name'], f.name, LIMITS.embedFieldName);
        check(['fields', j, 'value'], f.value, LIMITS.embedFieldValue);
      });
    }
  });
  if (total > LIMITS.embedTotal) {
    errs.push({ path: ['embeds'], code: 'MAX_EMBED_SIZE_EXCEEDED', message: 'Embed size exceeds maximum size of 6000' });
  }
  return errs;
}

const SELECT_TYPES = new Set([3, 5, 6, 7, 8]);

function componentErrors(rows: unknown): FieldError[] {
  if (!Array.isArray(rows)) return [badType(['components'], 'an array')];
  const errs: FieldError[] = [];
  if (rows.length > LIMITS.actionRows) errs.push(maxLen(['components'], LIMITS.actionRows));
  const customIds = new Set<string>();
  rows.forEach((row, i) => {
    if (!isObj(row) || row.type !== 1) {
      return errs.push({ path: ['components', i], code: 'UNION_TYPE_CHOICES', message: 'Value of field "type" must be one of (1,).' });
    }
    if (!Array.isArray(row.components) || row.components.length === 0) {
      return errs.push({ path: ['components', i, 'components'], code: 'BASE_TYPE_MIN_LENGTH', message: 'Must be 1 or more in length.' });
    }
    if (row.components.length > LIMITS.rowWidth) errs.push(maxLen(['components', i, 'components'], LIMITS.rowWidth));
    row.components.forEach((c: unknown, j: number) => {
      const at = ['components', i, 'components', j];
      if (!isObj(c)) return errs.push(badType(at, 'an object'));
      if (SELECT_TYPES.has(c.type as number) && (row.components as unknown[]).length > 1) {
        errs.push({ path: at, code: 'COMPONENT_LAYOUT_WIDTH_EXCEEDED', message: 'The specified component exceeds the maximum width' });
      }
      if (c.type === 2) errs.push(...buttonErrors(c, at));
      if (typeof c.custom_id === 'string') {
        if (customIds.has(c.custom_id)) {
          errs.push({ path: [...at, 'custom_id'], code: 'COMPONENT_CUSTOM_ID_DUPLICATED', message: 'Component custom id cannot be duplicated' });
        }
        customIds.add(c.custom_id);
      }
    });
  });
  return errs;
}

function buttonErrors(b: Json, at: (string | number)[]): FieldError[] {
  const errs: FieldError[] = [];
  const style = b.style;
  if (typeof style !== 'number' || style < 1 || style > 6) {
    errs.push({ path: [...at, 'style'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {1, 2, 3, 4, 5, 6}.' });
  }
  if (style === 5) {
    if (typeof b.url !== 'string') errs.push(required([...at, 'url']));
    if (b.custom_id != null) errs.push({ path: [...at, 'custom_id'], code: 'BUTTON_LINK_CUSTOM_ID', message: 'A link button cannot have a custom id' });
  } else if (style !== 6) {
    if (typeof b.custom_id !== 'string' || b.custom_id.length === 0) errs.push(required([...at, 'custom_id']));
    else if (lengthOf(b.custom_id) > LIMITS.customId) errs.push(maxLen([...at, 'custom_id'], LIMITS.customId));
  }
  if (typeof b.label === 'string' && lengthOf(b.label) > LIMITS.buttonLabel) errs.push(maxLen([...at, 'label'], LIMITS.buttonLabel));
  if (b.label == null && b.emoji == null && style !== 6) {
    errs.push({ path: at, code: 'BUTTON_COMPONENT_INVALID', message: 'A button needs a label or an emoji' });
  }
  return errs;
}

function allowedMentionsErrors(am: unknown): FieldError[] {
  if (!isObj(am)) return [badType(['allowed_mentions'], 'an object')];
  const errs: FieldError[] = [];
  const parse = am.parse;
  if (parse != null) {
    if (!Array.isArray(parse) || parse.some((p) => !['users', 'roles', 'everyone'].includes(p as string))) {
      errs.push({ path: ['allowed_mentions', 'parse'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {"users", "roles", "everyone"}.' });
    } else {
      // Discord refuses parse:["users"] together with an explicit users list (and the same for roles).
      for (const kind of ['users', 'roles'] as const) {
        if (parse.includes(kind) && Array.isArray(am[kind]) && (am[kind] as unknown[]).length > 0) {
          errs.push({ path: ['allowed_mentions', kind], code: 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE', message: `parse:["${kind}"] and ${kind}: [ids] are mutually exclusive.` });
        }
      }
    }
  }
  return errs;
}

/** True when the message would show nothing at all. */
export function isEmptyMessage(m: { content?: unknown; embeds?: unknown; components?: unknown; attachments?: unknown[] }): boolean {
  const nonEmpty = (v: unknown) => Array.isArray(v) && v.length > 0;
  return !(typeof m.content === 'string' && m.content.length > 0) && !nonEmpty(m.embeds) && !nonEmpty(m.components) && !nonEmpty(m.attachments);
}

// ---- application commands ----

const NAME_RE = /^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

export function commandErrors(cmds: unknown): FieldError[] {
  if (!Array.isArray(cmds)) return [badType([], 'an array')];
  const errs: FieldError[] = [];
  if (cmds.filter((c) => !isObj(c) || (c.type ?? 1) === 1).length > LIMITS.commandsPerScope) {
    errs.push({ path: [], code: 'APPLICATION_COMMANDS_MAX_EXCEEDED', message: 'Maximum number of application commands reached (100)' });
  }
  const seen = new Set<string>();
  cmds.forEach((c, i) => {
    errs.push(...singleCommandErrors(c, [i]));
    if (isObj(c) && typeof c.name === 'string') {
      const key = `${c.type ?? 1}:${c.name}`;
      if (seen.has(key)) errs.push({ path: [i, 'name'], code: 'APPLICATION_COMMANDS_DUPLICATE_NAME', message: `Application command names must be unique` });
      seen.add(key);
    }
  });
  return errs;
}

export function singleCommandErrors(c: unknown, at: (string | number)[]): FieldError[] {
  if (!isObj(c)) return [badType(at, 'an object')];
  const errs: FieldError[] = [];
  const type = (c.type as number | undefined) ?? 1;
  const chatInput = type === 1;
  errs.push(...nameErrors(c.name, [...at, 'name'], chatInput));
  if (chatInput) errs.push(...descriptionErrors(c.description, [...at, 'description']));
  if (c.options != null) errs.push(...optionListErrors(c.options, [...at, 'options']));
  return errs;
}

function nameErrors(name: unknown, at: (string | number)[], lowercase: boolean): FieldError[] {
  if (typeof name !== 'string') return [required(at)];
  if (lowercase && (!NAME_RE.test(name) || name !== name.toLowerCase())) {
    return [{ path: at, code: 'APPLICATION_COMMAND_INVALID_NAME', message: `Command name is invalid` }];
  }
  if (lengthOf(name) < 1 || lengthOf(name) > 32) return [maxLen(at, 32)];
  return [];
}

function descriptionErrors(d: unknown, at: (string | number)[]): FieldError[] {
  if (typeof d !== 'string' || d.length === 0) return [required(at)];
  if (lengthOf(d) > 100) return [maxLen(at, 100)];
  return [];
}

function optionListErrors(options: unknown, at: (string | number)[]): FieldError[] {
  if (!Array.isArray(options)) return [badType(at, 'an array')];
  const errs: FieldError[] = [];
  if (options.length > LIMITS.commandOptions) errs.push(maxLen(at, LIMITS.commandOptions));
  let sawOptional = false;
  const names = new Set<string>();
  options.forEach((o, i) => {
    const oat = [...at, i];
    if (!isObj(o)) return errs.push(badType(oat, 'an object'));
    if (typeof o.type !== 'number' || o.type < 1 || o.type > 11) errs.push({ path: [...oat, 'type'], code: 'BASE_TYPE_CHOICES', message: 'Value must be one of {1, ..., 11}.' });
    errs.push(...nameErrors(o.name, [...oat, 'name'], true));
    errs.push(...descriptionErrors(o.description, [...oat, 'description']));
    if (typeof o.name === 'string') {
      if (names.has(o.name)) errs.push({ path: [...oat, 'name'], code: 'APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS', message: 'Option names must be unique' });
      names.add(o.name);
    }
    const isSub = o.type === 1 || o.type === 2;
    if (!isSub) {
      if (o.required) {
        if (sawOptional) errs.push({ path: [...oat, 'required'], code: 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', message: 'Required options must be placed before non-required options' });
      } else sawOptional = true;
    }
    if (o.autocomplete === true) {
      if (o.type !== 3 && o.type !== 4 && o.type !== 10) errs.push({ path: [...oat, 'autocomplete'], code: 'APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_TYPE', message: 'Autocomplete is only for string, integer and number options' });
      if (Array.isArray(o.choices) && o.choices.length > 0) errs.push({ path: [...oat, 'autocomplete'], code: 'APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_CHOICES', message: 'Autocomplete cannot be set with choices' });
    }
    if (Array.isArray(o.choices)) {
      if (o.choices.length > LIMITS.choices) errs.push(maxLen([...oat, 'choices'], LIMITS.choices));
      o.choices.forEach((ch: unknown, j: number) => {
        if (!isObj(ch)) return;
        if (typeof ch.name !== 'string' || lengthOf(ch.name) > 100) errs.push(maxLen([...oat, 'choices', j, 'name'], 100));
        if (typeof ch.value === 'string' && lengthOf(ch.value) > 100) errs.push(maxLen([...oat, 'choices', j, 'value'], 100));
      });
    }
    if (typeof o.min_value === 'number' && typeof o.max_value === 'number' && o.min_value > o.max_value) {
      errs.push({ path: [...oat, 'min_value'], code: 'APPLICATION_COMMAND_OPTION_MIN_GREATER_THAN_MAX', message: 'min_value must be less than or equal to max_value' });
    }
    for (const k of ['min_length', 'max_length'] as const) {
      const v = o[k];
      if (v != null && (typeof v !== 'number' || v < (k === 'min_length' ? 0 : 1) || v > 6000)) {
        errs.push({ path: [...oat, k], code: 'NUMBER_TYPE_MAX', message: `${k} must be between ${k === 'min_length' ? 0 : 1} and 6000` });
      }
    }
    if (isSub && o.options != null) errs.push(...optionListErrors(o.options, [...oat, 'options']));
  });
  return errs;
}
