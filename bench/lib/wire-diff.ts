/**
 * Compares what two checkouts of the gateway answer, byte for byte except the
 * values that differ by nature (request ids, dates, rate-limit counters): for
 * checking that a performance change changed nothing on the wire. Starts one
 * emulator and, for each checkout, a gateway on a fresh database, sets each up
 * alike (bench/lib/setup.ts) and sends both the same requests.
 *
 *   npx tsx bench/lib/wire-diff.ts /path/to/other/checkout
 */
import { join } from 'node:path';
import { openBenchDatabase, type BenchDatabase } from './database';
import { freePorts, installSignalHandlers, spawnService, stopAll, waitForHttp } from './processes';
import { ADMIN_KEY, childEnv, emulatorEnv, gatewayEnv, setUp } from './setup';

const ROOT = join(import.meta.dirname, '..', '..');
const OTHER = process.argv[2];
if (!OTHER) throw new Error('usage: npx tsx bench/lib/wire-diff.ts <other checkout>');

const databases: BenchDatabase[] = [];
const cleanup = async () => {
  await stopAll();
  for (const d of databases) await d.drop().catch(() => {});
};

/** Values that differ from run to run, blanked before comparing. */
const VOLATILE_HEADERS = new Set(['x-request-id', 'date', 'ratelimit', 'ratelimit-policy', 'ratelimit-remaining', 'ratelimit-reset', 'keep-alive']);
function normalize(text: string): string {
  return text
    .replace(/"request_id":"[A-Za-z0-9]+"/g, '"request_id":"*"')
    .replace(/"account_id":"[A-Za-z0-9]+"/g, '"account_id":"*"')
    .replace(/"plaid_request_id":"[A-Za-z0-9]+"/g, '"plaid_request_id":"*"')
    .replace(/(ptn|ftc|tok|aud|whd|cli)_[a-z0-9]{6,40}/g, '$1_*')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:*')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>')
    .replace(/[0-9a-f]{64}/g, '<hash>')
    .replace(/"latency_ms":\d+/g, '"latency_ms":*')
    .replace(/processor-gw-[A-Za-z0-9_-]{43}/g, 'processor-gw-*');
}

async function main() {
  installSignalHandlers(cleanup);
  const [emulatorPort, aPort, bPort] = (await freePorts(3)) as [number, number, number];
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const env = childEnv();
  spawnService('emulator', 'src/emulator/server.ts', emulatorEnv(env, emulatorPort), ROOT);
  const urls: string[] = [];
  for (const [name, root, port] of [['this', ROOT, aPort], ['other', OTHER!, bPort]] as const) {
    const db = await openBenchDatabase();
    databases.push(db);
    spawnService(`gateway ${name}`, 'src/node/start.ts', gatewayEnv(env, db.env, emulatorUrl, port), root);
    urls.push(`http://127.0.0.1:${port}`);
  }
  await waitForHttp(`${emulatorUrl}/health`, { timeoutMs: 60_000 });
  for (const url of urls) await waitForHttp(`${url}/ready`, { timeoutMs: 90_000, ok: (s) => s === 200 });
  const setups: Array<Awaited<ReturnType<typeof setUp>>> = [];
  for (const url of urls) setups.push(await setUp(url, emulatorUrl));

  // volatileLength: the body holds latencies, whose digits vary.
  type Probe = { name: string; method: string; path: string; volatileLength?: boolean; body?: (s: (typeof setups)[number]) => string | undefined; headers?: (s: (typeof setups)[number]) => Record<string, string> };
  const keys = (s: (typeof setups)[number]) => ({ ...s.partnerKeys, processor_token: s.gatewayToken });
  const probes: Probe[] = [
    { name: 'auth/get ok', method: 'POST', path: '/processor/auth/get', body: (s) => JSON.stringify(keys(s)) },
    { name: 'auth/get keys in headers', method: 'POST', path: '/processor/auth/get', body: (s) => JSON.stringify({ processor_token: s.gatewayToken }), headers: (s) => ({ 'plaid-client-id': s.partnerKeys.client_id, 'plaid-secret': s.partnerKeys.secret }) },
    { name: 'balance/get ok', method: 'POST', path: '/processor/balance/get', body: (s) => JSON.stringify(keys(s)) },
    { name: 'identity/get', method: 'POST', path: '/processor/identity/get', body: (s) => JSON.stringify(keys(s)) },
    { name: 'auth/get text/plain', method: 'POST', path: '/processor/auth/get', body: (s) => JSON.stringify(keys(s)), headers: () => ({ 'content-type': 'text/plain' }) },
    { name: 'auth/get wrong secret', method: 'POST', path: '/processor/auth/get', body: (s) => JSON.stringify({ ...keys(s), secret: 'x'.repeat(30) }) },
    { name: 'auth/get bad token', method: 'POST', path: '/processor/auth/get', body: (s) => JSON.stringify({ ...keys(s), processor_token: 'processor-gw-' + 'a'.repeat(43) }) },
    { name: 'auth/get unknown field', method: 'POST', path: '/processor/auth/get', body: (s) => JSON.stringify({ ...keys(s), extra: 1 }) },
    { name: 'auth/get missing token', method: 'POST', path: '/processor/auth/get', body: (s) => JSON.stringify(s.partnerKeys) },
    { name: 'auth/get not JSON', method: 'POST', path: '/processor/auth/get', body: () => '{nope' },
    { name: 'auth/get empty', method: 'POST', path: '/processor/auth/get', body: () => '' },
    { name: 'auth/get array', method: 'POST', path: '/processor/auth/get', body: () => '[]' },
    { name: 'auth/get NUL', method: 'POST', path: '/processor/auth/get', body: (s) => JSON.stringify({ ...keys(s), processor_token: 'a\u0000b' }) },
    { name: 'auth/get -0 and 1e400', method: 'POST', path: '/processor/auth/get', body: (s) => JSON.stringify(keys(s)).replace(/}$/, ',"options":{"x":-0,"y":1e400}}') },
    { name: 'auth/get too large', method: 'POST', path: '/processor/auth/get', body: () => JSON.stringify({ a: 'x'.repeat(2_000_000) }) },
    { name: 'plaid-version', method: 'POST', path: '/processor/auth/get', body: (s) => JSON.stringify(keys(s)), headers: () => ({ 'plaid-version': '2020-09-14' }) },
    { name: 'unknown route', method: 'POST', path: '/processor/nope', body: () => '{}' },
    { name: 'health', method: 'GET', path: '/health' },
    { name: 'ready', method: 'GET', path: '/ready' },
    { name: 'admin list no key', method: 'GET', path: '/admin/partners' },
    { name: 'admin list', method: 'GET', path: '/admin/partners', headers: () => ({ authorization: `Bearer ${ADMIN_KEY}` }) },
    { name: 'metrics no key', method: 'GET', path: '/metrics' },
    { name: 'openapi', method: 'GET', path: '/openapi.json' },
    { name: 'docs', method: 'GET', path: '/docs' },
    { name: 'NUL in URL', method: 'GET', path: '/admin/partners/%00' },
    { name: 'audit no key', method: 'GET', path: '/audit/events' },
    { name: 'audit events', method: 'GET', path: '/audit/events?limit=5', volatileLength: true, headers: () => ({ authorization: `Bearer ${ADMIN_KEY}` }) },
  ];
  let differences = 0;
  for (const probe of probes) {
    const answers = [];
    for (const [i, url] of urls.entries()) {
      const res = await fetch(url + probe.path, {
        method: probe.method,
        headers: { ...(probe.body ? { 'content-type': 'application/json' } : {}), ...probe.headers?.(setups[i]!) },
        body: probe.body?.(setups[i]!),
      });
      const headers = [...res.headers.entries()]
        .filter(([k]) => !VOLATILE_HEADERS.has(k) && !(probe.volatileLength && k === 'content-length')).map(([k, v]) => `${k}: ${normalize(v)}`);
      const body = normalize(await res.text());
      answers.push({ status: res.status, headers: headers.join('\n'), body, hasId: res.headers.has('x-request-id') });
    }
    const [a, b] = answers as [(typeof answers)[0], (typeof answers)[0]];
    const same = a.status === b.status && a.headers === b.headers && a.body === b.body && a.hasId === b.hasId;
    if (!same) differences++;
    console.log(`${same ? 'same' : 'DIFF'}  ${String(a.status).padEnd(4)} ${probe.name}`);
    if (!same) {
      for (const part of ['status', 'headers', 'body', 'hasId'] as const) {
        const [x, y] = [String(a[part]), String(b[part])];
        if (x === y) continue;
        let i = 0;
        while (x[i] === y[i]) i++;
        console.log(`  ${part} differs at ${i}:\n    this:  ${x.slice(Math.max(0, i - 80), i + 80)}\n    other: ${y.slice(Math.max(0, i - 80), i + 80)}`);
      }
    }
  }
  // The audit trails must match too (same records, same order, volatile values blanked).
  const trails = [];
  for (const url of urls) {
    const res = await fetch(`${url}/audit/events?limit=500&order=asc`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    const json = (await res.json()) as { events?: Array<Record<string, unknown>>; data?: Array<Record<string, unknown>> };
    const events = (json.events ?? json.data ?? []).map((e) => {
      const { seq: _s, occurred_at: _o, request_id: _r, latency_ms: _l, hash: _h, prev_hash: _p, plaid_request_id: _pr, ...rest } = e;
      return normalize(JSON.stringify(rest));
    });
    trails.push(events);
  }
  const [ta, tb] = trails as [string[], string[]];
  const trailSame = ta.length === tb.length && ta.every((e, i) => e === tb[i]);
  if (!trailSame) {
    differences++;
    for (let i = 0; i < Math.max(ta.length, tb.length); i++) if (ta[i] !== tb[i]) console.log(`audit #${i}\n  this:  ${ta[i]}\n  other: ${tb[i]}`);
  }
  console.log(`audit trail: ${ta.length} vs ${tb.length} records, ${trailSame ? 'same' : 'DIFFERENT'}`);
  console.log(differences ? `${differences} difference(s)` : 'no difference');
  return differences;
}

let code = 1;
try {
  code = (await main()) ? 1 : 0;
} catch (err) {
  console.error(err);
} finally {
  await cleanup();
}
process.exit(code);
