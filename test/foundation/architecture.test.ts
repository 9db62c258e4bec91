/**
 * The shape of src/ as a whole: no module imports itself back, directly or
 * through others. A cycle makes load order matter (a module can run before
 * what it imports is defined) and hides which of two modules owns a rule.
 *
 * The graph is madge's (which resolves TypeScript and ESM imports through
 * tsconfig.json); type-only imports count, as they do for `npx madge --circular`.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The part of madge's API used here (madge ships no type declarations). */
interface MadgeGraph {
  circular(): string[][];
  warnings(): { skipped: string[] };
}
type Madge = (path: string, config: { fileExtensions: string[]; tsConfig: string; baseDir: string }) => Promise<MadgeGraph>;

const madge = createRequire(import.meta.url)('madge') as Madge;
const root = fileURLToPath(new URL('../../', import.meta.url));

describe('architecture', () => {
  it('src/ has no circular imports', async () => {
    const graph = await madge(`${root}src`, { fileExtensions: ['ts'], tsConfig: `${root}tsconfig.json`, baseDir: `${root}src` });
    // An import madge cannot resolve is an edge it cannot see: it could hide a cycle.
    expect(graph.warnings().skipped).toEqual([]);
    expect(graph.circular().map((cycle) => cycle.join(' > '))).toEqual([]);
  }, 60_000);
});
