/**
 * The Parquet table's partitions (pipes/kinds/targets/lake-partitions.ts) are read from the stream's own S3
 * prefix: one `string` partition column per `name=<expression>` folder, an Athena date projection in the
 * folder's own format, and a `storage.location.template` that is the prefix with each partition expression
 * as `${name}`; prefixes Athena could not project are refused with the reason.
 */
import { describe, expect, it } from 'vitest';
import {
  EVENT_DATE_FORMATS,
  firehosePrefixes,
  lakeTableLayout,
} from '../../../pipes/kinds/targets/firehose.js';
import { canonicalGlueColumns } from '../../../pipes/kinds/targets/glue-columns.js';
import {
  type LakeTableLayout,
  lakeTableLayoutOf,
  PROJECTION_START,
} from '../../../pipes/kinds/targets/lake-partitions.js';

const options = {
  dataColumns: canonicalGlueColumns().map((c) => c.name),
  queryKeyFormats: EVENT_DATE_FORMATS,
};

/** The template with each `${name}` put back as the Firehose expression of that partition. */
function expressionsBack(layout: LakeTableLayout): string {
  return layout.locationTemplate.replace(/\$\{(\w+)\}/g, (_, name: string) => {
    const key = layout.partitionKeys.find((k) => k.name === name);
    if (!key) throw new Error(`no partition ${name}`);
    return key.expression;
  });
}

/** The folders of a prefix: all of it up to its last `/`. */
const foldersOf = (prefix: string) => prefix.slice(0, prefix.lastIndexOf('/') + 1);

describe('lakeTableLayout (the stack-created stream prefixes)', () => {
  it('partitions the default arrival-date prefix by dt, a yyyy-MM-dd date projected from the start date to now', () => {
    const layout = lakeTableLayout('lake', { partitioning: 'arrival-date' });
    expect(layout).toEqual({
      prefix: firehosePrefixes('lake', { partitioning: 'arrival-date' }).prefix,
      location: 'source=lake/',
      locationTemplate: `source=lake/dt=\${dt}/`,
      partitionKeys: [
        {
          name: 'dt',
          type: 'string',
          comment: "Partition folder dt=!{timestamp:yyyy'-'MM'-'dd} of the Firehose prefix (date yyyy-MM-dd)",
          expression: "!{timestamp:yyyy'-'MM'-'dd}",
        },
      ],
      projection: {
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': '2020-01-01,NOW',
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
      },
      problems: [],
    });
    expect(PROJECTION_START).toEqual({ year: 2020, month: 1, day: 1 });
  });

  it('partitions the event-date prefix by the dynamic key dt, up to a day ahead of now', () => {
    const layout = lakeTableLayout('lake', { partitioning: 'event-date' });
    expect(layout.prefix).toBe('source=lake/dt=!{partitionKeyFromQuery:dt}/');
    expect(layout.locationTemplate).toBe(`source=lake/dt=\${dt}/`);
    expect(layout.partitionKeys.map((k) => [k.name, k.type, k.expression])).toEqual([
      ['dt', 'string', '!{partitionKeyFromQuery:dt}'],
    ]);
    expect(layout.projection).toMatchObject({
      'projection.dt.format': EVENT_DATE_FORMATS.dt,
      'projection.dt.range': '2020-01-01,NOW+1DAYS',
    });
    expect(layout.problems).toEqual([]);
  });

  it('never makes a partition column of a data column (source stays in the location)', () => {
    for (const partitioning of ['arrival-date', 'event-date'] as const) {
      const layout = lakeTableLayout('lake', { partitioning });
      expect(options.dataColumns).toContain('source');
      for (const key of layout.partitionKeys) expect(options.dataColumns).not.toContain(key.name);
    }
  });

  it(`has a location template that is the Firehose prefix with each partition expression as \${name}`, () => {
    const prefixes = [
      lakeTableLayout('lake', { partitioning: 'arrival-date' }),
      lakeTableLayout('lake', { partitioning: 'event-date' }),
      lakeTableLayout('lake', {
        partitioning: 'arrival-date',
        prefix: 'p/day=!{timestamp:yyyy/MM/dd/HH}/raw/x-',
      }),
    ];
    for (const layout of prefixes) {
      expect(layout.problems).toEqual([]);
      expect(expressionsBack(layout)).toBe(foldersOf(layout.prefix));
      expect(layout.locationTemplate.startsWith(layout.location)).toBe(true);
    }
  });
});

describe('lakeTableLayoutOf (custom prefixes)', () => {
  it('reads a date spread over several expressions and literals of one folder, and keeps later plain folders', () => {
    const layout = lakeTableLayoutOf(
      'lake/v1/dt=!{timestamp:yyyy}-!{timestamp:MM}-!{timestamp:dd}/raw/',
      options,
    );
    expect(layout.location).toBe('lake/v1/');
    expect(layout.locationTemplate).toBe(`lake/v1/dt=\${dt}/raw/`);
    expect(layout.projection).toMatchObject({
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': '2020-01-01,NOW',
      'projection.dt.interval.unit': 'DAYS',
    });
  });

  it('projects hours, months and quoted letters in the folder format', () => {
    const hourly = lakeTableLayoutOf("x/hour=!{timestamp:yyyy-MM-dd'T'HH}/", options);
    expect(hourly.projection).toMatchObject({
      'projection.hour.format': "yyyy-MM-dd'T'HH",
      'projection.hour.range': '2020-01-01T00,NOW',
      'projection.hour.interval': '1',
      'projection.hour.interval.unit': 'HOURS',
    });
    const monthly = lakeTableLayoutOf('x/month=!{timestamp:yyyyMM}/', options);
    expect(monthly.projection).toMatchObject({
      'projection.month.format': 'yyyyMM',
      'projection.month.range': '202001,NOW',
      'projection.month.interval.unit': 'MONTHS',
    });
  });

  it('projects one number field alone in a folder as an integer (a day folder, then an hour folder)', () => {
    const layout = lakeTableLayoutOf('x/day=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/', options);
    expect(layout.problems).toEqual([]);
    expect(layout.locationTemplate).toBe(`x/day=\${day}/hour=\${hour}/`);
    expect(layout.partitionKeys.map((k) => [k.name, k.type, k.comment])).toEqual([
      [
        'day',
        'string',
        'Partition folder day=!{timestamp:yyyy-MM-dd} of the Firehose prefix (date yyyy-MM-dd)',
      ],
      ['hour', 'string', 'Partition folder hour=!{timestamp:HH} of the Firehose prefix (number HH, 0-23)'],
    ]);
    expect(layout.projection).toEqual({
      'projection.enabled': 'true',
      'projection.day.type': 'date',
      'projection.day.format': 'yyyy-MM-dd',
      'projection.day.range': '2020-01-01,NOW',
      'projection.day.interval': '1',
      'projection.day.interval.unit': 'DAYS',
      'projection.hour.type': 'integer',
      'projection.hour.range': '0,23',
      'projection.hour.digits': '2',
    });
    const month = lakeTableLayoutOf('x/ym=!{timestamp:yyyyMM}/d=!{timestamp:dd}/h=!{timestamp:H}/', options);
    expect(month.projection).toMatchObject({
      'projection.ym.type': 'date',
      'projection.ym.format': 'yyyyMM',
      'projection.ym.range': '202001,NOW',
      'projection.ym.interval.unit': 'MONTHS',
      'projection.d.type': 'integer',
      'projection.d.range': '1,31',
      'projection.d.digits': '2',
      'projection.h.range': '0,23',
    });
    expect(month.projection['projection.h.digits']).toBeUndefined();
  });

  it('leaves a prefix without expressions unpartitioned, located at its folder', () => {
    expect(lakeTableLayoutOf('lake/part-', options)).toMatchObject({
      location: 'lake/',
      locationTemplate: 'lake/',
      partitionKeys: [],
      projection: {},
      problems: [],
    });
  });

  it('keeps !{firehose:random-string} in the object names (after the last folder)', () => {
    const layout = lakeTableLayoutOf('x/dt=!{timestamp:yyyy-MM-dd}/!{firehose:random-string}-', options);
    expect(layout.problems).toEqual([]);
    expect(layout.locationTemplate).toBe(`x/dt=\${dt}/`);
  });

  it.each([
    [
      'x/route=!{timestamp:yyyy-MM-dd}/',
      'partition "route" has the name of a data column of the table (Athena refuses a partition column that repeats a column); rename the folder',
    ],
    ['x/dt=!{timestamp:yyyy-MM}/dt=!{timestamp:yyyy-MM-dd}/', 'partition "dt" stands in two folders'],
    [
      'x/!{timestamp:yyyy-MM-dd}/',
      'folder "!{timestamp:yyyy-MM-dd}" has no partition name: write it as <name>=<expression> (e.g. dt=!{timestamp:yyyy-MM-dd})',
    ],
    [
      'x/Day=!{timestamp:yyyy-MM-dd}/',
      'partition "Day": a Glue partition name is lower-case letters, digits and _',
    ],
    [
      'x/y=!{timestamp:yyyy}/',
      'folder "y=!{timestamp:yyyy}": a date needs the year, the month and every larger field of its smallest one, in one folder (e.g. dt=!{timestamp:yyyy-MM-dd-HH})',
    ],
    [
      'x/dt=!{timestamp:MM-dd}/',
      'folder "dt=!{timestamp:MM-dd}": a date needs the year, the month and every larger field of its smallest one, in one folder (e.g. dt=!{timestamp:yyyy-MM-dd-HH})',
    ],
    [
      'x/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}h/',
      'folder "hour=!{timestamp:HH}h": a date needs the year, the month and every larger field of its smallest one, in one folder (e.g. dt=!{timestamp:yyyy-MM-dd-HH})',
    ],
    [
      'x/dt=!{timestamp:yyyy-MMM-dd}/',
      'folder "dt=!{timestamp:yyyy-MMM-dd}": MMM (numbers of one or two digits only, e.g. MM)',
    ],
    [
      'x/dt=!{timestamp:yyyy-ww}/',
      'folder "dt=!{timestamp:yyyy-ww}": pattern letter w (use y, M, d, H, m and s only, e.g. yyyy-MM-dd)',
    ],
    [
      'x/r=!{firehose:random-string}/',
      'folder "r=!{firehose:random-string}": !{firehose:random-string} cannot be projected: a partition is !{timestamp:…} or !{partitionKeyFromQuery:…} alone',
    ],
    [
      'x/dt=!{partitionKeyFromQuery:day}/',
      'folder "dt=!{partitionKeyFromQuery:day}": partition key day is not a date the stream\'s query writes (dt)',
    ],
    [
      'x/dt=!{timestamp:yyyy-MM-dd}',
      '"dt=!{timestamp:yyyy-MM-dd}" is the start of the object names, not a folder Athena can project: end the prefix with /',
    ],
  ])('refuses %s', (prefix, problem) => {
    expect(lakeTableLayoutOf(prefix, options).problems).toEqual([problem]);
  });

  it('refuses a dynamic partition key when the stream has no query (arrival-date)', () => {
    const layout = lakeTableLayoutOf('x/dt=!{partitionKeyFromQuery:dt}/', {
      ...options,
      queryKeyFormats: {},
    });
    expect(layout.problems).toEqual([
      `folder "dt=!{partitionKeyFromQuery:dt}": partition key dt needs the stream's dynamic partitioning query, and it has none`,
    ]);
  });
});
