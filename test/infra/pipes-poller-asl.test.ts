/**
 * The poller's state machine definition is in the template as a JSON object (`Definition` with
 * `DefinitionSubstitutions`), so cfn-lint validates its states: a broken state type fails the lint.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCfnLint } from '../harness/cfn-lint.js';
import { arnOf, logicalId, type Synthesized, synthEnvironment } from './pipes-helpers.js';

interface StateMachineResource {
  Properties: {
    Definition?: { States: Record<string, { Type: string }> };
    DefinitionString?: unknown;
    DefinitionSubstitutions?: Record<string, unknown>;
  };
}

describe('fallback poller state machine definition in the template', () => {
  let synth: Synthesized;
  let stateMachineId: string;
  beforeAll(async () => {
    synth = await synthEnvironment({ environment: 'dev' });
    const poller = synth.stack.pollers.get('onprem-long-chain');
    if (!poller) throw new Error('no poller');
    stateMachineId = logicalId(synth.stack, poller.stateMachine);
  });

  const resource = () =>
    structuredClone(synth.template.toJSON().Resources[stateMachineId]) as StateMachineResource;

  it('is a Definition object whose substitution is the poller function ARN, equal to the deployed ASL', () => {
    // Arrange
    const poller = synth.stack.pollers.get('onprem-long-chain');
    if (!poller) throw new Error('no poller');
    const { Properties: props } = resource();
    // Act: resolve the substitution the way Step Functions does
    const functionArn = arnOf(synth.stack, poller.function);
    const substituted = JSON.parse(
      JSON.stringify(props.Definition).replaceAll(`"\${PollerFunctionArn}"`, JSON.stringify(functionArn)),
    );
    // Assert
    expect(props.DefinitionString).toBeUndefined();
    expect(props.DefinitionSubstitutions).toEqual({ PollerFunctionArn: functionArn });
    expect(substituted).toEqual(Stack.of(poller).resolve(poller.definition));
  });

  it('fails cfn-lint when a state has a broken type', async () => {
    // Arrange
    const template = synth.template.toJSON();
    const broken = resource();
    const states = broken.Properties.Definition?.States;
    const first = states?.check_partitions;
    if (!first) throw new Error('no check_partitions state');
    first.Type = 'Tusk';
    template.Resources[stateMachineId] = broken;
    const path = join(synth.outdir, 'broken-state.template.json');
    writeFileSync(path, JSON.stringify(template));
    // Act
    const lint = await runCfnLint(path);
    // Assert
    const definitionErrors = lint.errors.filter((e) =>
      e.path.startsWith(`Resources/${stateMachineId}/Properties/Definition/`),
    );
    expect(definitionErrors.length, lint.output).toBeGreaterThan(0);
    expect(definitionErrors.map((e) => `${e.path}: ${e.message}`).join('\n')).toMatch(
      /States\/check_partitions.*Tusk/,
    );
  });
});
