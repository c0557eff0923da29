/**
 * Child-process bookkeeping shared by the broker and moto launchers: free loopback ports, killing by PID
 * (also when the test process exits or a test fails), and reading the tail of a log file.
 *
 * Every tracked child is also registered with this process's orphan watchdog (watchdog.ts, Linux), which
 * stops it within seconds if this process dies without running its 'exit' handlers (SIGKILL, OOM kill,
 * an unhandled SIGTERM), and removes the tracked bed temp dirs after them. The watchdog is spawned on the first
 * tracked child or dir and told to exit (pipe closed) when the last one is untracked.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { processStartTime, spawnWatchdog, type Watchdog } from './watchdog.js';

const live = new Set<number>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;
let watchdog: Watchdog | undefined;

/** The running watchdog, spawning one (registered with every live child) when there is none. */
function currentWatchdog(): Watchdog | undefined {
  if (watchdog?.isRunning()) return watchdog;
  watchdog = spawnWatchdog();
  if (watchdog) {
    for (const pid of live) {
      const startTime = processStartTime(pid);
      if (startTime !== undefined) watchdog.watch(pid, startTime);
    }
    for (const dir of liveDirs) watchdog.watchDir(dir);
  }
  return watchdog;
}

/** Lets the watchdog exit (pipe closed) once nothing is tracked any more. */
function releaseWatchdogIfIdle(): void {
  if (live.size === 0 && liveDirs.size === 0 && watchdog) {
    watchdog.close();
    watchdog = undefined;
  }
}

/**
 * Registers a child PID to be SIGKILLed if this process exits before the child was stopped, and with the
 * orphan watchdog (SIGTERM, then SIGKILL after 3 s) if this process dies without exiting normally.
 * Call it right after spawn: the child cannot have been reaped yet, so its start time identifies it.
 */
export function trackPid(pid: number): void {
  const dog = currentWatchdog();
  live.add(pid);
  const startTime = processStartTime(pid);
  if (startTime !== undefined) dog?.watch(pid, startTime);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const p of live) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
}

/** Forgets a child PID (after it exited); the watchdog exits once no child or dir is tracked any more. */
export function untrackPid(pid: number): void {
  live.delete(pid);
  watchdog?.unwatch(pid);
  releaseWatchdogIfIdle();
}

/**
 * Registers a bed's temp dir (absolute, basename `kpt-testbed-*`) with the orphan watchdog, which removes it
 * after the tracked processes are gone if this process dies or exits without {@link untrackDir}.
 */
export function trackDir(dir: string): void {
  liveDirs.add(dir);
  currentWatchdog()?.watchDir(dir);
}

/** Forgets a temp dir (removed by the bed itself, or kept on purpose). */
export function untrackDir(dir: string): void {
  liveDirs.delete(dir);
  watchdog?.unwatchDir(dir);
  releaseWatchdogIfIdle();
}

/** PID of this process's orphan watchdog while one runs (none before the first or after the last child/dir). */
export function watchdogPid(): number | undefined {
  return watchdog?.isRunning() ? watchdog.pid : undefined;
}

/** Finds `count` distinct free TCP ports on 127.0.0.1 (bind to :0, read the port, release). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import('node:net').Server>((resolve, reject) => {
          const s = createServer();
          s.unref();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

/** Whether the child has not exited yet. */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/**
 * Stops a child by PID: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited.
 */
export async function killByPid(child: ChildProcess, graceMs: number): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  if (isRunning(child)) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const timer = setTimeout(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, graceMs);
    await exited;
    clearTimeout(timer);
  }
  untrackPid(pid);
}

/** The last `lines` lines of a text file ('' when it does not exist). */
export function tailFile(path: string, lines = 80): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '';
  }
}

/** Polls `check` every `intervalMs` until it resolves true, `abort()` returns a reason, or `timeoutMs` passes. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; abort?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const reason = opts.abort?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`${what}: not ready after ${opts.timeoutMs} ms${detail}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}
