/**
 * `npm run cli -- <group> <command> [--flags]`: the process around the CLI
 * (src/cli/run.ts). Nothing imports this file: loading it runs the CLI.
 */
import { runCli } from './run';

runCli(process.argv.slice(2), {
  env: process.env,
  stdout: process.stdout,
  out: (line) => console.log(line),
  err: (line) => console.error(line),
}).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
