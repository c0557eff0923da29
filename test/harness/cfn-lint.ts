/** Runs cfn-lint (from the test bed's venv) on a CloudFormation template. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ensureInstalled, venvBin } from '../../devkit/testbed/install-paths.js';

const execFileAsync = promisify(execFile);

/** One cfn-lint finding (from `--format json`). */
export interface CfnLintFinding {
  readonly rule: string;
  readonly level: 'Error' | 'Warning' | 'Informational';
  readonly message: string;
  readonly path: string;
}

/** Result of {@link runCfnLint}. */
export interface CfnLintResult {
  /** Findings of level Error. */
  readonly errors: CfnLintFinding[];
  /** Findings of level Warning. */
  readonly warnings: CfnLintFinding[];
  /** One line per finding, `LEVEL RULE path: message` (for assertion messages). */
  readonly output: string;
}

interface RawFinding {
  Rule: { Id: string };
  Level: string;
  Message: string;
  Location: { Path?: (string | number)[] | null };
}

/**
 * Lints one template (JSON or YAML). `ignoreChecks` are rule ids to skip (e.g. `W3005`).
 * Exit codes 2/4/8 (errors/warnings/info found) are results, not failures; anything else throws.
 */
export async function runCfnLint(
  templatePath: string,
  opts: { ignoreChecks?: readonly string[] } = {},
): Promise<CfnLintResult> {
  ensureInstalled();
  const args = [
    '--format',
    'json',
    ...(opts.ignoreChecks?.length ? ['--ignore-checks', ...opts.ignoreChecks] : []),
    '--',
    templatePath,
  ];
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(venvBin('cfn-lint'), args, { maxBuffer: 64 * 1024 * 1024 }));
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code === 'number' && e.code > 0 && (e.code & ~(2 | 4 | 8)) === 0 && e.stdout) {
      stdout = e.stdout;
    } else {
      throw new Error(
        `cfn-lint failed on ${templatePath} (exit ${e.code}): ${e.stderr ?? ''}${e.stdout ?? ''}`,
        { cause: err },
      );
    }
  }
  const findings: CfnLintFinding[] = (JSON.parse(stdout || '[]') as RawFinding[]).map((f) => ({
    rule: f.Rule.Id,
    level: f.Level as CfnLintFinding['level'],
    message: f.Message,
    path: (f.Location.Path ?? []).join('/'),
  }));
  return {
    errors: findings.filter((f) => f.level === 'Error'),
    warnings: findings.filter((f) => f.level === 'Warning'),
    output: findings.map((f) => `${f.level.toUpperCase()} ${f.rule} ${f.path}: ${f.message}`).join('\n'),
  };
}
