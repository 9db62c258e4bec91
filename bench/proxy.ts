/**
 * Proxy overhead: what the gateway costs on top of the Plaid call, against
 * the floor of any Node proxy, in one run and side by side.
 *
 * Three server processes, each its own: the Plaid emulator
 * (src/emulator/server.ts, rate limits off), a bare keep-alive reverse proxy
 * in front of it (bench/bare-proxy.ts), and the gateway (src/node/start.ts,
 * PLAID_ENV=emulator, PLAID_BASE_URL = the emulator process) with everything
 * on: authentication, permissions, exact rate limits (generous overrides: all
 * admitted, all counted), the audit record committed before the answer.
 * autocannon, in this process, drives POST /processor/auth/get on each path:
 *   emulator   raw Plaid token, Plaid keys (the upstream alone)
 *   bare       the same request through the bare proxy
 *   gateway    gateway token, partner keys
 * After a warm-up of every path: BENCH_ROUNDS rounds, each measuring
 * saturation (BENCH_CONNECTIONS connections) and then every offered rate
 * (BENCH_RATES), the three paths one after the other per measure, so drift
 * hits all three alike. Medians over rounds; every non-2xx and error counted.
 *
 * Writes bench/results/proxy.{json,md,svg}; prints the tables on stdout.
 *
 *   npm run bench -- proxy                     # fresh database on local PostgreSQL
 *   BENCH_DB=pglite npm run bench -- proxy     # PGlite in a temp dir
 *   BENCH_DATABASE_URL=postgres://... BENCH_ROUNDS=5 BENCH_DURATION=10 npx tsx bench/proxy.ts
 *
 * Env: BENCH_DURATION (s per measure, default 5), BENCH_WARMUP (s per path,
 * default 3), BENCH_ROUNDS (3), BENCH_CONNECTIONS (32), BENCH_RATES
 * (250,500,1000,1500), BENCH_PACING (staggered | autocannon: see lib/load.ts),
 * BENCH_DB (postgres | pglite), BENCH_DATABASE_URL.
 * Exits 1 when any request failed or answered non-2xx (the numbers are then
 * written, flagged, but not to be trusted).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { type BenchDatabase, openBenchDatabase } from './lib/database';
import { type LoadResult, type LoadSpec, runLoad } from './lib/load';
import { childEnv, emulatorEnv, gatewayEnv, PLAID, setUp } from './lib/setup';
import { assertAlive, cpuOfPid, cpuTimes, freePorts, installSignalHandlers, sleep, spawnService, stopAll, waitForHttp } from './lib/processes';
import {
  evaluateTargets,
  markdown,
  PATHS,
  type PathKey,
  problemsOf,
  rateKey,
  type Round,
  type RunRecord,
  SATURATION,
  type Settings,
  summarize,
  svg,
  tables,
} from './lib/proxy-report';

const settings: Settings = {
  durationSeconds: positive('BENCH_DURATION', 5),
  warmupSeconds: positive('BENCH_WARMUP', 3),
  rounds: Math.round(positive('BENCH_ROUNDS', 3)),
  connections: Math.round(positive('BENCH_CONNECTIONS', 32)),
  rates: (process.env.BENCH_RATES ?? '250,500,1000,1500').split(',').map((r) => {
    const n = Number(r.trim());
    if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_RATES: "${r}" is not a positive integer`);
    return n;
  }),
  pacing: process.env.BENCH_PACING === 'autocannon' ? 'autocannon' : 'staggered',
  targetRate: 500,
};
const ROOT = join(import.meta.dirname, '..');
const RESULTS = join(import.meta.dirname, 'results');

let database: BenchDatabase | undefined;
let cleaningUp: Promise<void> | undefined;
const cleanup = () =>
  (cleaningUp ??= (async () => {
    await stopAll();
    await database?.drop().catch((err) => console.error(`could not drop the bench database: ${err instanceof Error ? err.message : err}`));
  })());

async function main(): Promise<number> {
  installSignalHandlers(cleanup);
  const loadavgStart = os.loadavg();
  database = await openBenchDatabase();
  console.error(`database: ${database.kind} (${database.where})`);

  const [emulatorPort, barePort, gatewayPort] = (await freePorts(3)) as [number, number, number];
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const env = childEnv();
  spawnService('emulator', 'src/emulator/server.ts', emulatorEnv(env, emulatorPort), ROOT);
  spawnService('bare proxy', 'bench/bare-proxy.ts', { ...env, BARE_PROXY_UPSTREAM: emulatorUrl, BARE_PROXY_PORT: String(barePort) }, ROOT);
  spawnService('gateway', 'src/node/start.ts', gatewayEnv(env, database.env, emulatorUrl, gatewayPort), ROOT);
  await waitForHttp(`${emulatorUrl}/health`, { timeoutMs: 60_000 });
  await waitForHttp(`${bareUrl}/health`, { timeoutMs: 30_000 });
  await waitForHttp(`${gatewayUrl}/ready`, { timeoutMs: 90_000, ok: (s) => s === 200 });

  const { partnerKeys, gatewayToken, rawToken } = await setUp(gatewayUrl, emulatorUrl);
  const plaidBody = JSON.stringify({ ...PLAID, processor_token: rawToken });
  const specs: Record<PathKey, Pick<LoadSpec, 'url' | 'body'>> = {
    emulator: { url: `${emulatorUrl}/processor/auth/get`, body: plaidBody },
    bare: { url: `${bareUrl}/processor/auth/get`, body: plaidBody },
    gateway: { url: `${gatewayUrl}/processor/auth/get`, body: JSON.stringify({ ...partnerKeys, processor_token: gatewayToken }) },
  };
  await checkAnswers(specs);

  const warmup = {} as Record<PathKey, LoadResult>;
  for (const { key, label } of PATHS) {
    warmup[key] = await measure(`warm-up ${label}`, { ...specs[key], connections: settings.connections, durationSeconds: settings.warmupSeconds });
  }

  const measures = [SATURATION, ...settings.rates.map(rateKey)];
  const rounds: Round[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    const current: Round = { round, startedAt: new Date().toISOString(), loadavg: os.loadavg(), results: { emulator: {}, bare: {}, gateway: {} } };
    rounds.push(current);
    for (const [i, m] of measures.entries()) {
      const rate = i === 0 ? undefined : settings.rates[i - 1];
      for (const { key, label } of PATHS) {
        current.results[key][m] = await measure(`round ${round}/${settings.rounds} ${m.padEnd(10)} ${label}`, {
          ...specs[key],
          connections: settings.connections,
          durationSeconds: settings.durationSeconds,
          overallRate: rate,
          pacing: settings.pacing,
        });
      }
    }
  }

  const medians = summarize(rounds, measures);
  const run: RunRecord = {
    bench: 'proxy',
    date: new Date().toISOString(),
    git: gitInfo(),
    machine: {
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      cpus: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      loadavgStart,
      loadavgEnd: os.loadavg(),
    },
    database: { kind: database.kind, where: database.where },
    settings,
    request: 'POST /processor/auth/get, JSON body {client_id, secret, processor_token}',
    warmup,
    rounds,
    medians,
    targets: evaluateTargets(medians, settings),
    problems: problemsOf(warmup, rounds),
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, 'proxy.json'), JSON.stringify(run, null, 2) + '\n');
  writeFileSync(join(RESULTS, 'proxy.md'), markdown(run));
  writeFileSync(join(RESULTS, 'proxy.svg'), svg(run));

  console.log(`\n## Proxy overhead (${run.database.kind}, commit ${run.git.commit}${run.git.dirty.length ? ', uncommitted changes' : ''})\n`);
  console.log(tables(run));
  console.log(`\nwritten: bench/results/proxy.json, proxy.md, proxy.svg`);
  if (run.problems.length) {
    console.error(`\n!!! ${run.problems.length} run(s) had errors or non-2xx answers: these numbers are NOT trustworthy !!!`);
    for (const p of run.problems) console.error(`  - ${p}`);
    return 1;
  }
  return 0;
}

/**
 * One load run, with a progress line on stderr; fails at once if a server died.
 * Afterwards one more request, answered only once the server has worked off
 * what the load left in flight (a saturated path still holds up to
 * `connections` requests when the load generator hangs up), so that backlog
 * does not spill into the next measure.
 */
async function measure(name: string, spec: LoadSpec): Promise<LoadResult> {
  assertAlive();
  const pgPids = (await database?.backendPids?.()) ?? [];
  const [servicesBefore, pgBefore] = [cpuTimes(), pgPids.map(cpuOfPid)];
  const r = await runLoad(spec);
  const [servicesAfter, pgAfter] = [cpuTimes(), pgPids.map(cpuOfPid)];
  r.cpuMs = {
    ...Object.fromEntries(Object.entries(servicesAfter).map(([name, after]) => [name, diff(servicesBefore[name], after)])),
    postgres: sumDiff(pgBefore, pgAfter),
  };
  assertAlive();
  await drain(spec);
  const bad = r.non2xx || r.errors ? `  !!! ${r.non2xx} non-2xx, ${r.errors} errors` : '';
  console.error(
    `${name.padEnd(52)} ${r.offered ? `offered ${String(r.offered).padStart(5)}` : 'saturation   '}  ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2).padStart(7)}  p99 ${r.p99.toFixed(2).padStart(7)} ms${bad}`,
  );
  await sleep(250);
  return r;
}

const diff = (before: number | null | undefined, after: number | null) => (after !== null && before != null ? Math.round(after - before) : null);
/** Summed over the processes seen both before and after; null when there were none. */
function sumDiff(before: Array<number | null>, after: Array<number | null>): number | null {
  const diffs = after.map((a, i) => diff(before[i], a)).filter((d): d is number => d !== null);
  return diffs.length ? diffs.reduce((a, b) => a + b, 0) : null;
}

async function drain(spec: LoadSpec): Promise<void> {
  try {
    const res = await fetch(spec.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: spec.body, signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer();
  } catch (err) {
    console.error(`  (drain request to ${spec.url} failed: ${err instanceof Error ? err.message : err})`);
  }
}

/**
 * One request per path before any load: each must answer 200 with account numbers.
 * The gateway's answer also proves it calls the emulator process (the token
 * exists there only), not an embedded emulator of its own.
 */
async function checkAnswers(specs: Record<PathKey, Pick<LoadSpec, 'url' | 'body'>>) {
  for (const { key, label } of PATHS) {
    const res = await fetch(specs[key].url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: specs[key].body,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (res.status !== 200 || typeof (JSON.parse(text) as { numbers?: unknown }).numbers !== 'object') {
      throw new Error(`${label}: POST /processor/auth/get answered ${res.status}: ${text.slice(0, 300)}`);
    }
  }
}

function gitInfo(): RunRecord['git'] {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    // What the measured processes run: uncommitted changes there mean the commit alone does not describe the code.
    const dirty = git('status', '--porcelain', '--', 'src', 'drizzle', 'bench/bare-proxy.ts', 'package.json', 'package-lock.json')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(3));
    return { commit: git('rev-parse', '--short', 'HEAD').trim(), dirty };
  } catch {
    return { commit: 'unknown', dirty: [] };
  }
}

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!(n > 0)) throw new Error(`${name}: "${raw}" is not a positive number`);
  return n;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`\nbench/proxy failed: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
} finally {
  await cleanup();
}
process.exit(code);
