/**
 * The broker of a private bed survives restart(): same ports, same data dir, records still there, and the
 * PID changes (killed by PID, started again).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumeMessages } from '../../core/kafka/group-member.js';
import { createTopic, kafkaConnections, produceMessages, uniqueName } from '../../devkit/testbed/kafka.js';
import { startTestBed, type TestBed } from '../../devkit/testbed/testbed.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';

let bed: TestBed;
beforeAll(async () => {
  bed = await startTestBed();
});
afterAll(async () => {
  await bed?.stop();
});
printBrokerLogOnFailure(() => bed.kafka.logFile);

describe('startTestBed().kafka.restart()', () => {
  it('keeps ports and data and replaces the broker process', async () => {
    // Arrange
    const conns = kafkaConnections(bed);
    const topic = uniqueName('restart');
    await createTopic(conns.plaintext, topic, 2);
    await produceMessages(conns.plaintext, topic, [{ key: 'a', value: 'before-restart' }]);
    const before = { pid: bed.kafka.pid(), ports: [bed.kafka.plaintext, bed.kafka.ssl, bed.kafka.saslSsl] };

    // Act
    await bed.kafka.restart();
    await produceMessages(conns.mtls, topic, [{ key: 'b', value: 'after-restart' }]);
    const consumed = await consumeMessages(conns.scram, topic, { count: 2, timeoutMs: 30_000 });

    // Assert
    expect(bed.kafka.pid()).toBeTypeOf('number');
    expect(bed.kafka.pid()).not.toBe(before.pid);
    expect([bed.kafka.plaintext, bed.kafka.ssl, bed.kafka.saslSsl]).toEqual(before.ports);
    expect(consumed.map((m) => m.value?.toString()).sort()).toEqual(['after-restart', 'before-restart']);
  });

  it('stop() kills the broker by PID', async () => {
    // Arrange
    const pid = bed.kafka.pid() as number;

    // Act
    await bed.stop();

    // Assert
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(bed.kafka.pid()).toBeUndefined();
  });
});
