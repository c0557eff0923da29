import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CheckReport, CheckStep } from '../../cli/check/engine.js';
import type { CliAwsClients } from '../../cli/shared/aws.js';
import { joinConsumerGroup } from '../../core/kafka/group-member.js';
import { type AwsClients, awsClients } from '../../devkit/testbed/aws.js';
import { createTopic, kafkaConnections, produceMessages, uniqueName } from '../../devkit/testbed/kafka.js';
import { cli, sourcesDir } from '../unit/cli/run-cli.js';

const bed = inject('testbed');
let aws: AwsClients;
let cliAws: CliAwsClients;
let dir: string;
const topic = uniqueName('cli-check');
const groupTopic = uniqueName('cli-check-group');
const names = {
  mtlsSecret: uniqueName('kafka/client'),
  rootSecret: uniqueName('kafka/root'),
  scramSecret: uniqueName('kafka/scram'),
};

function source(name: string, broker: string, extra: string, t = topic): string {
  return `name: ${name}\nkind: self-managed\nbrokers: [${broker}]\ntopic: ${t}\n${extra}target:\n  type: kinesis\n`;
}

beforeAll(async () => {
  aws = awsClients(bed.moto.endpoint, bed.moto.region);
  cliAws = { ...aws, lambda: new LambdaClient(aws.config) };
  await createTopic(kafkaConnections(bed).plaintext, topic, 3);
  const secret = (Name: string, value: unknown) =>
    aws.secretsManager.send(new CreateSecretCommand({ Name, SecretString: JSON.stringify(value) }));
  await secret(names.mtlsSecret, { certificate: bed.pki.clientCert, privateKey: bed.pki.clientKey });
  await secret(names.rootSecret, { certificate: bed.pki.caChain });
  await secret(names.scramSecret, { username: bed.scram.username, password: bed.scram.password });
  const closedPort = '127.0.0.1:1';
  dir = sourcesDir({
    'plain.yaml': source('plain', bed.kafka.plaintext, ''),
    'mtls.yaml': source(
      'mtls',
      bed.kafka.ssl,
      `auth:\n  type: mtls\n  secret: ${names.mtlsSecret}\nrootCaSecret: ${names.rootSecret}\n`,
    ),
    'scram.yaml': source(
      'scram',
      bed.kafka.saslSsl,
      `auth:\n  type: sasl-scram-512\n  secret: ${names.scramSecret}\nrootCaSecret: ${names.rootSecret}\n`,
    ),
    'nocert.yaml': source('nocert', bed.kafka.ssl, `rootCaSecret: ${names.rootSecret}\n`),
    'closed.yaml': source('closed', closedPort, ''),
    'tls-on-plain.yaml': source('tls-on-plain', bed.kafka.plaintext, `rootCaSecret: ${names.rootSecret}\n`),
    'typo.yaml': source('typo', bed.kafka.plaintext, '', `${topic}x`),
    'busy.yaml': source(
      'busy',
      bed.kafka.plaintext,
      `consumerGroupId: ${groupTopic}-g\nengine: poller\npoller: {}\n`,
      groupTopic,
    ),
  });
  writeFileSync(join(dir, 'wrong-ca.pem'), bed.pki.wrongCa);
});

afterAll(() => {
  aws.destroy();
  cliAws.lambda.destroy();
});

async function check(args: string[]): Promise<{ code: number; report: CheckReport; stderr: string }> {
  const run = await cli(['--json', '--sources-dir', dir, 'check', ...args, '--timeout', '5000'], {
    aws: cliAws,
  });
  return { code: run.code, report: run.json<CheckReport>(), stderr: run.stderr };
}

const step = (r: CheckReport, id: CheckStep['step']) => r.steps.find((s) => s.step === id) as CheckStep;

describe('kafka-pipes check (real broker, secrets in moto)', () => {
  it.each([
    ['plain', 'skip', 'skip'],
    ['mtls', 'pass', 'skip'],
    ['scram', 'pass', 'pass'],
  ])('passes every step on the %s listener', async (name, tls, sasl) => {
    // Act
    const { code, report } = await check([name]);
    // Assert
    expect(report.steps.filter((s) => s.status === 'fail')).toEqual([]);
    expect(code).toBe(0);
    expect(report.steps.map((s) => s.step)).toEqual([
      'dns',
      'tcp',
      'tls',
      'sasl',
      'metadata',
      'topic',
      'partitions',
      'group',
    ]);
    expect(step(report, 'tls').status).toBe(tls);
    expect(step(report, 'sasl').status).toBe(sasl);
    expect(step(report, 'partitions').message).toBe('3 partition(s)');
    expect(step(report, 'group').message).toBe(
      `group kafka-pipes-${name} does not exist yet: the first run starts at the starting position (lag 0)`,
    );
  });

  it('names the certificate and the cause when the CA is wrong', async () => {
    const { code, report } = await check(['mtls', '--ca', join(dir, 'wrong-ca.pem')]);
    expect(code).toBe(1);
    expect(step(report, 'tls')).toMatchObject({
      status: 'fail',
      message:
        'broker certificate CN=localhost (issuer CN=Test Intermediate CA) cannot be verified: UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      cause:
        'the CA bundle does not contain the issuer of the broker certificate (wrong CA, or an intermediate is missing)',
    });
    expect(step(report, 'sasl').status).toBe('skip');
  });

  it('says the listener needs a client certificate when none is sent', async () => {
    const { code, report } = await check(['nocert']);
    expect(code).toBe(1);
    expect(step(report, 'tls')).toMatchObject({
      status: 'fail',
      cause: 'the listener requires a client certificate (ssl.client.auth=required) and none was sent',
      fix: 'use auth type mtls with a client certificate secret, or pass --cert and --key',
    });
  });

  it('reports a wrong SCRAM password as a SASL failure', async () => {
    const { code, report } = await check(['scram', '--username', bed.scram.username, '--password', 'wrong']);
    expect(code).toBe(1);
    expect(step(report, 'tls').status).toBe('pass');
    expect(step(report, 'sasl')).toMatchObject({
      status: 'fail',
      cause:
        'wrong user name or password for scram-sha-512, or the user has no SCRAM credentials for this mechanism',
    });
  });

  it('reports a closed port as refused', async () => {
    const { code, report } = await check(['closed']);
    expect(code).toBe(1);
    expect(step(report, 'tcp')).toMatchObject({
      status: 'fail',
      message: 'connection to 127.0.0.1:1 refused',
      cause: 'nothing listens on that port (wrong port, or the broker is down)',
    });
  });

  it('says the port is PLAINTEXT when TLS is used against it', async () => {
    const { code, report } = await check(['tls-on-plain']);
    expect(code).toBe(1);
    expect(step(report, 'tls')).toMatchObject({
      status: 'fail',
      cause: 'the port is a PLAINTEXT (or SASL_PLAINTEXT) listener, not TLS',
    });
  });

  it('says the port expects TLS when PLAINTEXT is used against the mTLS listener', async () => {
    const { code, report } = await check(['mtls', '--tls', 'off']);
    expect(code).toBe(1);
    expect(step(report, 'tls')).toMatchObject({
      status: 'fail',
      cause: 'the port expects TLS (SSL / SASL_SSL listener)',
    });
  });

  it('reports group state, members and lag, and warns when a poller group has active members', async () => {
    // Arrange: 4 records on partition 0, a live member of the group that committed offset 2 there.
    const conn = kafkaConnections(bed).plaintext;
    await createTopic(conn, groupTopic, 3);
    await produceMessages(
      conn,
      groupTopic,
      [0, 1, 2, 3].map((i) => ({ value: `v${i}`, partition: 0 })),
    );
    const member = await joinConsumerGroup(conn, {
      groupId: `${groupTopic}-g`,
      topic: groupTopic,
      startingPosition: 'TRIM_HORIZON',
      onRecords: () => {},
    });
    try {
      await member.commit([{ partition: 0, offset: '2' }]);
      // Act
      const busy = await check(['busy']);
      // Assert
      expect(step(busy.report, 'group')).toMatchObject({
        status: 'warn',
        message: `group ${groupTopic}-g: Stable, 1 member(s), offsets committed on 1/3 partition(s), lag 2`,
        fix: `stop the other consumers of ${groupTopic}-g, or give the source its own consumerGroupId`,
      });
    } finally {
      await member.stop();
    }
    const idle = await check(['busy']);
    expect(step(idle.report, 'group')).toMatchObject({
      status: 'pass',
      message: `group ${groupTopic}-g: Empty, 0 member(s), offsets committed on 1/3 partition(s), lag 2`,
    });
    expect(idle.code).toBe(0);
  });

  it('suggests the closest topic when the topic does not exist', async () => {
    const { code, report } = await check(['typo']);
    expect(code).toBe(1);
    expect(step(report, 'topic')).toMatchObject({
      status: 'fail',
      message: `topic ${topic}x does not exist (or the principal cannot describe it)`,
      cause: `a similar topic exists: ${topic}`,
      fix: `set topic: ${topic} in the source file`,
    });
  });
});
