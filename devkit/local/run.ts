/**
 * The local end-to-end run behind `npm start` (devkit/local/start.ts): starts (or skips, with KAFKA_BROKERS) the
 * test bed, provisions topics / streams / queues / secrets / truststore, runs every selected source on
 * its engine while a producer writes API Connect events and poison records, waits until the pipeline is
 * drained, reads every stream and DLQ back and returns the summary.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { fetchGroupLag } from '../../core/kafka/admin-probe.js';
import type { KafkaConnection } from '../../core/kafka/client.js';
import { createPollerAwsClients } from '../../fallback-poller/aws-clients.js';
import { loadSourceEntries } from '../../pipes/load-sources.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import { createTopic, type LongLivedProducer, openProducer } from '../testbed/kafka.js';
import { readAllRecords } from '../testbed/kinesis.js';
import { startTestBed, type TestBed } from '../testbed/testbed.js';
import type { AsyncInvoker } from './async-invoke.js';
import {
  drainQueue,
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
import { type EngineStats, emptyStats, type PipeRunner, startPipeRunner } from './pipe-runner.js';
import {
  type BedListener,
  connectionFor,
  LOCAL_TRUSTSTORE_BUCKET,
  type LocalSourcePlan,
  planLocalRun,
  secretValue,
} from './plan.js';
import { type PollerEngine, startPollerEngine } from './poller-engine.js';
import { startProducer } from './producer.js';
import { type ProgressRow, startProgressPrinter } from './progress.js';
import {
  compareEngines,
  type LatencySummary,
  latencySummary,
  PARITY_REMOVED_FIELDS,
  type ParityResult,
  reconcileSource,
  type SourceReconciliation,
} from './reconcile.js';
import { startStreamTail } from './stream-tail.js';
import { createLocalEnrichment, kinesisTarget, lambdaTarget, quietLogger } from './wiring.js';

/** One source in the summary. */
export interface SourceSummary extends SourceReconciliation {
  readonly engine: 'pipe' | 'poller';
  readonly target: 'kinesis' | 'lambda';
  readonly stream: string;
  readonly listener: BedListener | 'external';
  readonly consumed: number;
  readonly retries: number;
  readonly lastError: string | null;
  /** Enrichment DLQ messages per reason code. */
  readonly dlqByReason: Record<string, number>;
  readonly latencyMs: LatencySummary;
  /** Distinct records the live stream tail saw for this source (cross-check of `delivered`). */
  readonly deliveredSeenLive: number;
  /** Pipe engine: total time in the enrichment and in the target (ms). */
  readonly timeMs: { readonly enrichment: number; readonly target: number };
}

/** The summary of a local run (`--json` prints it). */
export interface LocalRunSummary {
  readonly mode: 'test-bed' | 'external';
  readonly options: LocalRunOptions;
  readonly startedAt: string;
  readonly durationMs: number;
  /** Records produced per topic and per kind. */
  readonly produced: {
    readonly total: number;
    readonly byTopic: Record<string, number>;
    readonly byKind: Record<string, number>;
  };
  readonly throughput: {
    /** Produced records per second over the produce phase. */
    readonly producedPerSecond: number;
    /** Records written to Kinesis per second (all sources), from the first produce to the last arrival in Kinesis. */
    readonly deliveredPerSecond: number;
  };
  readonly latencyMs: LatencySummary;
  readonly sources: readonly SourceSummary[];
  readonly totals: {
    readonly delivered: number;
    readonly filtered: number;
    readonly enrichmentDlq: number;
    readonly targetDlq: number;
    readonly ruleDropped: number;
    readonly missing: number;
    readonly duplicates: number;
  };
  readonly parity: readonly ParityResult[];
  /** Sources that could not run (with the reason). */
  readonly skipped: readonly { readonly source: string; readonly reason: string }[];
  /** Drained within the timeout. */
  readonly drained: boolean;
  /** Zero missing, zero filtered-but-delivered, parity without differences. */
  readonly ok: boolean;
}

/** Where output goes. */
export interface RunIo {
  readonly log: (line: string) => void;
  readonly progressOut?: NodeJS.WriteStream;
  /** Set when the run must stop early (SIGINT / SIGTERM). */
  readonly signal?: AbortSignal;
}

/** Against external AWS: the clients the poller Lambda creates (same timeouts). */
function awsFromEnv(): LocalAwsClients {
  return createPollerAwsClients();
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

function awsForMoto(endpoint: string, region: string): LocalAwsClients {
  const clients = createPollerAwsClients({
    endpoint,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 3,
  });
  return { ...clients, kinesis: serializePutsForMoto(clients.kinesis) };
}

function selectSources(all: readonly SourceConfig[], names: readonly string[] | null): SourceConfig[] {
  if (names === null) return [...all];
  const unknown = names.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `unknown source(s) ${unknown.join(', ')}; the catalogue has ${all.map((s) => s.name).join(', ')}`,
    );
  }
  return all.filter((s) => names.includes(s.name));
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs the local end-to-end run and returns its summary. Always stops what it started. */
export async function runLocal(options: LocalRunOptions, io: RunIo): Promise<LocalRunSummary> {
  const t0 = Date.now();
  const entries = loadSourceEntries(options.sourcesDir);
  const sources = selectSources(
    entries.map((e) => e.source),
    options.sources,
  );
  if (sources.length === 0) throw new Error(`no sources in ${options.sourcesDir}`);
  for (const s of sources) {
    if (s.engine === 'pipe' && s.filters) assertSupportedPatterns(s.filters as Record<string, PatternJson>[]);
  }
  const plan = planLocalRun(sources);
  const external = process.env.KAFKA_BROKERS !== undefined && process.env.KAFKA_BROKERS !== '';
  const cleanups: (() => Promise<void>)[] = [];
  const abort = io.signal;
  let bed: TestBed | undefined;
  try {
    let aws: LocalAwsClients;
    let brokersFor: (p: LocalSourcePlan) => string[];
    let fallbackCa: string | undefined;
    let adminConn: (p: LocalSourcePlan, conn: KafkaConnection) => KafkaConnection;
    if (external) {
      const brokers = (process.env.KAFKA_BROKERS as string).split(',').map((b) => b.trim());
      io.log(`external mode: Kafka ${brokers.join(',')}, AWS from the standard settings`);
      aws = awsFromEnv();
      brokersFor = () => brokers;
      fallbackCa = undefined;
      adminConn = (_p, conn) => conn;
    } else {
      io.log('starting the test bed (Kafka 3.9 + moto)…');
      bed = await startTestBed();
      const b = bed;
      cleanups.push(() => b.stop());
      io.log(
        `test bed ready in ${(b.timings.totalMs / 1000).toFixed(1)} s: plaintext ${b.kafka.plaintext}, ssl ${b.kafka.ssl}, sasl_ssl ${b.kafka.saslSsl}, moto ${b.moto.endpoint}`,
      );
      aws = awsForMoto(b.moto.endpoint, b.moto.region);
      brokersFor = (p) => [b.kafka[p.listener]];
      fallbackCa = b.pki.rootCa;
      adminConn = () => ({ brokers: [b.kafka.plaintext], clientId: 'local-admin' });
      for (const ref of plan.secrets) await putSecret(aws.secretsManager, ref.name, secretValue(ref, b));
      for (const key of plan.truststoreKeys)
        await putObject(aws.s3, LOCAL_TRUSTSTORE_BUCKET, key, b.pki.longTrustBundle);
    }
    if (abort?.aborted) throw new Error('aborted');

    // Connections from the secrets, as the Pipe / poller reads them.
    const secrets = await readSecrets(aws.secretsManager, plan.secrets);
    const conns = new Map(
      plan.sources.map((p) => [p.source.name, connectionFor(p, brokersFor(p), secrets, fallbackCa)]),
    );

    // Topics, streams, queues, lock table.
    for (const [topic, partitions] of plan.topics) {
      const owner = plan.sources.find((p) => p.source.topic === topic) as LocalSourcePlan;
      await createTopic(adminConn(owner, conns.get(owner.source.name) as KafkaConnection), topic, partitions);
    }
    const queueUrls = await provisionTargets(aws, plan);
    if (plan.sources.some((p) => p.source.engine === 'poller')) {
      await ensureLockTable(aws.dynamodb, LOCAL_LOCK_TABLE, 'topic_partition');
    }
    io.log(
      `provisioned ${plan.topics.size} topics, ${plan.streams.size} streams, ${plan.queues.length} queues, ${plan.secrets.length} secrets`,
    );

    // Engines.
    const stats = new Map<string, EngineStats>(plan.sources.map((p) => [p.source.name, emptyStats()]));
    const runners = new Map<string, PipeRunner>();
    const pollers = new Map<string, PollerEngine>();
    const invokers: AsyncInvoker[] = [];
    const skipped: { source: string; reason: string }[] = [];
    const loggers = new Map<string, ReturnType<typeof quietLogger>>();
    for (const p of plan.sources) {
      const name = p.source.name;
      const conn = conns.get(name) as KafkaConnection;
      const st = stats.get(name) as EngineStats;
      const logger = quietLogger();
      loggers.set(name, logger);
      if (p.source.engine === 'pipe') {
        const enrich = await createLocalEnrichment(
          p,
          aws.sqs,
          queueUrls.get(p.enrichmentDlqName) as string,
          logger,
        );
        let target: ReturnType<typeof kinesisTarget>;
        if (p.source.target.type === 'lambda') {
          const l = lambdaTarget(
            p,
            aws.kinesis,
            aws.sqs,
            queueUrls.get(p.targetDlqName as string) as string,
            options.asyncRetryScale,
          );
          invokers.push(l.invoker);
          target = l.target;
        } else {
          target = kinesisTarget(aws.kinesis, p.streamName);
        }
        const runner = await startPipeRunner({ plan: p, connection: conn, enrich, target, stats: st });
        runners.set(name, runner);
        cleanups.push(() => runner.stop());
      } else {
        let engine: PollerEngine;
        try {
          engine = await startPollerEngine({
            plan: p,
            connection: conn,
            brokers: brokersFor(p),
            aws,
            dlqUrl: queueUrls.get(p.enrichmentDlqName) as string,
            truststoreBucket: LOCAL_TRUSTSTORE_BUCKET,
            lockTable: LOCAL_LOCK_TABLE,
            stats: st,
            logger,
          });
        } catch (error) {
          skipped.push({ source: name, reason: (error as Error).message });
          io.log(`source ${name}: SKIPPED (${(error as Error).message})`);
          continue;
        }
        pollers.set(name, engine);
        cleanups.push(() => engine.stop());
      }
      io.log(
        `source ${name}: ${p.source.engine} engine on ${external ? 'KAFKA_BROKERS' : p.listener} → ${p.streamName}`,
      );
    }

    const active = plan.sources.filter((p) => !skipped.some((k) => k.source === p.source.name));

    // Live view of the streams, lag, progress.
    const tail = startStreamTail(aws.kinesis, [...plan.streams.keys()]);
    cleanups.push(() => tail.stop());
    const lag = new Map<string, number | null>();
    let lagRunning = true;
    const lagLoop = (async () => {
      while (lagRunning) {
        for (const p of active) {
          try {
            const l = await fetchGroupLag(
              conns.get(p.source.name) as KafkaConnection,
              p.source.consumerGroupId,
              p.source.topic,
            );
            lag.set(
              p.source.name,
              l.reduce((s, x) => s + Number(x.lag), 0),
            );
          } catch {
            lag.set(p.source.name, null);
          }
        }
        await sleep(1_000);
      }
    })();
    cleanups.push(async () => {
      lagRunning = false;
      await lagLoop;
    });

    const producer: LongLivedProducer = await openProducer(
      adminConn(
        plan.sources[0] as LocalSourcePlan,
        conns.get(plan.sources[0]?.source.name as string) as KafkaConnection,
      ),
    );
    cleanups.push(() => producer.close());
    const filtersByTopic = new Map<
      string,
      { name: string; filters: Record<string, PatternJson>[] | undefined }[]
    >();
    for (const p of plan.sources) {
      if (p.source.engine !== 'pipe' || !p.source.filters) continue;
      const list = filtersByTopic.get(p.source.topic) ?? [];
      list.push({ name: p.source.name, filters: p.source.filters as Record<string, PatternJson>[] });
      filtersByTopic.set(p.source.topic, list);
    }
    io.log(
      options.durationSeconds === null
        ? `producing ${options.records} records per topic at ${options.ratePerSecond}/s (poison share ${options.poisonShare})`
        : `producing for ${options.durationSeconds} s at ${options.ratePerSecond}/s per topic (poison share ${options.poisonShare})`,
    );
    const prod = startProducer({
      producer,
      topics: plan.topics,
      records: options.records,
      durationSeconds: options.durationSeconds,
      ratePerSecond: options.ratePerSecond,
      seed: options.seed,
      poisonShare: options.poisonShare,
      filtersByTopic,
    });
    const onAbort = () => prod.stop();
    abort?.addEventListener('abort', onAbort);

    const rows = (): ProgressRow[] =>
      active.map((p) => {
        const st = stats.get(p.source.name) as EngineStats;
        return {
          source: p.source.name,
          engine: p.source.engine,
          produced: prod.byTopic.get(p.source.topic) ?? 0,
          consumed: st.consumed,
          filtered: st.filtered,
          delivered: tail.state.deliveredBySource.get(p.source.name) ?? 0,
          dlq: st.enrichmentDlq,
          lag: lag.get(p.source.name) ?? null,
          retries: st.retries,
        };
      });
    const printer = startProgressPrinter({ rows, ...(io.progressOut ? { out: io.progressOut } : {}) });
    cleanups.push(async () => printer.stop());

    await prod.done;
    io.log(
      `produced ${prod.produced.length} records in ${(((prod.finishedAtMs ?? Date.now()) - prod.startedAtMs) / 1000).toFixed(1)} s; draining…`,
    );

    // Drained = every group at lag 0, nothing buffered, async invokes settled.
    // The drain timeout is a stall timeout: it restarts whenever lag, consumption or deliveries move.
    let drainDeadline = Date.now() + options.drainTimeoutSeconds * 1000;
    let lastProgress = '';
    let drained = false;
    while (!abort?.aborted && Date.now() < drainDeadline) {
      const idle =
        [...runners.values()].every((r) => r.inFlight() === 0) &&
        [...pollers.values()].every((e) => e.idle());
      const zeroLag = active.every((p) => lag.get(p.source.name) === 0);
      if (idle && zeroLag) {
        await Promise.all(invokers.map((i) => i.drain()));
        drained = true;
        break;
      }
      const progress = JSON.stringify([
        [...lag.values()],
        [...stats.values()].map((x) => x.consumed + x.delivered),
        tail.state.seen,
      ]);
      if (progress !== lastProgress) {
        lastProgress = progress;
        drainDeadline = Date.now() + options.drainTimeoutSeconds * 1000;
      }
      await sleep(500);
    }
    printer.print();
    printer.stop();
    for (const r of runners.values()) await r.stop({ drain: false });
    for (const e of pollers.values()) await e.stop();
    await Promise.all(invokers.map((i) => i.drain()));
    await sleep(400);
    await tail.stop();
    io.log(
      drained
        ? 'drained; reading every stream and DLQ back…'
        : 'NOT drained within the timeout; reconciling what is there…',
    );

    // Read back.
    const streamRecords = new Map<string, { source: string; eventId: string; json: string }[]>();
    for (const stream of plan.streams.keys()) {
      const recs = await readAllRecords(aws.kinesis, stream);
      streamRecords.set(
        stream,
        recs.map((r) => {
          const json = r.data.toString('utf8');
          const o = JSON.parse(json) as { source: string; eventId: string };
          return { source: o.source, eventId: o.eventId, json };
        }),
      );
    }
    const sourceSummaries: SourceSummary[] = [];
    for (const p of active) {
      const name = p.source.name;
      const st = stats.get(name) as EngineStats;
      const dlqBodies = await drainQueue(aws.sqs, queueUrls.get(p.enrichmentDlqName) as string);
      const dlqEntries = dlqBodies.map((b) => JSON.parse(b) as { eventId: string; reason: string });
      const byReason: Record<string, number> = {};
      for (const e of dlqEntries) {
        const code = e.reason.slice(0, e.reason.indexOf(':'));
        byReason[code] = (byReason[code] ?? 0) + 1;
      }
      const targetDlqIds: string[] = [];
      if (p.targetDlqName) {
        for (const b of await drainQueue(aws.sqs, queueUrls.get(p.targetDlqName) as string)) {
          const rec = JSON.parse(b) as { requestPayload?: { eventId: string }[] };
          for (const r of rec.requestPayload ?? []) targetDlqIds.push(r.eventId);
        }
      }
      const delivered = (streamRecords.get(p.streamName) ?? [])
        .filter((r) => r.source === name)
        .map((r) => r.eventId);
      const rec = reconcileSource(
        { name, topic: p.source.topic, eventSource: p.eventSource, cluster: p.cluster },
        prod.produced,
        {
          delivered,
          enrichmentDlq: dlqEntries.map((e) => e.eventId),
          targetDlq: targetDlqIds,
          ruleDroppedIds: st.ruleDroppedIds,
          ruleDroppedCount: st.ruleDropped,
        },
      );
      sourceSummaries.push({
        ...rec,
        engine: p.source.engine,
        target: p.source.target.type,
        stream: p.streamName,
        listener: external ? 'external' : p.listener,
        consumed: st.consumed,
        retries: st.retries,
        lastError: st.lastError,
        dlqByReason: byReason,
        latencyMs: latencySummary(tail.state.latencyBySource.get(name) ?? []),
        deliveredSeenLive: tail.state.deliveredBySource.get(name) ?? 0,
        timeMs: { enrichment: Math.round(st.enrichMs), target: Math.round(st.targetMs) },
      });
    }

    // Engine parity: a pipe source and a poller source reading the same topic.
    const parity: ParityResult[] = [];
    for (const poller of active.filter((p) => p.source.engine === 'poller')) {
      for (const pipe of active.filter(
        (p) => p.source.engine === 'pipe' && p.source.topic === poller.source.topic,
      )) {
        const removed: string[] = [...PARITY_REMOVED_FIELDS];
        if (pipe.source.target.partitionKey !== poller.source.target.partitionKey)
          removed.push('partitionKey');
        if (pipe.source.rules !== poller.source.rules) removed.push('ruleVersion');
        const of = (p: LocalSourcePlan) =>
          (streamRecords.get(p.streamName) ?? [])
            .filter((r) => r.source === p.source.name)
            .map((r) => r.json);
        parity.push(
          compareEngines(
            { name: pipe.source.name, records: of(pipe) },
            { name: poller.source.name, records: of(poller) },
            poller.source.topic,
            removed,
          ),
        );
      }
    }

    const allLatency = [...tail.state.latencyBySource.values()].flat();
    const byKind: Record<string, number> = {};
    for (const r of prod.produced) byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    const sum = (f: (s: SourceSummary) => number) => sourceSummaries.reduce((a, s) => a + f(s), 0);
    const producedSeconds = Math.max(0.001, ((prod.finishedAtMs ?? Date.now()) - prod.startedAtMs) / 1000);
    const deliveredTotal = sum((s) => s.delivered);
    const endToEndSeconds = Math.max(
      0.001,
      ((tail.state.lastArrivalMs ?? Date.now()) - prod.startedAtMs) / 1000,
    );
    const totals = {
      delivered: deliveredTotal,
      filtered: sum((s) => s.filtered),
      enrichmentDlq: sum((s) => s.enrichmentDlq),
      targetDlq: sum((s) => s.targetDlq),
      ruleDropped: sum((s) => s.ruleDropped),
      missing: sum((s) => s.missing),
      duplicates: sum((s) => s.duplicates),
    };
    const ok =
      totals.missing === 0 &&
      sourceSummaries.every((s) => s.deliveredDespiteFilter === 0) &&
      parity.every((p) => p.different === 0);
    return {
      mode: external ? 'external' : 'test-bed',
      options,
      startedAt: new Date(t0).toISOString(),
      durationMs: Date.now() - t0,
      produced: { total: prod.produced.length, byTopic: Object.fromEntries(prod.byTopic), byKind },
      throughput: {
        producedPerSecond: Math.round(prod.produced.length / producedSeconds),
        deliveredPerSecond: Math.round(deliveredTotal / endToEndSeconds),
      },
      latencyMs: latencySummary(allLatency),
      sources: sourceSummaries,
      totals,
      parity,
      skipped,
      drained,
      ok,
    };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}
