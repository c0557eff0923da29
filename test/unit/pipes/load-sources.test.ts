import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ConfigError, type ConfigIssue } from '../../../core/errors.js';
import {
  didYouMean,
  loadSources,
  parseSourceFile,
  validateSourceTexts,
} from '../../../pipes/load-sources.js';

interface SourceCase {
  title: string;
  source: Record<string, unknown>;
  issues: ConfigIssue[];
}
interface CatalogueCase {
  title: string;
  sources: { file: string; source: Record<string, unknown> }[];
  issues: ConfigIssue[];
}

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;

const sourceCases = fixture<SourceCase[]>('source-validation-cases.json');
const catalogueCases = fixture<CatalogueCase[]>('catalogue-validation-cases.json');
const FILE = 'pipes/sources/src-a.yaml';

describe('source file validation', () => {
  it.each(sourceCases)('$title', ({ source, issues }) => {
    // Arrange
    const text = stringify(source);
    // Act
    const result = validateSourceTexts([{ file: FILE, text }]);
    // Assert
    expect(result.issues).toEqual(issues);
    expect(result.sources).toEqual([]);
  });

  it.each(fixture<Omit<SourceCase, 'issues'>[]>('source-valid-msk-cases.json'))(
    'accepts $title',
    ({ source }) => {
      // Act
      const result = validateSourceTexts([{ file: FILE, text: stringify(source) }]);
      // Assert
      expect(result.issues).toEqual([]);
      const vpc = source.vpc as { subnetIds: string[] } | undefined;
      expect(result.sources.map(({ source: s }) => [s.kind, s.brokers, s.engine, s.vpc?.subnetIds])).toEqual([
        [source.kind, source.brokers, source.engine ?? 'pipe', vpc?.subnetIds],
      ]);
    },
  );

  it('throws a ConfigError whose message lists every issue of the file', () => {
    // Arrange
    const several = sourceCases.find((c) => c.title === 'several problems at once') as SourceCase;
    // Act
    const act = () => parseSourceFile(stringify(several.source), FILE);
    // Assert
    expect(act).toThrow(ConfigError);
    try {
      act();
    } catch (error) {
      const e = error as ConfigError;
      expect(e.issues).toEqual(several.issues);
      expect(e.message).toBe(
        `5 problems in 1 source file:\n${several.issues.map((i) => `${i.file}: ${i.field}: ${i.message}. Fix: ${i.fix}`).join('\n')}`,
      );
    }
  });

  it.each([
    ['a duplicate key', 'name: a\nname: b\n', 'Invalid YAML at line 2: Map keys must be unique'],
    [
      'a list instead of a mapping',
      '- a\n- b\n',
      'A source file must be a mapping of fields, received ["a","b"]',
    ],
  ])('reports %s', (_title, text, message) => {
    // Act
    const { issues } = validateSourceTexts([{ file: FILE, text }]);
    // Assert
    expect(issues.map((i) => i.message)).toEqual([message]);
  });

  it('applies defaults and derives a stable consumer group id', () => {
    // Arrange
    const text = stringify({
      name: 'minimal',
      kind: 'self-managed',
      brokers: ['b:9092'],
      topic: 'tp',
      target: { type: 'kinesis' },
    });
    // Act
    const source = parseSourceFile(text, FILE);
    // Assert
    expect(source).toEqual({
      name: 'minimal',
      kind: 'self-managed',
      brokers: ['b:9092'],
      topic: 'tp',
      consumerGroupId: 'kafka-pipes-minimal',
      startingPosition: 'TRIM_HORIZON',
      batchSize: 100,
      batchingWindowSeconds: 1,
      auth: { type: 'none' },
      target: { type: 'kinesis', partitionKey: 'record-key' },
      engine: 'pipe',
      rules: 'enrichment/rules/default.rules.yaml',
      logLevel: 'ERROR',
      logRetentionDays: 30,
      desiredState: 'RUNNING',
    });
  });
});

describe('catalogue validation', () => {
  it.each(catalogueCases)('$title', ({ sources, issues }) => {
    // Arrange
    const texts = sources.map(({ file, source }) => ({ file, text: stringify(source) }));
    // Act
    const result = validateSourceTexts(texts);
    // Assert
    expect(result.issues).toEqual(issues);
  });

  it('loadSources reports the issues of every file in one error', () => {
    // Arrange
    const dir = mkdtempSync(join(tmpdir(), 'sources-'));
    writeFileSync(
      join(dir, 'a.yaml'),
      stringify({ name: 'a', kind: 'msk', topic: 't', target: { type: 'kinesis' } }),
    );
    writeFileSync(
      join(dir, 'b.yml'),
      stringify({
        name: 'b',
        kind: 'self-managed',
        brokers: ['b:1'],
        topic: 't',
        batchSize: 0,
        target: { type: 'kinesis' },
      }),
    );
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    // Act
    let caught: unknown;
    try {
      loadSources(dir);
    } catch (error) {
      caught = error;
    }
    // Assert
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues.map((i) => [i.file.endsWith('a.yaml'), i.field])).toEqual([
      [true, 'clusterArn'],
      [false, 'batchSize'],
    ]);
    expect((caught as ConfigError).message.startsWith('2 problems in 2 source files:\n')).toBe(true);
  });

  it('loads the shipped examples', () => {
    // Act
    const sources = loadSources();
    // Assert
    expect(sources.map((s) => `${s.name}:${s.kind}:${s.auth.type}:${s.target.type}:${s.engine}`)).toEqual([
      'msk-apic-avro-poller:self-managed:mtls:kinesis:poller',
      'msk-apic-avro:msk:iam:kinesis:pipe',
      'msk-apic-lake:msk:none:firehose:pipe',
      'msk-apic-mtls:msk:mtls:kinesis:pipe',
      'msk-apic-noauth:msk:none:kinesis:pipe',
      'msk-iam-poller:msk:iam:kinesis:poller',
      'msk-serverless-iam:msk-serverless:iam:lambda:pipe',
      'onprem-confluent-apic:self-managed:mtls:kinesis:pipe',
      'onprem-long-chain:self-managed:mtls:kinesis:poller',
      'partner-scram:self-managed:sasl-scram-512:kinesis:pipe',
    ]);
  });
});

describe('didYouMean', () => {
  it.each([
    ['batchsize', ['batchSize', 'topic'], 'batchSize'],
    ['tpoic', ['batchSize', 'topic'], 'topic'],
    ['zzzqqq', ['batchSize', 'topic'], undefined],
  ])('%s → %s', (input, candidates, expected) => {
    expect(didYouMean(input, candidates)).toBe(expected);
  });
});
