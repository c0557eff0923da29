/**
 * The commander program of `kafka-pipes`: the global options, the wrapper every action runs in (global
 * flags → output and AWS clients, thrown errors → exit codes) and one `register…` call per command folder.
 */
import { Command, Option } from 'commander';
import { registerCheck } from './check/command.js';
import { registerDlq } from './dlq/command.js';
import { registerOnboard } from './onboard/command.js';
import { registerPreflight } from './preflight/command.js';
import { registerRules } from './rules/command.js';
import { registerSecret } from './secret/command.js';
import { type AwsOptions, type CliAwsClients, cliAwsClients } from './shared/aws.js';
import type { ActionWrapper, CommandContext, GlobalFlags } from './shared/commander.js';
import { createOutput, type ExitCode, type OutputStreams, reportError } from './shared/output.js';
import { registerTruststore } from './truststore/command.js';

/** What a CLI run may be given (tests inject streams and AWS clients). */
export interface CliDeps extends Partial<OutputStreams> {
  /** AWS clients factory; default builds SDK clients from --region / --endpoint-url. */
  readonly aws?: (opts: AwsOptions) => CliAwsClients;
  /** Clock (preflight expiry). */
  readonly now?: () => Date;
  /** Prompt input for `onboard` and password prompts (default process.stdin). */
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

/**
 * Builds the commander program. Every action stores its exit code in `result.code`.
 */
export function buildProgram(deps: CliDeps, result: { code: ExitCode }): Command {
  const streams: OutputStreams = {
    stdout: deps.stdout ?? process.stdout,
    stderr: deps.stderr ?? process.stderr,
    env: deps.env ?? process.env,
  };
  const program = globalOptions(new Command('kafka-pipes'))
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => streams.stdout.write(s),
      writeErr: (s) => streams.stderr.write(s),
    })
    .exitOverride();
  program.addHelpText(
    'after',
    '\nExit codes: 0 ok · 1 check/preflight failed · 2 usage or config error · 3 infrastructure error',
  );
  const action = actionWrapper(streams, deps.aws ?? cliAwsClients, result);
  registerOnboard(program, action, deps.stdin);
  registerPreflight(program, action, deps.now);
  registerCheck(program, action);
  registerRules(program, action);
  registerDlq(program, action);
  registerTruststore(program, action, deps.stdin);
  registerSecret(program, action, deps.now);
  return program;
}

function globalOptions(program: Command): Command {
  return program
    .description('Operator CLI for the Kafka → EventBridge Pipes template')
    .option('--json', 'machine-readable JSON on stdout')
    .option('--no-color', 'no ANSI colours (also NO_COLOR=1; colours are only used on a TTY)')
    .addOption(new Option('--region <region>', 'AWS region').env('AWS_REGION'))
    .option(
      '--endpoint-url <url>',
      'AWS endpoint for every client (local emulators); without it the SDK reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>',
    )
    .option('--sources-dir <dir>', 'source catalogue directory', 'pipes/sources');
}

/** Wraps an action: global flags → output + AWS clients, errors → exit codes. */
function actionWrapper(
  streams: OutputStreams,
  makeAws: (opts: AwsOptions) => CliAwsClients,
  result: { code: ExitCode },
): ActionWrapper {
  return <A extends unknown[]>(run: (ctx: CommandContext, ...args: A) => Promise<ExitCode>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const flags = cmd.optsWithGlobals() as GlobalFlags;
      const out = createOutput({ json: flags.json, color: flags.color }, streams);
      try {
        const aws = makeAws({
          ...(flags.region ? { region: flags.region } : {}),
          ...(flags.endpointUrl ? { endpointUrl: flags.endpointUrl } : {}),
        });
        result.code = await run({ flags, out, aws }, ...(args.slice(0, -1) as A));
      } catch (err) {
        result.code = reportError(out, err);
      }
    };
}
