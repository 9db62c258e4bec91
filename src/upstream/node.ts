import { Agent, request } from 'undici';
import type { PlaidUpstream } from './client';
import { createHttpUpstream, type HttpUpstreamOptions, type UpstreamTransport } from './http';

/**
 * The Node upstream: the same client as on Workers, over an undici Agent
 * (a keep-alive connection pool per origin) and `undici.request`, which skips
 * the WHATWG fetch layer (about half the per-call overhead of the global
 * fetch in our measurements). `close()` destroys the pool.
 */
export function undiciTransport(options: { timeoutMs: number; connections?: number }): UpstreamTransport {
  const agent = new Agent({
    connections: options.connections ?? 256,
    keepAliveTimeout: 10_000,
    keepAliveMaxTimeout: 60_000,
    // Backstops only: the client's own deadline (an AbortSignal) normally fires first.
    headersTimeout: options.timeoutMs + 1_000,
    bodyTimeout: options.timeoutMs + 1_000,
    connect: { timeout: Math.min(options.timeoutMs, 10_000) },
  });
  return {
    async send(url, req) {
      const res = await request(url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal: req.signal,
        dispatcher: agent,
      });
      return {
        status: res.statusCode,
        header(name) {
          const value = res.headers[name.toLowerCase()];
          return (Array.isArray(value) ? value[0] : value) ?? null;
        },
        text: () => res.body.text(),
      };
    },
    async close() {
      await agent.destroy();
    },
  };
}

export function createNodeUpstream(options: Omit<HttpUpstreamOptions, 'transport'> & { connections?: number }): PlaidUpstream {
  return createHttpUpstream({ ...options, transport: undiciTransport(options) });
}
