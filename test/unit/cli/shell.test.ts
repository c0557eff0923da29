import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOutput, EXIT_CODES } from '../../../cli/shared/output.js';
import { cli } from './run-cli.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('CLI shell', () => {
  it.each([
    [[]],
    [['onboard']],
    [['preflight']],
    [['check']],
    [['rules', 'preview']],
    [['dlq', 'inspect']],
    [['dlq', 'replay']],
  ])('prints --help for %j with exit code 0', async (cmd) => {
    const run = await cli([...cmd, '--help']);
    expect(run.code).toBe(EXIT_CODES.ok);
    expect(run.stdout).toMatch(/^Usage: kafka-pipes/);
    expect(run.stdout).toContain('Exit codes');
  });

  it.each([
    [['bogus'], "error: unknown command 'bogus'"],
    [['check'], "error: missing required argument 'source'"],
    [
      ['check', 'x', '--tls', 'maybe'],
      "error: option '--tls <mode>' argument 'maybe' is invalid. Allowed choices are auto, on, off.",
    ],
  ])('exits 2 on a usage error %j', async (argv, message) => {
    const run = await cli(argv);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toContain(message);
  });

  it('names the file and the fix for an unknown source', async () => {
    const run = await cli(['--sources-dir', '/nonexistent', 'preflight', 'orders']);
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr).toBe(
      'error <source>: source: no source file for "orders" (looked for /nonexistent/orders.yaml, /nonexistent/orders.yml). ' +
        'Fix: pass a source name from /nonexistent/ or a path to a .yaml file, or create one with `kafka-pipes onboard`\n',
    );
  });

  it.each([
    [{ isTTY: true }, {}, {}, true],
    [{ isTTY: false }, {}, {}, false],
    [{ isTTY: true }, { NO_COLOR: '1' }, {}, false],
    [{ isTTY: true }, {}, { color: false }, false],
    [{ isTTY: true }, {}, { json: true }, false],
  ])(
    'uses colours only on a TTY without NO_COLOR / --no-color / --json (%j %j %j)',
    (tty, env, opts, coloured) => {
      const out = createOutput(opts, {
        stdout: { write: () => true, ...tty },
        stderr: { write: () => true },
        env,
      });
      expect(out.color.red('x') !== 'x').toBe(coloured);
    },
  );

  it('runs through the bin shim with the real exit code', () => {
    const res = spawnSync(process.execPath, [join(ROOT, 'bin', 'kafka-pipes.js'), 'preflight', 'nope'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(res.status).toBe(EXIT_CODES.usage);
    expect(res.stderr).toContain('error <source>: source: no source file for "nope"');
  });
});

describe('bin/kafka-pipes.js shim', () => {
  it('exits 128 + the signal number when the CLI process is killed by a signal (137 for SIGKILL)', async () => {
    // Arrange: an SQS endpoint that accepts connections and never answers, so `dlq inspect` waits
    const hold = createServer(() => undefined);
    await new Promise<void>((resolve) => hold.listen(0, '127.0.0.1', resolve));
    const port = (hold.address() as { port: number }).port;
    const shim = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'kafka-pipes.js'), 'dlq', 'inspect', `http://127.0.0.1:${port}/123456789012/q`],
      {
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
        },
        stdio: 'ignore',
      },
    );
    const exited = new Promise<number | null>((resolve) => shim.on('exit', (code) => resolve(code)));
    try {
      // Wait until the CLI (the shim's child) has connected to the endpoint
      await new Promise<void>((resolve) => hold.once('connection', () => resolve()));
      const child = execFileSync('pgrep', ['-P', String(shim.pid)], { encoding: 'utf8' }).trim();
      // Act
      process.kill(Number(child.split('\n')[0]), 'SIGKILL');
      // Assert
      expect(await exited).toBe(137);
    } finally {
      shim.kill('SIGKILL');
      hold.close();
    }
  });
});
