#!/usr/bin/env node
/**
 * CDK app entry point. Synthesizes env-agnostic stacks (no AWS credentials needed).
 * Later issues fill the stack from the source catalogue in `pipes/sources/`.
 */
import { App, Stack } from 'aws-cdk-lib';

const app = new App();
const environment = (app.node.tryGetContext('environment') as string | undefined) ?? 'dev';
new Stack(app, `KafkaPipes-${environment}`, {
  description: `Kafka ingestion through EventBridge Pipes (${environment})`,
});
app.synth();
