/** vitest hook: print the tail of the broker log when a test fails. */
import { afterEach } from 'vitest';
import { tailFile } from '../../devkit/testbed/processes.js';

/**
 * Registers an `afterEach` that prints the last `lines` lines of the broker log when the test failed.
 * Call at the top of a test file: `printBrokerLogOnFailure(inject('testbed').kafka.logFile)`.
 */
export function printBrokerLogOnFailure(logFile: string | (() => string), lines = 60): void {
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail') {
      const file = typeof logFile === 'function' ? logFile() : logFile;
      console.error(
        `--- tail of broker log ${file} (test "${ctx.task.name}" failed) ---\n${tailFile(file, lines)}`,
      );
    }
  });
}
