import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { CliIo } from './io';

/** Flag parsing and error output shared by the CLI's command groups. */

export type Flags = Record<string, string | boolean | undefined>;
export type FlagOptions = NonNullable<ParseArgsConfig['options']>;

export interface FlagSpec {
  /** Shown after `usage: npm run cli -- ` when the arguments are wrong. */
  usage: string;
  options: FlagOptions;
}

export const stringFlag = { type: 'string' } as const;
export const booleanFlag = { type: 'boolean' } as const;

/** A usage error: the message and the usage line on stderr; the exit code is 2. */
export function usageError(io: CliIo, message: string, usage: string): 2 {
  io.err(`${message}\nusage: npm run cli -- ${usage}`);
  return 2;
}

/** Parses a command's flags strictly (unknown flags are usage errors); undefined once the error is reported. */
export function parseFlags(spec: FlagSpec, argv: string[], io: CliIo): { positionals: string[]; flags: Flags } | undefined {
  try {
    const parsed = parseArgs({ args: argv, options: spec.options, allowPositionals: true, strict: true });
    return { positionals: parsed.positionals, flags: parsed.values as Flags };
  } catch (e) {
    usageError(io, e instanceof Error ? e.message : String(e), spec.usage);
    return undefined;
  }
}

/** Looks a name up among a table's own entries (so `constructor` is not a command). */
export function own<T>(table: Record<string, T>, name: string | undefined): T | undefined {
  return name !== undefined && Object.hasOwn(table, name) ? table[name] : undefined;
}

/** A Plaid error as the CLI prints it: type, code and message, as JSON on stderr (exit code 1). */
export function printPlaidError(io: CliIo, error: { error_type: unknown; error_code: unknown; error_message: unknown }): 1 {
  const { error_type, error_code, error_message } = error;
  io.err(JSON.stringify({ error_type, error_code, error_message }, null, 2));
  return 1;
}
