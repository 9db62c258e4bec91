/**
 * `npm run bench`: every benchmark, one after the other (they share the two
 * cores, so never in parallel). Each prints its own table; bench/README.md
 * records the numbers measured.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const only = process.argv.slice(2);
const files = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n=== bench/${file}`);
  const res = spawnSync(process.execPath, ['--import', 'tsx', `bench/${file}`], { stdio: 'inherit', env: process.env });
  if (res.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
