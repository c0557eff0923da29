/**
 * Parent side of the orphan watchdog (see orphan-watchdog.mjs): a small detached `node` process that stops the
 * bed's children (broker JVM, moto) within seconds when the Node process that started them dies for any
 * reason, SIGKILL included. The watchdog learns of the death through EOF on a socket pair whose other end only
 * this process holds, so there is no polling and no PID-reuse risk on the parent side; before signalling a
 * child it checks the child's start time in /proc/<pid>/stat (PID reuse on the child side).
 *
 * Linux only (it needs /proc); elsewhere {@link spawnWatchdog} returns undefined and the bed falls back to
 * killing its children on this process's 'exit' event.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The watchdog script (plain JS, run without a TypeScript loader). */
const WATCHDOG_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'orphan-watchdog.mjs');
/** V8 heap cap of the watchdog in MiB (it holds a map of a few PIDs). */
const WATCHDOG_HEAP_MB = 16;

/** A running watchdog process. */
export interface Watchdog {
  /** PID of the watchdog process. */
  readonly pid: number;
  /** Registers a process (PID plus its start time from {@link processStartTime}) to be stopped on EOF. */
  watch(pid: number, startTime: string): void;
  /** Forgets a process (it was stopped normally). */
  unwatch(pid: number): void;
  /**
   * Registers a bed's temp dir (absolute, basename `kpt-testbed-*`; anything else is ignored) to be removed
   * on EOF once the watched processes are gone.
   */
  watchDir(dir: string): void;
  /** Forgets a temp dir (it was removed normally, or is to be kept). */
  unwatchDir(dir: string): void;
  /**
   * Closes this process's end of the pipe: the watchdog stops whatever is still watched and exits. After a
   * normal stop nothing is watched any more, so it just exits.
   */
  close(): void;
  /** Whether the watchdog process is still running. */
  isRunning(): boolean;
  /** Resolves with the exit code (null when killed by a signal) once the watchdog exited. */
  readonly exited: Promise<number | null>;
}

/** Options of {@link spawnWatchdog}. */
export interface WatchdogOptions {
  /** Grace between SIGTERM and SIGKILL when the watchdog stops orphans (default 3000 ms). */
  readonly termGraceMs?: number;
  /**
   * Also stop the watched processes when this process's parent dies (polled every 500 ms, start-time
   * checked). Default: when this process is a forked IPC child (a vitest fork worker), which vitest leaves
   * running as a busy orphan when its main process is SIGKILLed (vitest-dev/vitest#8800, #9123).
   */
  readonly watchParent?: boolean;
}

/**
 * Start time of a process (field 22 of /proc/<pid>/stat, clock ticks since boot) as text, or undefined when
 * /proc is unavailable or the process is gone. Together with the PID it identifies one process.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) is parenthesised and may contain spaces or ')': fields count from after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * Whether a process is alive: it exists and is not a zombie. A zombie (an orphan whose reaper does not call
 * wait(), e.g. in containers whose PID 1 is not an init) has released its memory, ports and CPU.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X' && state !== 'x';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      // No /proc (not Linux): fall back to signal 0 (a zombie counts as alive there).
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    }
    return false;
  }
}

/**
 * Spawns a watchdog for this process, or returns undefined when not on Linux. The watchdog runs detached in its
 * own session (a Ctrl-C or a process-group kill aimed at the tests does not take it down before it did its job)
 * and neither it nor its pipe keeps this process's event loop alive.
 */
export function spawnWatchdog(opts: WatchdogOptions = {}): Watchdog | undefined {
  if (process.platform !== 'linux') return undefined;
  const args = [
    `--max-old-space-size=${WATCHDOG_HEAP_MB}`,
    WATCHDOG_SCRIPT,
    '--grace-ms',
    String(opts.termGraceMs ?? 3_000),
  ];
  const parentStartTime = processStartTime(process.ppid);
  if ((opts.watchParent ?? process.channel !== undefined) && parentStartTime !== undefined) {
    args.push('--owner-parent', String(process.ppid), parentStartTime);
  }
  const child = spawn(
    process.execPath,
    args,
    // No inherited env: NODE_OPTIONS of a test runner (loaders, inspectors) must not slow it down.
    { detached: true, stdio: ['pipe', 'ignore', 'ignore'], env: {} },
  );
  const pid = child.pid;
  const stdin = child.stdin as (Socket & { unref(): Socket }) | null;
  if (pid === undefined || stdin === null) {
    child.kill('SIGKILL');
    return undefined;
  }
  let running = true;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running = false;
      resolve(code);
    });
    child.once('error', () => {
      running = false;
      resolve(null);
    });
  });
  // A watchdog that died early must not crash this process with EPIPE.
  stdin.on('error', () => undefined);
  stdin.unref();
  child.unref();
  const send = (line: string): void => {
    if (running && !stdin.destroyed && stdin.writable) stdin.write(`${line}\n`);
  };
  return {
    pid,
    watch: (p, startTime) => send(`watch ${p} ${startTime}`),
    unwatch: (p) => send(`unwatch ${p}`),
    watchDir: (dir) => send(`dir ${dir}`),
    unwatchDir: (dir) => send(`undir ${dir}`),
    close: () => {
      stdin.end();
    },
    isRunning: () => running,
    exited,
  };
}
