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
  /** The raw arguments after `<group> <command>` (for commands that parse their own --flag values). */
  argv?: string[];
  out: (line: string) => void;
}

type Command = (ctx: CliContext) => Promise<number>;

const groups: Record<string, () => Promise<Record<string, Command>>> = {
  db: async () => (await import('./db')).commands,
  partners: async () => (await import('./tenancy')).partners,
  fintechs: async () => (await import('./tenancy')).fintechs,
  auditors: async () => (await import('./tenancy')).auditors,
  keys: async () => (await import('./keys')).commands,
  audit: async () => (await import('./audit')).commands,
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
  const commandAt = argv.indexOf(command, argv.indexOf(group!) + 1);
  return run({
    args: rest,
    flags: values as CliContext['flags'],
    argv: argv.slice(commandAt + 1),
    out: (line) => console.log(line),
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
