/**
 * Usage errors (issue 17 items 4 and 9): with `--json`, a commander usage error (unknown command or flag,
 * missing argument, bad choice) prints `{ok: false, exitCode, error, issues}` on stdout (it printed
 * nothing); a flag that names itself is not printed twice (`error --key: --key: …`).
 */
import { describe, expect, it } from 'vitest';
import { formatIssues } from '../../../core/errors.js';
import { cli, sourcesDir } from './run-cli.js';

const SOURCE =
  'name: orders\nkind: self-managed\nbrokers: [b1:9093]\ntopic: orders\n' +
  'auth: {type: mtls, secret: arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf}\ntarget: {type: kinesis}\n';

describe('--json usage errors', () => {
  it.each([
    [
      'an unknown command',
      ['--json', 'nosuch'],
      {
        field: 'command',
        message: "unknown command 'nosuch'",
        fix: 'see kafka-pipes --help for the valid commands',
      },
    ],
    [
      'an unknown flag',
      ['preflight', 'orders', '--bogus', '--json'],
      {
        field: '--bogus',
        message: "unknown option '--bogus'",
        fix: 'see kafka-pipes preflight --help for the valid options and arguments',
      },
    ],
    [
      'a missing argument',
      ['--json', 'preflight'],
      {
        field: 'source',
        message: "missing required argument 'source'",
        fix: 'see kafka-pipes preflight --help for the valid options and arguments',
      },
    ],
    [
      'a bad choice',
      ['--json', 'check', 'orders', '--tls', 'maybe'],
      {
        field: '--tls',
        message: "option '--tls <mode>' argument 'maybe' is invalid. Allowed choices are auto, on, off.",
        fix: 'see kafka-pipes check --help for the valid options and arguments',
      },
    ],
    [
      'a subcommand flag',
      ['--json', 'dlq', 'inspect', 'orders', '--nope'],
      {
        field: '--nope',
        message: "unknown option '--nope'",
        fix: 'see kafka-pipes dlq inspect --help for the valid options and arguments',
      },
    ],
  ])('%s: the result document on stdout, exit 2', async (_title, argv, issue) => {
    // Arrange
    const dir = sourcesDir({ 'orders.yaml': SOURCE });
    // Act
    const run = await cli(['--sources-dir', dir, ...argv]);
    // Assert
    expect(run.code).toBe(2);
    expect(run.json()).toEqual({
      ok: false,
      exitCode: 2,
      error: issue.message,
      issues: [{ file: '<command line>', ...issue }],
    });
    expect(run.stderr).toContain(`error: ${issue.message}`);
  });

  it('without --json stdout stays empty', async () => {
    const run = await cli(['preflight', '--bogus']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe("error: unknown option '--bogus'\n(add --help for usage)\n");
  });

  it('a --json after -- is an argument, not the flag', async () => {
    const run = await cli(['nosuch', '--', '--json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
  });
});

describe('no doubled prefixes', () => {
  it('a flag that names itself is printed once: "--key: is required …", not "--key: --key: …"', async () => {
    // Arrange
    const dir = sourcesDir({ 'orders.yaml': SOURCE });
    // Act
    const run = await cli(['--sources-dir', dir, 'preflight', 'orders', '--cert', 'chain.pem']);
    // Assert
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error --key: is required together with the other. Fix: pass both --cert <chain.pem> and --key <key.pem>\n',
    );
  });

  it('formatIssues keeps file and field when they differ', () => {
    expect(
      formatIssues([
        { file: '--cert', field: '--cert', message: 'file x does not exist', fix: 'pass a file' },
        { file: 'a.yaml', field: 'topic', message: 'bad', fix: 'fix it' },
      ]),
    ).toBe('--cert: file x does not exist. Fix: pass a file\na.yaml: topic: bad. Fix: fix it');
  });
});

describe('no flag repeated in its own message', () => {
  it('rules preview --from-topic without --source names the flag once', async () => {
    const run = await cli(['rules', 'preview', '--from-topic']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'error --from-topic: source: reading samples from the topic needs the source to connect to. Fix: add --source <name>\n',
    );
  });
});
