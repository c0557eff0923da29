/**
 * `kafka-pipes preflight <source>`: loads the source's material, runs the preflight checks, prints the
 * engine decision and, with `--write`, sets `engine` in the source file (comments preserved).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { SourceConfig } from '../../pipes/source-schema.js';
import type { CliAwsClients } from '../shared/aws.js';
import { type ActionWrapper, materialOptions, SOURCE_ARGUMENT } from '../shared/commander.js';
import { loadMaterial, type MaterialFlags } from '../shared/material.js';
import { EXIT_CODES, type ExitCode, marker, type Output } from '../shared/output.js';
import { resolveSecretArns, secretFieldsOf } from '../shared/secret-arns.js';
import { resolveSource } from '../shared/sources.js';
import { type Engine, type PreflightReport, runPreflight } from './engine.js';
import {
  applySourceEdits,
  planWrite,
  secretArnChecks,
  secretArnEdits,
  type WritePlan,
  withSecretArns,
} from './write-plan.js';

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

/** Prints a preflight report (human form). */
export function printPreflight(out: Output, report: PreflightReport, file: string): void {
  const c = out.color;
  out.line(`${c.bold('preflight')} ${report.source} ${c.dim(`(${file})`)}`);
  for (const check of report.checks) {
    out.line(`  ${marker(out, check.status)} ${c.dim(check.id.padEnd(20))} ${check.message}`);
    if (check.fix && check.status !== 'pass') out.line(`    ${c.dim('fix:')} ${check.fix}`);
  }
  out.line();
  // Under a failed check no engine takes the material: the line gives the reason instead of naming one.
  const engine = report.ok ? `${c.cyan(report.decision.engine)} — ` : '';
  out.line(`${c.bold('engine:')} ${engine}${report.decision.reason}`);
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
  const materialReport = runPreflight({
    sourceName: source.name,
    kind: source.kind,
    brokers: source.brokers ?? [],
    authType: source.auth.type,
    material,
    now: now(),
  });
  // Secret names and partial ARNs are warnings (`--write` writes the full ARNs), so the decision stands.
  const report = {
    ...materialReport,
    checks: [...materialReport.checks, ...secretArnChecks(file, source)],
  };
  const plan = flags.write ? await writePlan({ file, source, report, flags }, aws) : undefined;
  const written = plan?.kind === 'write' && plan.edits.length > 0;
  if (plan?.kind === 'write' && written) writeFileSync(file, applySourceEdits(text, file, plan.edits));
  if (out.json) {
    out.result({ ...report, file, currentEngine: source.engine, written, ...(plan ? { write: plan } : {}) });
  } else {
    printPreflight(out, report, file);
    printWrite(out, { file, current: source.engine, decided: report.decision.engine, ok: report.ok }, plan);
    if (report.ok) out.line(`next: kafka-pipes check ${source.name}`);
  }
  if (!report.ok) return EXIT_CODES.failed;
  return plan?.kind === 'refuse' ? EXIT_CODES.usage : EXIT_CODES.ok;
}

/** The `--ca` file (not an S3 URI) the trust bundle came from. */
function caFileOf(flags: PreflightFlags): { caFile?: string } {
  return flags.ca && !flags.ca.startsWith('s3://') ? { caFile: flags.ca } : {};
}

/** Prints what `--write` did, or how to write the decision. */
function printWrite(
  out: Output,
  s: { file: string; current: Engine; decided: Engine; ok: boolean },
  plan: WritePlan | undefined,
): void {
  if (plan?.kind === 'write') {
    if (plan.edits.length > 0) {
      const fields = plan.edits.map((e) => e.path.join('.')).join(', ');
      out.line(`wrote engine: ${plan.engine} to ${s.file} (${fields})`);
    }
    for (const n of plan.next) out.line(`next: ${n}`);
  } else if (plan?.kind === 'refuse') {
    const { file, field, message, fix } = plan.issue;
    out.line(`not written: ${file}: ${field}: ${message}. Fix: ${fix}`);
  } else if (s.current !== s.decided && s.ok) {
    out.line(`${s.file} says engine: ${s.current}; run again with --write to set engine: ${s.decided}`);
  }
}

/** The `--write` plan, with secret names resolved to full ARNs (DescribeSecret) when there is something to write. */
async function writePlan(
  input: { file: string; source: SourceConfig; report: PreflightReport; flags: PreflightFlags },
  aws: CliAwsClients,
): Promise<WritePlan> {
  const { file, source, report, flags } = input;
  if (!report.ok) return planWrite({ file, source, report });
  const arns = await resolveSecretArns(aws.secretsManager, secretFieldsOf(source, file), file);
  const plan = planWrite({ file, source: withSecretArns(source, arns), report, ...caFileOf(flags) });
  return plan.kind === 'write' ? { ...plan, edits: [...secretArnEdits(arns), ...plan.edits] } : plan;
}
