/** Auth type `basic`: Pipes' BASIC_AUTH, SASL/PLAIN on the wire, with `{username, password}`. */
import { usernamePasswordAuth } from './username-password.js';

/** SASL/PLAIN (Pipes `basicAuth`). */
export const basicAuth = usernamePasswordAuth('basic', 'basicAuth', 'plain');
