/**
 * A webhook receiver for tests: a real HTTP server on 127.0.0.1 that records
 * every POST (headers and raw body) and answers the status the test sets.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, any>;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** The status answered from now on (default 200). */
  answer(status: number): void;
  /** The status answered at `path` from now on, whatever `answer` sets (a receiver that fails for one URL only). */
  answerAt(path: string, status: number): void;
  /** Resolves once `count` webhooks have been received (matching `filter`), or rejects after `timeoutMs`. */
  waitFor(count: number, filter?: (w: ReceivedWebhook) => boolean, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  /** Every webhook received at `path` (only those with `webhook_code` `code`, when given), in arrival order. */
  at(path: string, code?: string): ReceivedWebhook[];
  /** The first webhook with `webhook_code` `code` at `path`, waiting for it up to `timeoutMs`. */
  waitForCode(path: string, code: string, timeoutMs?: number): Promise<ReceivedWebhook>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  let status = 200;
  const statusAt = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Record<string, any> = {};
      try {
        json = JSON.parse(body);
      } catch {
        /* recorded as text */
      }
      received.push({ path: req.url ?? '/', headers: req.headers, body, json });
      res.writeHead(statusAt.get(req.url ?? '/') ?? status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const at = (path: string, code?: string) =>
    received.filter((w) => w.path === path && (code === undefined || w.json.webhook_code === code));
  async function waitFor(count: number, filter: (w: ReceivedWebhook) => boolean = () => true, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matching = received.filter(filter);
      if (matching.length >= count) return matching;
      if (Date.now() > deadline) {
        throw new Error(`expected ${count} webhooks, got ${matching.length}: ${received.map((w) => w.json.webhook_code).join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    answer: (next) => {
      status = next;
    },
    answerAt: (path, next) => {
      statusAt.set(path, next);
    },
    waitFor,
    at,
    async waitForCode(path, code, timeoutMs = 10_000) {
      const [first] = await waitFor(1, (w) => w.path === path && w.json.webhook_code === code, timeoutMs).catch(() => {
        throw new Error(`no ${code} webhook at ${path} within ${timeoutMs} ms (got ${at(path).map((w) => w.json.webhook_code).join(', ') || 'nothing'})`);
      });
      return first!;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
