/**
 * Command-line options of `npm start` (devkit/local/start.ts), parsed with node:util parseArgs. Pure.
 */
import { parseArgs } from 'node:util';

/** Options of a local run. */
export interface LocalRunOptions {
  /** Records to produce per topic (ignored with `durationSeconds`). */
  readonly records: number;
  /** Produce for this many seconds instead of a fixed count. */
  readonly durationSeconds: number | null;
  /** Produce rate per topic, records per second. */
  readonly ratePerSecond: number;
  /** Only these sources (names); null = all. */
  readonly sources: readonly string[] | null;
  /** Share of poison records (not JSON, not UTF-8, wrong types), 0–0.5. */
  readonly poisonShare: number;
  /** Relative share of records per partition (index = partition); null = round robin over all partitions. */
  readonly partitionWeights: readonly number[] | null;
  /** Print the summary as JSON on stdout (progress goes to stderr). */
  readonly json: boolean;
  /** Source catalogue directory. */
  readonly sourcesDir: string;
  /** Generator seed. */
  readonly seed: string;
  /** Give up draining after this many seconds without progress (lag, consumption, deliveries). */
  readonly drainTimeoutSeconds: number;
  /** Scale of Lambda's async retry delays (1 = the real 60 s / 120 s). */
  readonly asyncRetryScale: number;
}

/** Defaults of {@link LocalRunOptions}. */
export const LOCAL_RUN_DEFAULTS: LocalRunOptions = {
  records: 1000,
  durationSeconds: null,
  ratePerSecond: 200,
  sources: null,
  poisonShare: 0.02,
  partitionWeights: null,
  json: false,
  sourcesDir: 'pipes/sources',
  seed: 'local-run',
  drainTimeoutSeconds: 60,
  asyncRetryScale: 1 / 60,
};

/** Usage text. */
export const USAGE = `Usage: npm start -- [options]

Runs every example source locally: Kafka broker + moto (test bed), a producer of API Connect events,
the Pipe engine (local Pipe runner) and the poller engine (state machine + poller handler), then
reconciles what reached Kinesis. With KAFKA_BROKERS set it uses that cluster and the standard AWS
settings instead (see docs/local-run.md).

Options:
  --records N            records per topic (default ${LOCAL_RUN_DEFAULTS.records})
  --duration S           produce for S seconds instead of a fixed count
  --rate R               records per second per topic (default ${LOCAL_RUN_DEFAULTS.ratePerSecond})
  --sources a,b          only these sources (default: all in --sources-dir)
  --poison-share F       share of poison records, 0-0.5 (default ${LOCAL_RUN_DEFAULTS.poisonShare})
  --partition-weights W  records per partition in these proportions, e.g. 98,1,1 (one hot partition, two
                         quiet ones); a partition without a weight gets none (default: round robin)
  --sources-dir DIR      source catalogue (default ${LOCAL_RUN_DEFAULTS.sourcesDir})
  --seed S               generator seed (default ${LOCAL_RUN_DEFAULTS.seed})
  --drain-timeout S      give up draining after S s without progress (default ${LOCAL_RUN_DEFAULTS.drainTimeoutSeconds})
  --async-retry-scale F  scale of Lambda's 60 s/120 s async retry delays (default 1/60)
  --json                 print the summary as JSON on stdout
  -h, --help             this text`;

/** Raised for bad command-line options (message is shown with the usage). */
export class OptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptionsError';
  }
}

function num(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
  integer: boolean,
): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || (integer && !Number.isInteger(v)) || v < min || v > max) {
    throw new OptionsError(
      `--${name} must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max}, received ${text}`,
    );
  }
  return v;
}

/** `--partition-weights`: comma-separated integers 0–10,000, at least one above 0. */
function weights(text: string | undefined): number[] | null {
  if (text === undefined) return null;
  const list = text.split(',').map((w) => Number(w.trim()));
  if (list.some((w) => !Number.isInteger(w) || w < 0 || w > 10_000) || !list.some((w) => w > 0)) {
    throw new OptionsError(
      `--partition-weights must be comma-separated integers from 0 to 10000 (one per partition, at least one above 0), received ${text}`,
    );
  }
  return list;
}

/**
 * Parses argv (without node and script). Returns null when help was asked for.
 * @throws OptionsError on an unknown option or a bad value.
 * @example parseLocalRunArgs(['--records', '300', '--json'])
 */
export function parseLocalRunArgs(argv: readonly string[]): LocalRunOptions | null {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        records: { type: 'string' },
        duration: { type: 'string' },
        rate: { type: 'string' },
        sources: { type: 'string' },
        'poison-share': { type: 'string' },
        'partition-weights': { type: 'string' },
        'sources-dir': { type: 'string' },
        seed: { type: 'string' },
        'drain-timeout': { type: 'string' },
        'async-retry-scale': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new OptionsError((error as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) return null;
  const s = (k: string) => v[k] as string | undefined;
  if (s('records') !== undefined && s('duration') !== undefined) {
    throw new OptionsError('--records and --duration cannot be combined');
  }
  const sources = s('sources')
    ?.split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  if (sources !== undefined && sources.length === 0)
    throw new OptionsError('--sources needs at least one source name');
  const d = LOCAL_RUN_DEFAULTS;
  return {
    records: num('records', s('records'), 1, 10_000_000, true) ?? d.records,
    durationSeconds: num('duration', s('duration'), 1, 86_400, false) ?? null,
    ratePerSecond: num('rate', s('rate'), 1, 1_000_000, false) ?? d.ratePerSecond,
    sources: sources ?? null,
    poisonShare: num('poison-share', s('poison-share'), 0, 0.5, false) ?? d.poisonShare,
    partitionWeights: weights(s('partition-weights')),
    json: v.json === true,
    sourcesDir: s('sources-dir') ?? d.sourcesDir,
    seed: s('seed') ?? d.seed,
    drainTimeoutSeconds: num('drain-timeout', s('drain-timeout'), 1, 3600, false) ?? d.drainTimeoutSeconds,
    asyncRetryScale: num('async-retry-scale', s('async-retry-scale'), 0, 1, false) ?? d.asyncRetryScale,
  };
}
