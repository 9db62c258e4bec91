/**
 * bench/proxy.ts's results: medians over rounds, the Markdown tables and
 * targets, the JSON record and the latency chart.
 */
import type { LoadResult } from './load';
import { median } from './stats';
import { lineChart } from './svg-plot';

export type PathKey = 'emulator' | 'bare' | 'gateway';

/** `service`: the name of the path's own server process (lib/processes.ts). */
export const PATHS: ReadonlyArray<{ key: PathKey; label: string; color: string; service: string }> = [
  { key: 'emulator', label: 'emulator (upstream alone)', color: '#1f77b4', service: 'emulator' },
  { key: 'bare', label: 'bare proxy', color: '#2ca02c', service: 'bare proxy' },
  { key: 'gateway', label: 'gateway (everything on)', color: '#d62728', service: 'gateway' },
];

/** 'saturation' or 'rate_<offered req/s>'. */
export type MeasureKey = string;
export const SATURATION: MeasureKey = 'saturation';
export const rateKey = (rate: number): MeasureKey => `rate_${rate}`;

export interface Round {
  round: number;
  startedAt: string;
  loadavg: number[];
  results: Record<PathKey, Record<MeasureKey, LoadResult>>;
}

/** Medians over rounds of one path and one measure; counts are totals over rounds. */
export interface Summary {
  offered: number | null;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** CPU ms the path's own server process used per response (NaN where unknown). */
  cpuPerResponse: number;
  /** CPU ms the bench database's PostgreSQL backends used per response (NaN where unknown). */
  postgresCpuPerResponse: number;
  responses: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export interface Settings {
  durationSeconds: number;
  warmupSeconds: number;
  rounds: number;
  connections: number;
  rates: number[];
  pacing: 'staggered' | 'autocannon';
  targetRate: number;
}

export interface RunRecord {
  bench: 'proxy';
  date: string;
  git: { commit: string; dirty: string[] };
  machine: { cpuModel: string; cpus: number; memoryGiB: number; os: string; node: string; loadavgStart: number[]; loadavgEnd: number[] };
  database: { kind: string; where: string };
  settings: Settings;
  request: string;
  warmup: Record<PathKey, LoadResult>;
  rounds: Round[];
  medians: Record<PathKey, Record<MeasureKey, Summary>>;
  targets: Target[];
  problems: string[];
}

export interface Target {
  name: string;
  measured: string;
  met: boolean | null;
}

export function summarize(rounds: Round[], measures: MeasureKey[]): Record<PathKey, Record<MeasureKey, Summary>> {
  const out = {} as Record<PathKey, Record<MeasureKey, Summary>>;
  for (const { key, service } of PATHS) {
    out[key] = {};
    for (const m of measures) {
      const runs = rounds.map((r) => r.results[key]?.[m]).filter((x): x is LoadResult => x !== undefined);
      const sum = (f: (r: LoadResult) => number) => runs.reduce((a, r) => a + f(r), 0);
      out[key][m] = {
        offered: runs[0]?.offered ?? null,
        rps: median(runs.map((r) => r.rps)),
        p50: median(runs.map((r) => r.p50)),
        p90: median(runs.map((r) => r.p90)),
        p99: median(runs.map((r) => r.p99)),
        max: median(runs.map((r) => r.max)),
        cpuPerResponse: median(runs.map((r) => (r.cpuMs?.[service] ?? Number.NaN) / r.responses)),
        postgresCpuPerResponse: median(runs.map((r) => (r.cpuMs?.postgres ?? Number.NaN) / r.responses)),
        responses: sum((r) => r.responses),
        non2xx: sum((r) => r.non2xx),
        errors: sum((r) => r.errors),
        timeouts: sum((r) => r.timeouts),
      };
    }
  }
  return out;
}

/** Everything that makes a run untrustworthy: non-2xx answers, errors, timeouts. */
export function problemsOf(warmup: Partial<Record<PathKey, LoadResult>>, rounds: Round[]): string[] {
  const problems: string[] = [];
  const check = (where: string, r: LoadResult) => {
    if (r.non2xx || r.errors) {
      const codes = Object.entries(r.statusCodes)
        .filter(([code]) => !code.startsWith('2'))
        .map(([code, n]) => `${n}x HTTP ${code}`);
      const detail = [...codes, r.errors ? `${r.errors} errors (${r.timeouts} timeouts)` : '', ...r.errorSamples.slice(0, 2)].filter(Boolean);
      problems.push(`${where}: ${r.non2xx} non-2xx, ${r.errors} errors: ${detail.join('; ')}`);
    }
  };
  for (const { key, label } of PATHS) {
    const w = warmup[key];
    if (w) check(`warm-up ${label}`, w);
  }
  for (const round of rounds) {
    for (const { key, label } of PATHS) {
      for (const [m, r] of Object.entries(round.results[key] ?? {})) check(`round ${round.round} ${label} ${m}`, r);
    }
  }
  return problems;
}

export function evaluateTargets(medians: RunRecord['medians'], settings: Settings): Target[] {
  const sat = (k: PathKey) => medians[k][SATURATION]!;
  const ratio = sat('gateway').rps / sat('bare').rps;
  const targets: Target[] = [
    {
      name: 'gateway saturation >= 0.6x bare proxy (aim 0.8x)',
      measured: `${ratio.toFixed(2)}x (${int(sat('gateway').rps)} vs ${int(sat('bare').rps)} req/s)${ratio >= 0.8 ? ', aim reached' : ''}`,
      met: Number.isFinite(ratio) ? ratio >= 0.6 : null,
    },
  ];
  const at = (k: PathKey) => medians[k][rateKey(settings.targetRate)];
  const gw = at('gateway');
  const bare = at('bare');
  if (!gw || !bare) {
    targets.push({ name: `at ${settings.targetRate} req/s: p50 <= +2 ms and p99 <= +10 ms over the bare proxy`, measured: 'rate not measured (BENCH_RATES)', met: null });
    return targets;
  }
  const short = gw.rps < 0.95 * settings.targetRate ? ` (gateway achieved only ${int(gw.rps)} req/s: saturated)` : '';
  const d50 = gw.p50 - bare.p50;
  const d99 = gw.p99 - bare.p99;
  targets.push(
    { name: `at ${settings.targetRate} req/s: p50 <= +2 ms over the bare proxy`, measured: `${signed(d50)} ms (${ms(gw.p50)} vs ${ms(bare.p50)})${short}`, met: d50 <= 2 },
    { name: `at ${settings.targetRate} req/s: p99 <= +10 ms over the bare proxy`, measured: `${signed(d99)} ms (${ms(gw.p99)} vs ${ms(bare.p99)})${short}`, met: d99 <= 10 },
  );
  return targets;
}

/** The tables: what is printed on stdout and the body of proxy.md. */
export function tables(run: RunRecord): string {
  const { medians, settings } = run;
  const lines: string[] = [];
  if (run.problems.length) lines.push(errorBanner(run.problems), '');
  lines.push(
    `### Saturation: ${settings.connections} connections, ${settings.durationSeconds} s, median of ${nRounds(settings.rounds)}`,
    '',
    mdTable(
      ['path', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'server CPU ms/req', 'PostgreSQL CPU ms/req', 'responses', 'non-2xx', 'errors'],
      PATHS.map(({ key, label }) => {
        const s = medians[key][SATURATION]!;
        return [
          label,
          int(s.rps),
          ms(s.p50),
          ms(s.p90),
          ms(s.p99),
          ms(s.cpuPerResponse),
          key === 'gateway' ? ms(s.postgresCpuPerResponse) : '',
          int(s.responses),
          String(s.non2xx),
          String(s.errors),
        ];
      }),
    ),
    '',
    'CPU per response: the path\'s own server process (for the gateway: the gateway process alone, not the emulator behind it), and the PostgreSQL backends serving the bench database (fresh local database only; with PGlite the database runs inside the gateway process).',
    '',
    `### Fixed offered rate: ${settings.durationSeconds} s each, up to ${settings.connections} connections, ${settings.pacing} pacing, median of ${nRounds(settings.rounds)}`,
    '',
    mdTable(
      ['offered req/s', 'path', 'achieved req/s', 'p50 ms', 'p99 ms', 'p50 over bare', 'p99 over bare', 'non-2xx', 'errors'],
      settings.rates.flatMap((rate) =>
        PATHS.map(({ key, label }) => {
          const s = medians[key][rateKey(rate)]!;
          const bare = medians.bare[rateKey(rate)]!;
          const over = key === 'bare' ? ['', ''] : [signed(s.p50 - bare.p50), signed(s.p99 - bare.p99)];
          return [String(rate), label, int(s.rps), ms(s.p50), ms(s.p99), ...over, String(s.non2xx), String(s.errors)];
        }),
      ),
    ),
    '',
    '### Targets',
    '',
    mdTable(
      ['target', 'measured', 'status'],
      run.targets.map((t) => [t.name, t.measured, t.met === null ? 'not measured' : t.met ? '**met**' : '**NOT MET**']),
    ),
  );
  return lines.join('\n');
}

/** proxy.md: the tables plus the context a reader needs to trust (or not) them. */
export function markdown(run: RunRecord): string {
  const { settings, machine } = run;
  const sat = (k: PathKey, r: Round) => r.results[k][SATURATION]!.rps;
  const perRound = run.rounds.map((r) => (sat('gateway', r) / sat('bare', r)).toFixed(2)).join(', ');
  const added = settings.rates.map((rate) => {
    const gw = run.medians.gateway[rateKey(rate)]!;
    const bare = run.medians.bare[rateKey(rate)]!;
    return [String(rate), signed(gw.p50 - bare.p50), signed(gw.p99 - bare.p99), int(gw.rps), int(bare.rps)];
  });
  return [
    '# Proxy overhead: emulator, bare proxy, gateway',
    '',
    `Measured ${run.date} on commit \`${run.git.commit}\`${run.git.dirty.length ? ` with uncommitted changes in ${run.git.dirty.join(', ')}` : ''}.`,
    `Machine: ${machine.cpus} x ${machine.cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node};`,
    `load average ${machine.loadavgStart.map((l) => l.toFixed(2)).join(' / ')} at the start, ${machine.loadavgEnd.map((l) => l.toFixed(2)).join(' / ')} at the end.`,
    `Database: ${run.database.kind}. Request: ${run.request}.`,
    '',
    tables(run),
    '',
    '### Ratios',
    '',
    `Gateway / bare proxy saturation throughput: **${(run.medians.gateway[SATURATION]!.rps / run.medians.bare[SATURATION]!.rps).toFixed(2)}x** (medians; per round: ${perRound}).`,
    `Server CPU per request: gateway ${ms(run.medians.gateway[SATURATION]!.cpuPerResponse)} ms, bare proxy ${ms(run.medians.bare[SATURATION]!.cpuPerResponse)} ms (${(run.medians.gateway[SATURATION]!.cpuPerResponse / run.medians.bare[SATURATION]!.cpuPerResponse).toFixed(1)}x), emulator ${ms(run.medians.emulator[SATURATION]!.cpuPerResponse)} ms: less sensitive to a busy machine than req/s.`,
    `Bare proxy / emulator: ${(run.medians.bare[SATURATION]!.rps / run.medians.emulator[SATURATION]!.rps).toFixed(2)}x; gateway / emulator: ${(run.medians.gateway[SATURATION]!.rps / run.medians.emulator[SATURATION]!.rps).toFixed(2)}x.`,
    '',
    'Latency the gateway adds over the bare proxy (medians over rounds):',
    '',
    mdTable(['offered req/s', 'p50 added ms', 'p99 added ms', 'gateway achieved req/s', 'bare proxy achieved req/s'], added),
    '',
    '![latency against offered load](proxy.svg)',
    '',
    '### How it was measured',
    '',
    `Three processes besides the load generator: the Plaid emulator (\`src/emulator/server.ts\`, rate limits off), the bare`,
    `keep-alive proxy (\`bench/bare-proxy.ts\`) in front of it, and the gateway (\`src/node/start.ts\`, PLAID_BASE_URL = the`,
    `emulator) with authentication, permissions, exact rate limits and the committed audit record. autocannon drives`,
    `\`POST /processor/auth/get\` from the bench process. Each path is warmed up for ${settings.warmupSeconds} s; then ${nRounds(settings.rounds)},`,
    `each measuring saturation and every offered rate, the three paths one after the other per measure. Latency is taken`,
    `per response (float ms, from when the request was written); at a fixed rate, when a path cannot keep up, achieved <`,
    `offered and the latency is that of a saturated server. Everything (load generator, three servers, PostgreSQL) shares`,
    `the machine's ${machine.cpus} cores: compare rows of one run, not runs on different days.`,
    '',
  ].join('\n');
}

export function svg(run: RunRecord): string {
  const series = PATHS.flatMap(({ key, label, color }) =>
    (['p50', 'p99'] as const).map((q) => ({
      label: `${label} ${q}`,
      color,
      dashed: q === 'p99',
      points: run.settings.rates.map((rate): [number, number, boolean] => {
        const m = run.medians[key][rateKey(rate)]!;
        return [rate, m[q], m.rps < 0.95 * rate];
      }),
    })),
  );
  const all = series.flatMap((s) => s.points.map(([, y]) => y)).filter((y) => y > 0);
  return lineChart({
    title: 'Latency against offered load: POST /processor/auth/get',
    subtitle: `median of ${nRounds(run.settings.rounds)}, ${run.settings.durationSeconds} s each; ${run.database.kind}; commit ${run.git.commit}; ${run.date.slice(0, 10)}`,
    xLabel: 'offered load (req/s)',
    yLabel: 'latency (ms)',
    yScale: Math.max(...all) / Math.min(...all) > 20 ? 'log' : 'linear',
    series,
    legend: [
      ...PATHS.map(({ label, color }) => ({ label, color })),
      { label: 'p50', color: '#555' },
      { label: 'p99', color: '#555', dashed: true },
      { label: 'achieved < 95% of offered', color: '#555', hollow: true },
    ],
  });
}

export function errorBanner(problems: string[]): string {
  return [
    '> **!!! THIS RUN HAD ERRORS OR NON-2xx ANSWERS: ITS NUMBERS ARE NOT TRUSTWORTHY !!!**',
    '>',
    ...problems.slice(0, 20).map((p) => `> - ${p}`),
    ...(problems.length > 20 ? [`> - ... and ${problems.length - 20} more`] : []),
  ].join('\n');
}

function mdTable(headers: string[], rows: string[][]): string {
  const numeric = headers.map((_, i) => rows.every((r) => /^([-+]?[\d,.]*|n\/a)$/.test(r[i] ?? '')));
  return [
    `| ${headers.join(' | ')} |`,
    `|${numeric.map((n) => (n ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

const nRounds = (n: number) => `${n} round${n === 1 ? '' : 's'}`;
const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
const ms = (v: number) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : 'n/a');
const signed = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '-'}${ms(Math.abs(v))}` : 'n/a');
