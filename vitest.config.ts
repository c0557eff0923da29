import { defineConfig } from 'vitest/config';

/**
 * Three projects: `unit` (pure functions, no services), `infra` (CDK synth, Template assertions,
 * cdk-nag, cfn-lint) and `integration` (real Kafka broker + moto, started once by the global setup).
 */
// The AWS SDK warns on Node 20 about releases after January 2027 needing Node 22; the tests run on the
// machine's Node 20 on purpose (the Lambdas deploy on nodejs22.x), so the notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
