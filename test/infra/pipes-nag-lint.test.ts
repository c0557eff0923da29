import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NAG_ACKNOWLEDGEMENTS, POLLER_NAG_ACKNOWLEDGEMENTS } from '../../infra/nag-suppressions.js';
import { synthEnvironment } from './pipes-helpers.js';

interface ValidationReport {
  pluginReports: { pluginName: string; violations: { ruleName: string }[] }[];
}

describe.each(['dev', 'prod'])('%s stack', (environment) => {
  it('has zero unacknowledged cdk-nag AwsSolutions + Serverless findings', async () => {
    // Act: the nag packs run as validation plugins and make synth throw on any unacknowledged finding
    const result = await synthEnvironment({ environment, nag: true }).then(
      (s) => ({ ok: true as const, s }),
      (error: Error) => ({ ok: false as const, error }),
    );
    // Assert
    if (!result.ok) {
      const outdir = /found in: (.*)validation-report\.json/.exec(result.error.message)?.[1];
      const report = outdir
        ? (JSON.parse(readFileSync(`${outdir}validation-report.json`, 'utf8')) as ValidationReport)
        : undefined;
      const findings = report?.pluginReports.flatMap((p) => p.violations.map((v) => v.ruleName)) ?? [];
      expect.fail(`cdk-nag findings: ${findings.join(', ') || result.error.message}`);
    }
    expect(result.ok).toBe(true);
  });

  it('passes cfn-lint with zero errors', async () => {
    // Arrange
    const { runCfnLint } = await import('../harness/cfn-lint.js');
    const { templatePath } = await synthEnvironment({ environment });
    // Act
    const lint = await runCfnLint(templatePath);
    // Assert
    expect(lint.errors, lint.output).toEqual([]);
  });
});

describe('nag acknowledgements', () => {
  it('every acknowledgement carries a written reason', () => {
    for (const ack of [...NAG_ACKNOWLEDGEMENTS, ...POLLER_NAG_ACKNOWLEDGEMENTS]) {
      expect(ack.reason.length, ack.id).toBeGreaterThan(40);
    }
    expect(NAG_ACKNOWLEDGEMENTS.map((a) => a.id)).toEqual([
      'AwsSolutions::AwsSolutions-L1',
      'Serverless::Serverless-LambdaLatestVersion',
      'Serverless::Serverless-LambdaDLQ',
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions::AwsSolutions-SQS3',
      'Serverless::Serverless-SQSRedrivePolicy',
      'AwsSolutions::AwsSolutions-KDS3',
    ]);
  });
});
