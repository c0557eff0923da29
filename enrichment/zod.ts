/**
 * Runtime modules use `zod/mini` (tree-shakable: tens of KB bundled instead of ~450 KB for the classic
 * API) imported directly as `import * as z from 'zod/mini'` (a re-exported namespace defeats
 * tree-shaking), and import this module for its side effect: English error messages, configured once.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
