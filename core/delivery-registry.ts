/**
 * The services a writer of canonical records delivers to (the poller and its runtime config), one
 * descriptor per service beside its adapter — Kinesis PutRecords in core/kinesis-delivery.ts, Firehose
 * PutRecordBatch in core/firehose-delivery.ts — listed here. A descriptor names the POLLER_CONFIG field
 * that holds its destination, the limits of one call, and how its port is made over a client created on
 * first use; the poller looks the service up here instead of switching on it. Adding a service = its
 * descriptor + one line in {@link DELIVERY_SERVICES}.
 *
 * Runtime-safe and light: the adapters load their SDK package on the first call, so importing this list
 * loads no AWS SDK package (test/unit/poller/bundle.test.ts checks the poller bundle).
 */
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { firehoseDelivery } from './firehose-delivery.js';
import { type BatchLimits, kinesisDelivery, type SinkPort } from './kinesis-delivery.js';

/** The clients the delivery services write with, each made on the first call of its function. */
export interface LazyDeliveryClients {
  readonly kinesis: () => Promise<KinesisClient>;
  readonly firehose: () => Promise<FirehoseClient>;
}

/** The POLLER_CONFIG fields that name a destination (exactly one is set). */
export type DeliveryConfigField = 'streamName' | 'deliveryStreamName';

/** One delivery service. */
export interface DeliveryService<T extends string = string> {
  /** The service (the `delivery` value of logs and metrics). */
  readonly type: T;
  /** The POLLER_CONFIG field holding its destination's name. */
  readonly configField: DeliveryConfigField;
  /** The limits of one call (known before the client exists). */
  readonly limits: BatchLimits;
  /** The port writing `name`; its client (and SDK package) is made by the first call. */
  sink(clients: LazyDeliveryClients, name: string): SinkPort;
}

/** Every delivery service. */
export const DELIVERY_SERVICES = [
  kinesisDelivery,
  firehoseDelivery,
] as const satisfies readonly DeliveryService[];

/** A delivery service's type. */
export type DeliveryType = (typeof DELIVERY_SERVICES)[number]['type'];

/**
 * The service a config delivers to (the one whose field is set) with its destination's name.
 * @throws Error when no field or more than one is set (the runtime config schema refuses both).
 */
export function deliveryOf(config: Readonly<Partial<Record<DeliveryConfigField, string>>>): {
  readonly service: DeliveryService;
  readonly name: string;
} {
  const set = DELIVERY_SERVICES.filter((s) => config[s.configField] !== undefined);
  const [service] = set;
  if (set.length !== 1 || !service) {
    const fields = DELIVERY_SERVICES.map((s) => s.configField).join(', ');
    throw new Error(`set exactly one of ${fields} (received ${set.length})`);
  }
  return { service, name: config[service.configField] as string };
}
