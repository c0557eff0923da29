/**
 * What every command module gets to register itself on the commander program: the global flags, the
 * output and AWS clients of a run (bundled by cli/program.ts), and the option groups several commands share.
 */
import { type Command, Option } from 'commander';
import type { CliAwsClients } from './aws.js';
import type { ExitCode, Output } from './output.js';

/** The global options (docs/cli.md "Global options"). */
export interface GlobalFlags {
  readonly json?: boolean;
  readonly color?: boolean;
  readonly region?: string;
  readonly endpointUrl?: string;
  readonly sourcesDir?: string;
}

/** What an action runs with. */
export interface CommandContext {
  readonly flags: GlobalFlags;
  readonly out: Output;
  readonly aws: CliAwsClients;
}

/** Turns a command's run function into a commander action (global flags → context, errors → exit codes). */
export type ActionWrapper = <A extends unknown[]>(
  run: (ctx: CommandContext, ...args: A) => Promise<ExitCode>,
) => (...args: unknown[]) => Promise<void>;

/** The `<source>` argument of preflight and check. */
export const SOURCE_ARGUMENT = {
  name: '<source>',
  description: 'source name (pipes/sources/<name>.yaml) or path to a source file',
} as const;

/** Options naming local certificate material instead of what the source file points to. */
export function materialOptions(cmd: Command): Command {
  return cmd
    .option('--cert <file>', 'client certificate chain PEM (instead of the auth.secret)')
    .option('--key <file>', 'client private key PEM (instead of the auth.secret)')
    .addOption(
      new Option('--key-password <password>', 'password of an encrypted client key').env(
        'KAFKA_PIPES_KEY_PASSWORD',
      ),
    )
    .option(
      '--ca <file|s3-uri>',
      'trust bundle PEM, a file or s3://bucket/key (instead of rootCaSecret / poller.truststore)',
    )
    .option('--truststore-bucket <bucket>', 'bucket of poller.truststore.s3Key');
}
