/**
 * Runs the CLI in-process for tests: captures stdout/stderr, injects AWS clients and a clock.
 * (One test also spawns bin/kafka-pipes.js to prove the shim and the real exit codes.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliDeps, runCli } from '../../../cli/index.js';
import type { CliAwsClients } from '../../../cli/shared/aws.js';

/** Output and exit code of one run. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout parsed as JSON (runs with --json). */
  json<T = Record<string, unknown>>(): T;
}

/** Runs `kafka-pipes <argv>` in-process. */
export async function cli(
  argv: readonly string[],
  deps: Omit<CliDeps, 'stdout' | 'stderr' | 'aws'> & { aws?: CliAwsClients } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const { aws, ...rest } = deps;
  const code = await runCli(argv, {
    ...rest,
    env: { ...(rest.env ?? {}), NO_COLOR: '1' },
    stdout: { write: (s: string) => (stdout += s), isTTY: false },
    stderr: { write: (s: string) => (stderr += s), isTTY: false },
    ...(aws ? { aws: () => aws } : {}),
  });
  return {
    code,
    stdout,
    stderr,
    json: <T>() => JSON.parse(stdout) as T,
  };
}

/** A temporary source catalogue directory with the given files (name → YAML text). */
export function sourcesDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-sources-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The ARN the fake Secrets Manager gives a secret name. */
export const fakeSecretArn = (name: string) =>
  `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;

/**
 * AWS clients whose Secrets Manager answers DescribeSecret with {@link fakeSecretArn} (or fails with `error`),
 * and records the secret ids asked for; no other client is usable.
 */
export function fakeSecretsAws(error?: Error): { aws: CliAwsClients; asked: string[] } {
  const asked: string[] = [];
  const secretsManager = {
    send: async (command: { input: { SecretId: string } }) => {
      asked.push(command.input.SecretId);
      if (error) throw error;
      return { ARN: fakeSecretArn(command.input.SecretId) };
    },
  };
  return { aws: { secretsManager } as unknown as CliAwsClients, asked };
}
