/** Running one of the repository's TypeScript entry points (a CLI, a script) as its own process, as a user would. */
import { spawn } from 'node:child_process';

/**
 * Runs `node --import tsx <entry> ...args` with exactly `env` (plus PATH and
 * HOME) and answers its exit code and output once it exits.
 */
export function runTsx(entry: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
