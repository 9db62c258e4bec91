/**
 * Operator CLI: `npm run cli -- <group> <command> [--flags]`.
 * Works straight on the database (DATABASE_URL or PGLITE_DATA_DIR), for use
 * where HTTP is not wanted: bootstrap, key rotation, offline audit checks.
 * Each group lives in its own module; this file only dispatches.
 */
import { parseArgs } from 'node:util';

export interface CliContext {
  args: string[];
  flags: Record<string, string | boolean | undefined>;
  out: (line: string) => void;
}

type Command = (ctx: CliContext) => Promise<number>;

const groups: Record<string, () => Promise<Record<string, Command>>> = {
  db: async () => (await import('./db')).commands,
  // partners / fintechs / auditors / keys: src/cli/tenancy.ts (issue 4)
  // audit verify / export: src/cli/audit.ts (issue 7)
};

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const [group, command, ...rest] = positionals;
  const load = group ? groups[group] : undefined;
  if (!load || !command) {
    console.error(`usage: npm run cli -- <${Object.keys(groups).join('|')}> <command> [--flags]`);
    return 2;
  }
  const commands = await load();
  const run = commands[command];
  if (!run) {
    console.error(`unknown command "${group} ${command}"; one of: ${Object.keys(commands).join(', ')}`);
    return 2;
  }
  return run({ args: rest, flags: values as CliContext['flags'], out: (line) => console.log(line) });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
