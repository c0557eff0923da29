#!/usr/bin/env node
/**
 * CDK app entry point: `npx cdk synth [-c environment=dev|prod] [-c nag=true]`.
 * Env-agnostic (no AWS credentials needed). One stack per environment, built from pipes/sources/*.yaml;
 * invalid source files abort synth listing every issue (file, field, bad value, fix).
 */
import { ConfigError } from '../core/errors.js';
import { buildApp } from './build-app.js';

try {
  const { app } = await buildApp();
  app.synth();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
