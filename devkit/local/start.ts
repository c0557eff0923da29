/**
 * `npm start`: the local end-to-end run (see docs/local-run.md). Progress goes to stderr; the summary to
 * stdout (as JSON with --json). Ctrl-C / SIGTERM stop the producer, the engines and the test bed (every
 * process the run started, by PID). Exit code 0 = zero missing records, 1 = reconciliation failed,
 * 2 = bad options, 3 = the run could not start.
 */
import './quiet-warnings.js';
import { OptionsError, parseLocalRunArgs, USAGE } from './options.js';
import { runLocal } from './run.js';
import { formatSummary } from './summary-text.js';

async function main(): Promise<number> {
  let options: ReturnType<typeof parseLocalRunArgs>;
  try {
    options = parseLocalRunArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof OptionsError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options === null) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    process.stderr.write(
      `\n${sig}: stopping (producer, engines, test bed)…${signals > 1 ? ' again: exiting after cleanup' : ''}\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const summary = await runLocal(options, { log, signal: controller.signal });
    if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else process.stdout.write(`${formatSummary(summary).join('\n')}\n`);
    if (controller.signal.aborted) return 130;
    return summary.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`local run failed: ${(error as Error).stack ?? String(error)}\n`);
    return 3;
  }
}

process.exit(await main());
