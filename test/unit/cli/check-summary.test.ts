/** The verdict line of `check` (cli/check/command.ts): never "all checks passed" when a step was skipped. */
import { describe, expect, it } from 'vitest';
import { checkSummary } from '../../../cli/check/command.js';
import type { CheckReport, CheckStep } from '../../../cli/check/engine.js';

const step = (s: Partial<CheckStep> & Pick<CheckStep, 'step' | 'status'>): CheckStep => ({
  ms: 1,
  message: 'ok',
  ...s,
});

describe('checkSummary', () => {
  it.each([
    {
      name: 'every step passed',
      report: { source: 's', ok: true, steps: [step({ step: 'dns', status: 'pass' })] },
      summary: 'all checks passed',
    },
    {
      name: 'a step was skipped',
      report: {
        source: 's',
        ok: true,
        steps: [
          step({ step: 'dns', status: 'pass', target: 'b:9092' }),
          step({ step: 'tls', status: 'skip', target: 'b:9092', message: 'PLAINTEXT listener (no TLS)' }),
          step({ step: 'sasl', status: 'skip', message: 'no SASL (connected)' }),
          step({ step: 'group', status: 'warn' }),
        ],
      },
      summary:
        'no failure in 2 of 4 steps, 2 skipped (tls b:9092: PLAINTEXT listener (no TLS); sasl: no SASL (connected))',
    },
    {
      name: 'a step failed',
      report: { source: 's', ok: false, steps: [step({ step: 'sasl', status: 'fail' })] },
      summary: 'check failed: see the cause and fix above',
    },
  ] satisfies { name: string; report: CheckReport; summary: string }[])('$name', ({ report, summary }) => {
    expect(checkSummary(report)).toBe(summary);
  });
});
