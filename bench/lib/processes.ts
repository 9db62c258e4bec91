/**
 * Child processes of a benchmark: started with `node --import tsx`, their
 * output forwarded to our stderr (prefixed, so stdout stays the report),
 * watched (a child that dies mid-run fails the run), and always stopped:
 * `stopAll()` in a finally, on SIGINT/SIGTERM, and SIGKILL on process exit
 * as the last resort. Every wait is bounded.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Service {
  name: string;
  child: ChildProcess;
  /** The last lines it printed, for the error message when it dies. */
  tail: string[];
  exited: Promise<number | null>;
}

const services: Service[] = [];
let stopping = false;

/**
 * Starts `node [nodeArgs] --import tsx <script>` in `cwd` (the project root: tsx
 * finds tsconfig.json there). `nodeArgs`: e.g. `--cpu-prof` (bench/lib/profile-gateway.ts).
 */
export function spawnService(name: string, script: string, env: NodeJS.ProcessEnv, cwd: string, nodeArgs: string[] = []): Service {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const service: Service = {
    name,
    child,
    tail: [],
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0)))),
  };
  const forward = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      service.tail.push(line);
      if (service.tail.length > 20) service.tail.shift();
      process.stderr.write(`  [${name}] ${line}\n`);
    }
  };
  child.stdout!.on('data', forward);
  child.stderr!.on('data', forward);
  services.push(service);
  return service;
}

/**
 * CPU time (user + system, ms) each service has used so far, from
 * /proc/<pid>/stat (Linux; clock-tick resolution, 10 ms): null elsewhere.
 */
export function cpuTimes(): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const s of services) out[s.name] = s.child.pid === undefined ? null : cpuOfPid(s.child.pid);
  return out;
}

/** CPU ms a process has used so far, or null (gone, or not Linux). */
export function cpuOfPid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return null;
  }
}

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** Throws if any service has exited: its numbers would be meaningless. */
export function assertAlive(): void {
  for (const s of services) {
    if (s.child.exitCode !== null || s.child.signalCode !== null) {
      throw new Error(`${s.name} exited (${s.child.exitCode ?? s.child.signalCode}); last output:\n  ${s.tail.join('\n  ')}`);
    }
  }
}

/**
 * Stops the services in reverse start order (the gateway before its upstream,
 * so in-flight calls do not fail on the way out): SIGTERM, then SIGKILL after
 * `graceMs` for one that is still there.
 */
export async function stopAll(graceMs = 5000): Promise<void> {
  stopping = true;
  for (const s of [...services].reverse()) {
    if (s.child.exitCode !== null || s.child.signalCode !== null) continue;
    s.child.kill('SIGTERM');
    await Promise.race([s.exited, sleep(graceMs)]);
    if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  }
}

export function isStopping(): boolean {
  return stopping;
}

/**
 * On SIGINT/SIGTERM: run `cleanup` (bounded), then exit 130. On exit, for any
 * path that skipped it: SIGKILL the children (synchronous, the only option there).
 */
export function installSignalHandlers(cleanup: () => Promise<void>): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    console.error(`\n${signal}: stopping the child processes and cleaning up`);
    void Promise.race([cleanup(), sleep(15_000)]).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => {
    for (const s of services) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  });
}

/** Polls `url` until it answers with a status accepted by `ok`, at most `timeoutMs`. */
export async function waitForHttp(
  url: string,
  { timeoutMs = 60_000, ok = (status: number) => status < 500 }: { timeoutMs?: number; ok?: (status: number) => boolean } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    assertAlive();
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (ok(res.status)) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(100);
  }
  throw new Error(`${url} not ready after ${timeoutMs / 1000} s (${last})`);
}

/** `count` distinct ports free right now on 127.0.0.1 (the OS picks them; all held open until all are known). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
