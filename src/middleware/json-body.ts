import { Readable } from 'node:stream';
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

    const text = await readLimited(c.req.raw, maxBytes, options.inflightBudget, nodeIncoming(c.env));
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
    // Hono's c.req.json() (what the zod validators call) parses the *text*
    // cache. Without one it serializes the cached JSON and reads that back
    // through a new Response and its body stream (profiled: a few percent of
    // the partner hot path's CPU); caching the same serialization here gives
    // the validators the very same value without the stream.
    // (Hono types the cache as values; at run time it holds promises, as for `json` above.)
    (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve(JSON.stringify(parsed));
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

/** Decodes whole bodies (no streaming state: one instance serves every request). */
const UTF8 = new TextDecoder();

/** Returns the body as text, or null when it exceeds maxBytes (after draining it). */
async function readLimited(request: Request, maxBytes: number, inflightBudget?: number, incoming?: Readable): Promise<string | null> {
  const bytes = await readLimitedBytes(request, maxBytes, inflightBudget, incoming);
  return bytes === null ? null : UTF8.decode(bytes);
}

/** The Node request stream @hono/node-server hands the app as `env.incoming`, if any (absent on Workers and in-process requests). */
export function nodeIncoming(env: unknown): Readable | undefined {
  const incoming = (env as { incoming?: unknown } | undefined)?.incoming;
  return incoming instanceof Readable ? incoming : undefined;
}

/** Reads a body chunk by chunk; `cancel()` stops reading (the server drains or drops the rest). */
interface ChunkReader {
  read(): Promise<{ done: true; value?: undefined } | { done: false; value: Uint8Array }>;
  cancel(): Promise<void>;
}

/**
 * The body's reader: on Node straight from the request stream, elsewhere the
 * Request's own stream. Reaching for `request.body` on Node makes
 * @hono/node-server build a complete WHATWG Request (URL, a copy of the
 * headers, an AbortSignal) and two web-stream layers around the stream, which
 * profiled at about a twelfth of the partner hot path's CPU for a body of one
 * chunk. Same bytes, same errors (a body cut off rejects the read), and a
 * cancelled read leaves the rest unread for the server to drain, as before.
 */
function bodyReader(request: Request, incoming: Readable | undefined): ChunkReader | null {
  if (incoming) {
    const chunks = incoming.iterator({ destroyOnReturn: false });
    return {
      async read() {
        const next = await chunks.next();
        return next.done ? { done: true } : { done: false, value: next.value as Uint8Array };
      },
      async cancel() {
        await chunks.return?.();
      },
    };
  }
  if (!request.body) return null;
  const reader = request.body.getReader();
  return {
    async read() {
      const next = await reader.read();
      return next.done ? { done: true } : { done: false, value: next.value };
    },
    cancel: () => reader.cancel(),
  };
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

/**
 * Returns the body's bytes, or null when it exceeds maxBytes (after draining
 * it). `incoming`: the Node request stream of `request`, read instead of
 * `request.body` (see bodyReader).
 */
export async function readLimitedBytes(
  request: Request,
  maxBytes: number,
  inflightBudget = DEFAULT_INFLIGHT_BODY_BYTES,
  incoming?: Readable,
): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  const reader = bodyReader(request, incoming);
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let held = 0;
  let tooLarge = Number.isFinite(declared) && declared > maxBytes;
  try {
    for (;;) {
      let next: Awaited<ReturnType<ChunkReader['read']>>;
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
