/**
 * Summarises a V8 `.cpuprofile` (what `node --cpu-prof` writes): where the
 * sampled time went, by function (self and total) and by file or package.
 * No dependencies: the format is plain JSON (nodes with a call frame and
 * children, then one node id per sample and the microseconds between samples).
 *
 *   npx tsx bench/lib/cpuprofile.ts <file.cpuprofile> [--from <µs>] [--to <µs>] [--top 30]
 *   npx tsx bench/lib/cpuprofile.ts <file.cpuprofile> --callers randomFillSync   # who calls it
 *
 * `--from`/`--to` keep the samples taken in that window of the profile's clock
 * (CLOCK_MONOTONIC in µs on Linux, the clock of `process.hrtime()` in any
 * process: bench/lib/profile-gateway.ts passes the load's window, so start-up
 * and shut-down are left out).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  /** Sampled ms in the window, and the part that was not idle. */
  sampledMs: number;
  busyMs: number;
  /** Self time by function (`name file:line`), as a share of busy time. */
  self: Row[];
  /** Total (inclusive) time by function, each function counted once per sample. */
  total: Row[];
  /** Self time by where the code lives: a package, a file of ours, or V8/Node internals. */
  byPlace: Row[];
}

/** Where a function lives: `pkg:<name>` for node_modules, the path under the repository for ours, else the URL kind. */
export function placeOf(url: string): string {
  if (url === '') return '(native / V8)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return `pkg:${rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  const ours = url.match(/\/(src|bench|test)\/(.*)$/);
  return ours ? `${ours[1]}/${ours[2]}` : url.replace(/^file:\/\//, '');
}

const IDLE = new Set(['(idle)', '(program)']);

function frameName(frame: CallFrame): string {
  const fn = frame.functionName || '(anonymous)';
  if (frame.url === '') return fn;
  return `${fn} ${placeOf(frame.url)}:${frame.lineNumber + 1}`;
}

type Window = { from?: number; to?: number };

/** The profile's tree as lookups: node by id, and each node's parent. */
function tree(profile: CpuProfile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  return { byId, parent };
}

/**
 * The samples taken within `window`, each with its weight in ms. Sample i was
 * taken at startTime + sum(timeDeltas[0..i]); its weight is the gap to the next one.
 */
function* samplesIn(profile: CpuProfile, byId: Map<number, ProfileNode>, window: Window): Generator<{ node: ProfileNode; weight: number }> {
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    const weight = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if ((window.from !== undefined && at < window.from) || (window.to !== undefined && at > window.to)) continue;
    yield { node: byId.get(profile.samples[i]!)!, weight };
  }
}

export function summarize(profile: CpuProfile, window: Window = {}, top = 30): ProfileSummary {
  const { byId, parent } = tree(profile);

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const place = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  for (const { node, weight } of samplesIn(profile, byId, window)) {
    sampled += weight;
    if (IDLE.has(node.callFrame.functionName)) {
      // (program) is V8's own work outside JS (compiling, the event loop's native side): busy, shown as is.
      if (node.callFrame.functionName === '(idle)') {
        idle += weight;
        continue;
      }
    }
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + weight);
    const where = placeOf(node.callFrame.url);
    place.set(where, (place.get(where) ?? 0) + weight);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (frame.functionName === '(root)') continue;
      const key = frameName(frame);
      if (seen.has(key)) continue; // recursion: once per sample
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + weight);
    }
  }
  const busy = sampled - idle;
  const rows = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms, share: busy > 0 ? ms / busy : 0 }));
  return { sampledMs: sampled, busyMs: busy, self: rows(self, top), total: rows(total, top * 2), byPlace: rows(place, top) };
}

/**
 * Who calls the functions whose name contains `match`: the self time of the
 * matching samples by their nearest caller frame that does not match.
 */
export function callersOf(profile: CpuProfile, match: string, window: Window = {}, top = 20): Row[] {
  const { byId, parent } = tree(profile);
  const callers = new Map<string, number>();
  let matched = 0;
  for (const { node, weight } of samplesIn(profile, byId, window)) {
    if (!frameName(node.callFrame).includes(match)) continue;
    matched += weight;
    let id = parent.get(node.id);
    while (id !== undefined && frameName(byId.get(id)!.callFrame).includes(match)) id = parent.get(id);
    const chain: string[] = [];
    for (let depth = 0; id !== undefined && depth < 3; depth++, id = parent.get(id)) chain.push(frameName(byId.get(id)!.callFrame));
    const key = chain.join(' < ') || '(root)';
    callers.set(key, (callers.get(key) ?? 0) + weight);
  }
  return [...callers.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, ms]) => ({ name, ms, share: matched > 0 ? ms / matched : 0 }));
}

export function formatSummary(s: ProfileSummary): string {
  const table = (title: string, rows: Row[]) =>
    [`\n${title}`, ...rows.map((r) => `${(r.share * 100).toFixed(1).padStart(6)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`)].join('\n');
  return [
    `sampled ${s.sampledMs.toFixed(0)} ms, busy ${s.busyMs.toFixed(0)} ms (${((s.busyMs / Math.max(1, s.sampledMs)) * 100).toFixed(0)}%); shares are of busy time`,
    table('self time by place', s.byPlace),
    table('self time by function', s.self),
    table('total time by function', s.total),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const file = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--')));
  if (!file) {
    console.error('usage: npx tsx bench/lib/cpuprofile.ts <file.cpuprofile> [--from <µs>] [--to <µs>] [--top 30]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const window = { from: option('--from'), to: option('--to') };
  const i = args.indexOf('--callers');
  if (i >= 0) {
    // --callers <name>: the self time of functions named so, by their callers (share of that time).
    for (const r of callersOf(profile, args[i + 1]!, window)) console.log(`${(r.share * 100).toFixed(1).padStart(6)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`);
  } else {
    console.log(formatSummary(summarize(profile, window, option('--top') ?? 30)));
  }
}
