/**
 * `kafka-pipes` — the operator CLI: onboard · preflight · check · rules preview · dlq inspect/replay.
 * Exit codes: 0 ok, 1 a check/preflight failed (or a replay left messages), 2 usage/config error,
 * 3 infrastructure error (AWS, Kafka unreachable). See docs/cli.md.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { buildProgram, type CliDeps } from './program.js';
import { EXIT_CODES, type ExitCode } from './shared/output.js';

export type { CliDeps } from './program.js';

/**
 * Runs the CLI with the given argv (without node and script) and returns the exit code.
 * @example process.exitCode = await runCli(process.argv.slice(2))
 */
export async function runCli(argv: readonly string[], deps: CliDeps = {}): Promise<ExitCode> {
  const result: { code: ExitCode } = { code: EXIT_CODES.ok };
  const program = buildProgram(deps, result);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code);
      return ok ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    throw err;
  }
  return result.code;
}

const isMain = (() => {
  try {
    return (
      process.argv[1] !== undefined &&
      realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
    );
  } catch {
    return false;
  }
})();

if (isMain) {
  // `kafka-pipes … | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  const code = await runCli(process.argv.slice(2));
  process.exitCode = code;
  // Never hang on a socket a library left open: exit shortly after the output is flushed.
  setTimeout(() => process.exit(code), 1_000).unref();
}
