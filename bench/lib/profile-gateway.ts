/**
 * A CPU profile of the gateway under the proxy bench's load: the emulator and
 * the gateway as bench/proxy.ts starts them (fresh database on the local
 * PostgreSQL, or BENCH_DB / BENCH_DATABASE_URL), the gateway under
 * `node --cpu-prof`, a warm-up, then PROFILE_SECONDS of load on
 * POST /processor/auth/get (saturation with 32 connections, or PROFILE_RATE
 * req/s). The gateway is stopped cleanly (SIGTERM: the profile is written on
 * exit) and the samples of the load window are summarised (bench/lib/cpuprofile.ts).
 * Not a benchmark (bench/run.ts only runs top-level files).
 *
 *   npx tsx bench/lib/profile-gateway.ts                      # 20 s at saturation
 *   PROFILE_SECONDS=30 PROFILE_RATE=500 npx tsx bench/lib/profile-gateway.ts
 *
 * Writes the profile to PROFILE_DIR (default /tmp/gw-profile-<time>/) and prints its path and the summary.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openBenchDatabase, type BenchDatabase } from './database';
import { formatSummary, summarize, type CpuProfile } from './cpuprofile';
import { runLoad } from './load';
import { cpuOfPid, freePorts, installSignalHandlers, sleep, spawnService, stopAll, waitForHttp } from './processes';
import { childEnv, emulatorEnv, gatewayEnv, setUp } from './setup';

const ROOT = join(import.meta.dirname, '..', '..');
const seconds = Number(process.env.PROFILE_SECONDS ?? 20);
const rate = process.env.PROFILE_RATE ? Number(process.env.PROFILE_RATE) : undefined;
const dir = process.env.PROFILE_DIR ?? `/tmp/gw-profile-${Date.now()}`;

let database: BenchDatabase | undefined;
const cleanup = async () => {
  await stopAll();
  await database?.drop().catch(() => {});
};

/** The profile's clock: CLOCK_MONOTONIC in µs, as V8 stamps samples. */
const nowMicros = () => Number(process.hrtime.bigint() / 1000n);

async function main(): Promise<void> {
  installSignalHandlers(cleanup);
  database = await openBenchDatabase();
  const [emulatorPort, gatewayPort] = (await freePorts(2)) as [number, number];
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  const env = childEnv();
  spawnService('emulator', 'src/emulator/server.ts', emulatorEnv(env, emulatorPort), ROOT);
  const gateway = spawnService('gateway', 'src/node/start.ts', gatewayEnv(env, database.env, emulatorUrl, gatewayPort), ROOT, [
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
  ]);
  await waitForHttp(`${emulatorUrl}/health`, { timeoutMs: 60_000 });
  await waitForHttp(`${gatewayUrl}/ready`, { timeoutMs: 90_000, ok: (s) => s === 200 });
  const { partnerKeys, gatewayToken } = await setUp(gatewayUrl, emulatorUrl);
  const spec = {
    url: `${gatewayUrl}/processor/auth/get`,
    body: JSON.stringify({ ...partnerKeys, processor_token: gatewayToken }),
    connections: 32,
  };
  await runLoad({ ...spec, durationSeconds: 5 });

  const cpuBefore = cpuOfPid(gateway.child.pid!);
  const from = nowMicros();
  const result = await runLoad({ ...spec, durationSeconds: seconds, overallRate: rate });
  const to = nowMicros();
  const cpuMs = (cpuOfPid(gateway.child.pid!) ?? 0) - (cpuBefore ?? 0);
  console.log(
    `load: ${result.rps.toFixed(0)} req/s (${rate ? `offered ${rate}` : 'saturation, 32 connections'}), p50 ${result.p50.toFixed(2)} ms, ` +
      `p99 ${result.p99.toFixed(2)} ms, ${result.non2xx} non-2xx, ${result.errors} errors; ` +
      `gateway CPU ${(cpuMs / Math.max(1, result.responses)).toFixed(3)} ms per call (profiler on)`,
  );
  await sleep(500);
  await stopAll();
  // One profile per thread (tsx's loader runs on a thread of its own): the main thread's is the largest.
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0];
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  console.log(`profile: ${join(dir, file)} (window ${from}..${to} µs)`);
  const summary = summarize(profile, { from, to }, Number(process.env.PROFILE_TOP ?? 35));
  console.log(`per call: ${(summary.busyMs / Math.max(1, result.responses)).toFixed(3)} ms sampled busy time`);
  console.log(formatSummary(summary));
}

try {
  await main();
} catch (err) {
  console.error(`profile failed: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
