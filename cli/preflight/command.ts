/**
 * `kafka-pipes preflight <source>`: loads the source's material, runs the preflight checks, prints the
 * engine decision and, with `--write`, sets `engine` in the source file (comments preserved).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parseDocument } from 'yaml';
import { parseSourceFile } from '../../pipes/load-sources.js';
import type { CliAwsClients } from '../shared/aws.js';
import { type ActionWrapper, materialOptions, SOURCE_ARGUMENT } from '../shared/commander.js';
import { loadMaterial, type MaterialFlags } from '../shared/material.js';
import { EXIT_CODES, type ExitCode, marker, type Output } from '../shared/output.js';
import { resolveSource } from '../shared/sources.js';
import { type Engine, type PreflightReport, runPreflight } from './engine.js';

/** Flags of `preflight`. */
export interface PreflightFlags extends MaterialFlags {
  /** Write the decided engine into the source file. */
  readonly write?: boolean;
  readonly sourcesDir?: string;
}

/** Adds `preflight`. */
export function registerPreflight(program: Command, action: ActionWrapper, now?: () => Date): void {
  materialOptions(
    program
      .command('preflight')
      .description('check the certificate material of a source and decide the engine (pipe or poller)')
      .argument(SOURCE_ARGUMENT.name, SOURCE_ARGUMENT.description),
  )
    .option('--server-cert <file>', 'broker certificate PEM, to check its chain and SAN against the brokers')
    .option('--write', 'set `engine` in the source file to the decision (comments kept)')
    .addHelpText(
      'after',
      '\nExit codes: 0 no failure (warnings allowed) · 1 a check failed · 2 bad flags/file · 3 AWS error',
    )
    .action(
      action(async ({ flags, out, aws }, ref: string, opts: PreflightFlags) =>
        preflightCommand(ref, { ...opts, sourcesDir: flags.sourcesDir }, out, aws, now),
      ),
    );
}

/**
 * Sets `engine` in a source file's YAML text, keeping comments and layout (yaml Document API), and
 * validates the result with the synth's loader before returning it.
 * @throws ConfigError when the edited file would not be valid (e.g. poller without a truststore).
 * @example setEngine(text, 'pipes/sources/orders.yaml', 'poller')
 */
export function setEngine(text: string, file: string, engine: Engine): string {
  const doc = parseDocument(text);
  doc.set('engine', engine);
  const next = doc.toString({ flowCollectionPadding: false, lineWidth: 0 });
  parseSourceFile(next, file);
  return next;
}

/** Prints a preflight report (human form). */
export function printPreflight(out: Output, report: PreflightReport, file: string): void {
  const c = out.color;
  out.line(`${c.bold('preflight')} ${report.source} ${c.dim(`(${file})`)}`);
  for (const check of report.checks) {
    out.line(`  ${marker(out, check.status)} ${c.dim(check.id.padEnd(20))} ${check.message}`);
    if (check.fix && check.status !== 'pass') out.line(`    ${c.dim('fix:')} ${check.fix}`);
  }
  out.line();
  out.line(`${c.bold('engine:')} ${c.cyan(report.decision.engine)} — ${report.decision.reason}`);
  if (!report.ok) out.line(c.red('preflight failed: fix the ✗ items above before deploying'));
}

/** Runs the command; returns the exit code (0 ok, 1 a check failed). */
export async function preflightCommand(
  ref: string,
  flags: PreflightFlags,
  out: Output,
  aws: CliAwsClients,
  now: () => Date = () => new Date(),
): Promise<ExitCode> {
  const { file, text, source } = resolveSource(ref, flags.sourcesDir);
  // SASL credentials play no part in the certificate preflight: not read.
  const material = await loadMaterial(source, file, flags, aws, { sasl: false });
  const report = runPreflight({
    sourceName: source.name,
    kind: source.kind,
    brokers: source.brokers ?? [],
    authType: source.auth.type,
    material,
    now: now(),
  });
  let written = false;
  if (flags.write && report.ok && source.engine !== report.decision.engine) {
    writeFileSync(file, setEngine(text, file, report.decision.engine));
    written = true;
  }
  if (out.json) {
    out.result({ ...report, file, currentEngine: source.engine, written });
  } else {
    printPreflight(out, report, file);
    if (written) out.line(`wrote engine: ${report.decision.engine} to ${file}`);
    else if (source.engine !== report.decision.engine && report.ok) {
      out.line(
        `${file} says engine: ${source.engine}; run again with --write to set engine: ${report.decision.engine}`,
      );
    }
    if (report.ok) out.line(`next: kafka-pipes check ${source.name}`);
  }
  return report.ok ? EXIT_CODES.ok : EXIT_CODES.failed;
}
