/**
 * The CLI dispatches on kinds through the registry (pipes/kinds/registry.ts): no auth-type, source-kind or
 * target-type string is written in cli/, and the choices its help and messages list are the registry's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUTH_TYPES, SOURCE_KINDS, TARGET_TYPES } from '../../../pipes/kinds/registry.js';
import { cli } from './run-cli.js';

const CLI_DIR = join(import.meta.dirname, '..', '..', '..', 'cli');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('cli kind dispatch', () => {
  it('writes no kind string literal in cli/', () => {
    // Arrange
    const kinds = [...AUTH_TYPES, ...SOURCE_KINDS, ...TARGET_TYPES];
    // Act
    const found = tsFiles(CLI_DIR).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return kinds
        .filter((k) => text.includes(`'${k}'`) || text.includes(`"${k}"`))
        .map((k) => `${relative(CLI_DIR, file)}: '${k}'`);
    });
    // Assert
    expect(found).toEqual([]);
  });

  it('lists the registry kinds in onboard --help', async () => {
    // Act
    const run = await cli(['onboard', '--help']);
    // Assert
    const help = run.stdout.replace(/\s+/g, ' ');
    expect(help).toContain(`--kind <kind> ${SOURCE_KINDS.join(' | ')}`);
    expect(help).toContain(`--auth <type> ${AUTH_TYPES.join(' | ')}`);
    expect(help).toContain(`--target <type> ${TARGET_TYPES.join(' | ')}`);
  });

  it('lists the registry target types in dlq replay --help and in the --to error', async () => {
    // Act
    const help = (await cli(['dlq', 'replay', '--help'])).stdout.replace(/\s+/g, ' ');
    const run = await cli(['dlq', 'replay', 'https://sqs.local/1/q', '--queue', 'sink', '--to', 'sqs']);
    const firehose = await cli(['dlq', 'replay', 'https://sqs.local/1/q', '--to', 'firehose']);
    // Assert
    expect(help).toContain(
      '--to <target> kinesis (write the stream) | lambda (re-invoke the sink) | firehose (write the Firehose stream)',
    );
    expect(help).toContain('--delivery-stream <name>');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error --to: to: must be kinesis or lambda or firehose, received sqs. ' +
        'Fix: pass --to kinesis (write the stream) or --to lambda (re-invoke the sink) or --to firehose (write the Firehose stream)\n',
    );
    expect(firehose.code).toBe(2);
    expect(firehose.stderr).toBe(
      'error --delivery-stream: deliveryStream: the target Firehose stream is not known. ' +
        'Fix: pass --delivery-stream <name>, or a source with a firehose target and --env <environment>\n',
    );
  });
});
