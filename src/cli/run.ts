/**
 * The operator CLI: `npm run cli -- <group> <command> [--flags]`. Runs without
 * a server, on the database the environment names (DATABASE_URL or
 * PGLITE_DATA_DIR). Tenant changes go through the operator API in-process
 * (src/cli/tenancy.ts); what has no API (key rotation, migrations, offline
 * audit checks) runs on the database. Each group lives in its own module,
 * loaded only when used; this file only dispatches, and src/cli/main.ts is the
 * process around it.
 */
import { own } from './args';
import type { CliContext, Command } from './io';

const groups: Record<string, () => Promise<Record<string, Command>>> = {
  db: async () => (await import('./db')).commands,
  partners: async () => (await import('./tenancy')).commands.partners,
  fintechs: async () => (await import('./tenancy')).commands.fintechs,
  auditors: async () => (await import('./tenancy')).commands.auditors,
  keys: async () => (await import('./keys')).commands,
  audit: async () => (await import('./audit')).commands,
};

/** Runs one command line (`argv` starts at the group); answers the exit code. */
export async function runCli(argv: string[], io: Omit<CliContext, 'argv'>): Promise<number> {
  const [group, command, ...rest] = argv;
  const load = own(groups, group);
  if (!load || !command) {
    io.err(`usage: npm run cli -- <${Object.keys(groups).join('|')}> <command> [--flags]`);
    return 2;
  }
  const commands = await load();
  const run = own(commands, command);
  if (!run) {
    io.err(`unknown command "${group} ${command}"; one of: ${Object.keys(commands).join(', ')}`);
    return 2;
  }
  return run({ ...io, argv: rest });
}
