/**
 * One load run with autocannon (programmatic API), either closed-loop
 * saturation (`connections` busy all the time) or a fixed offered rate
 * (`overallRate`).
 *
 * Latency is recorded here, from autocannon's per-response `response` event
 * (hrtime, float milliseconds, every status), not from autocannon's own
 * histogram: that one has 1 ms resolution, keeps 2xx only, and with a rate set
 * it "corrects" coordinated omission with an expected interval of
 * ceil(1/rate) = 1 ms, which adds synthetic samples at 1, 2, 3 ... ms below
 * every real one. Latency is measured from the moment the request is written.
 *
 * Pacing at a fixed rate: autocannon gives each connection a quota of
 * rate/connections requests per second, sent back to back when that
 * connection's one-second window opens, and all windows open together: with
 * 32 connections every second starts with 32 simultaneous requests (a burst at
 * saturation), then silence. `pacing: 'staggered'` (the default) shifts
 * connection i's window by i/connections of a second, so the quotas are spread
 * over the second; the offered rate is unchanged. It reaches into autocannon's
 * client internals (pinned version 9.0.0): see staggerRateWindow.
 */
import autocannon from 'autocannon';
import { percentile } from './stats';

export interface LoadSpec {
  url: string;
  body: string;
  headers?: Record<string, string>;
  connections: number;
  durationSeconds: number;
  /** Offered requests per second over all connections; undefined = saturation. */
  overallRate?: number;
  pacing?: 'staggered' | 'autocannon';
}

export interface LoadResult {
  /** Completed responses (any status). */
  responses: number;
  seconds: number;
  /** Achieved rate: completed responses per second. */
  rps: number;
  offered: number | null;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  /** Connection errors and timeouts (no response at all). */
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** The first few error messages, to show what went wrong. */
  errorSamples: string[];
  /** CPU ms each server process used during the run (filled in by the caller). */
  cpuMs?: Record<string, number | null>;
}

export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const errorSamples: string[] = [];
  let non2xx = 0;
  let clientIndex = 0;
  const staggered = spec.overallRate !== undefined && (spec.pacing ?? 'staggered') === 'staggered';
  const connections = spec.overallRate ? Math.min(spec.connections, spec.overallRate) : spec.connections;

  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...spec.headers },
        body: spec.body,
        connections,
        pipelining: 1,
        duration: spec.durationSeconds,
        timeout: 10,
        ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
        ...(staggered ? { setupClient: (client: autocannon.Client) => staggerRateWindow(client, clientIndex++, connections) } : {}),
      },
      (err, result) => {
        clearTimeout(watchdog);
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        latencies.sort((a, b) => a - b);
        resolve({
          responses: latencies.length,
          seconds: result.duration,
          rps: latencies.length / result.duration,
          offered: spec.overallRate ?? null,
          p50: percentile(latencies, 50),
          p90: percentile(latencies, 90),
          p99: percentile(latencies, 99),
          max: latencies[latencies.length - 1] ?? Number.NaN,
          non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          statusCodes,
          errorSamples,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode < 200 || statusCode >= 300) non2xx++;
    });
    instance.on('reqError', (err: unknown) => {
      if (errorSamples.length < 5) errorSamples.push(err instanceof Error ? err.message : String(err));
    });
    // Bounded: autocannon stops itself after `duration`; this is the backstop.
    const watchdog = setTimeout(() => {
      instance.stop();
      errorSamples.push('watchdog: the run did not finish in time and was stopped');
    }, (spec.durationSeconds + 30) * 1000);
  });
}

/** The autocannon 9.0.0 client fields staggerRateWindow touches (lib/httpClient.js). */
interface RateLimitedClient {
  rate: number;
  reqsMadeThisSecond: number;
  rateInterval: ReturnType<typeof setInterval>;
  paused: boolean;
  destroyed: boolean;
  _doRequest(): void;
}

/**
 * Called by autocannon (setupClient) inside the client's constructor, before it
 * starts its one-second quota timer and sends its first request. Holds the
 * first request (quota spent), then after `index/count` of a second replaces
 * the quota timer by one with the same body (reset the quota, resume if
 * paused) that ticks from there on. destroy() clears whatever timer
 * `rateInterval` holds, so the replacement is cleaned up as the original was.
 */
function staggerRateWindow(client: autocannon.Client, index: number, count: number): void {
  const c = client as unknown as RateLimitedClient;
  if (!c.rate) return;
  c.reqsMadeThisSecond = Number.POSITIVE_INFINITY;
  const tick = () => {
    c.reqsMadeThisSecond = 0;
    if (c.paused) c._doRequest();
    c.paused = false;
  };
  setTimeout(
    () => {
      if (c.destroyed) return;
      clearInterval(c.rateInterval);
      c.rateInterval = setInterval(tick, 1000);
      tick();
    },
    Math.round((index / count) * 1000),
  );
}
