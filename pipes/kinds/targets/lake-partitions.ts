/**
 * The partitions of the Parquet lake table (`format: parquet` of the Firehose target), read from the very
 * S3 prefix the stream writes under (https://docs.aws.amazon.com/firehose/latest/dev/s3-prefixes.html), so
 * the table and the objects cannot disagree:
 *
 * - the table's location is the prefix's folder before its first `!{…}` expression;
 * - each later folder `name=<value>` whose value holds expressions is a partition column `name` (type
 *   `string`, as in Athena's Firehose examples, whose date-projected keys are STRING columns:
 *   https://docs.aws.amazon.com/athena/latest/ug/partition-projection-kinesis-firehose-example-choosing-partition-keys.html);
 *   a folder without expressions is kept as it is;
 * - the `storage.location.template` is the prefix's folders with each partition value as `${name}`
 *   (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-setting-up.html: the template needs a
 *   placeholder for every partition column);
 * - each partition is projected as a `date` (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html):
 *   a `!{timestamp:…}` value (Firehose's arrival time, UTC) in its own Java date-time pattern, a
 *   `!{partitionKeyFromQuery:<key>}` value in the format the key's query writes. The range starts at
 *   {@link PROJECTION_START} (Athena projects no partition before it) and ends at `NOW` (`NOW+1DAYS` for a
 *   record's own timestamp, which a producer's clock may set a little ahead), as Athena's Firehose example
 *   does (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-kinesis-firehose-example-using-the-date-type.html);
 *   a folder holding one number field of the arrival time alone (`hour=!{timestamp:HH}` after a day folder,
 *   as in Athena's day-and-hour example) is an `integer` over that field's values, two digits for `HH`.
 *
 * A partition column may not have the name of a data column: partition columns are not in the data, and
 * Athena refuses a table whose partition column repeats a column name
 * (https://docs.aws.amazon.com/athena/latest/ug/alter-table-add-partition.html). That is why the default
 * prefix's `source=<name>/` folder stays in the table's location rather than being a partition: `source`
 * is a data column, and each source has its own table anyway.
 */

/** The first date Athena projects: the lake holds no object written before it. */
export const PROJECTION_START = { year: 2020, month: 1, day: 1 } as const;

/** One partition column of the table. */
export interface LakePartitionKey {
  readonly name: string;
  readonly type: 'string';
  readonly comment: string;
  /** The folder value in the Firehose prefix, e.g. `!{timestamp:yyyy'-'MM'-'dd}`. */
  readonly expression: string;
}

/** What the Glue table needs to find the objects of one prefix. */
export interface LakeTableLayout {
  /** The prefix the layout was read from (the stream's `Prefix`). */
  readonly prefix: string;
  /** The table's location under the bucket: the prefix's folder before its first expression. */
  readonly location: string;
  /** The partition folders under the bucket with `${name}` placeholders (`storage.location.template`). */
  readonly locationTemplate: string;
  readonly partitionKeys: readonly LakePartitionKey[];
  /** The `projection.*` table parameters (empty without partitions). */
  readonly projection: Readonly<Record<string, string>>;
  /** Why Athena could not project this prefix (empty when it can). */
  readonly problems: readonly string[];
}

/** What a layout is checked against. */
export interface LakeLayoutOptions {
  /** The table's data columns (a partition column may not repeat one). */
  readonly dataColumns: readonly string[];
  /** The Java date format of each `partitionKeyFromQuery` key the stream's query defines. */
  readonly queryKeyFormats: Readonly<Record<string, string>>;
}

/** A piece of a Firehose prefix: literal text, or one `!{namespace:value}` expression. */
export type PrefixPiece = { literal: string } | { namespace: string; value: string; text: string };

/** A prefix cut into literal text and `!{namespace:value}` expressions. */
export function piecesOf(text: string): PrefixPiece[] {
  const pieces: PrefixPiece[] = [];
  let at = 0;
  for (const m of text.matchAll(/!\{([^:}]*):?([^}]*)\}/g)) {
    if (m.index > at) pieces.push({ literal: text.slice(at, m.index) });
    pieces.push({ namespace: m[1] as string, value: m[2] as string, text: m[0] });
    at = m.index + m[0].length;
  }
  if (at < text.length) pieces.push({ literal: text.slice(at) });
  return pieces;
}

/** The folders of a prefix (`/` inside an expression, e.g. `!{timestamp:yyyy/MM}`, does not cut). */
function foldersOf(text: string): string[] {
  const folders = [''];
  for (const piece of piecesOf(text)) {
    if ('literal' in piece) {
      const [head, ...rest] = piece.literal.split('/');
      folders[folders.length - 1] = `${folders.at(-1)}${head}`;
      folders.push(...rest);
    } else folders[folders.length - 1] = `${folders.at(-1)}${piece.text}`;
  }
  return folders;
}

/** The layout of the table over the objects of `prefix`. */
export function lakeTableLayoutOf(prefix: string, options: LakeLayoutOptions): LakeTableLayout {
  const first = prefix.indexOf('!{');
  const location = first < 0 ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : prefixFolder(prefix, first);
  const folders = foldersOf(prefix.slice(location.length));
  // The last piece is the start of the object names (empty when the prefix ends in `/`).
  const objectStart = folders.pop() as string;
  const problems: string[] = [];
  if (/!\{(timestamp|partitionKeyFromQuery):/.test(objectStart))
    problems.push(
      `"${objectStart}" is the start of the object names, not a folder Athena can project: end the prefix with /`,
    );
  const keys: LakePartitionKey[] = [];
  const projection: Record<string, string> = {};
  const template = folders.map((folder) => {
    const key = partitionOf(folder, options);
    if (typeof key === 'string') {
      if (key) problems.push(key);
      return folder;
    }
    const clash = nameProblem(key.partition.name, keys, options.dataColumns);
    if (clash) problems.push(clash);
    keys.push(key.partition);
    for (const [property, value] of Object.entries(key.projection))
      projection[`projection.${key.partition.name}.${property}`] = value;
    return `${key.partition.name}=\${${key.partition.name}}`;
  });
  if (keys.length > 0) projection['projection.enabled'] = 'true';
  return {
    prefix,
    location,
    locationTemplate: `${location}${template.map((f) => `${f}/`).join('')}`,
    partitionKeys: keys,
    projection,
    problems,
  };
}

/** The prefix up to (and with) the last `/` before `at`. */
function prefixFolder(prefix: string, at: number): string {
  return prefix.slice(0, prefix.lastIndexOf('/', at) + 1);
}

/** Why a partition name cannot be a column of the table, or undefined. */
function nameProblem(
  name: string,
  earlier: readonly LakePartitionKey[],
  dataColumns: readonly string[],
): string | undefined {
  if (dataColumns.includes(name))
    return `partition "${name}" has the name of a data column of the table (Athena refuses a partition column that repeats a column); rename the folder`;
  if (earlier.some((k) => k.name === name)) return `partition "${name}" stands in two folders`;
  return undefined;
}

/**
 * One folder: a partition with its projection, `''` for a folder without expressions, or why it cannot be
 * projected.
 */
function partitionOf(
  folder: string,
  options: LakeLayoutOptions,
): { partition: LakePartitionKey; projection: Record<string, string> } | string {
  if (!folder.includes('!{')) return '';
  const m = /^([^=!]*)=(.+)$/.exec(folder);
  if (!m)
    return `folder "${folder}" has no partition name: write it as <name>=<expression> (e.g. dt=!{timestamp:yyyy-MM-dd})`;
  const [, name, value] = m as unknown as [string, string, string];
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    return `partition "${name}": a Glue partition name is lower-case letters, digits and _`;
  const projected = projectionOf(piecesOf(value), options.queryKeyFormats);
  if (typeof projected === 'string') return `folder "${folder}": ${projected}`;
  const partition: LakePartitionKey = {
    name,
    type: 'string',
    comment: `Partition folder ${name}=${value} of the Firehose prefix (${projected.what})`,
    expression: value,
  };
  return { partition, projection: projected.projection };
}

/**
 * The projection of a folder value and what it holds, or why Athena cannot project it: a date, or one
 * number field of the arrival time alone (e.g. `hour=!{timestamp:HH}` after a `dt=` folder, as in Athena's
 * day-and-hour example) as an `integer`.
 */
function projectionOf(
  pieces: readonly PrefixPiece[],
  queryKeyFormats: Readonly<Record<string, string>>,
): { projection: Record<string, string>; what: string } | string {
  const [only] = pieces;
  if (pieces.length === 1 && only && 'namespace' in only && only.namespace === 'partitionKeyFromQuery') {
    const format = queryKeyFormats[only.value];
    const known = Object.keys(queryKeyFormats);
    if (format) return { projection: dateProjectionOf(format, 'NOW+1DAYS'), what: `date ${format}` };
    return known.length > 0
      ? `partition key ${only.value} is not a date the stream's query writes (${known.join(', ')})`
      : `partition key ${only.value} needs the stream's dynamic partitioning query, and it has none`;
  }
  let format = '';
  for (const piece of pieces) {
    if ('literal' in piece) format += quoted(piece.literal);
    else if (piece.namespace === 'timestamp') format += piece.value;
    else
      return `${piece.text} cannot be projected: a partition is !{timestamp:…} or !{partitionKeyFromQuery:…} alone`;
  }
  const number = numberProjectionOf(format);
  if (number) return number;
  const problem = datePatternProblem(format);
  if (problem) return problem;
  const plain = plainPattern(format);
  return { projection: dateProjectionOf(plain, 'NOW'), what: `date ${plain}` };
}

/** The values of each number field alone in a folder (month, day, hour, minute, second). */
const NUMBER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  M: [1, 12],
  d: [1, 31],
  H: [0, 23],
  m: [0, 59],
  s: [0, 59],
};

/** The integer projection of a pattern that is one number field (`HH`, `MM`…) and nothing else. */
function numberProjectionOf(
  format: string,
): { projection: Record<string, string>; what: string } | undefined {
  const [run, ...rest] = patternRuns(format);
  const range = run ? NUMBER_RANGES[run[0] as string] : undefined;
  if (!run || !range || rest.length > 0 || run.length > 2) return undefined;
  return {
    projection: {
      type: 'integer',
      range: `${range[0]},${range[1]}`,
      ...(run.length === 2 ? { digits: '2' } : {}),
    },
    what: `number ${run}, ${range[0]}-${range[1]}`,
  };
}

/** Java date-time pattern letters Athena's date projection and {@link formatStart} both read. */
const DATE_FIELDS = ['y', 'M', 'd', 'H', 'm', 's'] as const;
const UNITS = ['YEARS', 'MONTHS', 'DAYS', 'HOURS', 'MINUTES', 'SECONDS'] as const;

/** The runs of a Java pattern: quoted literals, letter runs, other characters. */
function patternRuns(pattern: string): string[] {
  return pattern.match(/'(?:[^']|'')*'|([A-Za-z])\1*|[^'A-Za-z]+/g) ?? [];
}

/** Why a pattern is not a date Athena can project with a range from {@link PROJECTION_START}, or undefined. */
function datePatternProblem(pattern: string): string | undefined {
  const letters = patternRuns(pattern).filter((r) => /^[A-Za-z]/.test(r));
  const other = letters.find((r) => !(DATE_FIELDS as readonly string[]).includes(r[0] as string));
  if (other) return `pattern letter ${other[0]} (use y, M, d, H, m and s only, e.g. yyyy-MM-dd)`;
  const wide = letters.find((r) => r[0] !== 'y' && r.length > 2);
  if (wide) return `${wide} (numbers of one or two digits only, e.g. MM)`;
  const present = DATE_FIELDS.filter((f) => letters.some((r) => r[0] === f));
  // Athena's date examples go down to the month at the coarsest (`yyyyMM`), so a date has a year and a month.
  if (present.length < 2 || present.some((f, i) => f !== DATE_FIELDS[i]))
    return 'a date needs the year, the month and every larger field of its smallest one, in one folder (e.g. dt=!{timestamp:yyyy-MM-dd-HH})';
  return undefined;
}

/** The pattern with quoted runs of plain punctuation unquoted (`yyyy'-'MM` → `yyyy-MM`). */
function plainPattern(pattern: string): string {
  return patternRuns(pattern)
    .map((r) => (/^'[-_./: ]+'$/.test(r) ? r.slice(1, -1) : r))
    .join('');
}

/** Literal text in a Java pattern: as it is when it is plain punctuation, else quoted. */
function quoted(text: string): string {
  return /^[-_./: ]*$/.test(text) ? text : `'${text.replaceAll("'", "''")}'`;
}

/** The Athena date projection of a partition in `format` (range, one-step interval of its finest field). */
function dateProjectionOf(format: string, end: string): Record<string, string> {
  const runs = patternRuns(format);
  const finest = DATE_FIELDS.reduce((last, f, i) => (runs.some((r) => r[0] === f) ? i : last), 0);
  return {
    type: 'date',
    format,
    range: `${formatStart(runs)},${end}`,
    interval: '1',
    'interval.unit': UNITS[finest] as string,
  };
}

/** {@link PROJECTION_START} (midnight UTC) written in a pattern of {@link DATE_FIELDS}. */
function formatStart(runs: readonly string[]): string {
  const values: Record<string, number> = {
    y: PROJECTION_START.year,
    M: PROJECTION_START.month,
    d: PROJECTION_START.day,
  };
  return runs
    .map((r) => {
      if (r.startsWith("'")) return r.slice(1, -1).replaceAll("''", "'");
      if (!/^[A-Za-z]/.test(r)) return r;
      const value = values[r[0] as string] ?? 0;
      if (r[0] === 'y' && r.length === 2) return String(value % 100).padStart(2, '0');
      return String(value).padStart(r.length, '0');
    })
    .join('');
}
