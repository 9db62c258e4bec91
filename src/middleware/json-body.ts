import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from '../context';
import { PlaidError, errors } from '../plaid/errors';

/** Past this many bytes an oversize body is no longer drained: the connection is dropped. */
const DRAIN_CAP_FACTOR = 64;

/**
 * Reads a POST/PATCH body once, with a size limit, and parses it as JSON.
 *
 * - Over the limit: the rest of the body is still read and thrown away (so the
 *   client sees our 413 instead of a reset connection and keep-alive survives),
 *   then a Plaid-shaped 413 INVALID_BODY.
 * - Not JSON, not an object, or empty: 400 INVALID_BODY, as Plaid answers. Where
 *   `emptyAsObject(path)` says so (the operator API, whose rotate_secret takes
 *   no fields), an empty body is `{}` instead. Valid JSON sent with another Content-Type is
 *   accepted (Plaid's SDKs always send application/json; curl users often don't).
 * The parsed value is cached on the request so the zod validators reuse it.
 */
export function jsonBody(
  maxBytes: number,
  options: { emptyAsObject?: (path: string) => boolean; inflightBudget?: number } = {},
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method;
    if (method !== 'POST' && method !== 'PATCH' && method !== 'PUT') return next();
    // Unknown routes answer NOT_FOUND whatever their body is.
    if (!matchedRoutes(c).some((route) => route.method === method)) return next();

    const text = await readLimited(c.req.raw, maxBytes, options.inflightBudget);
    if (text === null) throw errors.bodyTooLarge(maxBytes);

    let parsed: unknown;
    try {
      parsed = text.trim() === '' ? (options.emptyAsObject?.(c.req.path) ? {} : undefined) : JSON.parse(text);
    } catch {
      throw errors.invalidBody();
    }
    if (parsed === undefined) throw errors.invalidBody('request body is empty; a JSON object is required');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw errors.invalidBody('request body must be a JSON object');
    }
    const problem = jsonShapeProblem(parsed);
    if (problem) throw errors.invalidBody(problem);

    const contentType = c.req.header('content-type') ?? '';
    if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(contentType)) {
      // Let the JSON validators see a JSON request (incoming headers are immutable on Workers).
      const headers = new Headers(c.req.raw.headers);
      headers.set('content-type', 'application/json');
      c.req.raw = new Request(c.req.raw.url, { method, headers, body: text });
    }
    c.req.bodyCache.json = Promise.resolve(parsed);
    return next();
  };
}

/** No request the gateway serves carries longer arrays; validation time stays bounded. */
export const MAX_JSON_ARRAY_ITEMS = 1_000;
export const MAX_JSON_DEPTH = 32;

/**
 * The input-cleaning rule every JSON body passes before anything reads it: no
 * NUL character in any string or key (Postgres text cannot hold one, and no
 * Plaid field needs one), no array longer than MAX_JSON_ARRAY_ITEMS, no nesting
 * deeper than MAX_JSON_DEPTH. Walked without recursion, so a hostile shape
 * cannot exhaust the stack here either. Answers the problem, or undefined.
 */
export function jsonShapeProblem(value: unknown): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return 'request body must not contain NUL (\\u0000) characters';
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return `request body is nested more than ${MAX_JSON_DEPTH} levels deep`;
    if (Array.isArray(current)) {
      if (current.length > MAX_JSON_ARRAY_ITEMS) return `arrays in the request body may hold at most ${MAX_JSON_ARRAY_ITEMS} items`;
      for (const item of current) stack.push([item, depth + 1]);
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (key.includes('\u0000')) return 'request body must not contain NUL (\\u0000) characters';
      stack.push([item, depth + 1]);
    }
  }
  return undefined;
}

/** Returns the body as text, or null when it exceeds maxBytes (after draining it). */
async function readLimited(request: Request, maxBytes: number, inflightBudget?: number): Promise<string | null> {
  const bytes = await readLimitedBytes(request, maxBytes, inflightBudget);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}

/**
 * Bytes of request bodies being read right now, in this process: bodies are
 * read before the request is authenticated, so their total is capped
 * (MAX_INFLIGHT_BODY_BYTES) rather than left to the number of connections;
 * past it a request answers 503 with Retry-After.
 */
let inflightBodyBytes = 0;
export const DEFAULT_INFLIGHT_BODY_BYTES = 64 * 1024 * 1024;

/** The body stopped before its end (the client went away or was cut off): nobody is left to answer. */
export class BodyAborted extends PlaidError {
  constructor() {
    super({ type: 'INVALID_REQUEST', code: 'INVALID_BODY', message: 'the request body was not received completely' });
    this.name = 'BodyAborted';
  }
}

/** Returns the body's bytes, or null when it exceeds maxBytes (after draining it). */
export async function readLimitedBytes(
  request: Request,
  maxBytes: number,
  inflightBudget = DEFAULT_INFLIGHT_BODY_BYTES,
): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let held = 0;
  let tooLarge = Number.isFinite(declared) && declared > maxBytes;
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch {
        throw new BodyAborted();
      }
      const { done, value } = next;
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) tooLarge = true;
      if (tooLarge) {
        if (total > maxBytes * DRAIN_CAP_FACTOR) {
          await reader.cancel().catch(() => {});
          break;
        }
        continue; // drain
      }
      if (inflightBodyBytes + value.byteLength > inflightBudget) {
        await reader.cancel().catch(() => {});
        throw errors.busy('the gateway is reading too many request bodies at once; retry shortly');
      }
      inflightBodyBytes += value.byteLength;
      held += value.byteLength;
      chunks.push(value);
    }
  } finally {
    inflightBodyBytes -= held;
  }
  if (tooLarge) return null;
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
