/**
 * CLI plumbing shared by every command: exit codes, errors that carry them, colours only on a TTY,
 * `--json` output and progress bars only on a TTY.
 */
import { SingleBar } from 'cli-progress';
import picocolors from 'picocolors';
import { ConfigError, type ConfigIssue, formatIssues } from '../../core/errors.js';

/** Documented exit codes (docs/cli.md). */
export const EXIT_CODES = {
  /** Everything passed / done. */
  ok: 0,
  /** A check or preflight found a problem (or a replay left messages behind). */
  failed: 1,
  /** Wrong flags, unreadable or invalid files. */
  usage: 2,
  /** AWS or Kafka could not be reached / answered with an error. */
  infrastructure: 3,
} as const;
/** One of {@link EXIT_CODES}. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** A CLI usage mistake: names the flag or file, the field and the fix. Exit code 2. */
export class UsageError extends ConfigError {
  constructor(issues: readonly ConfigIssue[]) {
    super(formatIssues(issues), issues);
    this.name = 'UsageError';
  }
}

/** Shorthand for a single-issue usage error. */
export function usageError(file: string, field: string, message: string, fix: string): UsageError {
  return new UsageError([{ file, field, message, fix }]);
}

/** Maps any thrown value to the exit code it deserves. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof ConfigError) return EXIT_CODES.usage;
  // InfrastructureError, AWS SDK and kafkajs errors, network errors: the environment, not the input.
  return EXIT_CODES.infrastructure;
}

/** Where and how a command writes. */
export interface Output {
  /** `--json`: one JSON document on stdout, nothing else. */
  readonly json: boolean;
  readonly color: ReturnType<typeof picocolors.createColors>;
  /** Progress bars and spinners only on an interactive terminal (and never with --json). */
  readonly interactive: boolean;
  /** A human line on stdout (suppressed with --json). */
  line(text?: string): void;
  /** A diagnostic on stderr (always). */
  error(text: string): void;
  /** An interactive prompt on stderr, no newline (stdout stays clean for --json / pipes). */
  prompt(text: string): void;
  /** The JSON result (only with --json). */
  result(value: unknown): void;
}

/** Streams the output writes to (injectable for tests). */
export interface OutputStreams {
  readonly stdout: { write(s: string): unknown; isTTY?: boolean };
  readonly stderr: { write(s: string): unknown; isTTY?: boolean };
  readonly env?: NodeJS.ProcessEnv;
}

/** Creates the output for a run: colours when stdout is a TTY and NO_COLOR is unset and --no-color not given. */
export function createOutput(
  opts: { json?: boolean; color?: boolean },
  streams: OutputStreams = process,
): Output {
  const env = streams.env ?? process.env;
  const tty = streams.stdout.isTTY === true;
  const colorOn = tty && opts.color !== false && !('NO_COLOR' in env) && !opts.json;
  const json = opts.json === true;
  return {
    json,
    color: picocolors.createColors(colorOn),
    interactive: tty && !json && env.CI === undefined,
    line: (text = '') => {
      if (!json) streams.stdout.write(`${text}\n`);
    },
    error: (text) => {
      streams.stderr.write(`${text}\n`);
    },
    prompt: (text) => {
      streams.stderr.write(text);
    },
    result: (value) => {
      if (json) streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
  };
}

/** Status marker used by check and preflight lines. */
export function marker(out: Output, status: 'pass' | 'warn' | 'fail' | 'skip'): string {
  const c = out.color;
  switch (status) {
    case 'pass':
      return c.green('✓');
    case 'warn':
      return c.yellow('!');
    case 'fail':
      return c.red('✗');
    default:
      return c.dim('-');
  }
}

/** A progress reporter: a cli-progress bar on a TTY, nothing otherwise. */
export interface Progress {
  tick(n?: number): void;
  stop(): void;
}

/** Starts a progress bar for long work (only when interactive and total is large enough to matter). */
export function startProgress(out: Output, label: string, total: number, minTotal = 20): Progress {
  if (!out.interactive || total < minTotal) return { tick: () => {}, stop: () => {} };
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} {eta_formatted}`,
    hideCursor: true,
    stream: process.stderr,
  });
  bar.start(total, 0);
  return { tick: (n = 1) => bar.increment(n), stop: () => bar.stop() };
}

/** Reports a thrown error the CLI way and returns the exit code. */
export function reportError(out: Output, err: unknown): ExitCode {
  const code = exitCodeOf(err);
  if (err instanceof ConfigError) {
    const lines = err.issues.length > 0 ? formatIssues(err.issues) : err.message;
    out.error(`${out.color.red('error')} ${lines}`);
    if (out.json) out.result({ ok: false, exitCode: code, error: err.message, issues: err.issues });
    return code;
  }
  const e = err as Error;
  const cause = e?.cause instanceof Error ? ` (cause: ${e.cause.message})` : '';
  out.error(`${out.color.red('error')} ${e?.message ?? String(err)}${cause}`);
  if (out.json) out.result({ ok: false, exitCode: code, error: e?.message ?? String(err) });
  return code;
}
