/**
 * `kafka-pipes` — the operator CLI: onboard · preflight · check · rules preview · dlq inspect/replay · secret build · truststore convert/upload.
 * Exit codes: 0 ok, 1 a check/preflight failed (or a replay left messages), 2 usage/config error,
 * 3 infrastructure error (AWS, Kafka unreachable). See docs/cli.md.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Command, CommanderError } from 'commander';
import type { ConfigIssue } from '../core/errors.js';
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
      if (ok) return EXIT_CODES.ok;
      // Commander printed the error on stderr; --json also gets the result document on stdout.
      if (jsonRequested(argv)) {
        const issue = commanderIssue(err, commandPath(program, argv));
        const stdout = deps.stdout ?? process.stdout;
        const doc = { ok: false, exitCode: EXIT_CODES.usage, error: issue.message, issues: [issue] };
        stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      }
      return EXIT_CODES.usage;
    }
    throw err;
  }
  return result.code;
}

/** Whether `--json` is among the options (before a `--` that ends them). */
function jsonRequested(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** The command words of argv that name (sub)commands of the program, e.g. `dlq inspect`. */
function commandPath(program: Command, argv: readonly string[]): string[] {
  const path: string[] = [];
  let cmd: Command = program;
  for (const word of argv.filter((a) => !a.startsWith('-'))) {
    const sub: Command | undefined = cmd.commands.find(
      (c) => c.name() === word || c.aliases().includes(word),
    );
    // Before the first command, a word is a global option's value (`--sources-dir <dir>`); after it, the end.
    if (!sub && path.length === 0) continue;
    if (!sub) break;
    cmd = sub;
    path.push(word);
  }
  return path;
}

/**
 * A commander usage error (unknown command or option, missing or bad argument) as an issue of the command
 * line: the field is the word commander quotes (`--bogus`, `source`), the fix points at the help.
 */
function commanderIssue(err: CommanderError, path: readonly string[]): ConfigIssue {
  const message = err.message.replace(/^error: /, '').split('\n')[0] as string;
  const quoted = /'([^']+)'/.exec(message)?.[1];
  const field = err.code === 'commander.unknownCommand' ? 'command' : (quoted?.split(' ')[0] ?? 'arguments');
  const help = ['kafka-pipes', ...path, '--help'].join(' ');
  return {
    file: '<command line>',
    field,
    message,
    fix: `see ${help} for the valid ${path.length > 0 ? 'options and arguments' : 'commands'}`,
  };
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
