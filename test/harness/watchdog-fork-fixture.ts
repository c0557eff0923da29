/**
 * Child-process fixture of test/integration/testbed-watchdog.test.ts for the vitest fork-worker case, run as
 * `node --import tsx test/harness/watchdog-fork-fixture.ts`. This "orchestrator" forks itself (IPC channel,
 * like a vitest fork worker) in `worker` mode; the worker tracks a `sleep 300` child through processes.ts and
 * reports {@link WatchdogForkFixtureReport}, which the orchestrator prints as one JSON line on stdout. Both
 * then wait until killed: the test SIGKILLs the orchestrator only, and the worker lives on as an orphan.
 */
import { fork, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { trackPid, watchdogPid } from '../../devkit/testbed/processes.js';

/** What the fixture prints (one JSON line) once the worker's child runs. */
export interface WatchdogForkFixtureReport {
  /** PID of the orchestrator (the one the test SIGKILLs). */
  readonly orchestratorPid: number;
  /** PID of the forked worker (survives the orchestrator). */
  readonly workerPid: number;
  /** PID of the `sleep` the worker tracks. */
  readonly childPid: number;
  readonly watchdogPid: number;
}

if (process.argv[2] === 'worker') {
  const child = spawn('sleep', ['300'], { stdio: 'ignore' });
  trackPid(child.pid as number);
  process.send?.({ workerPid: process.pid, childPid: child.pid, watchdogPid: watchdogPid() });
  // Like an orphaned vitest worker: keep running whether or not the channel is still connected.
  process.on('disconnect', () => undefined);
} else {
  const worker = fork(fileURLToPath(import.meta.url), ['worker'], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  worker.once('message', (m: Omit<WatchdogForkFixtureReport, 'orchestratorPid'>) => {
    const report: WatchdogForkFixtureReport = { orchestratorPid: process.pid, ...m };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  });
}
setInterval(() => undefined, 60_000);
