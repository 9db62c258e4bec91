/**
 * The writer's last line of defence: whatever a route puts into an audit
 * record, secrets, tokens and personal data do not reach the table.
 *
 * Routes are meant to put only ids and *names of fields* into records; this
 * module enforces it on `details` and tidies the free-text columns:
 * - keys must look like identifiers (`[A-Za-z0-9_.-]`, at most 64 characters);
 * - a key that names sensitive data (secret, password, token, account, routing,
 *   name, e-mail, phone, address, ...) may only hold a boolean ("was present");
 * - strings must be short plain words/ids/paths (`[A-Za-z0-9_.:/-]`, at most 64
 *   characters), and never look like a Plaid token (`processor-...`,
 *   `access-...`), a random key (20+ characters mixing upper case, lower case and
 *   digits), an e-mail, or an account/phone number (6+ digits in a row);
 * - numbers must be finite; nesting stops at depth 4, 50 entries per level.
 * Anything else becomes the string "[redacted]", so the record still shows that
 * the field was there.
 */

import { memoizeString } from '../lib/memo';

export const REDACTED = '[redacted]';

const KEY_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const SAFE_STRING_RE = /^[A-Za-z0-9_.:/-]{0,64}$/;
const PLAID_TOKEN_RE = /(^|[^a-z])(processor|access|public|link|item|gw|gateway)-[a-z0-9-]{6,}/i;
const DIGIT_RUN_RE = /\d{6,}/;
const SENSITIVE_KEY_RE =
  /secret|password|passwd|passphrase|api_?key|credential|bearer|token(?!_id$|_ids$)|account|routing|iban|wire|ssn|tax_?id|birth|dob|name|email|e_mail|phone|address|street|postal|zip/i;
const MAX_DEPTH = 4;
const MAX_ENTRIES = 50;

/** The gateway's own public ids (ptn_, ftc_, aud_, tok_ + lowercase base36): never secret, kept whatever digits they hold. */
const PUBLIC_ID_RE = /^[a-z]{2,5}_[a-z0-9]{6,40}$/;
/** Opaque request ids (Plaid's are 15 alphanumerics). */
const REQUEST_ID_RE = /^[A-Za-z0-9]{1,19}$/;

/** An id column's value: a public or request id as is; anything else scrubbed as free text. */
export function scrubId(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (PUBLIC_ID_RE.test(value) || REQUEST_ID_RE.test(value)) return value;
  return scrubText(value, 128);
}

/**
 * True when a string could be a key, a token or personal data rather than a
 * plain id or name. Remembered per string: the same field names and path
 * segments come back on every call (src/lib/memo.ts).
 */
export const looksSensitive: (value: string) => boolean = memoizeString(computeLooksSensitive, { remember: (_, sensitive) => !sensitive });

function computeLooksSensitive(value: string): boolean {
  if (PUBLIC_ID_RE.test(value)) return false;
  if (!SAFE_STRING_RE.test(value)) return true; // spaces, @, ?, =, quotes...: not a plain id
  if (PLAID_TOKEN_RE.test(value)) return true;
  if (DIGIT_RUN_RE.test(value)) return true;
  return looksLikeKey(value);
}

/** 20+ characters of base64url mixing upper case, lower case and digits: a random key, not a name. */
function looksLikeKey(word: string): boolean {
  return word.length >= 20 && /^[A-Za-z0-9_-]+$/.test(word) && /[A-Z]/.test(word) && /[a-z]/.test(word) && /\d/.test(word);
}

/**
 * Free text (a reason, a user agent): kept, but any word that looks like a
 * token, a random key, an e-mail or an account/phone number is replaced.
 */
export function scrubText(value: string | null | undefined, max: number): string | null {
  const cleaned = cleanText(value, max);
  if (cleaned === null) return null;
  return scrubWords(cleaned);
}

/**
 * scrubText's word replacement, remembered per text: a partner's user agent is
 * the same on every call. (Texts something was redacted from are not kept.)
 */
const scrubWords = memoizeString(
  (text: string) =>
    text.replace(/[^\s;,()"'<>=&?:/[\]{}]+/g, (word) =>
      PLAID_TOKEN_RE.test(word) || DIGIT_RUN_RE.test(word) || word.includes('@') || looksLikeKey(word) ? REDACTED : word,
    ),
  { remember: unchanged },
);

/** Returns a copy of `details` that is safe to store (see the module comment). */
export function scrubDetails(details: unknown): Record<string, unknown> {
  if (details === null || typeof details !== 'object' || Array.isArray(details)) return {};
  return scrubObject(details as Record<string, unknown>, 1);
}

function scrubObject(obj: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    if (count++ >= MAX_ENTRIES) {
      out._truncated = true;
      break;
    }
    if (!KEY_RE.test(key) || key === '__proto__') {
      out._redacted_keys = true;
      continue;
    }
    if (SENSITIVE_KEY_RE.test(key)) {
      out[key] = typeof value === 'boolean' || value === null ? value : REDACTED;
      continue;
    }
    out[key] = scrubValue(value, depth);
  }
  return out;
}

function scrubValue(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : REDACTED;
  if (typeof value === 'string') return looksSensitive(value) ? REDACTED : value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ENTRIES).map((item) => scrubValue(item, depth + 1));
    return value.length > MAX_ENTRIES ? [...items, '[truncated]'] : items;
  }
  if (typeof value === 'object') return scrubObject(value as Record<string, unknown>, depth + 1);
  return REDACTED; // bigint, function, symbol
}

/**
 * A text column value the database will take and give back unchanged: no NUL
 * (Postgres refuses it), no lone surrogates (not valid UTF-8), capped length.
 */
export function cleanText(value: string, max: number): string;
export function cleanText(value: string | null | undefined, max: number): string | null;
export function cleanText(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  // Without a NUL or a surrogate (the usual case) there is nothing to clean,
  // and no cut can split a pair: only the cap applies.
  if (!NEEDS_CLEANING_RE.test(value)) return value.length > max ? value.slice(0, max) : value;
  let s = wellFormed(value.replace(/\u0000/g, ''));
  // Slicing may cut a surrogate pair in half: clean again.
  if (s.length > max) s = wellFormed(s.slice(0, max));
  return s;
}

const NEEDS_CLEANING_RE = /[\u0000\uD800-\uDFFF]/;
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE_RE, '\uFFFD');
}

/**
 * A request path with any segment that could be a token or personal data
 * replaced (remembered per path, unless something was replaced).
 */
export const scrubPath: (path: string) => string = memoizeString(computeScrubPath, { remember: unchanged });

/** For the memos: remember only what scrubbing left as it was (nothing that looked sensitive). */
function unchanged(input: string, output: string): boolean {
  return input === output;
}

function computeScrubPath(path: string): string {
  const segments = path.split('/').map((segment) => {
    if (segment === '') return segment;
    let decoded = segment;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return REDACTED;
    }
    return looksSensitive(decoded) ? REDACTED : segment;
  });
  return cleanText(segments.join('/'), 256);
}
