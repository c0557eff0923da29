/**
 * A keystore password from `--password`, `--password-file` or, on a terminal, a prompt on stderr whose
 * input is not echoed. Without any of them the password is undefined (the caller tries the keystore without).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Output } from './output.js';
import { usageError } from './output.js';

/** The stream a prompt reads; `setRawMode` exists on a terminal. */
export type PromptInput = NodeJS.ReadableStream & {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
};

/** Password flags. */
export interface PasswordFlags {
  readonly password?: string;
  readonly passwordFile?: string;
}

/** The password of `--password`, else the first line of `--password-file`, else undefined. */
export function passwordFromFlags(flags: PasswordFlags): string | undefined {
  if (flags.password !== undefined) return flags.password;
  if (flags.passwordFile === undefined) return undefined;
  if (!existsSync(flags.passwordFile)) {
    throw usageError(
      '--password-file',
      'password-file',
      `file ${flags.passwordFile} does not exist`,
      'pass a file whose first line is the keystore password',
    );
  }
  return readFileSync(flags.passwordFile, 'utf8').split(/\r?\n/)[0] ?? '';
}

/** Asks for a password on stderr when `input` is a terminal; undefined otherwise. Input is not echoed. */
export async function promptPassword(
  out: Output,
  input: PromptInput,
  question: string,
): Promise<string | undefined> {
  if (!input.isTTY) return undefined;
  out.prompt(question);
  input.setRawMode?.(true);
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (chunk: Buffer | string) => {
        for (const ch of chunk.toString()) {
          if (ch === '\r' || ch === '\n') {
            input.removeListener('data', onData);
            out.prompt('\n');
            resolve(typed);
            return;
          }
          if (ch === '\u0003') {
            input.removeListener('data', onData);
            reject(usageError('<stdin>', 'password', 'interrupted', 'run the command again'));
            return;
          }
          typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
        }
      };
      input.on('data', onData);
      input.resume();
    });
  } finally {
    input.setRawMode?.(false);
    input.pause();
  }
}
