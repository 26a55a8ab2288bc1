/**
 * Discord signs every HTTP interaction with the application's Ed25519 key: `X-Signature-Ed25519` is the
 * signature (hex) of `X-Signature-Timestamp` + the raw body. The check runs on the raw bytes, before the
 * body is parsed or anything else is done with it, with Node's own Ed25519 (no hand-written crypto).
 * A timestamp far from now is refused too, so a captured request cannot be replayed later.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

/** How far a request's timestamp may be from this machine's clock (Discord's own are seconds old). */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/** The ASN.1 (SPKI) header of a raw 32-byte Ed25519 public key, so Node can read the key Discord shows in hex. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export type SignatureProblem = 'missing' | 'malformed' | 'stale' | 'mismatch';

export type SignatureCheck = { ok: true } | { ok: false; problem: SignatureProblem };

export class SignatureVerifier {
  private readonly key: KeyObject;

  constructor(publicKeyHex: string) {
    if (!/^[0-9a-fA-F]{64}$/.test(publicKeyHex)) throw new Error('an Ed25519 public key is 64 hex characters');
    this.key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(publicKeyHex, 'hex')]), format: 'der', type: 'spki' });
  }

  check(signature: string | undefined, timestamp: string | undefined, body: Buffer, now = Date.now()): SignatureCheck {
    if (!signature || !timestamp) return { ok: false, problem: 'missing' };
    if (!/^[0-9a-fA-F]{128}$/.test(signature) || !/^\d{1,12}$/.test(timestamp)) return { ok: false, problem: 'malformed' };
    if (!verify(null, Buffer.concat([Buffer.from(timestamp, 'utf8'), body]), this.key, Buffer.from(signature, 'hex'))) return { ok: false, problem: 'mismatch' };
    // After the signature: a stale timestamp is only worth reporting as such when Discord did sign it.
    if (Math.abs(now - Number(timestamp) * 1000) > MAX_CLOCK_SKEW_MS) return { ok: false, problem: 'stale' };
    return { ok: true };
  }
}
