/**
 * `npm start` end to end, as a child process (`npx tsx devkit/local/start.ts --records 300 --json`): its own test
 * bed, every example source on its engine, the summary asserted — zero missing records, poison records in
 * the DLQs with their count and reasons, every record accounted for, and both engines' canonical records
 * byte-identical for the same Kafka records. A second run is interrupted with SIGINT and must stop every
 * process it started.
 *
 * Engine parity, honestly: the poller source (onprem-long-chain) and four pipe sources (one of them writing
 * Firehose, its records read back from moto's S3 objects) read the SAME
 * topic on the local broker, so they see the same records at the same partition/offset; so do the Avro
 * pair (msk-apic-avro on the Pipe, msk-apic-avro-poller on the poller), whose topic holds Glue-framed Avro
 * values (zlib and not) and plain JSON ones that the JSON fallback reads (devkit/local/registry-values.ts); and
 * the IAM pair (msk-serverless-iam on the Pipe, msk-iam-poller on the poller, both on the bed's SASL_IAM
 * listener) on test-topic. Only fields that
 * name the source or derive from its configured cluster may differ: `eventId` (hash of cluster, topic,
 * partition, offset), `source` and `kafka.cluster`; `partitionKey` is removed only for pairs whose
 * sources configure different partition keys (msk-apic-mtls/noauth). Everything else (api, attributes,
 * tags, route, ruleVersion, kafka.topic/partition/offset/timestamp/key/headers) must be byte-identical.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { LocalRunSummary } from '../../devkit/local/run.js';

const RECORDS = 300;
const POISON_SHARE = 0.02;
/** Poison records per topic (⌊300 × 0.02⌋ = 6, cycling not-json / not-utf8 / wrong-type). */
const POISON_PER_TOPIC = 6;
/** Topics of the catalogue: ExampleTopic, test-topic, partner.api-events, apic.api-events.avro. */
const TOPICS = 4;

function run(
  args: string[],
  how: 'npx' | 'node' = 'node',
): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  // `npx tsx …` as documented; `node --import tsx …` (what tsx runs) when a signal must reach the run
  // itself rather than the npx wrapper.
  const [cmd, pre] = how === 'npx' ? ['npx', ['tsx']] : [process.execPath, ['--import', 'tsx']];
  const child = spawn(cmd, [...pre, 'devkit/local/start.ts', ...args], {
    cwd: process.cwd(),
    env: { ...process.env, KAFKA_BROKERS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    err += String(d);
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

function portOpen(hostPort: string): Promise<boolean> {
  const [host, port] = hostPort.split(':');
  return new Promise((resolve) => {
    const s = connect({ host: host as string, port: Number(port) });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('npm start (local end-to-end run)', () => {
  it('runs every example source with zero missing records, poison in the DLQs and identical engine output', async () => {
    // Act
    const r = run(
      ['--records', String(RECORDS), '--rate', '600', '--poison-share', String(POISON_SHARE), '--json'],
      'npx',
    );
    const code = await r.exit;
    if (code !== 0) console.error(r.stderr().slice(-4000));
    const summary = JSON.parse(r.stdout()) as LocalRunSummary;

    // Assert: the run
    expect(code).toBe(0);
    expect(summary).toMatchObject({ mode: 'test-bed', drained: true, ok: true, skipped: [] });
    expect(summary.sources.map((s) => `${s.source}:${s.engine}:${s.target}`).sort()).toEqual([
      'msk-apic-avro-poller:poller:kinesis',
      'msk-apic-avro:pipe:kinesis',
      'msk-apic-lake:pipe:firehose',
      'msk-apic-mtls:pipe:kinesis',
      'msk-apic-noauth:pipe:kinesis',
      'msk-iam-poller:poller:kinesis',
      'msk-serverless-iam:pipe:lambda',
      'onprem-confluent-apic:pipe:kinesis',
      'onprem-long-chain:poller:kinesis',
      'partner-scram:pipe:kinesis',
    ]);
    expect(summary.produced.total).toBe(TOPICS * RECORDS);
    expect(summary.produced.byKind).toMatchObject({
      'poison-not-json': TOPICS * 2,
      'poison-not-utf8': TOPICS * 2,
      'poison-wrong-type': TOPICS * 2,
    });

    // Assert: zero missing, zero duplicates, every record accounted for
    expect(summary.totals.missing).toBe(0);
    expect(summary.totals.duplicates).toBe(0);
    for (const s of summary.sources) {
      expect({
        source: s.source,
        missing: s.missing,
        duplicates: s.duplicates,
        unexpected: s.unexpected,
        despite: s.deliveredDespiteFilter,
      }).toEqual({
        source: s.source,
        missing: 0,
        duplicates: 0,
        unexpected: 0,
        despite: 0,
      });
      expect(s.delivered + s.filtered + s.enrichmentDlq + s.targetDlq + s.ruleDropped).toBe(s.produced);
      expect(s.produced).toBe(RECORDS);
    }

    // Assert: poison records in the DLQ with their count (sources without filters see all of them)
    // The Avro sources too: poison is not framed by Glue, so the JSON fallback reads it and refuses it.
    for (const name of [
      'msk-apic-avro',
      'msk-apic-avro-poller',
      'msk-apic-lake',
      'msk-apic-noauth',
      'msk-iam-poller',
      'msk-serverless-iam',
      'onprem-long-chain',
      'partner-scram',
    ]) {
      const s = summary.sources.find((x) => x.source === name);
      expect({ name, dlq: s?.enrichmentDlq, reasons: s?.dlqByReason }).toEqual({
        name,
        dlq: POISON_PER_TOPIC,
        reasons: { 'invalid-json': 2, 'invalid-utf8': 2, 'wrong-type': 2 },
      });
    }
    // onprem-confluent-apic filters on app_name: non-JSON poison never matches, the wrong-type ones do.
    expect(summary.sources.find((x) => x.source === 'onprem-confluent-apic')).toMatchObject({
      filtered: 4,
      enrichmentDlq: 2,
      dlqByReason: { 'wrong-type': 2 },
    });

    // Assert: the Firehose source's records were read back from moto's S3 objects, every one parsed
    // (moto stores each PutRecordBatch as one uncompressed object without newlines: docs/local-run.md)
    const lake = summary.sources.find((x) => x.source === 'msk-apic-lake');
    expect(lake?.lake).toMatchObject({ gzipObjects: 0, newlineDelimitedObjects: 0, unparsed: 0 });
    expect(lake?.lake?.objects).toBeGreaterThan(0);
    expect(lake?.lake?.bytes).toBeGreaterThan(0);
    expect(lake?.latencyMs.count).toBe(lake?.delivered);

    // Assert: both engines wrote byte-identical canonical records for the same Kafka records (the lake
    // source's records as read back from S3)
    // onprem-long-chain against the four pipe sources of ExampleTopic, the Avro pair, and msk-iam-poller
    // (SASL/IAM listener) against msk-serverless-iam, the IAM Pipe source of test-topic.
    expect(summary.parity).toHaveLength(6);
    expect(
      summary.parity.filter((p) => p.pollerSource === 'msk-iam-poller').map((p) => p.pipeSource),
    ).toEqual(['msk-serverless-iam']);
    for (const p of summary.parity) {
      expect(p.compared).toBeGreaterThan(100);
      expect({
        pair: `${p.pipeSource}/${p.pollerSource}`,
        different: p.different,
        first: p.firstDifference,
      }).toEqual({
        pair: `${p.pipeSource}/${p.pollerSource}`,
        different: 0,
        first: null,
      });
    }
    expect(summary.parity.find((p) => p.pipeSource === 'onprem-confluent-apic')?.removedFields).toEqual([
      'eventId',
      'source',
      'kafka.cluster',
    ]);
    expect(summary.parity.find((p) => p.pipeSource === 'msk-apic-avro')).toMatchObject({
      pollerSource: 'msk-apic-avro-poller',
      topic: 'apic.api-events.avro',
      removedFields: ['eventId', 'source', 'kafka.cluster'],
    });

    // Assert: measurements exist
    expect(summary.latencyMs.count).toBe(summary.totals.delivered);
    expect(summary.latencyMs.p50).toBeGreaterThan(0);
    expect(summary.throughput.producedPerSecond).toBeGreaterThan(0);
  });

  it('stops cleanly on SIGINT and kills the broker and moto it started', async () => {
    // Arrange
    const r = run(['--records', '100000', '--rate', '200']);
    const ready = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = /plaintext (127\.0\.0\.1:\d+).*moto http:\/\/(127\.0\.0\.1:\d+)/.exec(r.stderr());
        if (m && r.stderr().includes('producing')) {
          clearInterval(t);
          resolve(`${m[1]} ${m[2]}`);
        }
      }, 200);
      r.exit.then(() => reject(new Error(`exited early: ${r.stderr().slice(-2000)}`)));
    });
    const [kafka, moto] = ready.split(' ') as [string, string];
    expect(await portOpen(kafka)).toBe(true);

    // Act
    const t0 = Date.now();
    r.child.kill('SIGINT');
    const code = await r.exit;

    // Assert
    expect(code).toBe(130);
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(r.stderr()).toContain('SIGINT: stopping (producer, engines, test bed)');
    expect(await portOpen(kafka)).toBe(false);
    expect(await portOpen(moto)).toBe(false);
  });
});
