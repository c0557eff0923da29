/**
 * The poller Lambda as it is deployed: its esbuild bundle (devkit/lambda-bundle.ts, the construct's options,
 * so the codecs of Kafka requests the poller never sends are left out: core/kafka/request-codecs.ts) runs
 * in a fresh Node process, from a folder where those left-out files cannot be found, and polls the real
 * broker over SASL_SSL/SCRAM into moto's Kinesis. A request the poller needs but the bundle left out would
 * fail this poll with "Cannot find module".
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fetchGroupLag } from '../../core/kafka/group-lag.js';
import { unsentRequestCodecs } from '../../core/kafka/request-codecs.js';
import { bundleLambda } from '../../devkit/lambda-bundle.js';
import { awsClients } from '../../devkit/testbed/aws.js';
import { kafkaConnections } from '../../devkit/testbed/kafka.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';
import { kinesisData, produceApicEvents, setupPollerResources } from './poller-fixture.js';

const bed = inject('testbed');
const aws = awsClients(bed.moto.endpoint, bed.moto.region);
const conns = kafkaConnections(bed);
printBrokerLogOnFailure(bed.kafka.logFile);

const RECORDS = 150;
let work: string;
let bundleFile: string;

beforeAll(async () => {
  const bundle = await bundleLambda('fallback-poller/handler.ts');
  // Deeper than where it was built, so its relative paths to the left-out codecs lead nowhere.
  work = mkdtempSync(join(tmpdir(), 'poller-bundle-'));
  const dir = join(work, 'a', 'b', 'c', 'd', 'e');
  mkdirSync(dir, { recursive: true });
  bundleFile = join(dir, 'index.mjs');
  copyFileSync(bundle.file, bundleFile);
  // The AWS SDK, left to the Lambda runtime, comes from the project's node_modules.
  symlinkSync(resolve('node_modules'), join(dir, 'node_modules'), 'dir');
}, 60_000);

afterAll(() => {
  aws.destroy();
  rmSync(work, { recursive: true, force: true });
});

/** Calls the bundled handler once in a fresh process; returns its response. */
function invokeBundle(env: Record<string, string>, event: object): Record<string, unknown> {
  const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(bundleFile).href)});
const response = await handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 50000 });
console.log('RESPONSE ' + JSON.stringify(response));
process.exit(0); // the warm container's Kafka connections would keep the process alive`;
  const out = execFileSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
    cwd: dirname(bundleFile),
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 90_000,
  });
  const line = out.split('\n').find((l) => l.startsWith('RESPONSE '));
  if (!line) throw new Error(`the bundled handler printed no response:\n${out}`);
  return JSON.parse(line.slice('RESPONSE '.length));
}

describe('the bundled poller Lambda (request codecs it never sends left out)', () => {
  it('leaves out the codecs of the requests it never sends, unreachable from where it runs', () => {
    const text = readFileSync(bundleFile, 'utf8');
    const leftOut = [...text.matchAll(/"([^"]*kafkajs\/src\/protocol\/requests\/[^"]+)"/g)].map(
      (m) => m[1] as string,
    );
    expect(leftOut.some((p) => p.includes('/requests/produce/v'))).toBe(true);
    expect(leftOut.some((p) => /\/requests\/(fetch|listOffsets|offsetCommit)\//.test(p))).toBe(false);
    for (const path of leftOut) expect(existsSync(`${resolve(dirname(bundleFile), path)}.js`)).toBe(false);
    expect(unsentRequestCodecs().length).toBeGreaterThan(20);
  });

  it('polls the broker over SASL_SSL/SCRAM, delivers every record and commits', async () => {
    // Arrange
    const config = await setupPollerResources(
      bed,
      aws,
      { kind: 'scram', truststore: 'secret' },
      conns.plaintext,
      1,
    );
    await produceApicEvents(conns.plaintext, config.topic, 1, RECORDS);
    const env = {
      POLLER_CONFIG: JSON.stringify(config),
      AWS_REGION: bed.moto.region,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_ENDPOINT_URL: bed.moto.endpoint,
    };
    // Act
    const response = invokeBundle(env, { kafka_partition: 0, iteration: 1 });
    // Assert
    expect(response).toMatchObject({
      statusCode: 200,
      counts: { read: RECORDS, delivered: RECORDS, dlq: 0, committed: RECORDS, failed: 0 },
    });
    expect(await kinesisData(aws, config.streamName)).toHaveLength(RECORDS);
    expect(await fetchGroupLag(conns.plaintext, config.groupId, config.topic)).toEqual([
      { partition: 0, committed: String(RECORDS), logStart: '0', logEnd: String(RECORDS), lag: '0' },
    ]);
  }, 120_000);
});
