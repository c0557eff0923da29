import { beforeAll, describe, expect, it } from 'vitest';
import { logicalId, type Synthesized, synthEnvironment } from './pipes-helpers.js';

describe('engine: poller sources', () => {
  let synth: Synthesized;
  beforeAll(async () => {
    synth = await synthEnvironment({ environment: 'dev' });
  });

  it('builds a poller for each poller source, with its own enrichment DLQ', () => {
    // Assert
    expect([...synth.stack.pollers.keys()].sort()).toEqual([
      'msk-apic-avro-poller',
      'msk-iam-poller',
      'onprem-long-chain',
    ]);
    const dlq = synth.stack.pollerDlqs.get('onprem-long-chain');
    expect(dlq).toBeDefined();
    synth.template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(synth.stack, synth.stack.dataKey), 'Arn'] },
      MessageRetentionPeriod: 1_209_600,
    });
    synth.template.resourceCountIs('AWS::StepFunctions::StateMachine', 3);
    synth.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      FlexibleTimeWindow: { Mode: 'OFF' },
    });
    synth.template.resourceCountIs('AWS::Events::Rule', 0);
  });

  it("tags the poller's truststore bucket with its source (kafka-pipes truststore upload finds it by the tag)", () => {
    // Arrange
    const poller = synth.stack.pollers.get('onprem-long-chain');
    if (!poller) throw new Error('no poller');
    const bucketId = logicalId(synth.stack, poller.truststoreBucket);
    // Assert
    const bucket = synth.template.toJSON().Resources[bucketId];
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect(bucket.Properties.Tags).toEqual(
      expect.arrayContaining([{ Key: 'kafka-pipes:source', Value: 'onprem-long-chain' }]),
    );
  });

  it("tags the poller's DLQ with its source (kafka-pipes dlq finds it by name) and alarms on its depth", () => {
    // Arrange
    const dlq = synth.stack.pollerDlqs.get('onprem-long-chain');
    if (!dlq) throw new Error('no poller DLQ');
    const dlqId = logicalId(synth.stack, dlq);
    // Assert
    expect(synth.template.toJSON().Resources[dlqId].Properties.Tags).toEqual(
      expect.arrayContaining([{ Key: 'kafka-pipes:source', Value: 'onprem-long-chain' }]),
    );
    synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmDescription:
        "onprem-long-chain: records the enrichment could not normalize are waiting in the poller's DLQ",
    });
  });

  it('keeps one Pipe per engine-pipe source and no Pipe for the poller sources', () => {
    // seven example sources on the pipe engine (msk-apic-lake writes Firehose), three on the poller
    synth.template.resourceCountIs('AWS::Pipes::Pipe', 7);
    expect(synth.stack.pipes.has('onprem-long-chain')).toBe(false);
    expect(synth.stack.pipes.has('msk-apic-avro-poller')).toBe(false);
    expect(synth.stack.pipes.has('msk-iam-poller')).toBe(false);
  });
});
