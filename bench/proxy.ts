/**
 * Proxy overhead: what the gateway's pipeline costs on top of the Plaid call.
 *
 * Starts the gateway exactly as `npm start` does (child process: gateway +
 * emulator with EMULATOR_RATE_LIMITS=off, PGlite in a temp dir or DATABASE_URL),
 * sets up a partner and a token through the HTTP APIs, then, in one run and
 * side by side, drives with an undici keep-alive pool:
 *   emulator  POST /processor/auth/get straight to the emulator (the upstream alone)
 *   gateway   POST /processor/auth/get through the gateway (auth, decision, rate
 *             limit, unseal, upstream, audit group commit)
 *   health    GET /health on the gateway (framework floor)
 * and prints req/s, p50/p99 and the ratios. Bounded: REQUESTS per case.
 *
 *   npx tsx bench/proxy.ts            # PGlite
 *   DATABASE_URL=postgres://... npx tsx bench/proxy.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const PORT = 18800 + Math.floor(Math.random() * 100);
const EMULATOR_PORT = PORT + 200;
const ADMIN_KEY = `bench_admin_${'x'.repeat(24)}`;
const PLAID = { client_id: 'bench_client', secret: 'bench_secret_0123456789' };

interface Result {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'gw-bench-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node/start.ts'], {
    env: {
      ...process.env,
      PORT: String(PORT),
      EMULATOR_PORT: String(EMULATOR_PORT),
      HOST: '127.0.0.1',
      PGLITE_DATA_DIR: join(dataDir, 'pglite'),
      GATEWAY_ADMIN_KEY: ADMIN_KEY,
      GATEWAY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      EMULATOR_CLIENTS: `${PLAID.client_id}:${PLAID.secret}`,
      EMULATOR_RATE_LIMITS: 'off',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const gateway = `http://127.0.0.1:${PORT}`;
  const emulator = `http://127.0.0.1:${EMULATOR_PORT}`;
  try {
    await waitFor(`${gateway}/ready`);
    const { partnerKeys, gatewayToken, rawToken } = await setUp(gateway, emulator);
    const results: Result[] = [];
    // Warm up both paths (JIT, pools, PGlite caches) before measuring.
    await drive('warmup', emulator, authGet(PLAID, rawToken), 500);
    await drive('warmup', gateway, authGet(partnerKeys, gatewayToken), 500);
    results.push(await drive('emulator auth/get (upstream alone)', emulator, authGet(PLAID, rawToken), REQUESTS));
    results.push(await drive('gateway auth/get (full pipeline)', gateway, authGet(partnerKeys, gatewayToken), REQUESTS));
    results.push(await drive('gateway GET /health (floor)', gateway, { method: 'GET', path: '/health' }, REQUESTS));
    report(results);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function authGet(keys: { client_id: string; secret: string }, token: string) {
  return {
    method: 'POST' as const,
    path: '/processor/auth/get',
    headers: { 'content-type': 'application/json', 'plaid-client-id': keys.client_id, 'plaid-secret': keys.secret },
    body: JSON.stringify({ processor_token: token }),
  };
}

async function setUp(gateway: string, emulator: string) {
  const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const json = (await res.json()) as Record<string, string>;
    if (res.status >= 300) throw new Error(`${url}: ${res.status} ${json.error_code}`);
    return json;
  };
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };
  // Generous limits: this measures the pipeline, not the limiter refusing.
  const rule = { limit: 1_000_000, window_seconds: 60 };
  const partner = await post(
    `${gateway}/admin/partners`,
    {
      name: 'bench',
      processor: 'dwolla',
      plaid: PLAID,
      rate_limits: { partner: { '/processor/auth/get': rule }, token: { '/processor/auth/get': rule } },
    },
    admin,
  );
  const fintech = await post(`${gateway}/admin/fintechs`, { name: 'bench' }, admin);
  const raw = await post(`${emulator}/sandbox/processor_token/create`, { ...PLAID, institution_id: 'ins_109508' });
  const imported = await post(
    `${gateway}/gateway/processor_token/import`,
    { processor_token: raw.processor_token, partner_id: partner.partner_id },
    { 'plaid-client-id': fintech.client_id!, 'plaid-secret': fintech.secret! },
  );
  return {
    partnerKeys: { client_id: partner.client_id!, secret: partner.secret! },
    gatewayToken: imported.processor_token!,
    rawToken: raw.processor_token!,
  };
}

async function drive(
  name: string,
  origin: string,
  req: { method: 'GET' | 'POST'; path: string; headers?: Record<string, string>; body?: string },
  count: number,
): Promise<Result> {
  const pool = new Pool(origin, { connections: CONCURRENCY, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        next++;
        const t0 = performance.now();
        const res = await pool.request(req);
        await res.body.text();
        if (res.statusCode !== 200) errors++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { name, rps: count / seconds, p50: pct(0.5), p99: pct(0.99), errors };
}

function report(results: Result[]) {
  const [upstream, gateway] = results;
  console.log(`\nproxy overhead: ${REQUESTS} requests per case, concurrency ${CONCURRENCY}, ${process.env.DATABASE_URL ? 'Postgres' : 'PGlite'}`);
  console.log('case                                   req/s    p50 ms   p99 ms  errors');
  for (const r of results) {
    console.log(
      `${r.name.padEnd(37)} ${r.rps.toFixed(0).padStart(7)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${String(r.errors).padStart(7)}`,
    );
  }
  if (upstream && gateway) {
    console.log(`\ngateway / upstream throughput ratio: ${(gateway.rps / upstream.rps).toFixed(2)}`);
    console.log(`added p50 latency: ${(gateway.p50 - upstream.p50).toFixed(2)} ms`);
  }
}

async function waitFor(url: string) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become ready`);
}

await main();
