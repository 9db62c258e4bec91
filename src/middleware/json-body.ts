import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from '../context';
import { errors } from '../plaid/errors';

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
  options: { emptyAsObject?: (path: string) => boolean } = {},
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method;
    if (method !== 'POST' && method !== 'PATCH' && method !== 'PUT') return next();
    // Unknown routes answer NOT_FOUND whatever their body is.
    if (!matchedRoutes(c).some((route) => route.method === method)) return next();

    const text = await readLimited(c.req.raw, maxBytes);
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

/** Returns the body as text, or null when it exceeds maxBytes (after draining it). */
async function readLimited(request: Request, maxBytes: number): Promise<string | null> {
  const bytes = await readLimitedBytes(request, maxBytes);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}

/** Returns the body's bytes, or null when it exceeds maxBytes (after draining it). */
export async function readLimitedBytes(request: Request, maxBytes: number): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let tooLarge = Number.isFinite(declared) && declared > maxBytes;
  for (;;) {
    const { done, value } = await reader.read();
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
    chunks.push(value);
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
