/**
 * `npm run bench`: every benchmark, one after the other (they share the two
 * cores, so never in parallel); `npm run bench -- proxy` runs the ones whose
 * file name starts with "proxy". Each prints its own table; bench/README.md
 * records the numbers measured.
 *
 * A benchmark is a top-level bench/*.ts file; helpers live in bench/lib/, and
 * the servers that benchmarks start are listed in NOT_BENCHMARKS. SIGINT and
 * SIGTERM are passed on to the running benchmark, which stops its own child
 * processes.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const NOT_BENCHMARKS = new Set(['run.ts', 'bare-proxy.ts']);

const only = process.argv.slice(2);
const files = readdirSync(new URL('.', import.meta.url), { withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.ts') && !NOT_BENCHMARKS.has(e.name))
  .map((e) => e.name)
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${only.join(', ')}`);
  process.exit(1);
}

let current: ReturnType<typeof spawn> | undefined;
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
    current?.kill(signal);
  });
}

let failed = 0;
for (const file of files) {
  if (interrupted) break;
  console.log(`\n=== bench/${file}`);
  current = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(file, import.meta.url))], { stdio: 'inherit', env: process.env });
  const code = await new Promise<number | null>((resolve) => current!.once('exit', (c) => resolve(c)));
  if (code !== 0) failed++;
}
process.exit(interrupted ? 130 : failed ? 1 : 0);
