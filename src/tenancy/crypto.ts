import type { EncryptionKey } from '../config';
import { base64url } from '../lib/ids';

/**
 * Sealing of raw Plaid processor tokens and partners' Plaid secrets:
 * AES-256-GCM (Web Crypto, identical on Workers and Node), a fresh 96-bit IV
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
  private readonly imported = new Map<string, Promise<CryptoKey>>();

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
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ciphertext = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: encode(context) },
      await this.cryptoKey(keyId),
      encode(plaintext),
    );
    return { keyId, value: `v1.${base64url(iv)}.${base64url(new Uint8Array(ciphertext))}` };
  }

  async open(sealed: Sealed, context: string): Promise<string> {
    const [version, ivText, ctText] = sealed.value.split('.');
    if (version !== 'v1' || !ivText || !ctText) throw new Error('sealed value has an unknown format');
    const plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: decode(ivText), additionalData: encode(context) },
      await this.cryptoKey(sealed.keyId),
      decode(ctText),
    );
    return new TextDecoder().decode(plaintext);
  }

  private cryptoKey(keyId: string): Promise<CryptoKey> {
    let key = this.imported.get(keyId);
    if (!key) {
      const material = this.keys.find((k) => k.id === keyId);
      if (!material) throw new Error(`no encryption key with id "${keyId}" is configured`);
      key = crypto.subtle.importKey('raw', material.bytes as Uint8Array<ArrayBuffer>, 'AES-GCM', false, [
        'encrypt',
        'decrypt',
      ]);
      this.imported.set(keyId, key);
    }
    return key;
  }
}

function encode(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;
}

function decode(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0)) as Uint8Array<ArrayBuffer>;
}
