/** Source kind `msk`: a provisioned Amazon MSK cluster (IAM, SASL/SCRAM-SHA-512, mTLS or none). */
import { iamAuth } from '../auth/iam.js';
import { mtlsAuth } from '../auth/mtls.js';
import { noneAuth } from '../auth/none.js';
import { scramSha512Auth } from '../auth/sasl-scram-512.js';
import { managedKafkaKind } from './managed.js';

/** Amazon MSK (provisioned). */
export const mskKind = managedKafkaKind('msk', {
  authTypes: [noneAuth, iamAuth, mtlsAuth, scramSha512Auth].map((a) => a.type),
  authFix: 'use sasl-scram-512 or mtls with a secret, iam, or none',
  defaultAuth: iamAuth.type,
});
