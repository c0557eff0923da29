import { isUtf8 } from 'node:buffer';
import type { DecodedKey, KeyFormat } from './format.js';

/**
 * Keys as text (the default): a UTF-8 key is written as its text; any other key keeps its bytes
 * (base64 in the canonical record).
 *
 * @example textKeyFormat.decode(Buffer.from('order-42')) // → {key: 'order-42', keyEncoding: 'utf8'}
 */
export const textKeyFormat: KeyFormat = {
  name: 'text',
  decode(bytes: Buffer): DecodedKey | null {
    return isUtf8(bytes) ? { key: bytes.toString('utf8'), keyEncoding: 'utf8' } : null;
  },
};
