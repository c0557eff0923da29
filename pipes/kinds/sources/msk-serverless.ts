/** Source kind `msk-serverless`: an MSK Serverless cluster, which only supports IAM authentication. */
import { iamAuth } from '../auth/iam.js';
import { managedKafkaKind } from './managed.js';

/** Amazon MSK Serverless. */
export const mskServerlessKind = managedKafkaKind('msk-serverless', {
  authTypes: [iamAuth.type],
  authFix: 'set auth.type to iam (MSK Serverless only supports IAM authentication)',
  defaultAuth: iamAuth.type,
});
