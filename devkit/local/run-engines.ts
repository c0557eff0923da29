/**
 * The moving parts of a local run (devkit/local/run.ts): one engine per source (the local Pipe runner or
 * the poller's state machine), the consumer-group lag watch, the producer with its progress table, the
 * wait until everything is drained, and the orderly stop.
 */

import type { KafkaConnection } from '../../core/kafka/client.js';
import { fetchGroupLag } from '../../core/kafka/group-lag.js';
import { openProducer } from '../testbed/kafka.js';
import type { AsyncInvoker } from './async-invoke.js';
import { LOCAL_LOCK_TABLE, readSecrets } from './aws-resources.js';
import type { PatternJson } from './filter-pattern.js';
import type { LocalRunOptions } from './options.js';
import { type EngineStats, emptyStats, type PipeRunner, startPipeRunner } from './pipe-runner.js';
import { LOCAL_TRUSTSTORE_BUCKET, type LocalRunPlan, type LocalSourcePlan, secretNameOf } from './plan.js';
import { type PollerEngine, startPollerEngine } from './poller-engine.js';
import { type ProducerRun, startProducer } from './producer.js';
import { type ProgressRow, startProgressPrinter } from './progress.js';
import type { ValueEncoder } from './registry-values.js';
import type { RunIo } from './run.js';
import type { Cleanups, LocalEnvironment } from './run-environment.js';
import type { StreamTail } from './stream-tail.js';
import { createLocalEnrichment, firehoseTarget, kinesisTarget, lambdaTarget, quietLogger } from './wiring.js';

/** What every step of a run works with. */
export interface RunContext {
  readonly plan: LocalRunPlan;
  readonly env: LocalEnvironment;
  readonly conns: ReadonlyMap<string, KafkaConnection>;
  readonly queueUrls: ReadonlyMap<string, string>;
  /** How the producer writes registry-framed topics (devkit/local/registry-values.ts). */
  readonly encoders: ReadonlyMap<string, ValueEncoder>;
  readonly options: LocalRunOptions;
  readonly io: RunIo;
  readonly cleanups: Cleanups;
}

/** The running engines. */
export interface Engines {
  readonly stats: Map<string, EngineStats>;
  readonly runners: Map<string, PipeRunner>;
  readonly pollers: Map<string, PollerEngine>;
  readonly invokers: AsyncInvoker[];
  /** Sources whose engine could not start (with the reason). */
  readonly skipped: { source: string; reason: string }[];
  /** The sources that run. */
  readonly active: LocalSourcePlan[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** An `engine: pipe` source: the local Pipe runner with the real enrichment and its target. */
async function startPipeSource(ctx: RunContext, p: LocalSourcePlan, engines: Engines): Promise<void> {
  const { aws } = ctx.env;
  const logger = quietLogger();
  const dlqUrl = ctx.queueUrls.get(p.enrichmentDlqName) as string;
  const enrich = await createLocalEnrichment(p, aws.sqs, dlqUrl, logger, {
    aws: ctx.env.awsConfig,
    secretString: async (arn) => {
      const name = secretNameOf(arn);
      const read = await readSecrets(aws.secretsManager, [{ name, kind: 'root-ca' }]);
      return read.get(name) as string;
    },
  });
  let target: ReturnType<typeof kinesisTarget>;
  if (p.targetDlqName !== null) {
    // A function target with a sink DLQ: FIRE_AND_FORGET invokes, failures to the target DLQ.
    const targetDlqUrl = ctx.queueUrls.get(p.targetDlqName) as string;
    const l = lambdaTarget(p, aws.kinesis, aws.sqs, targetDlqUrl, ctx.options.asyncRetryScale);
    engines.invokers.push(l.invoker);
    target = l.target;
  } else if (p.deliveryStream) {
    target = firehoseTarget(aws.firehose, p.deliveryStream.name);
  } else {
    target = kinesisTarget(aws.kinesis, p.streamName);
  }
  const connection = ctx.conns.get(p.source.name) as KafkaConnection;
  const stats = engines.stats.get(p.source.name) as EngineStats;
  const runner = await startPipeRunner({ plan: p, connection, enrich, target, stats });
  engines.runners.set(p.source.name, runner);
  ctx.cleanups.push(() => runner.stop());
}

/** An `engine: poller` source: the poller's state machine; false (skipped) when it cannot start. */
async function startPollerSource(ctx: RunContext, p: LocalSourcePlan, engines: Engines): Promise<boolean> {
  const name = p.source.name;
  try {
    const engine = await startPollerEngine({
      plan: p,
      connection: ctx.conns.get(name) as KafkaConnection,
      brokers: ctx.env.brokersFor(p),
      aws: ctx.env.aws,
      registryAws: ctx.env.awsConfig,
      dlqUrl: ctx.queueUrls.get(p.enrichmentDlqName) as string,
      truststoreBucket: LOCAL_TRUSTSTORE_BUCKET,
      lockTable: LOCAL_LOCK_TABLE,
      stats: engines.stats.get(name) as EngineStats,
      logger: quietLogger(),
      ...(ctx.env.fallbackCa ? { fallbackCa: ctx.env.fallbackCa } : {}),
      ...(ctx.env.iamCredentials ? { iamCredentials: ctx.env.iamCredentials } : {}),
    });
    engines.pollers.set(name, engine);
    ctx.cleanups.push(() => engine.stop());
    return true;
  } catch (error) {
    engines.skipped.push({ source: name, reason: (error as Error).message });
    ctx.io.log(`source ${name}: SKIPPED (${(error as Error).message})`);
    return false;
  }
}

/** Starts every source on its engine. */
export async function startEngines(ctx: RunContext): Promise<Engines> {
  const engines: Engines = {
    stats: new Map(ctx.plan.sources.map((p) => [p.source.name, emptyStats()])),
    runners: new Map(),
    pollers: new Map(),
    invokers: [],
    skipped: [],
    active: [],
  };
  for (const p of ctx.plan.sources) {
    if (p.source.engine === 'pipe') await startPipeSource(ctx, p, engines);
    else if (!(await startPollerSource(ctx, p, engines))) continue;
    engines.active.push(p);
    ctx.io.log(
      `source ${p.source.name}: ${p.source.engine} engine on ${ctx.env.external ? 'KAFKA_BROKERS' : p.listener} → ${p.streamName}`,
    );
  }
  // Produce once the pollers are warm (each partition polled once), as a deployed poller always is.
  await Promise.all([...engines.pollers.values()].map((engine) => engine.ready()));
  return engines;
}

/** Consumer-group lag per running source (null when it could not be read), refreshed every second. */
export function watchLag(ctx: RunContext, engines: Engines): Map<string, number | null> {
  const lag = new Map<string, number | null>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const p of engines.active) {
        const conn = ctx.conns.get(p.source.name) as KafkaConnection;
        try {
          const l = await fetchGroupLag(conn, p.source.consumerGroupId, p.source.topic);
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
  ctx.cleanups.push(async () => {
    running = false;
    await loop;
  });
  return lag;
}

/** Which pipe sources filter each topic (the producer counts the records they will filter). */
function filtersByTopic(plan: LocalRunPlan) {
  const byTopic = new Map<string, { name: string; filters: Record<string, PatternJson>[] | undefined }[]>();
  for (const p of plan.sources) {
    if (p.source.engine !== 'pipe' || !p.source.filters) continue;
    const list = byTopic.get(p.source.topic) ?? [];
    list.push({ name: p.source.name, filters: p.source.filters as Record<string, PatternJson>[] });
    byTopic.set(p.source.topic, list);
  }
  return byTopic;
}

/** Starts producing API Connect events and poison records to every topic (stopped by the abort signal). */
export async function startProduction(ctx: RunContext): Promise<ProducerRun> {
  const { options, plan } = ctx;
  const first = plan.sources[0] as LocalSourcePlan;
  const producer = await openProducer(
    ctx.env.adminConnection(ctx.conns.get(first.source.name) as KafkaConnection),
  );
  ctx.cleanups.push(() => producer.close());
  ctx.io.log(
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
    partitionWeights: options.partitionWeights,
    filtersByTopic: filtersByTopic(plan),
    encoders: ctx.encoders,
  });
  ctx.io.signal?.addEventListener('abort', () => prod.stop());
  return prod;
}

/** The live progress table (produced, consumed, filtered, delivered, DLQ, lag, retries per source). */
export function startProgress(
  ctx: RunContext,
  live: { engines: Engines; prod: ProducerRun; tail: StreamTail; lag: ReadonlyMap<string, number | null> },
) {
  const { engines, prod, tail, lag } = live;
  const rows = (): ProgressRow[] =>
    engines.active.map((p) => {
      const st = engines.stats.get(p.source.name) as EngineStats;
      return {
        source: p.source.name,
        engine: p.source.engine,
        produced: prod.byTopic.get(p.source.topic) ?? 0,
        consumed: st.consumed,
        filtered: st.filtered,
        // Kinesis: seen in the stream; Firehose (its objects are read back at the end): acknowledged by it.
        delivered: p.deliveryStream ? st.delivered : (tail.state.deliveredBySource.get(p.source.name) ?? 0),
        dlq: st.enrichmentDlq,
        lag: lag.get(p.source.name) ?? null,
        retries: st.retries,
      };
    });
  const printer = startProgressPrinter({ rows, ...(ctx.io.progressOut ? { out: ctx.io.progressOut } : {}) });
  ctx.cleanups.push(async () => printer.stop());
  return printer;
}

/**
 * Waits until every group is at lag 0, nothing is buffered and async invokes settled. The drain timeout
 * is a stall timeout: it restarts whenever lag, consumption or deliveries move. Returns whether it drained.
 */
export async function waitUntilDrained(
  ctx: RunContext,
  engines: Engines,
  lag: ReadonlyMap<string, number | null>,
  tail: StreamTail,
): Promise<boolean> {
  const stallMs = ctx.options.drainTimeoutSeconds * 1000;
  let deadline = Date.now() + stallMs;
  let lastProgress = '';
  while (!ctx.io.signal?.aborted && Date.now() < deadline) {
    const idle =
      [...engines.runners.values()].every((r) => r.inFlight() === 0) &&
      [...engines.pollers.values()].every((e) => e.idle());
    if (idle && engines.active.every((p) => lag.get(p.source.name) === 0)) {
      await Promise.all(engines.invokers.map((i) => i.drain()));
      return true;
    }
    const progress = JSON.stringify([
      [...lag.values()],
      [...engines.stats.values()].map((x) => x.consumed + x.delivered),
      tail.state.seen,
    ]);
    if (progress !== lastProgress) {
      lastProgress = progress;
      deadline = Date.now() + stallMs;
    }
    await sleep(500);
  }
  return false;
}

/** Stops the engines (without draining), lets async invokes settle and stops the stream tail. */
export async function stopEngines(engines: Engines, tail: StreamTail): Promise<void> {
  for (const r of engines.runners.values()) await r.stop({ drain: false });
  for (const e of engines.pollers.values()) await e.stop();
  await Promise.all(engines.invokers.map((i) => i.drain()));
  await sleep(400);
  await tail.stop();
}
