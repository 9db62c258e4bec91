/**
 * Deterministic pseudo-randomness for sandbox data: the same seed always gives
 * the same account ids, transactions and scores, so tests and demos can rely on
 * them. Not for anything secret (tokens use crypto.randomUUID()).
 */

/** 32-bit FNV-1a hash of a string. */
export function hash32(input: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    h ^= input.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small, fast PRNG with a 32-bit state. */
export function createRng(seed: string): () => number {
  let state = hash32(seed);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A Plaid-looking id (account_id, transaction_id, item_id are 37 base62 chars) derived from a seed. */
export function deterministicId(seed: string, length = 37): string {
  const rng = createRng(seed);
  let out = '';
  for (let i = 0; i < length; i++) out += ID_ALPHABET[Math.floor(rng() * ID_ALPHABET.length)];
  return out;
}

export function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}
