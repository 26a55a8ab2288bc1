// Reads a REST request body: JSON, or multipart/form-data with `payload_json` and file parts (how attachments travel).
import type { IncomingMessage } from 'node:http';
import { reject } from './errors.ts';

export interface UploadedFile {
  /** The form field name, e.g. "files[0]"; its index is what `attachments[].id` refers to. */
  field: string;
  name: string;
  contentType: string;
  data: Buffer;
}

export interface ParsedBody {
  body: unknown;
  files: UploadedFile[];
  rawLength: number;
}

export const MAX_BODY_BYTES = 26 * 1024 * 1024;

export async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw reject.tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function parseBody(contentType: string | undefined, raw: Buffer): Promise<ParsedBody> {
  if (raw.length === 0) return { body: undefined, files: [], rawLength: 0 };
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) return parseMultipart(contentType!, raw);
  const text = raw.toString('utf8');
  try {
    return { body: JSON.parse(text), files: [], rawLength: raw.length };
  } catch (err) {
    throw reject.badBody((err as Error).message);
  }
}

async function parseMultipart(contentType: string, raw: Buffer): Promise<ParsedBody> {
  // Node's fetch Request parses multipart bodies; no extra dependency needed.
  const form = await new Request('http://fake.invalid/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new Uint8Array(raw.buffer, raw.byteOffset, raw.length) as unknown as BodyInit,
  }).formData();
  let body: unknown = undefined;
  const files: UploadedFile[] = [];
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') {
      if (field === 'payload_json') {
        try {
          body = JSON.parse(value);
        } catch (err) {
          throw reject.badBody(`payload_json: ${(err as Error).message}`);
        }
      }
      continue;
    }
    files.push({
      field,
      name: value.name,
      contentType: value.type || 'application/octet-stream',
      data: Buffer.from(await value.arrayBuffer()),
    });
  }
  return { body, files, rawLength: raw.length };
}

/** The index in "files[3]" (or a bare "file"/"files" field, index 0). */
export function fileIndex(field: string, fallback: number): number {
  const m = /\[(\d+)\]$/.exec(field);
  return m ? Number(m[1]) : fallback;
}
