/**
 * kafkajs' Cluster built from its own published files, without its client class. kafkajs' `Kafka` class
 * (src/index.js) loads its producer, consumer and admin with it; the partition reader and the by-offset
 * re-read need only the Cluster and its brokers, so building the Cluster here keeps those out of the poller's
 * bundle. The options are the ones `Kafka`'s private `createCluster` factory passes (kafkajs 2.2.4
 * src/index.js: its constructor's defaults, no instrumentation, no in-flight limit), with topics never created;
 * test/unit/poller/kafkajs-internals.test.ts compares a Cluster built here with one built by kafkajs.
 */
import Cluster from 'kafkajs/src/cluster/index.js';
import consoleLogCreator from 'kafkajs/src/loggers/console.js';
import loggers from 'kafkajs/src/loggers/index.js';
import defaultSocketFactory from 'kafkajs/src/network/socketFactory.js';
import { type KafkaConnection, toKafkaConfig } from './config.js';
import type { InternalCluster } from './internals.js';

/** Builds a kafkajs Cluster for the connection (not connected; topics are never created by it). */
export function createCluster(conn: KafkaConnection): InternalCluster {
  const config = toKafkaConfig(conn);
  return new Cluster({
    logger: loggers.createLogger({
      level: config.logLevel,
      logCreator: config.logCreator ?? consoleLogCreator,
    }),
    retry: config.retry,
    offsets: new Map(),
    socketFactory: defaultSocketFactory(),
    brokers: config.brokers,
    ssl: config.ssl,
    sasl: config.sasl,
    clientId: config.clientId,
    connectionTimeout: config.connectionTimeout,
    authenticationTimeout: config.authenticationTimeout,
    reauthenticationThreshold: config.reauthenticationThreshold,
    requestTimeout: config.requestTimeout,
    enforceRequestTimeout: config.enforceRequestTimeout ?? true,
    metadataMaxAge: undefined,
    instrumentationEmitter: null,
    allowAutoTopicCreation: false,
    maxInFlightRequests: null,
    isolationLevel: undefined,
  }) as InternalCluster;
}
