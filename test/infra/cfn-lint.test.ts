/**
 * cfn-lint (PyPI, from the test bed's venv) reports zero errors on every template the CDK app synthesizes.
 * Generic on purpose: it runs the real `npx cdk synth` (no AWS credentials) into a temp dir and lints every
 * `*.template.json` there; infra-specific assertions live in the other test/infra files.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCfnLint } from '../harness/cfn-lint.js';

const execFileAsync = promisify(execFile);

let outDir: string;
let templates: string[];

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'kpt-synth-'));
  await execFileAsync('npx', ['cdk', 'synth', '--quiet', '-o', outDir], {
    cwd: join(import.meta.dirname, '..', '..'),
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
    timeout: 170_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  templates = (await readdir(outDir)).filter((f) => f.endsWith('.template.json')).sort();
});

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

describe('cfn-lint on the synthesized CDK app', () => {
  it('synthesizes at least one template', () => {
    expect(templates.length).toBeGreaterThan(0);
  });

  it('runCfnLint reports the errors of a deliberately broken template', async () => {
    const result = await runCfnLint(join(import.meta.dirname, 'fixtures', 'cfn-lint-broken.template.json'));

    expect(result.errors.map((e) => [e.rule, e.path, e.message])).toEqual([
      [
        'E3002',
        'Resources/Queue/Properties/BogusProperty',
        "Additional properties are not allowed ('BogusProperty' was unexpected)",
      ],
      ['E3005', 'Resources/Stream/DependsOn', "'MissingResource' is not one of ['Queue']"],
    ]);
  });

  it('reports zero errors in every template', async () => {
    // Act
    const results = await Promise.all(
      templates.map(async (t) => ({ template: t, ...(await runCfnLint(join(outDir, t))) })),
    );

    // Assert
    const errors = results.flatMap((r) =>
      r.errors.map((e) => `${r.template}: ${e.rule} ${e.path}: ${e.message}`),
    );
    expect(errors).toEqual([]);
  });
});
