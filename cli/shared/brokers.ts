/** `host:port` broker addresses as the source file and `--brokers` give them. */

/** Host part of `host:port` (IPv6 in brackets allowed). */
export function hostOf(broker: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(broker);
  if (v6?.[1]) return v6[1];
  const i = broker.lastIndexOf(':');
  return i > 0 ? broker.slice(0, i) : broker;
}

/** Port part of `host:port`. */
export function portOf(broker: string): number {
  return Number(broker.slice(broker.lastIndexOf(':') + 1));
}
