/**
 * The local end-to-end run behind `npm start` (devkit/local/start.ts): starts (or skips, with KAFKA_BROKERS) the
 * test bed, provisions topics / streams / queues / secrets / truststore, runs every selected source on
 * its engine while a producer writes API Connect events and poison records, waits until the pipeline is
 * drained, reads every stream and DLQ back and returns the summary.
 */
import type { TargetType } from '../../pipes/kinds/registry.js';
import type { LocalRunOptions } from './options.js';
import type { BedListener } from './plan.js';
import type { LatencySummary, ParityResult, SourceReconciliation } from './reconcile.js';
import { provisionRegistryValues } from './registry-values.js';
import {
  type RunContext,
  startEngines,
  startProduction,
  startProgress,
  stopEngines,
  waitUntilDrained,
  watchLag,
} from './run-engines.js';
import {
  type Cleanups,
  connectSources,
  planSelectedSources,
  provision,
  startEnvironment,
} from './run-environment.js';
import { engineParity, readStreams, summarizeRun, summarizeSource } from './run-summary.js';
import { startStreamTail } from './stream-tail.js';

/** One source in the summary. */
export interface SourceSummary extends SourceReconciliation {
  readonly engine: 'pipe' | 'poller';
  readonly target: TargetType;
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
  /** Firehose targets: the S3 objects its stream wrote (read back and parsed record by record). */
  readonly lake?: {
    readonly objects: number;
    readonly bytes: number;
    /** Objects stored GZIP-compressed (AWS; moto stores what it was sent, uncompressed). */
    readonly gzipObjects: number;
    /** Objects of newline-terminated records (AWS's AppendDelimiterToRecord; moto runs no processor). */
    readonly newlineDelimitedObjects: number;
    /** Documents that were no canonical record plus stray characters between documents (0 expected). */
    readonly unparsed: number;
    /** The target's format when it is not JSON (`parquet`): moto's Firehose wrote JSON, it converts nothing. */
    readonly notConverted?: string;
  };
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

/**
 * Runs the local end-to-end run and returns its summary. Always stops what it started (in reverse
 * order), also after an error or an abort.
 */
export async function runLocal(options: LocalRunOptions, io: RunIo): Promise<LocalRunSummary> {
  const startedMs = Date.now();
  const plan = planSelectedSources(options);
  const cleanups: Cleanups = [];
  try {
    const env = await startEnvironment(plan, io.log, cleanups);
    if (io.signal?.aborted) throw new Error('aborted');
    const conns = await connectSources(plan, env);
    const queueUrls = await provision(plan, env, conns, io.log);
    const encoders = await provisionRegistryValues(plan, env.awsConfig, io.log);
    const ctx: RunContext = { plan, env, conns, queueUrls, encoders, options, io, cleanups };

    const engines = await startEngines(ctx);
    const tail = startStreamTail(env.aws.kinesis, [...plan.streams.keys()]);
    cleanups.push(() => tail.stop());
    const lag = watchLag(ctx, engines);
    const prod = await startProduction(ctx);
    const printer = startProgress(ctx, { engines, prod, tail, lag });
    await prod.done;
    io.log(
      `produced ${prod.produced.length} records in ${(((prod.finishedAtMs ?? Date.now()) - prod.startedAtMs) / 1000).toFixed(1)} s; draining…`,
    );

    const drained = await waitUntilDrained(ctx, engines, lag, tail);
    printer.print();
    printer.stop();
    await stopEngines(engines, tail);
    io.log(
      drained
        ? 'drained; reading every stream and DLQ back…'
        : 'NOT drained within the timeout; reconciling what is there…',
    );

    const { records: streams, lakes } = await readStreams(ctx, engines);
    const sources: SourceSummary[] = [];
    for (const p of engines.active) {
      sources.push(await summarizeSource(ctx, p, { engines, prod, tail, streams, lakes }));
    }
    const parity = engineParity(engines.active, streams);
    return summarizeRun(ctx, {
      startedMs,
      prod,
      tail,
      lakes,
      sources,
      parity,
      skipped: engines.skipped,
      drained,
    });
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}
