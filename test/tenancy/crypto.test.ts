import { describe, expect, it } from 'vitest';
import { parseEncryptionKeys } from '../../src/config';
import { base64url } from '../../src/lib/ids';
import { Keyring } from '../../src/tenancy/crypto';

const keys = parseEncryptionKeys(`k2:${Buffer.alloc(32, 2).toString('base64')},k1:${Buffer.alloc(32, 1).toString('base64')}`);

describe('Keyring (AES-256-GCM)', () => {
  it('round-trips, seals with the first key, opens with any configured key', async () => {
    const ring = new Keyring(keys);
    const sealed = await ring.seal('processor-sandbox-secret', 'ctx');
    expect(sealed.keyId).toBe('k2');
    expect(sealed.value).not.toContain('processor-sandbox-secret');
    expect(await ring.open(sealed, 'ctx')).toBe('processor-sandbox-secret');
    const old = await new Keyring([keys[1]!]).seal('older', 'ctx');
    expect(await ring.open(old, 'ctx')).toBe('older');
  });

  it('refuses another context (row binding), a tampered value and an unknown key id', async () => {
    const ring = new Keyring(keys);
    const sealed = await ring.seal('value', 'processor_tokens.raw:tok_a');
    await expect(ring.open(sealed, 'processor_tokens.raw:tok_b')).rejects.toThrow();
    const last = sealed.value.at(-2) === 'A' ? 'B' : 'A';
    await expect(ring.open({ ...sealed, value: `${sealed.value.slice(0, -2)}${last}${sealed.value.at(-1)}` }, 'processor_tokens.raw:tok_a')).rejects.toThrow();
    await expect(ring.open({ ...sealed, keyId: 'nope' }, 'processor_tokens.raw:tok_a')).rejects.toThrow(/no encryption key/);
  });

  it('reads values in Web Crypto AES-GCM format (IV, ciphertext with the tag appended)', async () => {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const key = await crypto.subtle.importKey('raw', keys[0]!.bytes as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['encrypt']);
    const ct = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode('ctx') },
      key,
      new TextEncoder().encode('sealed by web crypto'),
    );
    const value = `v1.${base64url(iv)}.${base64url(new Uint8Array(ct))}`;
    expect(await new Keyring(keys).open({ keyId: 'k2', value }, 'ctx')).toBe('sealed by web crypto');
  });
});
