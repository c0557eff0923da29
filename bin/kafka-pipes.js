#!/usr/bin/env node
// Shim for the `kafka-pipes` bin: runs the TypeScript CLI through tsx (resolved from this package, so it
// works from any working directory) and hands back its exit code.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../cli/index.ts', import.meta.url));
const child = spawn(
  process.execPath,
  ['--import', import.meta.resolve('tsx'), entry, ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  // Killed by a signal: 128 + its number, as a shell reports it (130 for SIGINT, 143 for SIGTERM).
  process.exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 1) : 3);
});
