/**
 * Deterministic generator of IBM API Connect (v10) API event records, ported from the original poller design's test producer
 * (apps APP1–APP4, APIs api-name-1…4, status "200 OK" / "404" / "500", time_to_serve_request, bytes_sent /
 * bytes_received populations and weights, 5 % anomalies, `transaction<i>` ids, datetimes) and completed with the
 * other fields of the API Connect v10 "API event record field reference" (org/catalog/product/plan, client and
 * gateway addresses, request/response headers and bodies, latency_info, …). Records average ~3.5 KB of JSON.
 *
 * Same `seed` ⇒ same sequence of events, on any machine: no clock, no Math.random.
 */

/** One API Connect API event record (field names as in the API Connect v10 field reference). */
export interface ApicEvent {
  '@timestamp': string;
  api_id: string;
  api_name: string;
  api_ref: string;
  api_resource_id: string;
  api_type: 'rest';
  api_version: string;
  app_id: string;
  app_name: string;
  app_type: 'Production' | 'Development';
  bytes_received: number;
  bytes_sent: number;
  catalog_id: string;
  catalog_name: string;
  client_id: string;
  client_ip: string;
  datetime: string;
  developer_org_id: string;
  developer_org_name: string;
  domain_name: string;
  endpoint_url: string;
  gateway_ip: string;
  gateway_service_name: string;
  gateway_type: 'apigw';
  global_transaction_id: string;
  host: string;
  http_user_agent: string;
  immediate_client_ip: string;
  latency_info: { task: string; started: number }[];
  log_policy: 'activity' | 'header' | 'payload';
  org_id: string;
  org_name: string;
  plan_id: string;
  plan_name: string;
  plan_version: string;
  product_id: string;
  product_name: string;
  product_title: string;
  product_version: string;
  query_string: string;
  rate_limit: Record<string, { count: number; limit: number; period: number; unit: string; reject: boolean }>;
  request_body: string;
  request_http_headers: Record<string, string>[];
  request_method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  request_protocol: 'https';
  resource_id: string;
  resource_path: string;
  response_body: string;
  response_http_headers: Record<string, string>[];
  scope_id: string;
  scope_name: string;
  space_id: string;
  space_name: string;
  status_code: ApicStatusCode;
  time_to_serve_request: number;
  transaction_id: string;
  uri_path: string;
}

/** Status codes of the original test producer (normal calls always "200 OK", anomalies 404 or 500). */
export const APIC_STATUS_CODES = ['200 OK', '404', '500'] as const;
export type ApicStatusCode = (typeof APIC_STATUS_CODES)[number];

/** Anomaly share of the original test producer (weights [5, 95]). */
export const DEFAULT_ANOMALY_RATE = 0.05;

/** Options of {@link createApicGenerator}. */
export interface ApicGeneratorOptions {
  /** PRNG seed (number or string): the same seed yields the same events. */
  readonly seed: number | string;
  /** Share of anomalous events (404/500, slow, large), 0–1. Default {@link DEFAULT_ANOMALY_RATE}. */
  readonly anomalyRate?: number;
  /** Datetime of the first event (ISO string); later events advance by 0–49 ms each. Default 2025-01-01T00:00:00.000Z. */
  readonly startTime?: string;
  /** Index of the first event (used in `transaction<i>`); default 0. */
  readonly startIndex?: number;
}

/** A generator of API Connect events. */
export interface ApicGenerator {
  /** The next event. */
  next(): ApicEvent;
  /** The next `count` events. */
  take(count: number): ApicEvent[];
}

/** Whether an event is one of the generated anomalies (the original test producer: every anomaly is a 404 or 500). */
export function isApicAnomaly(event: Pick<ApicEvent, 'status_code'>): boolean {
  return event.status_code !== '200 OK';
}

// ── PRNG: cyrb53-style string hash → sfc32 (small, fast, well distributed, deterministic) ────────────────────

function hashSeed(seed: number | string): [number, number, number, number] {
  const text = typeof seed === 'number' ? `n:${seed}` : `s:${seed}`;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  let h3 = 0x9e3779b9;
  let h4 = 0x85ebca6b;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
    h3 = Math.imul(h3 ^ c, 2246822507);
    h4 = Math.imul(h4 ^ c, 3266489909);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  h3 = Math.imul(h3 ^ (h3 >>> 16), 2246822507) ^ Math.imul(h4 ^ (h4 >>> 13), 3266489909);
  h4 = Math.imul(h4 ^ (h4 >>> 16), 2246822507) ^ Math.imul(h3 ^ (h3 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** A seeded PRNG returning floats in [0, 1). */
function sfc32(seed: number | string): () => number {
  let [a, b, c, d] = hashSeed(seed);
  const step = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) step(); // warm up
  return step;
}

// ── Populations and weights (the original test producer) ────────────────────────────────────────────────────────────────────────

const APPS = ['APP1', 'APP2', 'APP3', 'APP4'] as const;
const APIS = ['api-name-1', 'api-name-2', 'api-name-3', 'api-name-4'] as const;
const STATUS_NORMAL = [1, 0, 0];
const STATUS_ANOMALY = [0, 0.5, 0.5];
const TIME_TO_SERVE = [20, 22, 26, 82, 70, 25];
const TIME_NORMAL = [0.245, 0.245, 0.245, 0.01, 0.01, 0.245];
const TIME_ANOMALY = [0.025, 0.025, 0.025, 0.45, 0.45, 0.025];
const BYTES_SENT = [1590, 1560, 1350, 1400, 3250, 4000];
const SENT_NORMAL = [0.245, 0.245, 0.245, 0.245, 0.01, 0.01];
const SENT_ANOMALY = [0.025, 0.025, 0.025, 0.025, 0.45, 0.45];
const BYTES_RECEIVED = [458, 468, 534, 500, 490, 0];
const RECEIVED_NORMAL = [0.2, 0.2, 0.2, 0.2, 0.19, 0.01];
const RECEIVED_ANOMALY = [0.025, 0.025, 0.025, 0.025, 0.025, 0.875];

// ── API Connect context (orgs, catalogs, products, plans, operations) ─────────────────────────────────────────

const PROVIDER_ORG = { id: 'a1b2c3d4-0000-4000-8000-00000000org1', name: 'bank-provider-org' };
const CATALOGS = [
  { id: 'c0a1b2c3-0000-4000-8000-0000000cat01', name: 'production' },
  { id: 'c0a1b2c3-0000-4000-8000-0000000cat02', name: 'sandbox' },
] as const;
const SPACES = [
  { id: 'd1e2f3a4-0000-4000-8000-000000space1', name: 'retail' },
  { id: 'd1e2f3a4-0000-4000-8000-000000space2', name: 'corporate' },
] as const;
const DEVELOPER_ORGS = [
  { id: 'e5f6a7b8-0000-4000-8000-00000devorg1', name: 'mobile-team' },
  { id: 'e5f6a7b8-0000-4000-8000-00000devorg2', name: 'partner-portal' },
  { id: 'e5f6a7b8-0000-4000-8000-00000devorg3', name: 'branch-systems' },
] as const;
const PLANS = [
  { id: 'f0e1d2c3-0000-4000-8000-0000000plan1', name: 'gold', version: '1.0.0', limit: 1000 },
  { id: 'f0e1d2c3-0000-4000-8000-0000000plan2', name: 'silver', version: '1.0.0', limit: 100 },
  { id: 'f0e1d2c3-0000-4000-8000-0000000plan3', name: 'default-plan', version: '1.0.0', limit: 50 },
] as const;
const OPERATIONS = [
  { method: 'GET', path: '/accounts', resource: 'accounts' },
  { method: 'GET', path: '/accounts/{accountId}', resource: 'account' },
  { method: 'GET', path: '/accounts/{accountId}/transactions', resource: 'transactions' },
  { method: 'POST', path: '/payments', resource: 'payments' },
  { method: 'PUT', path: '/customers/{customerId}', resource: 'customer' },
  { method: 'DELETE', path: '/sessions/{sessionId}', resource: 'session' },
] as const;
const USER_AGENTS = [
  'okhttp/4.12.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Apache-HttpClient/4.5.14 (Java/17.0.10)',
  'axios/1.6.8',
] as const;
const MERCHANTS = [
  'Grocery Store',
  'Fuel Station',
  'Online Books',
  'City Transit',
  'Coffee Shop',
  'Pharmacy',
  'Utilities',
] as const;
const CURRENCIES = ['EUR', 'USD', 'GBP', 'CLP'] as const;

const DEFAULT_START_TIME = '2025-01-01T00:00:00.000Z';

/**
 * Creates a deterministic generator of API Connect v10 API event records.
 *
 * @example
 * const gen = createApicGenerator({ seed: 42 });
 * const events = gen.take(1000); // ~5 % have status "404" or "500"
 */
export function createApicGenerator(options: ApicGeneratorOptions): ApicGenerator {
  const anomalyRate = options.anomalyRate ?? DEFAULT_ANOMALY_RATE;
  if (!(anomalyRate >= 0 && anomalyRate <= 1)) {
    throw new RangeError(`anomalyRate must be between 0 and 1, received ${anomalyRate}`);
  }
  const startMs = Date.parse(options.startTime ?? DEFAULT_START_TIME);
  if (Number.isNaN(startMs))
    throw new RangeError(`startTime must be an ISO date, received ${options.startTime}`);
  const rand = sfc32(options.seed);
  let index = options.startIndex ?? 0;
  let clockMs = startMs;

  const int = (min: number, maxInclusive: number) => min + Math.floor(rand() * (maxInclusive - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const choices = <T>(items: readonly T[], weights: readonly number[]): T => {
    const total = weights.reduce((a, b) => a + b, 0);
    let r = rand() * total;
    for (let i = 0; i < items.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return items[i] as T;
    }
    return items[items.length - 1] as T;
  };
  const hex = (n: number) => Array.from({ length: n }, () => int(0, 15).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
  const ip = (prefix: string) => `${prefix}.${int(1, 254)}.${int(1, 254)}`;

  function body(resource: string, status: ApicStatusCode, txId: string): string {
    if (status === '404') {
      return JSON.stringify({
        httpCode: '404',
        httpMessage: 'Not Found',
        moreInformation: `No resources match requested URI (${resource})`,
        transactionId: txId,
      });
    }
    if (status === '500') {
      return JSON.stringify({
        httpCode: '500',
        httpMessage: 'Internal Server Error',
        moreInformation: 'Backend service failed to respond: connection reset by peer',
        transactionId: txId,
        backend: 'core-banking',
        retryable: true,
      });
    }
    const items = Array.from({ length: int(1, 4) }, () => ({
      id: uuid(),
      bookingDate: new Date(clockMs - int(0, 30) * 86_400_000).toISOString().slice(0, 10),
      amount: { value: (int(100, 250_000) / 100).toFixed(2), currency: pick(CURRENCIES) },
      merchant: pick(MERCHANTS),
      status: pick(['BOOKED', 'PENDING']),
      reference: `REF-${hex(10).toUpperCase()}`,
    }));
    return JSON.stringify({ resource, page: { number: int(0, 9), size: items.length }, data: items });
  }

  function next(): ApicEvent {
    const i = index++;
    const anomaly = rand() < anomalyRate;
    const appName = pick(APPS);
    const apiName = pick(APIS);
    const status = choices(APIC_STATUS_CODES, anomaly ? STATUS_ANOMALY : STATUS_NORMAL);
    const timeToServe = choices(TIME_TO_SERVE, anomaly ? TIME_ANOMALY : TIME_NORMAL);
    const bytesSent = choices(BYTES_SENT, anomaly ? SENT_ANOMALY : SENT_NORMAL);
    const bytesReceived = choices(BYTES_RECEIVED, anomaly ? RECEIVED_ANOMALY : RECEIVED_NORMAL);
    clockMs += int(0, 49);
    const datetime = new Date(clockMs).toISOString();
    const timestamp = new Date(clockMs + int(150, 2_500)).toISOString();

    const appIdx = APPS.indexOf(appName);
    const apiIdx = APIS.indexOf(apiName);
    const apiVersion = `${1 + (apiIdx % 2)}.${apiIdx}.0`;
    const op = pick(OPERATIONS);
    const catalog = CATALOGS[appIdx % CATALOGS.length] as (typeof CATALOGS)[number];
    const space = SPACES[apiIdx % SPACES.length] as (typeof SPACES)[number];
    const devOrg = DEVELOPER_ORGS[appIdx % DEVELOPER_ORGS.length] as (typeof DEVELOPER_ORGS)[number];
    const plan = PLANS[appIdx % PLANS.length] as (typeof PLANS)[number];
    const productName = `${apiName}-product`;
    const clientId = `${appName.toLowerCase()}0000${appIdx}`.padEnd(32, 'c');
    const uriPath = `/${PROVIDER_ORG.name}/${catalog.name}/${apiName}/v${apiVersion.split('.')[0]}${op.path
      .replace('{accountId}', `ACC${int(100000, 999999)}`)
      .replace('{customerId}', `CUS${int(10000, 99999)}`)
      .replace('{sessionId}', hex(16))}`;
    const queryString = op.method === 'GET' ? `limit=${pick([10, 20, 50])}&offset=${int(0, 5) * 10}` : '';
    const clientIp = ip('10.40');
    const gatewayIp = ip('10.20');
    const globalTx = `${hex(8)}${hex(8)}`.slice(0, 16);
    const txId = `transaction${i}`;
    const host = 'api.bank.example';
    const reqBody =
      op.method === 'POST' || op.method === 'PUT'
        ? JSON.stringify({
            debtorAccount: `ACC${int(100000, 999999)}`,
            creditorAccount: `ACC${int(100000, 999999)}`,
            amount: { value: (int(100, 900_000) / 100).toFixed(2), currency: pick(CURRENCIES) },
            remittanceInformation: `Invoice ${int(1000, 9999)}`,
          })
        : '';
    const resBody = body(op.resource, status, txId);
    const started = [0, int(1, 3), int(3, 6), int(6, 12), Math.max(12, timeToServe - int(1, 4))];

    return {
      '@timestamp': timestamp,
      api_id: `${apiName}:${apiVersion}`,
      api_name: apiName,
      api_ref: `${apiName}:${apiVersion}`,
      api_resource_id: `${apiName}:${apiVersion}:${op.method}:${op.path}`,
      api_type: 'rest',
      api_version: apiVersion,
      app_id: `app-${appName.toLowerCase()}-0000-4000-8000-00000000000${appIdx}`,
      app_name: appName,
      app_type: appIdx === 3 ? 'Development' : 'Production',
      bytes_received: bytesReceived,
      bytes_sent: bytesSent,
      catalog_id: catalog.id,
      catalog_name: catalog.name,
      client_id: clientId,
      client_ip: clientIp,
      datetime,
      developer_org_id: devOrg.id,
      developer_org_name: devOrg.name,
      domain_name: 'apiconnect',
      endpoint_url: `https://${host}${uriPath}${queryString ? `?${queryString}` : ''}`,
      gateway_ip: gatewayIp,
      gateway_service_name: 'datapower-api-gateway',
      gateway_type: 'apigw',
      global_transaction_id: globalTx,
      host,
      http_user_agent: pick(USER_AGENTS),
      immediate_client_ip: ip('10.30'),
      latency_info: [
        { task: 'Start', started: started[0] as number },
        { task: 'api-routing', started: started[1] as number },
        { task: 'api-cors', started: started[2] as number },
        { task: 'api-client-identification', started: started[3] as number },
        { task: 'invoke', started: started[4] as number },
      ],
      log_policy: 'payload',
      org_id: PROVIDER_ORG.id,
      org_name: PROVIDER_ORG.name,
      plan_id: plan.id,
      plan_name: plan.name,
      plan_version: plan.version,
      product_id: `${productName}:1.0.0`,
      product_name: productName,
      product_title: `${apiName.replace(/-/g, ' ').toUpperCase()} Product`,
      product_version: '1.0.0',
      query_string: queryString,
      rate_limit: {
        [`per-minute-${plan.name}`]: {
          count: int(0, plan.limit),
          limit: plan.limit,
          period: 1,
          unit: 'minute',
          reject: true,
        },
      },
      request_body: reqBody,
      request_http_headers: [
        { Host: host },
        { 'User-Agent': pick(USER_AGENTS) },
        { Accept: 'application/json' },
        { 'X-IBM-Client-Id': clientId },
        { 'X-Request-Id': uuid() },
        { 'X-Forwarded-For': clientIp },
        { 'X-Global-Transaction-ID': globalTx },
        ...(reqBody
          ? [{ 'Content-Type': 'application/json' }, { 'Content-Length': String(reqBody.length) }]
          : []),
        { Authorization: 'Bearer ***' },
      ],
      request_method: op.method,
      request_protocol: 'https',
      resource_id: `${apiName}:${apiVersion}:${op.method}:${op.path}`,
      resource_path: `${op.method.toLowerCase()}:${op.path}`,
      response_body: resBody,
      response_http_headers: [
        { 'Content-Type': 'application/json' },
        { 'Content-Length': String(resBody.length) },
        { 'X-RateLimit-Limit': `name=per-minute-${plan.name},${plan.limit};` },
        { 'X-RateLimit-Remaining': `name=per-minute-${plan.name},${int(0, plan.limit)};` },
        { 'X-Global-Transaction-ID': globalTx },
        { 'Cache-Control': 'no-store' },
        { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' },
      ],
      scope_id: catalog.id,
      scope_name: catalog.name,
      space_id: space.id,
      space_name: space.name,
      status_code: status,
      time_to_serve_request: timeToServe,
      transaction_id: txId,
      uri_path: uriPath,
    };
  }

  return {
    next,
    take: (count: number) => Array.from({ length: count }, next),
  };
}
