import type { Writable } from 'node:stream';

/**
 * What every CLI command is handed (src/cli/run.ts builds it). A leaf module:
 * the command modules import their types from here, never from the entry.
 */
export interface CliIo {
  /** The command's result (stdout). */
  out: (line: string) => void;
  /** Errors, usage and notes (stderr), so stdout holds only the result. */
  err: (line: string) => void;
}

export interface CliContext extends CliIo {
  /** The arguments after `<group> <command>`. */
  argv: string[];
  /** Where the database and keys are named (process.env in the real CLI). */
  env: Record<string, string | undefined>;
  /** Raw stdout, for commands that stream data (audit export). */
  stdout: Writable;
}

/** One command: answers the process exit code (0 done, 1 refused or failed, 2 usage). */
export type Command = (ctx: CliContext) => Promise<number>;
