/**
 * The orphan watchdog (devkit/testbed/watchdog.ts + orphan-watchdog.mjs): a bed's broker JVM and moto die
 * within seconds of the Node process that started them being SIGKILLed, also after a broker restart; the
 * watchdog removes the bed's temp dir (and no other path), exits by itself after a normal stop, never signals a
 * process whose start time changed (PID reuse), and escalates to SIGKILL for a child that ignores SIGTERM.
 *
 * The bed case runs a real bed in a separate Node process (test/harness/watchdog-fixture.ts); the other cases
 * use `sleep` children and need no bed. Linux only (the watchdog needs /proc).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { killByPid, trackPid, waitFor, watchdogPid } from '../../devkit/testbed/processes.js';
import { isProcessAlive, processStartTime, spawnWatchdog } from '../../devkit/testbed/watchdog.js';
import type { WatchdogFixtureReport } from '../harness/watchdog-fixture.js';
import type { WatchdogForkFixtureReport } from '../harness/watchdog-fork-fixture.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURE = join(REPO_ROOT, 'test', 'harness', 'watchdog-fixture.ts');
const FORK_FIXTURE = join(REPO_ROOT, 'test', 'harness', 'watchdog-fork-fixture.ts');
/** Bound for the bed's processes to be gone after the SIGKILL of their owner. */
const REAP_BOUND_MS = 15_000;
/** Timeout of the cases that need no bed (they take well under a second). */
const NO_BED_TIMEOUT_MS = 15_000;
/** Bound for starting the fixture's bed and restarting its broker once (2 shared cores). */
const FIXTURE_START_TIMEOUT_MS = 150_000;

/** Processes this file started or learned of, SIGKILLed in afterAll if a failed test left them running. */
const leftovers = new Map<number, string | undefined>();
const dirsToRemove: string[] = [];
afterAll(async () => {
  for (const [pid, startTime] of leftovers) {
    if (isProcessAlive(pid) && processStartTime(pid) === startTime) process.kill(pid, 'SIGKILL');
  }
  await Promise.all(dirsToRemove.map((d) => rm(d, { recursive: true, force: true })));
});

function remember(pid: number): void {
  leftovers.set(pid, processStartTime(pid));
}

/** The command line of a process, NUL separators as spaces ('' when it is gone). */
function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** Polls until `pid` is gone (or a zombie); resolves with the ms it took, or undefined after `boundMs`. */
async function msUntilGone(pid: number, since: number, boundMs: number): Promise<number | undefined> {
  while (isProcessAlive(pid)) {
    if (Date.now() - since > boundMs) return undefined;
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - since;
}

/**
 * Runs a fixture script (`node --import tsx <script>`) and resolves with its JSON report line; rejects with its
 * stderr if it exits first.
 */
function startFixture<R>(script: string): Promise<{ child: ChildProcess; report: R }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) remember(child.pid);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, report: JSON.parse(out.slice(0, nl)) as R });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`${script} exited (${code ?? signal}) before reporting:\n${err}`)),
    );
  });
}

/** Whether a TCP connect to `host:port` is refused (nothing listens any more). */
function connectRefused(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.replace(/^http:\/\//, '').split(':') as [string, string];
  return new Promise((resolve) => {
    const socket = connect({ host, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

/** Spawns `sleep 300` (optionally ignoring SIGTERM) as a child of this test process. */
function spawnSleep(ignoreTerm = false): ChildProcess & { pid: number } {
  const child = ignoreTerm
    ? spawn('sh', ['-c', 'trap "" TERM; exec sleep 300'], { stdio: 'ignore' })
    : spawn('sleep', ['300'], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('could not spawn sleep');
  remember(child.pid);
  return child as ChildProcess & { pid: number };
}

describe.runIf(process.platform === 'linux')('test bed orphan watchdog', () => {
  it(
    'reaps the restarted broker JVM and moto within 15 s of a SIGKILL of the bed owner, removes the bed dir, exits',
    async () => {
      // Arrange
      const { child, report } = await startFixture<WatchdogFixtureReport>(FIXTURE);
      dirsToRemove.push(report.dir);
      for (const pid of [report.brokerPid, report.motoPid, report.watchdogPid]) remember(pid);
      expect(cmdline(report.brokerPid)).toContain('kafka.Kafka');
      expect(cmdline(report.motoPid)).toContain('moto_server');
      expect(cmdline(report.watchdogPid)).toContain('orphan-watchdog.mjs');
      expect(isProcessAlive(report.brokerPidBeforeRestart)).toBe(false);

      // Act
      const killedAt = Date.now();
      child.kill('SIGKILL');
      const [broker, moto, watchdog] = await Promise.all(
        [report.brokerPid, report.motoPid, report.watchdogPid].map((pid) =>
          msUntilGone(pid, killedAt, REAP_BOUND_MS),
        ),
      );
      console.log(
        `[watchdog] gone after SIGKILL: broker ${broker} ms, moto ${moto} ms, watchdog ${watchdog} ms`,
      );

      // Assert
      expect({ broker, moto, watchdog }).toEqual({
        broker: expect.any(Number),
        moto: expect.any(Number),
        watchdog: expect.any(Number),
      });
      expect(existsSync(report.dir)).toBe(false);
      expect(await connectRefused(report.plaintext)).toBe(true);
      expect(await connectRefused(report.motoEndpoint)).toBe(true);
    },
    FIXTURE_START_TIMEOUT_MS + REAP_BOUND_MS,
  );

  it(
    "stops a forked worker's children when the worker's parent is SIGKILLed and the worker lives on",
    async () => {
      // Arrange
      const { child, report } = await startFixture<WatchdogForkFixtureReport>(FORK_FIXTURE);
      for (const pid of [report.workerPid, report.childPid, report.watchdogPid]) remember(pid);
      expect(cmdline(report.watchdogPid)).toContain(`--owner-parent ${report.orchestratorPid} `);

      // Act
      const killedAt = Date.now();
      child.kill('SIGKILL');
      const [sleepGone, watchdogGone] = await Promise.all(
        [report.childPid, report.watchdogPid].map((pid) => msUntilGone(pid, killedAt, REAP_BOUND_MS)),
      );

      console.log(
        `[watchdog] gone after SIGKILL of the worker's parent: sleep ${sleepGone} ms, watchdog ${watchdogGone} ms`,
      );

      // Assert
      expect({ sleepGone, watchdogGone }).toEqual({
        sleepGone: expect.any(Number),
        watchdogGone: expect.any(Number),
      });
      expect(isProcessAlive(report.workerPid)).toBe(true);
      process.kill(report.workerPid, 'SIGKILL');
    },
    NO_BED_TIMEOUT_MS + REAP_BOUND_MS,
  );

  it('exits by itself once the last tracked child was stopped normally', async () => {
    // Arrange
    const first = spawnSleep();
    const second = spawnSleep();
    trackPid(first.pid);
    trackPid(second.pid);
    const dogPid = watchdogPid() as number;
    remember(dogPid);

    // Act
    await killByPid(first, 1_000);
    const aliveWithOneChildLeft = isProcessAlive(dogPid);
    await killByPid(second, 1_000);

    // Assert
    expect(aliveWithOneChildLeft).toBe(true);
    await waitFor('watchdog exit', async () => !isProcessAlive(dogPid), { timeoutMs: 5_000, intervalMs: 50 });
    expect(watchdogPid()).toBeUndefined();
  });

  it(
    'does not signal a PID whose start time changed (PID reuse) and stops the one that matches',
    async () => {
      // Arrange
      const reused = spawnSleep();
      const owned = spawnSleep();
      const dog = spawnWatchdog({ termGraceMs: 1_000 });
      if (!dog) throw new Error('spawnWatchdog returned undefined on Linux');
      remember(dog.pid);
      dog.watch(reused.pid, '1'); // a process that started 1 tick after boot: not this one
      dog.watch(owned.pid, processStartTime(owned.pid) as string);
      const ownedExit = new Promise<NodeJS.Signals | null>((r) => owned.once('exit', (_c, s) => r(s)));

      // Act: EOF on the pipe, as when the owner dies
      dog.close();
      const [exitCode, ownedSignal] = await Promise.all([dog.exited, ownedExit]);

      // Assert
      expect({ exitCode, ownedSignal }).toEqual({ exitCode: 0, ownedSignal: 'SIGTERM' });
      expect(isProcessAlive(reused.pid)).toBe(true);
      await killByPid(reused, 1_000);
    },
    NO_BED_TIMEOUT_MS,
  );

  it(
    'removes registered kpt-testbed-* dirs on EOF and ignores any other path',
    async () => {
      // Arrange
      const bedDir = await mkdtemp(join(tmpdir(), 'kpt-testbed-watchdog-'));
      const otherDir = await mkdtemp(join(tmpdir(), 'kpt-watchdog-other-'));
      dirsToRemove.push(bedDir, otherDir);
      const dog = spawnWatchdog();
      if (!dog) throw new Error('spawnWatchdog returned undefined on Linux');
      remember(dog.pid);
      dog.watchDir(bedDir);
      dog.watchDir(otherDir);
      dog.watchDir('kpt-testbed-relative');

      // Act
      dog.close();
      const exitCode = await dog.exited;

      // Assert
      expect({ exitCode, bedDir: existsSync(bedDir), otherDir: existsSync(otherDir) }).toEqual({
        exitCode: 0,
        bedDir: false,
        otherDir: true,
      });
    },
    NO_BED_TIMEOUT_MS,
  );

  it(
    'SIGKILLs a child that ignores SIGTERM once the grace period is over',
    async () => {
      // Arrange
      const stubborn = spawnSleep(true);
      await waitFor('sleep exec', async () => cmdline(stubborn.pid).startsWith('sleep'), {
        timeoutMs: 5_000,
        intervalMs: 20,
      });
      const dog = spawnWatchdog({ termGraceMs: 500 });
      if (!dog) throw new Error('spawnWatchdog returned undefined on Linux');
      remember(dog.pid);
      dog.watch(stubborn.pid, processStartTime(stubborn.pid) as string);
      const stubbornExit = new Promise<NodeJS.Signals | null>((r) => stubborn.once('exit', (_c, s) => r(s)));

      // Act
      const closedAt = Date.now();
      dog.close();
      const [exitCode, signal] = await Promise.all([dog.exited, stubbornExit]);

      // Assert
      expect({ exitCode, signal }).toEqual({ exitCode: 0, signal: 'SIGKILL' });
      expect(Date.now() - closedAt).toBeGreaterThanOrEqual(500);
    },
    NO_BED_TIMEOUT_MS,
  );
});
