import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { parseSourceFile } from '../../pipes/load-sources.js';
import { runCfnLint } from '../harness/cfn-lint.js';
import { logicalId, policyStatements, type Synthesized, synthEnvironment } from './pipes-helpers.js';

const FILE = 'pipes/sources/custom-rules.yaml';
const sourceText = (rules: string) =>
  [
    'name: custom-rules',
    'kind: self-managed',
    'brokers: [kafka.example.com:9093]',
    'topic: orders',
    `rules: ${rules}`,
    'target: {type: kinesis}',
  ].join('\n');

describe('a source with its own rules file', () => {
  let synth: Synthesized;
  beforeAll(async () => {
    const source = parseSourceFile(sourceText('test/infra/fixtures/custom.rules.yaml'), FILE);
    synth = await synthEnvironment({ environment: 'dev', sources: [{ file: FILE, source }], nag: true });
  });

  it('publishes the rules to AppConfig and points the enrichment at it', () => {
    // Arrange
    const kp = synth.stack.pipes.get('custom-rules');
    const fn = synth.template.toJSON().Resources[logicalId(synth.stack, kp?.enrichmentFunction as never)] as {
      Properties: { Environment: { Variables: Record<string, unknown> } };
    };
    const [appId] = Object.keys(synth.template.findResources('AWS::AppConfig::Application'));
    const [envId] = Object.keys(synth.template.findResources('AWS::AppConfig::Environment'));
    const [profileId] = Object.keys(synth.template.findResources('AWS::AppConfig::ConfigurationProfile'));
    // Assert
    synth.template.hasResourceProperties('AWS::AppConfig::Application', {
      Name: 'kafka-pipes-custom-rules-dev',
    });
    synth.template.hasResourceProperties('AWS::AppConfig::ConfigurationProfile', {
      LocationUri: 'hosted',
      Type: 'AWS.Freeform',
    });
    const version = Object.values(
      synth.template.findResources('AWS::AppConfig::HostedConfigurationVersion'),
    )[0] as {
      Properties: { Content: string; ContentType: string };
    };
    expect(version.Properties.ContentType).toBe('application/json');
    expect(JSON.parse(version.Properties.Content)).toMatchObject({
      name: 'api-connect-custom',
      version: '2.0.0',
    });
    synth.template.hasResourceProperties('AWS::AppConfig::Deployment', {
      DeploymentStrategyId: 'AppConfig.AllAtOnce',
    });
    expect(fn.Properties.Environment.Variables).toMatchObject({
      RULES_APPCONFIG_APPLICATION: { Ref: appId },
      RULES_APPCONFIG_ENVIRONMENT: { Ref: envId },
      RULES_APPCONFIG_PROFILE: { Ref: profileId },
    });
    expect(
      policyStatements(synth.template, logicalId(synth.stack, kp?.enrichmentFunction.role as never)),
    ).toContainEqual({
      Action: ['appconfig:GetLatestConfiguration', 'appconfig:StartConfigurationSession'],
      Effect: 'Allow',
      Resource: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':appconfig:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':application/',
            { Ref: appId },
            '/environment/',
            { Ref: envId },
            '/configuration/',
            { Ref: profileId },
          ],
        ],
      },
      Sid: 'ReadRulesFromAppConfig',
    });
  });

  it('passes cfn-lint with zero errors', async () => {
    const lint = await runCfnLint(synth.templatePath);
    expect(lint.errors, lint.output).toEqual([]);
  });

  it('aborts synth naming the source file when the rules file does not exist', async () => {
    // Arrange
    const source = parseSourceFile(sourceText('rules/missing.yaml'), FILE);
    // Act
    const act = synthEnvironment({ environment: 'dev', sources: [{ file: FILE, source }] });
    // Assert
    await expect(act).rejects.toThrow(ConfigError);
    await expect(synthEnvironment({ environment: 'dev', sources: [{ file: FILE, source }] })).rejects.toThrow(
      `1 problem in 1 source file:\n${FILE}: rules: Rules file "rules/missing.yaml" does not exist. Fix: point rules at a file relative to the repository root, e.g. enrichment/rules/default.rules.yaml`,
    );
  });

  it('aborts synth with the rules issues when the rules file is invalid', async () => {
    // Arrange
    const source = parseSourceFile(sourceText('test/infra/fixtures/bad.rules.yaml'), FILE);
    // Act / Assert
    const act = synthEnvironment({ environment: 'dev', sources: [{ file: FILE, source }] });
    await expect(act).rejects.toThrow('Invalid rules file test/infra/fixtures/bad.rules.yaml:\n');
  });
});
