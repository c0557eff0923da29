import { describe, expect, it } from 'vitest';
import { LOCAL_RUN_DEFAULTS, OptionsError, parseLocalRunArgs } from '../../../devkit/local/options.js';

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
  ])('refuses %j', (argv, message) => {
    expect(() => parseLocalRunArgs(argv)).toThrow(new OptionsError(message));
  });

  it('refuses unknown options', () => {
    expect(() => parseLocalRunArgs(['--nope'])).toThrow(OptionsError);
  });
});
