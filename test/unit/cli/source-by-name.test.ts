/**
 * A source file whose file name differs from its `name:` (issue 17 item 7): the synth's loader accepts it
 * and knows the source by its `name:`, so every command resolves `<source>` the same way — `preflight
 * orders` finds `legacy-orders.yaml` with `name: orders` (it said "no source file"), and the `next:` hints
 * onboard prints (by name) work for a file written with `--output`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSource } from '../../../cli/shared/sources.js';
import { cli, fakeSecretsAws, sourcesDir } from './run-cli.js';

const ORDERS =
  'name: orders\nkind: self-managed\nbrokers: [b1.corp:9093]\ntopic: orders\nauth: {type: none}\ntarget: {type: kinesis}\n';

describe('<source> is the name the loader knows', () => {
  it('resolves a name to the catalogue file that has it, whatever the file is called', () => {
    // Arrange
    const dir = sourcesDir({ 'legacy-orders.yaml': ORDERS, 'broken.yaml': 'name: [unclosed\n' });
    // Act
    const resolved = resolveSource('orders', dir);
    // Assert
    expect(resolved.file).toBe(join(dir, 'legacy-orders.yaml'));
    expect(resolved.source.name).toBe('orders');
  });

  it('preflight <name> runs on that file (exit 0), where it said "no source file"', async () => {
    // Arrange
    const dir = sourcesDir({ 'legacy-orders.yaml': ORDERS });
    // Act
    const run = await cli(['--sources-dir', dir, '--json', 'preflight', 'orders']);
    // Assert
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.json<{ source: string }>().source).toBe('orders');
  });

  it('the file named <name>.yaml still wins when no file has name: <name>; a path is read as given', () => {
    // Arrange
    const dir = sourcesDir({ 'orders.yaml': ORDERS.replace('name: orders', 'name: shipments') });
    // Act / Assert
    expect(resolveSource('orders', dir).source.name).toBe('shipments');
    expect(resolveSource(join(dir, 'orders.yaml'), dir).source.name).toBe('shipments');
  });

  it('onboard --output <other file>: the next commands it prints name a source the commands find', async () => {
    // Arrange
    const dir = sourcesDir({});
    const { aws } = fakeSecretsAws();
    const output = join(dir, 'team-a-orders.yaml');
    const flags = [
      '--name',
      'orders',
      '--kind',
      'self-managed',
      '--brokers',
      'b1.corp:9093',
      '--topic',
      'orders',
    ];
    // Act
    const onboard = await cli(
      [
        '--sources-dir',
        dir,
        'onboard',
        '--non-interactive',
        ...flags,
        '--auth',
        'none',
        '--target',
        'kinesis',
        '--output',
        output,
      ],
      { aws },
    );
    const hinted = onboard.stdout.match(/kafka-pipes (check|preflight) (\S+)/g) ?? [];
    // Assert
    expect(onboard.code).toBe(0);
    expect(hinted).toEqual(['kafka-pipes check orders']);
    expect(resolveSource('orders', dir).file).toBe(output);
  });
});
