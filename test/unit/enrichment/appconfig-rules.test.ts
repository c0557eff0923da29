/**
 * The AppConfig path with a real AWS SDK client talking HTTP to a local stub of the AppConfig Data API
 * (moto has no appconfigdata service): StartConfigurationSession + GetLatestConfiguration, including the
 * "unchanged" empty response — through the reader the Lambdas use (enrichment/aws-reads.ts
 * appConfigJsonReader), which loads the SDK package on first use.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appConfigJsonReader } from '../../../enrichment/aws-reads.js';
import { compileRules, DEFAULT_RULES } from '../../../enrichment/index.js';
import { createRulesLoader } from '../../../enrichment/rules-loader.js';

interface StubState {
  /** Document bytes served on the next GetLatestConfiguration; null = "unchanged" (empty body). */
  next: string | null;
  sessions: {
    ApplicationIdentifier: string;
    EnvironmentIdentifier: string;
    ConfigurationProfileIdentifier: string;
  }[];
  polls: number;
}

const state: StubState = { next: null, sessions: [], polls: 0 };
let server: Server;
let endpoint: string;

function handle(req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (c: Buffer) => {
    body += c.toString('utf8');
  });
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://stub');
    if (req.method === 'POST' && url.pathname === '/configurationsessions') {
      state.sessions.push(JSON.parse(body));
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ InitialConfigurationToken: 'token-0' }));
      return;
    }
    if (req.method === 'GET' && url.pathname === '/configuration') {
      state.polls++;
      const payload = state.next ?? '';
      state.next = null;
      res.writeHead(200, {
        'content-type': 'application/json',
        'next-poll-configuration-token': `token-${state.polls}`,
        'next-poll-interval-in-seconds': '15',
        'version-label': String(state.polls),
      });
      res.end(payload);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"message":"not found"}');
  });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function silentLogger() {
  const lines: string[] = [];
  const at = (level: string) => (message: string) => {
    lines.push(`${level} ${message}`);
  };
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

describe('rules from AppConfig through the Lambdas reader (enrichment/aws-reads.ts)', () => {
  const clientConfig = () => ({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

  it('loads a document, keeps it when AppConfig says unchanged, refuses a bad one and keeps the last good', async () => {
    // Arrange
    state.sessions.length = 0;
    state.polls = 0;
    const at = { application: 'kafka-pipes', environment: 'prod', profile: 'apic-rules' };
    const { logger, lines } = silentLogger();
    const loader = await createRulesLoader({
      bundled: DEFAULT_RULES,
      documentName: 'appconfig:kafka-pipes/prod/apic-rules',
      // maxAge 0: every call polls the stub, so the test sees each AppConfig answer.
      fetchDocument: appConfigJsonReader(at, 0, clientConfig()),
      logger,
    });
    const good = { name: 'from-appconfig', version: '1.2.0', operations: [{ op: 'tag', tag: 'appconfig' }] };

    // Act
    state.next = JSON.stringify(good);
    const first = await loader.current();
    state.next = null; // AppConfig answers "no change" with an empty body
    const second = await loader.current();
    state.next = JSON.stringify({ ...good, version: '1.3.0', operations: [{ op: 'tag' }] });
    const third = await loader.current();

    // Assert
    const expected = compileRules(good as never).ruleVersion;
    expect([first.ruleVersion, second.ruleVersion, third.ruleVersion]).toEqual([
      expected,
      expected,
      expected,
    ]);
    expect(state.sessions).toEqual([
      {
        ApplicationIdentifier: 'kafka-pipes',
        EnvironmentIdentifier: 'prod',
        ConfigurationProfileIdentifier: 'apic-rules',
      },
    ]);
    expect(state.polls).toBe(3);
    expect(lines).toEqual(['info rules updated', 'error rules refused, keeping last good rules']);
  });

  it('asks AppConfig at most once per max age', async () => {
    // Arrange
    state.sessions.length = 0;
    state.polls = 0;
    let clock = 1_000_000;
    const read = appConfigJsonReader(
      { application: 'a', environment: 'e', profile: 'p' },
      45,
      clientConfig(),
      () => clock,
    );

    // Act
    state.next = '{"v":1}';
    const first = await read();
    clock += 44_999;
    const cached = await read();
    clock += 1;
    state.next = '{"v":2}';
    const refreshed = await read();

    // Assert
    expect([first, cached, refreshed]).toEqual([{ v: 1 }, { v: 1 }, { v: 2 }]);
    expect(state.polls).toBe(2);
    expect(state.sessions).toHaveLength(1);
  });

  it('rejects when AppConfig is unreachable (the loader keeps its last good rules)', async () => {
    const read = appConfigJsonReader({ application: 'a', environment: 'e', profile: 'p' }, 0, {
      ...clientConfig(),
      endpoint: 'http://127.0.0.1:1',
      maxAttempts: 1,
    });
    await expect(read()).rejects.toThrow();
  });

  it('falls back to the bundled rules when AppConfig is unreachable', async () => {
    // Arrange
    const { logger, lines } = silentLogger();
    const loader = await createRulesLoader({
      bundled: DEFAULT_RULES,
      fetchDocument: appConfigJsonReader({ application: 'a', environment: 'e', profile: 'p' }, 0, {
        ...clientConfig(),
        endpoint: 'http://127.0.0.1:1',
        maxAttempts: 1,
      }),
      logger,
    });

    // Act
    const rules = await loader.current();

    // Assert
    expect(rules.ruleVersion).toBe(compileRules(DEFAULT_RULES).ruleVersion);
    expect(lines).toEqual(['warn rules fetch failed, keeping last good rules']);
  });
});
