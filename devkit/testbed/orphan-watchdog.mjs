/**
 * Orphan watchdog of the test bed (Linux). Plain JavaScript on purpose: it runs as `node orphan-watchdog.mjs`
 * without a TypeScript loader, so it starts in ~40 ms. Spawned (detached, own session) by devkit/testbed/watchdog.ts.
 *
 * Its stdin is one end of a socket pair whose other end only the spawning Node process holds (libuv opens it
 * close-on-exec, so the broker, moto and other children never inherit it). The kernel closes that end when the
 * parent dies for ANY reason, SIGKILL included, so this process sees EOF on stdin at once, without polling.
 *
 * Protocol on stdin, one command a line:
 *   watch <pid> <starttime>   starttime = field 22 of /proc/<pid>/stat, read by the parent right after spawn
 *   unwatch <pid>
 *   dir <absolute path>       a bed's temp dir (basename kpt-testbed-*), removed after the processes are gone
 *   undir <absolute path>
 * On EOF (parent gone, or parent closed it after a normal stop): every still-watched process whose
 * /proc/<pid>/stat start time still matches (no PID reuse) gets SIGTERM, then SIGKILL after the grace period;
 * once they are gone (a zombie counts as gone: it holds no memory, ports or CPU) the registered temp dirs are
 * removed and the watchdog exits.
 *
 * Arguments: `--grace-ms <n>` (SIGTERM → SIGKILL grace, default 3000); `--owner-parent <pid> <starttime>`:
 * also reap when that process (the parent of the owner) is gone, checked every 500 ms. The owner passes it
 * when it is a forked IPC child (a vitest fork worker): such a worker outlives a SIGKILLed vitest main process
 * as a busy orphan (vitest-dev/vitest#8800, #9123), so its pipe would never close.
 */
import { readFileSync, rmSync } from 'node:fs';
import { basename, isAbsolute } from 'node:path';

const DEFAULT_GRACE_MS = 3_000;
/** How often the reaper re-checks the processes it signalled. */
const POLL_MS = 100;
/** After SIGKILL, how long to wait for the kernel to tear the processes down before giving up. */
const AFTER_KILL_MS = 5_000;

/** How often the owner's parent is checked when `--owner-parent` is given. */
const OWNER_PARENT_POLL_MS = 500;

const graceArg = process.argv.indexOf('--grace-ms');
const graceMs = graceArg > 0 ? Number(process.argv[graceArg + 1]) : DEFAULT_GRACE_MS;
const ownerParentArg = process.argv.indexOf('--owner-parent');
const ownerParent =
  ownerParentArg > 0
    ? { pid: Number(process.argv[ownerParentArg + 1]), startTime: process.argv[ownerParentArg + 2] }
    : undefined;

/** @type {Map<number, string>} pid → start time (clock ticks since boot) */
const watched = new Map();
/** @type {Set<string>} temp dirs to remove on EOF */
const dirs = new Set();
/** Received text not yet ending in a newline. */
let buffered = '';

/**
 * Start time of a live (not zombie) process, or undefined when it is gone or a zombie.
 * @param {number} pid
 * @returns {string | undefined}
 */
function liveStartTime(pid) {
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) is in parentheses and may contain spaces or ')': split after the LAST ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X' || state === 'x') return undefined;
  return fields[19];
}

/**
 * Whether `pid` is still the process that was registered (same start time) and alive.
 * @param {number} pid
 */
function isSame(pid) {
  const expected = watched.get(pid);
  return expected !== undefined && liveStartTime(pid) === expected;
}

/**
 * @param {number[]} pids
 * @param {NodeJS.Signals} signal
 */
function signalAll(pids, signal) {
  for (const pid of pids) {
    if (!isSame(pid)) continue;
    try {
      process.kill(pid, signal);
    } catch {
      // gone in between
    }
  }
}

/** @param {string} line */
function handle(line) {
  const dirCmd = /^(dir|undir) (.+)$/.exec(line);
  if (dirCmd) {
    const [, cmd, path] = /** @type {[string, string, string]} */ (dirCmd);
    // Only a bed's own temp dir, never an arbitrary path.
    if (!isAbsolute(path) || !basename(path).startsWith('kpt-testbed-')) return;
    if (cmd === 'dir') dirs.add(path);
    else dirs.delete(path);
    return;
  }
  const [cmd, pidText, startTime] = line.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return;
  if (cmd === 'watch' && startTime) watched.set(pid, startTime);
  else if (cmd === 'unwatch') watched.delete(pid);
}

let reaping = false;

/**
 * Removes the registered temp dirs and exits.
 * @param {number} code
 * @returns {never}
 */
function finish(code) {
  for (const dir of dirs) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      // best effort: a temp dir
    }
  }
  process.exit(code);
}

/** The parent is gone (or done): stop every process still watched, then exit. */
function reap() {
  if (reaping) return;
  reaping = true;
  if (buffered) handle(buffered);
  let targets = [...watched.keys()].filter(isSame);
  if (targets.length === 0) return finish(0);
  signalAll(targets, 'SIGTERM');
  const killAt = Date.now() + graceMs;
  const giveUpAt = killAt + AFTER_KILL_MS;
  let killed = false;
  const timer = setInterval(() => {
    targets = targets.filter(isSame);
    if (targets.length === 0) {
      clearInterval(timer);
      return finish(0);
    }
    const now = Date.now();
    if (!killed && now >= killAt) {
      killed = true;
      signalAll(targets, 'SIGKILL');
    } else if (now >= giveUpAt) {
      clearInterval(timer);
      finish(1);
    }
  }, POLL_MS);
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
    handle(buffered.slice(0, nl));
    buffered = buffered.slice(nl + 1);
  }
});
process.stdin.on('end', reap);
process.stdin.on('close', reap);
process.stdin.on('error', reap);
if (ownerParent) {
  setInterval(() => {
    if (liveStartTime(ownerParent.pid) !== ownerParent.startTime) reap();
  }, OWNER_PARENT_POLL_MS);
}
