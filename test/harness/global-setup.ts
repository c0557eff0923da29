/**
 * vitest global setup of the `integration` project: starts ONE test bed (Kafka broker + moto) per run and
 * provides its serializable description to every test file:
 *
 *   import { inject } from 'vitest';
 *   const bed = inject('testbed');   // TestBedInfo
 *
 * Tests that must restart or break the broker start their own bed with startTestBed().
 *
 * The broker version is the project's `KAFKA_PIPES_BROKER_VERSION` (vitest.config.ts: one integration project
 * per broker version; its workers see the same variable, so the beds tests start themselves match it).
 */
import type { TestProject } from 'vitest/node';
import { tailFile } from '../../devkit/testbed/processes.js';
import { startTestBed, type TestBed, type TestBedInfo, toTestBedInfo } from '../../devkit/testbed/testbed.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared test bed of the integration run. */
    testbed: TestBedInfo;
  }
}

/** Starts the bed, provides it as `testbed`, and returns the teardown that kills it by PID. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let bed: TestBed;
  try {
    const kafkaVersion = project.config.env?.KAFKA_PIPES_BROKER_VERSION;
    bed = await startTestBed(kafkaVersion ? { kafkaVersion } : {});
  } catch (err) {
    // The broker's start error already carries the tail of its log; print it where CI shows it.
    console.error(`[test bed] failed to start:\n${err instanceof Error ? err.message : String(err)}`);
    throw err;
  }
  const t = bed.timings;
  console.log(
    `[test bed ${project.name}] Kafka ${bed.kafka.version} ready in ${(t.totalMs / 1000).toFixed(1)} s (pki ${(t.pkiMs / 1000).toFixed(1)} s, kafka ${(t.kafkaMs / 1000).toFixed(1)} s, moto ${(t.motoMs / 1000).toFixed(1)} s): ` +
      `kafka plaintext=${bed.kafka.plaintext} ssl=${bed.kafka.ssl} sasl_ssl=${bed.kafka.saslSsl}, moto ${bed.moto.endpoint}`,
  );
  project.provide('testbed', toTestBedInfo(bed));
  return async () => {
    if (bed.kafka.pid() === undefined) {
      console.error(
        `[test bed] broker was not running at teardown; tail of ${bed.kafka.logFile}:\n${tailFile(bed.kafka.logFile, 40)}`,
      );
    }
    await bed.stop();
  };
}
