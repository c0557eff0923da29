/**
 * The local run's reader of Firehose objects (devkit/local/lake.ts): newline-delimited JSON (AWS with
 * AppendDelimiterToRecord), records back to back (what moto writes), braces and quotes inside strings, and
 * text that is no JSON document counted instead of skipped.
 */
import { describe, expect, it } from 'vitest';
import { splitJsonDocuments } from '../../../devkit/local/lake.js';

describe('splitJsonDocuments', () => {
  const a = '{"eventId":"a","s":"x}{\\"y"}';
  const b = '{"eventId":"b","n":{"m":[1,{"k":"}"}]}}';

  it('splits newline-delimited records and records back to back alike', () => {
    expect(splitJsonDocuments(`${a}\n${b}\n`)).toEqual({ docs: [a, b], strayChars: 0 });
    expect(splitJsonDocuments(`${a}${b}`)).toEqual({ docs: [a, b], strayChars: 0 });
    expect(splitJsonDocuments('')).toEqual({ docs: [], strayChars: 0 });
  });

  it('counts stray text between documents and an unterminated last document', () => {
    expect(splitJsonDocuments(`${a}garbage\n${b}`)).toEqual({ docs: [a, b], strayChars: 7 });
    expect(splitJsonDocuments(`${a}{"eventId":"c"`)).toEqual({ docs: [a], strayChars: 14 });
  });
});
