import { describe, expect, it } from 'vitest';
import { LOCAL_RUN_DEFAULTS, OptionsError, parseLocalRunArgs } from '../../../devkit/local/options.js';
import { partitionCycle } from '../../../devkit/local/producer.js';

describe('parseLocalRunArgs', () => {
  it('uses the defaults without arguments', () => {
    expect(parseLocalRunArgs([])).toEqual(LOCAL_RUN_DEFAULTS);
  });

  it('parses every option', () => {
    // Act
    const o = parseLocalRunArgs([
      '--duration',
      '30',
      '--rate',
      '50',
      '--sources',
      'a, b',
      '--poison-share',
      '0.1',
      '--json',
      '--sources-dir',
      'x',
      '--seed',
      's',
      '--drain-timeout',
      '60',
      '--async-retry-scale',
      '0',
      '--partition-weights',
      '98, 1,1',
    ]);
    // Assert
    expect(o).toEqual({
      ...LOCAL_RUN_DEFAULTS,
      durationSeconds: 30,
      ratePerSecond: 50,
      sources: ['a', 'b'],
      poisonShare: 0.1,
      json: true,
      sourcesDir: 'x',
      seed: 's',
      drainTimeoutSeconds: 60,
      asyncRetryScale: 0,
      partitionWeights: [98, 1, 1],
    });
  });

  it('returns null for help', () => {
    expect(parseLocalRunArgs(['-h'])).toBeNull();
  });

  it.each([
    [['--records', '0'], '--records must be an integer between 1 and 10000000, received 0'],
    [['--records', '1.5'], '--records must be an integer between 1 and 10000000, received 1.5'],
    [['--poison-share', '0.9'], '--poison-share must be a number between 0 and 0.5, received 0.9'],
    [['--records', '5', '--duration', '5'], '--records and --duration cannot be combined'],
    [['--sources', ','], '--sources needs at least one source name'],
    [
      ['--partition-weights', '0,0'],
      '--partition-weights must be comma-separated integers from 0 to 10000 (one per partition, at least one above 0), received 0,0',
    ],
    [
      ['--partition-weights', '1,x'],
      '--partition-weights must be comma-separated integers from 0 to 10000 (one per partition, at least one above 0), received 1,x',
    ],
  ])('refuses %j', (argv, message) => {
    expect(() => parseLocalRunArgs(argv)).toThrow(new OptionsError(message));
  });

  it('refuses unknown options', () => {
    expect(() => parseLocalRunArgs(['--nope'])).toThrow(OptionsError);
  });
});

describe('partitionCycle', () => {
  it('sends each partition its weight of records per cycle, spread evenly; round robin without weights', () => {
    expect(partitionCycle(null, 3, 't')).toEqual([0, 1, 2]);
    expect(partitionCycle([2, 1], 2, 't')).toEqual([0, 1, 0]);
    const cycle = partitionCycle([98, 1, 1], 3, 't');
    expect(cycle).toHaveLength(100);
    expect([0, 1, 2].map((p) => cycle.filter((c) => c === p).length)).toEqual([98, 1, 1]);
    expect([cycle.indexOf(1), cycle.indexOf(2)]).toEqual([33, 66]);
    // Weights beyond the topic's partitions are ignored; a partition without a weight gets none.
    expect(partitionCycle([1, 1, 5], 2, 't')).toEqual([0, 1]);
    expect(partitionCycle([1], 3, 't')).toEqual([0]);
    expect(() => partitionCycle([0, 0, 1], 2, 't')).toThrow(/no weight to any of the 2 partitions of t/);
  });
});
