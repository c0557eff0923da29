/**
 * moto server (AWS emulator: Kinesis, SQS, S3, Secrets Manager, DynamoDB, STS, ...) from the test bed's venv,
 * on a free loopback port, killed by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureInstalled, venvBin } from './install-paths.js';
import { freePorts, isRunning, killByPid, tailFile, trackPid, waitFor } from './processes.js';

/** How long to wait for moto to answer HTTP. */
const READY_TIMEOUT_MS = 60_000;

/** Region the test bed's clients use. */
export const MOTO_REGION = 'us-east-1';

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:port`. */
  readonly endpoint: string;
  /** Region to use with it. */
  readonly region: string;
  /** File with moto's output. */
  readonly logFile: string;
  /** PID of the moto_server process (undefined once it exited). */
  pid(): number | undefined;
  /** Kills moto by PID; idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `moto_server -H 127.0.0.1 -p <free port>` and resolves when it answers HTTP.
 * Retries with another port (up to 3 times) when the port was taken between probe and bind.
 */
export async function startMotoServer(opts: { dir: string }): Promise<MotoServer> {
  ensureInstalled();
  await mkdir(opts.dir, { recursive: true });
  let lastErr: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const [port] = (await freePorts(1)) as [number];
    const logFile = join(opts.dir, `moto-${port}.log`);
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(venvBin('moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
        cwd: opts.dir,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, PYTHONUNBUFFERED: '1' },
      });
    } finally {
      closeSync(fd);
    }
    if (child.pid === undefined) throw new Error(`could not spawn ${venvBin('moto_server')}`);
    trackPid(child.pid);
    const endpoint = `http://127.0.0.1:${port}`;
    try {
      await waitFor(
        `moto server ${endpoint}`,
        async () => {
          const res = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(2_000) });
          return res.ok;
        },
        {
          timeoutMs: READY_TIMEOUT_MS,
          intervalMs: 200,
          abort: () =>
            isRunning(child) ? undefined : `moto_server exited with ${child.exitCode ?? child.signalCode}`,
        },
      );
    } catch (err) {
      await killByPid(child, 2_000);
      const tail = tailFile(logFile, 30);
      lastErr = new Error(`${(err as Error).message}\n--- tail of ${logFile} ---\n${tail}`, { cause: err });
      if (/Address already in use/.test(tail)) continue;
      throw lastErr;
    }
    return {
      endpoint,
      region: MOTO_REGION,
      logFile,
      pid: () => (isRunning(child) ? child.pid : undefined),
      stop: () => killByPid(child, 5_000),
    };
  }
  throw lastErr;
}
