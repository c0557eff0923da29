/**
 * Drops the AWS SDK's NodeVersionSupportWarning (a notice about future SDK releases needing Node 22) so
 * the local run's progress stays readable. Every other warning is emitted as usual. Imported first by
 * devkit/local/start.ts.
 */
const original = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  const name = warning instanceof Error ? warning.name : type;
  if (name === 'NodeVersionSupportWarning' || String(warning).includes('NodeVersionSupportWarning')) return;
  (original as (...a: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;
