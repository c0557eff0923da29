/**
 * Child-process fixture of test/integration/testbed-watchdog.test.ts, run as
 * `node --import tsx test/harness/watchdog-fixture.ts` (one process: `npx tsx` would add a wrapper process
 * between the test and the bed's owner). Starts a bed, restarts its broker once (the new JVM must be watched
 * too), prints one JSON line {@link WatchdogFixtureReport} on stdout, then waits until it is killed.
 */
import { watchdogPid } from '../../devkit/testbed/processes.js';
import { startTestBed } from '../../devkit/testbed/testbed.js';

/** What the fixture prints (one JSON line) once its bed runs. */
export interface WatchdogFixtureReport {
  /** PID of this Node process (the one the test SIGKILLs). */
  readonly pid: number;
  /** PID of the broker JVM before the restart (already stopped). */
  readonly brokerPidBeforeRestart: number;
  /** PID of the broker JVM after the restart. */
  readonly brokerPid: number;
  readonly motoPid: number;
  readonly watchdogPid: number;
  /** The bed's PLAINTEXT bootstrap `127.0.0.1:port`. */
  readonly plaintext: string;
  /** moto's `http://127.0.0.1:port`. */
  readonly motoEndpoint: string;
  /** The bed's temp dir (nobody removes it after a SIGKILL; the test does). */
  readonly dir: string;
}

const bed = await startTestBed();
const brokerPidBeforeRestart = bed.kafka.pid();
await bed.kafka.restart();
const report: Partial<WatchdogFixtureReport> = {
  pid: process.pid,
  brokerPidBeforeRestart,
  brokerPid: bed.kafka.pid(),
  motoPid: bed.moto.pid(),
  watchdogPid: watchdogPid(),
  plaintext: bed.kafka.plaintext,
  motoEndpoint: bed.moto.endpoint,
  dir: bed.dir,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
// Keep the event loop alive (the watchdog's pipe is unref'd) until the test kills this process.
setInterval(() => undefined, 60_000);
