import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';
import type { AppDeps } from '../context';
import type { Logger } from '../lib/logger';
import { drainDeliveries, UnsafeAddress, type WebhookTransport } from './delivery';
import { isDeliverableAddress, type UrlPolicy } from './url-safety';

/**
 * Node's side of webhook delivery: a transport that checks every address a
 * destination's name resolves to at connect time (so a name that resolves, or
 * later re-resolves, to an internal address is never connected to), and the
 * delivery loop of a gateway process.
 */

/** A DNS lookup that fails when any resolved address is not deliverable. */
export function safeLookup(policy: UrlPolicy) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number | string } | number,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    const opts = typeof options === 'number' ? { family: options } : options;
    dnsLookup(hostname, { family: Number(opts.family ?? 0) as 0 | 4 | 6, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      if (addresses.length === 0 || addresses.some((a) => !isDeliverableAddress(a.address, policy))) {
        return callback(Object.assign(new UnsafeAddress(), { code: 'EUNSAFEADDRESS' }), []);
      }
      if (opts.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** The Node transport: undici with the safe lookup; keep-alive across deliveries. */
export function nodeWebhookTransport(policy: UrlPolicy): { transport: WebhookTransport; close(): Promise<void> } {
  const agent = new Agent({
    connect: { lookup: safeLookup(policy) as never, timeout: 10_000 },
    keepAliveTimeout: 10_000,
    connections: 16,
  });
  const transport: WebhookTransport = async (url, init) => {
    try {
      const response = await undiciFetch(url, {
        method: 'POST',
        headers: init.headers,
        body: init.body,
        redirect: 'manual',
        dispatcher: agent,
        signal: AbortSignal.timeout(init.timeoutMs),
      });
      await response.body?.cancel().catch(() => {});
      return { status: response.status };
    } catch (err) {
      if (findCause(err, (e) => e instanceof UnsafeAddress || (e as { code?: string }).code === 'EUNSAFEADDRESS')) {
        throw new UnsafeAddress();
      }
      throw err;
    }
  };
  return { transport, close: () => agent.close() };
}

function findCause(err: unknown, test: (e: unknown) => boolean): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (test(e)) return true;
  }
  return false;
}

export interface DeliveryLoop {
  /** Deliveries were queued: drain soon. */
  notify(): void;
  /** Stops the loop and waits for the batch in flight. */
  close(): Promise<void>;
}

/**
 * The delivery loop of a Node gateway: drains whenever notified (a webhook
 * arrived), when a retry it scheduled falls due, and every `pollMs` (deliveries
 * queued or left by other instances, expired leases). One batch at a time.
 */
export function startDeliveryLoop(
  deps: () => Pick<AppDeps, 'db' | 'keyring' | 'audit' | 'config' | 'clock' | 'log' | 'webhooks'>,
  options: { pollMs: number; log: Logger },
): DeliveryLoop {
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let transport: ReturnType<typeof nodeWebhookTransport> | undefined;

  const later = (ms: number) => {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      notify();
    }, ms);
    timer.unref?.();
    timers.add(timer);
  };

  const run = async () => {
    do {
      again = false;
      try {
        const d = deps();
        transport ??= nodeWebhookTransport({ allowLoopback: d.config.webhooks.allowLoopback });
        for (;;) {
          const result = await drainDeliveries(d, transport.transport);
          if (result.nextRetryMs !== undefined) later(result.nextRetryMs + 10);
          if (result.attempted === 0 || closed) break;
        }
      } catch (err) {
        options.log.error('webhook delivery loop failed', { error: err instanceof Error ? err.name : 'unknown' });
      }
    } while (again && !closed);
  };

  const notify = () => {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = run().finally(() => {
      running = undefined;
    });
  };

  const poll = options.pollMs > 0 ? setInterval(notify, options.pollMs) : undefined;
  poll?.unref?.();

  return {
    notify,
    async close() {
      closed = true;
      if (poll) clearInterval(poll);
      for (const timer of timers) clearTimeout(timer);
      await running;
      await transport?.close();
    },
  };
}
