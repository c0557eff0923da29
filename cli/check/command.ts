/** `kafka-pipes check <source>`: commander wiring, the plan, live step lines and the verdict. */
import { type Command, Option } from 'commander';
import type { CliAwsClients } from '../shared/aws.js';
import { type ActionWrapper, materialOptions, SOURCE_ARGUMENT } from '../shared/commander.js';
import { EXIT_CODES, type ExitCode, marker, type Output } from '../shared/output.js';
import { type CheckReport, type CheckStep, runCheck } from './engine.js';
import { type CheckFlags, planCheck } from './plan.js';

/** Adds `check`. */
export function registerCheck(program: Command, action: ActionWrapper): void {
  materialOptions(
    program
      .command('check')
      .description(
        'connect to the live cluster step by step: DNS, TCP, TLS, SASL, metadata, topic, partitions, group and lag',
      )
      .argument(SOURCE_ARGUMENT.name, SOURCE_ARGUMENT.description),
  )
    .option(
      '--brokers <list>',
      'host:port[,host:port] instead of the source brokers (MSK: looked up with GetBootstrapBrokers)',
    )
    .addOption(
      new Option('--tls <mode>', 'use TLS: auto (from auth / root CA), on, off')
        .choices(['auto', 'on', 'off'])
        .default('auto'),
    )
    .option('--username <name>', 'SASL user (instead of the auth.secret)')
    .addOption(
      new Option('--password <password>', 'SASL password (instead of the auth.secret)').env(
        'KAFKA_PIPES_PASSWORD',
      ),
    )
    .option('--timeout <ms>', 'bound of each step in ms', '10000')
    .addHelpText(
      'after',
      '\nExit codes: 0 every step passed · 1 a step failed (cause and fix printed) · 2 bad flags/file · 3 AWS error',
    )
    .action(
      action(async ({ flags, out, aws }, ref: string, opts: CheckFlags) =>
        checkCommand(ref, { ...opts, sourcesDir: flags.sourcesDir }, out, aws),
      ),
    );
}

/** Prints one step line. */
export function printStep(out: Output, s: CheckStep): void {
  const c = out.color;
  const where = s.target ? c.dim(` ${s.target}`) : '';
  out.line(
    `  ${marker(out, s.status)} ${s.step.padEnd(10)} ${c.dim(`${String(s.ms).padStart(5)} ms`)}${where}  ${s.message}`,
  );
  if (s.cause && s.status !== 'pass' && s.status !== 'skip') out.line(`    ${c.dim('cause:')} ${s.cause}`);
  else if (s.cause) out.line(`    ${c.dim('note:')} ${s.cause}`);
  if (s.fix && (s.status === 'fail' || s.status === 'warn')) out.line(`    ${c.dim('fix:')}   ${s.fix}`);
}

/**
 * The verdict line: "all checks passed" only when every step ran and passed; skipped steps are counted
 * and named with their reason (a PLAINTEXT listener skips `tls`, a source without SASL skips `sasl`).
 */
export function checkSummary(report: CheckReport): string {
  if (!report.ok) return 'check failed: see the cause and fix above';
  const skipped = report.steps.filter((s) => s.status === 'skip');
  if (skipped.length === 0) return 'all checks passed';
  const ran = report.steps.length - skipped.length;
  const reasons = skipped.map((s) => `${s.step}${s.target ? ` ${s.target}` : ''}: ${s.message}`).join('; ');
  return `no failure in ${ran} of ${report.steps.length} steps, ${skipped.length} skipped (${reasons})`;
}

/** Runs `check`; exit 0 when no step failed, 1 otherwise. */
export async function checkCommand(
  ref: string,
  flags: CheckFlags,
  out: Output,
  aws: CliAwsClients,
): Promise<ExitCode> {
  const plan = await planCheck(ref, flags, aws);
  for (const note of plan.notes) out.error(`note ${note}`);
  if (!out.json) {
    out.line(
      `${out.color.bold('check')} ${plan.sourceName}: ${plan.brokers.join(', ')} topic ${plan.topic} group ${plan.groupId}`,
    );
  }
  const report = await runCheck(plan, (s) => {
    if (!out.json) printStep(out, s);
  });
  out.result(report);
  if (!out.json) {
    const summary = checkSummary(report);
    out.line(report.ok ? out.color.green(summary) : out.color.red(summary));
  }
  return report.ok ? EXIT_CODES.ok : EXIT_CODES.failed;
}
