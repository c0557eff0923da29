/**
 * Where a local run happens (devkit/local/run.ts): the test bed (Kafka + moto, started here) or external
 * services (KAFKA_BROKERS and the standard AWS settings); the sources it runs, their Kafka connections
 * and the topics, streams, queues and lock table they need.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { KafkaConnection } from '../../core/kafka/client.js';
import type { AwsCredentialsLike } from '../../core/kafka/msk-iam-token.js';
import { createPollerAwsClients } from '../../fallback-poller/aws-clients.js';
import { loadSourceEntries } from '../../pipes/load-sources.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import { createTopic } from '../testbed/kafka.js';
import { startTestBed } from '../testbed/testbed.js';
import {
  ensureLockTable,
  LOCAL_LOCK_TABLE,
  type LocalAwsClients,
  provisionTargets,
  putObject,
  putSecret,
  readSecrets,
} from './aws-resources.js';
import { assertSupportedPatterns, type PatternJson } from './filter-pattern.js';
import type { LocalRunOptions } from './options.js';
import {
  connectionFor,
  LOCAL_TRUSTSTORE_BUCKET,
  type LocalRunPlan,
  type LocalSourcePlan,
  planLocalRun,
  secretValue,
} from './plan.js';

/** Things to stop at the end of the run, in reverse order. */
export type Cleanups = (() => Promise<void>)[];

/** Where the run's Kafka and AWS are. */
export interface LocalEnvironment {
  readonly external: boolean;
  readonly aws: LocalAwsClients;
  /** Settings to build another AWS client the way `aws` were built (the schema registries' Glue client). */
  readonly awsConfig: Readonly<Record<string, unknown>>;
  /** The brokers a source dials. */
  readonly brokersFor: (p: LocalSourcePlan) => string[];
  /** Stands in for the public roots (the bed's private root CA; undefined = Node's public roots). */
  readonly fallbackCa: string | undefined;
  /** The connection that creates topics and produces (the bed's PLAINTEXT listener, or the source's). */
  readonly adminConnection: (conn: KafkaConnection) => KafkaConnection;
  /** Credentials signing MSK IAM tokens (the bed's test identity; undefined = the default chain). */
  readonly iamCredentials?: () => Promise<AwsCredentialsLike>;
}

/** The plan of the selected sources of the catalogue. @throws Error naming unknown sources. */
export function planSelectedSources(options: LocalRunOptions): LocalRunPlan {
  // The local run reads each secret by name from the bed (GetSecretValue takes one): read-only load.
  const all = loadSourceEntries(options.sourcesDir, { readOnly: true }).map((e) => e.source);
  const names = options.sources;
  const unknown = (names ?? []).filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `unknown source(s) ${unknown.join(', ')}; the catalogue has ${all.map((s) => s.name).join(', ')}`,
    );
  }
  const sources: SourceConfig[] = names === null ? all : all.filter((s) => names.includes(s.name));
  if (sources.length === 0) throw new Error(`no sources in ${options.sourcesDir}`);
  for (const s of sources) {
    if (s.engine === 'pipe' && s.filters) assertSupportedPatterns(s.filters as Record<string, PatternJson>[]);
  }
  return planLocalRun(sources);
}

/**
 * moto's Kinesis gives a record the shard's highest sequence number + 1 without a lock, so concurrent
 * PutRecords to one shard can overwrite each other's records (lost data that real Kinesis never loses).
 * Against moto, every PutRecord(s) of the run goes through this client one at a time.
 */
export function serializePutsForMoto(kinesis: KinesisClient): KinesisClient {
  let chain: Promise<unknown> = Promise.resolve();
  kinesis.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand' && context.commandName !== 'PutRecordCommand')
        return next(args);
      const run = chain.then(() => next(args));
      chain = run.catch(() => undefined);
      return run;
    },
    { step: 'initialize', name: 'serializePutsForMoto' },
  );
  return kinesis;
}

/** External mode: KAFKA_BROKERS for every source, AWS clients as the poller Lambda creates them. */
async function externalEnvironment(
  brokersEnv: string,
  log: (line: string) => void,
): Promise<LocalEnvironment> {
  const brokers = brokersEnv.split(',').map((b) => b.trim());
  log(`external mode: Kafka ${brokers.join(',')}, AWS from the standard settings`);
  return {
    external: true,
    aws: await createPollerAwsClients(),
    awsConfig: {},
    brokersFor: () => brokers,
    fallbackCa: undefined,
    adminConnection: (conn) => conn,
  };
}

/** Test-bed mode: starts the bed and puts the sources' secrets and trust bundles on moto. */
async function testBedEnvironment(
  plan: LocalRunPlan,
  log: (line: string) => void,
  cleanups: Cleanups,
): Promise<LocalEnvironment> {
  log('starting the test bed (Kafka broker + moto)…');
  const bed = await startTestBed();
  cleanups.push(() => bed.stop());
  log(
    `test bed ready in ${(bed.timings.totalMs / 1000).toFixed(1)} s: plaintext ${bed.kafka.plaintext}, ssl ${bed.kafka.ssl}, sasl_ssl ${bed.kafka.saslSsl}, sasl_iam ${bed.kafka.saslIam}, moto ${bed.moto.endpoint}`,
  );
  const awsConfig = {
    endpoint: bed.moto.endpoint,
    region: bed.moto.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 3,
  };
  const clients = await createPollerAwsClients(awsConfig);
  const aws = { ...clients, kinesis: serializePutsForMoto(clients.kinesis) };
  for (const ref of plan.secrets) await putSecret(aws.secretsManager, ref.name, secretValue(ref, bed));
  for (const key of plan.truststoreKeys)
    await putObject(aws.s3, LOCAL_TRUSTSTORE_BUCKET, key, bed.pki.longTrustBundle);
  return {
    external: false,
    aws,
    awsConfig,
    brokersFor: (p) => [bed.kafka[p.listener]],
    fallbackCa: bed.pki.rootCa,
    adminConnection: () => ({ brokers: [bed.kafka.plaintext], clientId: 'local-admin' }),
    iamCredentials: async () => ({
      accessKeyId: bed.iam.accessKeyId,
      secretAccessKey: bed.iam.secretAccessKey,
    }),
  };
}

/** The environment of the run: external when KAFKA_BROKERS is set, else the test bed. */
export function startEnvironment(
  plan: LocalRunPlan,
  log: (line: string) => void,
  cleanups: Cleanups,
): Promise<LocalEnvironment> {
  const brokers = process.env.KAFKA_BROKERS;
  return brokers !== undefined && brokers !== ''
    ? externalEnvironment(brokers, log)
    : testBedEnvironment(plan, log, cleanups);
}

/** Each source's Kafka connection, from its secrets as the Pipe / poller reads them. */
export async function connectSources(
  plan: LocalRunPlan,
  env: LocalEnvironment,
): Promise<Map<string, KafkaConnection>> {
  const secrets = await readSecrets(env.aws.secretsManager, plan.secrets);
  return new Map(
    plan.sources.map((p) => [
      p.source.name,
      connectionFor(p, env.brokersFor(p), secrets, env.fallbackCa, env.iamCredentials),
    ]),
  );
}

/** Creates the topics, streams, queues and lock table; returns the queue URLs by name. */
export async function provision(
  plan: LocalRunPlan,
  env: LocalEnvironment,
  conns: ReadonlyMap<string, KafkaConnection>,
  log: (line: string) => void,
): Promise<Map<string, string>> {
  for (const [topic, partitions] of plan.topics) {
    const owner = plan.sources.find((p) => p.source.topic === topic) as LocalSourcePlan;
    await createTopic(
      env.adminConnection(conns.get(owner.source.name) as KafkaConnection),
      topic,
      partitions,
    );
  }
  const queueUrls = await provisionTargets(env.aws, plan);
  if (plan.sources.some((p) => p.source.engine === 'poller')) {
    await ensureLockTable(env.aws.dynamodb, LOCAL_LOCK_TABLE, 'topic_partition');
  }
  log(
    `provisioned ${plan.topics.size} topics, ${plan.streams.size} streams, ${plan.deliveryStreams.length} Firehose streams, ${plan.queues.length} queues, ${plan.secrets.length} secrets`,
  );
  if (plan.deliveryStreams.length > 0 && !env.external)
    log(
      "moto's Firehose writes each PutRecordBatch at once as one uncompressed S3 object, records back to back: no buffering, GZIP or AppendDelimiterToRecord (docs/local-run.md); the run reads either form back",
    );
  return queueUrls;
}
