import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Buffer } from 'node:buffer';
import type { EncryptionKey } from '../config';
import { base64url, randomBytes } from '../lib/ids';

/**
 * Sealing of raw Plaid processor tokens and partners' Plaid secrets:
 * AES-256-GCM through node:crypto (on Workers via nodejs_compat; synchronous,
 * which on Node costs far less than a Web Crypto thread-pool job per call and
 * reads the same format: IV, then ciphertext with the 16-byte tag appended), a fresh 96-bit IV
 * per value, and the key id stored beside the ciphertext so keys can rotate.
 * The row id is bound as additional data, so a sealed value copied onto
 * another row does not open.
 *
 * Format: `v1.<base64url iv>.<base64url ciphertext+tag>`; the key id lives in its own column.
 */
export interface Sealed {
  keyId: string;
  value: string;
}

export class Keyring {
  constructor(private readonly keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('Keyring needs at least one key');
  }

  /** The key new values are sealed with. */
  get currentKeyId(): string {
    return this.keys[0]!.id;
  }

  get keyIds(): string[] {
    return this.keys.map((k) => k.id);
  }

  async seal(plaintext: string, context: string): Promise<Sealed> {
    const keyId = this.currentKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keyBytes(keyId), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return { keyId, value: `v1.${base64url(iv)}.${base64url(body)}` };
  }

  async open(sealed: Sealed, context: string): Promise<string> {
    const [version, ivText, ctText] = sealed.value.split('.');
    if (version !== 'v1' || !ivText || !ctText) throw new Error('sealed value has an unknown format');
    const body = Buffer.from(ctText, 'base64url');
    if (body.length < TAG_BYTES) throw new Error('sealed value is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.keyBytes(sealed.keyId), Buffer.from(ivText, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  }

  private keyBytes(keyId: string): Uint8Array {
    const material = this.keys.find((k) => k.id === keyId);
    if (!material) throw new Error(`no encryption key with id "${keyId}" is configured`);
    return material.bytes;
  }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
