/**
 * Two checkouts of the gateway measured in one run, alternately: for telling a
 * change's effect from this machine's drift (its speed moves by 2x between
 * runs minutes apart, so two runs of bench/proxy.ts do not compare). One
 * emulator; per checkout a gateway on a fresh database of its own, set up
 * alike (bench/lib/setup.ts). Each round measures saturation (32
 * connections) and then COMPARE_RATE req/s on one gateway, then the other
 * (which goes first alternates), and reports per gateway the medians over
 * rounds: req/s, p50/p99, and the CPU per call of the gateway process and of
 * its PostgreSQL backends. Not a benchmark of its own (bench/run.ts only runs
 * top-level files).
 *
 *   npx tsx bench/lib/compare-gateways.ts /path/to/baseline/checkout
 *   COMPARE_ROUNDS=5 COMPARE_SECONDS=5 COMPARE_RATE=500 npx tsx bench/lib/compare-gateways.ts /tmp/base
 */
import { join } from 'node:path';
import { openBenchDatabase, type BenchDatabase } from './database';
import { runLoad, type LoadResult } from './load';
import { cpuOfPid, freePorts, installSignalHandlers, type Service, sleep, spawnService, stopAll, waitForHttp } from './processes';
import { childEnv, emulatorEnv, gatewayEnv, setUp } from './setup';
import { median } from './stats';

const ROOT = join(import.meta.dirname, '..', '..');
const OTHER = process.argv[2];
const rounds = Number(process.env.COMPARE_ROUNDS ?? 5);
const seconds = Number(process.env.COMPARE_SECONDS ?? 5);
const rate = Number(process.env.COMPARE_RATE ?? 500);

const databases: BenchDatabase[] = [];
const cleanup = async () => {
  await stopAll();
  for (const d of databases) await d.drop().catch(() => {});
};

interface Gateway {
  name: string;
  url: string;
  service: Service;
  db: BenchDatabase;
  body: string;
  samples: { saturation: Sample[]; rate: Sample[] };
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  cpuMs: number;
  pgMs: number;
  bad: number;
}

async function main() {
  if (!OTHER) throw new Error('usage: npx tsx bench/lib/compare-gateways.ts <baseline checkout>');
  installSignalHandlers(cleanup);
  const [emulatorPort, ...ports] = (await freePorts(3)) as [number, number, number];
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const env = childEnv();
  spawnService('emulator', 'src/emulator/server.ts', emulatorEnv(env, emulatorPort), ROOT);
  const gateways: Gateway[] = [];
  for (const [i, [name, root]] of ([['this checkout', ROOT], ['baseline', OTHER]] as const).entries()) {
    const db = await openBenchDatabase();
    databases.push(db);
    const service = spawnService(`gateway ${name}`, 'src/node/start.ts', gatewayEnv(env, db.env, emulatorUrl, ports[i]!), root);
    gateways.push({ name, url: `http://127.0.0.1:${ports[i]}`, service, db, body: '', samples: { saturation: [], rate: [] } });
  }
  await waitForHttp(`${emulatorUrl}/health`, { timeoutMs: 60_000 });
  for (const g of gateways) {
    await waitForHttp(`${g.url}/ready`, { timeoutMs: 90_000, ok: (s) => s === 200 });
    const { partnerKeys, gatewayToken } = await setUp(g.url, emulatorUrl);
    g.body = JSON.stringify({ ...partnerKeys, processor_token: gatewayToken });
    await runLoad({ url: `${g.url}/processor/auth/get`, body: g.body, connections: 32, durationSeconds: 3 }); // warm-up
  }

  const measure = async (g: Gateway, overallRate?: number): Promise<Sample> => {
    const pgPids = (await g.db.backendPids?.()) ?? [];
    const cpu = () => [cpuOfPid(g.service.child.pid!) ?? 0, pgPids.reduce((sum, pid) => sum + (cpuOfPid(pid) ?? 0), 0)];
    const [cpuBefore, pgBefore] = cpu() as [number, number];
    const r: LoadResult = await runLoad({ url: `${g.url}/processor/auth/get`, body: g.body, connections: 32, durationSeconds: seconds, overallRate });
    const [cpuAfter, pgAfter] = cpu() as [number, number];
    await sleep(500);
    const calls = Math.max(1, r.responses);
    return { rps: r.rps, p50: r.p50, p99: r.p99, cpuMs: (cpuAfter - cpuBefore) / calls, pgMs: (pgAfter - pgBefore) / calls, bad: r.non2xx + r.errors };
  };

  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 ? gateways : [...gateways].reverse();
    for (const g of order) g.samples.saturation.push(await measure(g));
    for (const g of order) g.samples.rate.push(await measure(g, rate));
    const line = (kind: 'saturation' | 'rate') =>
      gateways.map((g) => {
        const s = g.samples[kind].at(-1)!;
        return `${g.name} ${s.rps.toFixed(0)} req/s ${s.cpuMs.toFixed(3)}+${s.pgMs.toFixed(3)} ms CPU`;
      });
    console.error(`round ${round}/${rounds}: saturation ${line('saturation').join(' | ')}; at ${rate}: ${line('rate').join(' | ')}`);
  }

  const med = (samples: Sample[], key: keyof Sample) => median(samples.map((s) => s[key]));
  console.log(`\n| gateway | saturation req/s | CPU ms/call (gateway) | CPU ms/call (PostgreSQL) | at ${rate} req/s: achieved | p50 ms | p99 ms | CPU ms/call (gateway) | non-2xx + errors |`);
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const g of gateways) {
    const { saturation: s, rate: r } = g.samples;
    console.log(
      `| ${g.name} | ${med(s, 'rps').toFixed(0)} | ${med(s, 'cpuMs').toFixed(3)} | ${med(s, 'pgMs').toFixed(3)} | ${med(r, 'rps').toFixed(0)} | ${med(r, 'p50').toFixed(2)} | ${med(r, 'p99').toFixed(2)} | ${med(r, 'cpuMs').toFixed(3)} | ${[...s, ...r].reduce((n, x) => n + x.bad, 0)} |`,
    );
  }
  const [a, b] = gateways as [Gateway, Gateway];
  const ratio = (key: keyof Sample, kind: 'saturation' | 'rate') => med(a.samples[kind], key) / med(b.samples[kind], key);
  console.log(
    `\nthis / baseline: saturation req/s ${ratio('rps', 'saturation').toFixed(2)}x, gateway CPU per call ${ratio('cpuMs', 'saturation').toFixed(2)}x ` +
      `(at ${rate} req/s ${ratio('cpuMs', 'rate').toFixed(2)}x), PostgreSQL CPU per call ${ratio('pgMs', 'saturation').toFixed(2)}x`,
  );
}

try {
  await main();
} catch (err) {
  console.error(`compare failed: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
