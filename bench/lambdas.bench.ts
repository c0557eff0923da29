/**
 * The three Lambdas' footprint (`npm run bench -- lambdas`): each handler bundled as the CDK app deploys it
 * (devkit/lambda-bundle.ts: esbuild, ESM, minified, `@aws-sdk/*` left to the runtime) → bundle size; and
 * its cold import — a fresh `node` process importing the bundle with the environment the handler reads at
 * init — over 10 processes each → min / median / max wall-clock milliseconds (and median CPU milliseconds,
 * which move less when other work shares the machine). Targets for the poller (issue 19): ≤ 400 KB and a
 * median import ≤ 130 ms on the machine the bench runs on.
 */
import { POLLER_KAFKA_REQUESTS } from '../core/kafka/request-codecs.js';
import { bundleLambda, coldImports, type LambdaBundle } from '../devkit/lambda-bundle.js';
import type { BenchResult } from './run.js';

/** The Kafka requests the poller sends (the bundle carries the version codecs of these only). */
const SENT = new Set<string>(POLLER_KAFKA_REQUESTS);

const RUNS = 10;
const POLLER_BUNDLE_TARGET_KB = 400;
const POLLER_IMPORT_TARGET_MS = 130;

const DLQ_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-dlq';

/** The handlers and what each reads at init. */
const LAMBDAS: readonly { name: string; entry: string; env: Record<string, string> }[] = [
  {
    name: 'enrichment',
    entry: 'enrichment/handler.ts',
    env: { SOURCE_NAME: 'bench', DLQ_URL, PARTITION_KEY: 'record-key' },
  },
  {
    name: 'fallback poller',
    entry: 'fallback-poller/handler.ts',
    env: {
      POLLER_CONFIG: JSON.stringify({
        sourceName: 'bench',
        topic: 'apic-events',
        groupId: 'kafka-pipes-bench',
        startingPosition: 'TRIM_HORIZON',
        eventSource: 'SelfManagedKafka',
        cluster: 'broker-1.example.com:9094',
        brokers: ['broker-1.example.com:9094'],
        tls: true,
        truststore: { type: 'default' },
        auth: { type: 'none' },
        partitionKey: 'record-key',
        streamName: 'bench-stream',
        dlqUrl: DLQ_URL,
        lockTable: 'bench-locks',
        maxRecordsPerInvocation: 1000,
        lockTtlSeconds: 120,
      }),
    },
  },
  { name: 'sink', entry: 'targets/sink-handler.ts', env: { STREAM_NAME: 'bench-stream' } },
];

function stats(values: readonly number[]): { min: number; median: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { min: s[0] as number, median: s[Math.floor(s.length / 2)] as number, max: s.at(-1) as number };
}

const ms = (v: number) => Number(v.toFixed(1));

/** Runs the Lambda footprint benchmark. */
export default async function lambdasBench(): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  for (const lambda of LAMBDAS) {
    const bundle = await bundleLambda(lambda.entry);
    const runs = coldImports(bundle.file, { POWERTOOLS_METRICS_DISABLED: 'true', ...lambda.env }, RUNS);
    const wall = stats(runs.map((r) => r.wallMs));
    const cpu = stats(runs.map((r) => r.cpuMs));
    const poller = lambda.entry.startsWith('fallback-poller/');
    const kb = Number((bundle.bytes / 1024).toFixed(1));
    rows.push(
      {
        name: `${lambda.name} bundle (${lambda.entry}, minified, @aws-sdk/* external)`,
        value: kb,
        unit: 'KB',
        ...(poller ? { target: `<= ${POLLER_BUNDLE_TARGET_KB}`, ok: kb <= POLLER_BUNDLE_TARGET_KB } : {}),
        ...(poller ? { note: bundleParts(bundle) } : {}),
      },
      {
        name: `${lambda.name} cold import (median of ${RUNS} fresh processes)`,
        value: ms(wall.median),
        unit: 'ms',
        ...(poller
          ? { target: `<= ${POLLER_IMPORT_TARGET_MS}`, ok: wall.median <= POLLER_IMPORT_TARGET_MS }
          : {}),
        note: `wall min ${ms(wall.min)} / median ${ms(wall.median)} / max ${ms(wall.max)} ms; CPU median ${ms(cpu.median)} ms; ${process.version}`,
      },
    );
  }
  const iam = await bundleLambda('fallback-poller/handler.ts', { auth: { type: 'iam' } });
  rows.push({
    name: 'fallback poller bundle of an IAM source (the MSK IAM signer bundled)',
    value: Number((iam.bytes / 1024).toFixed(1)),
    unit: 'KB',
  });
  return rows;
}

/** What the largest parts of a bundle weigh (minified bytes in the output, from esbuild's metafile). */
function bundleParts(bundle: LambdaBundle): string {
  const output = bundle.metafile.outputs[Object.keys(bundle.metafile.outputs)[0] as string];
  const kbOf = (match: (path: string) => boolean) =>
    (
      Object.entries(output?.inputs ?? {})
        .filter(([path]) => match(path))
        .reduce((sum, [, input]) => sum + input.bytesInOutput, 0) / 1024
    ).toFixed(1);
  const kafkajs = (path: string) => path.includes('node_modules/kafkajs/');
  const clients = (path: string) =>
    kafkajs(path) && /kafkajs\/(index\.js|src\/index\.js|src\/(producer|consumer|admin)\/)/.test(path);
  const requests = (path: string) => kafkajs(path) && path.includes('/src/protocol/requests/');
  const unsent = (path: string) => {
    const api = /\/src\/protocol\/requests\/([^/]+)\//.exec(path)?.[1];
    return requests(path) && api !== undefined && !SENT.has(api);
  };
  return [
    `kafkajs ${kbOf(kafkajs)} KB (its client class, producer, consumer and admin: ${kbOf(clients)} KB; request codecs ${kbOf(requests)} KB, of which for requests the poller never sends, their version folders left out by core/kafka/request-codecs.ts: ${kbOf(unsent)} KB)`,
    `zod/mini ${kbOf((p) => p.includes('node_modules/zod/'))} KB`,
    `Powertools ${kbOf((p) => p.includes('node_modules/@aws-lambda-powertools/'))} KB`,
    `the project's code ${kbOf((p) => !p.includes('node_modules/'))} KB`,
  ].join('; ');
}
