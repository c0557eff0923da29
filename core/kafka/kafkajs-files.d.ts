/**
 * Types of the kafkajs 2.2.4 files the adapter imports directly (kafkajs publishes its src/ folder, and its
 * package.json has no `exports` map, so Node and esbuild resolve these paths). Each declares only what the
 * adapter uses; the shapes follow kafkajs' own typings (node_modules/kafkajs/types/index.d.ts).
 */
declare module 'kafkajs/src/errors.js' {
  import type * as kafkajs from 'kafkajs';

  /** src/errors.js: kafkajs' error classes (the ones the package's main file re-exports). */
  const errors: {
    readonly KafkaJSConnectionError: typeof kafkajs.KafkaJSConnectionError;
    readonly KafkaJSProtocolError: typeof kafkajs.KafkaJSProtocolError;
    readonly KafkaJSRequestTimeoutError: typeof kafkajs.KafkaJSRequestTimeoutError;
    readonly KafkaJSSASLAuthenticationError: typeof kafkajs.KafkaJSSASLAuthenticationError;
    readonly KafkaJSTimeout: typeof kafkajs.KafkaJSTimeout;
  };
  export default errors;
}

declare module 'kafkajs/src/loggers/index.js' {
  import type { Logger, logCreator, logLevel } from 'kafkajs';

  /** src/loggers/index.js: the log levels (the package's `logLevel`) and the root-logger factory. */
  const loggers: {
    readonly LEVELS: { readonly NOTHING: number };
    createLogger(options: { level: logLevel | undefined; logCreator: logCreator }): Logger;
  };
  export default loggers;
}

declare module 'kafkajs/src/loggers/console.js' {
  import type { logCreator } from 'kafkajs';

  /** src/loggers/console.js: the default log creator of kafkajs' client. */
  const consoleLogCreator: logCreator;
  export default consoleLogCreator;
}

declare module 'kafkajs/src/network/socketFactory.js' {
  import type { ISocketFactory } from 'kafkajs';

  /** src/network/socketFactory.js: the default socket factory of kafkajs' client (net / tls). */
  const defaultSocketFactory: () => ISocketFactory;
  export default defaultSocketFactory;
}

declare module 'kafkajs/src/cluster/index.js' {
  /** src/cluster/index.js: the Cluster class; the adapter types the instance as InternalCluster (internals.ts). */
  const Cluster: new (options: Record<string, unknown>) => unknown;
  export default Cluster;
}
