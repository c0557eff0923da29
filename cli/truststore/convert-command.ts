/**
 * `kafka-pipes truststore convert <file>` (alias `import`): turns a JKS / JCEKS / PKCS#12 keystore or a DER
 * certificate or key into the PEM a secret or the poller needs. Reads with jks-js / node-forge, falls back to
 * the JDK's keytool; the password comes from --password, --password-file or a prompt on a terminal.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { ActionWrapper } from '../shared/commander.js';
import { EXIT_CODES, type ExitCode, type Output, UsageError, usageError } from '../shared/output.js';
import {
  type PasswordFlags,
  type PromptInput,
  passwordFromFlags,
  promptPassword,
} from '../shared/password.js';
import { type ConvertPlan, planConvert } from './convert-plan.js';
import { type CertFileFormat, detectCertFormat, FORMAT_NAMES, isConvertible } from './formats.js';
import { type KeystoreContent, KeystoreError, readKeystore } from './keystore.js';
import { KeytoolMissingError, readWithKeytool } from './keytool.js';

/** Flags of `truststore convert`. */
export interface ConvertFlags extends PasswordFlags {
  readonly out?: string;
  readonly keyOut?: string;
  readonly alias?: string;
  readonly keyPassword?: string;
}

/** Formats whose content is protected by a password. */
const KEYSTORES: readonly CertFileFormat[] = ['jks', 'jceks', 'pkcs12'];

/** Adds `truststore convert` (alias `import`) to the `truststore` command. */
export function registerConvert(truststore: Command, action: ActionWrapper, stdin?: PromptInput): void {
  truststore
    .command('convert')
    .alias('import')
    .description('convert a JKS / JCEKS / PKCS#12 keystore or a DER certificate or key to PEM')
    .argument(
      '<file>',
      'keystore (.jks, .jceks, .p12, .pfx) or DER file (.der, .cer, .key); told apart by content',
    )
    .option(
      '--out <file>',
      'PEM certificates: the trust bundle, or the client chain leaf → root (default: stdout)',
    )
    .option('--key-out <file>', 'PKCS#8 PEM private key of a client keystore (mTLS), written with mode 600')
    .option('--alias <alias>', 'the key entry to take when the keystore holds several')
    .addOption(new Option('--password <password>', 'keystore password').env('KAFKA_PIPES_KEYSTORE_PASSWORD'))
    .option('--password-file <file>', 'file whose first line is the keystore password')
    .option(
      '--key-password <password>',
      'encrypt the written key with PBES1 (what EventBridge Pipes accepts)',
    )
    .addHelpText(
      'after',
      '\nWithout --password or --password-file the password is asked on a terminal.\nExit codes: 0 converted · 2 unreadable file, wrong password or bad flags',
    )
    .action(
      action(async ({ out }, file: string, opts: ConvertFlags) =>
        truststoreConvert(file, opts, out, stdin ?? process.stdin),
      ),
    );
}

/** Runs `truststore convert`; returns the exit code. */
export async function truststoreConvert(
  file: string,
  flags: ConvertFlags,
  out: Output,
  stdin: PromptInput,
): Promise<ExitCode> {
  if (!existsSync(file)) {
    throw usageError(
      '<file>',
      'file',
      `file ${file} does not exist`,
      'pass the path of the keystore or DER file',
    );
  }
  const bytes = readFileSync(file);
  const format = detectCertFormat(bytes);
  if (!isConvertible(format)) throw notConvertible(file, format);
  if (flags.out !== undefined && flags.out === flags.keyOut) {
    throw usageError('--key-out', 'key-out', 'is the same file as --out', 'write the key to its own file');
  }
  const password =
    passwordFromFlags(flags) ??
    (KEYSTORES.includes(format) ? await promptPassword(out, stdin, `password of ${file}: `) : undefined);
  const content = openKeystore(file, bytes, format, password);
  const plan = planConvert(content, { file, ...flags });
  if ('issue' in plan) throw new UsageError([plan.issue]);
  if (flags.out) writeFileSync(flags.out, plan.certificates);
  if (flags.keyOut && plan.key) writeFileSync(flags.keyOut, plan.key, { mode: 0o600 });
  report(out, { file, format, content, plan, flags });
  return EXIT_CODES.ok;
}

function notConvertible(file: string, format: CertFileFormat): UsageError {
  return format === 'pem'
    ? usageError(
        file,
        '<file>',
        'is already PEM: nothing to convert',
        'use it as it is (kafka-pipes secret build, truststore upload, preflight)',
      )
    : usageError(
        file,
        '<file>',
        `${FORMAT_NAMES.unknown}: not PEM, JKS, JCEKS, PKCS#12 nor a DER certificate or key`,
        'export the certificates as PEM or PKCS#12 where they were made',
      );
}

/** Reads the keystore with the libraries, then with keytool; every failure names the file and the fix. */
function openKeystore(
  file: string,
  bytes: Buffer,
  format: CertFileFormat,
  password?: string,
): KeystoreContent {
  let first: Error;
  try {
    return readKeystore(bytes, format, password);
  } catch (e) {
    if (e instanceof KeystoreError && e.reason === 'password') throw passwordIssue(file, e, password);
    first = e as Error;
  }
  try {
    return readWithKeytool(bytes, format, password ?? '');
  } catch (e) {
    if (e instanceof KeystoreError && e.reason === 'password') throw passwordIssue(file, e, password);
    const keytool =
      e instanceof KeytoolMissingError ? 'keytool is not on PATH' : `keytool: ${(e as Error).message}`;
    throw usageError(
      file,
      '<file>',
      `neither jks-js / node-forge (${first.message}) nor the JDK's keytool (${keytool}) can read ${FORMAT_NAMES[format]}`,
      e instanceof KeytoolMissingError
        ? 'install a JDK so keytool is on PATH, or export the keystore as PKCS#12 or PEM where it was made'
        : 'export the keystore again as PKCS#12 (keytool -importkeystore -deststoretype PKCS12) or PEM',
    );
  }
}

function passwordIssue(file: string, e: Error, password: string | undefined): UsageError {
  return usageError(
    file,
    'password',
    password === undefined ? `${e.message}, and no password was given` : e.message,
    password === undefined
      ? 'pass --password-file <file> or --password (KAFKA_PIPES_KEYSTORE_PASSWORD), or run on a terminal to be asked'
      : 'pass the password the keystore was saved with',
  );
}

function report(
  out: Output,
  r: {
    file: string;
    format: CertFileFormat;
    content: KeystoreContent;
    plan: ConvertPlan;
    flags: ConvertFlags;
  },
): void {
  const { file, format, content, plan, flags } = r;
  if (!content.verified) {
    out.error(
      `warning ${file}: read without its password, so its integrity was not verified (pass --password to verify it)`,
    );
  }
  const certificates = plan.certificateNames.length;
  if (out.json) {
    out.result({
      ok: true,
      file,
      format,
      kind: plan.kind,
      ...(plan.alias ? { alias: plan.alias } : {}),
      verified: content.verified,
      certificates: plan.certificateNames,
      ...(flags.out ? { out: flags.out } : { pem: plan.certificates }),
      ...(flags.keyOut && plan.key ? { keyOut: flags.keyOut, keyEncrypted: plan.keyEncrypted } : {}),
    });
    return;
  }
  const entry = plan.alias ? `, key entry ${plan.alias}` : '';
  const what = `${FORMAT_NAMES[format]}${entry}: ${certificates} certificate(s) ${plan.certificateNames.join(' → ')}`;
  if (!flags.out) {
    out.line(plan.certificates.trimEnd());
    out.error(`read ${file}: ${what}`);
    return;
  }
  out.line(`read ${file}: ${what}`);
  const bytes = Buffer.byteLength(plan.certificates).toLocaleString('en-US');
  out.line(`wrote ${flags.out} (${certificates} certificate(s), ${bytes} bytes)`);
  if (plan.key && flags.keyOut) {
    out.line(
      `wrote ${flags.keyOut} (PKCS#8, ${plan.keyEncrypted ? 'PBES1-encrypted' : 'not encrypted'}, mode 600)`,
    );
    out.line(
      `next: kafka-pipes secret build <source> --cert ${flags.out} --key ${flags.keyOut}${plan.keyEncrypted ? ' --key-password <password>' : ''}`,
    );
  } else {
    out.line(
      `next: kafka-pipes secret build <source> --ca ${flags.out}   # or, for the poller over 65,536 bytes: kafka-pipes truststore upload <source> ${flags.out}`,
    );
  }
}
