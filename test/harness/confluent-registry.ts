/**
 * A stand-in for a Confluent Schema Registry server, for the tests (not a test file).
 *
 * No server speaking the Confluent Schema Registry API installs from the package registries this project
 * may use (Confluent's own is not on Maven Central, Karapace is not on PyPI, Apicurio ships no runnable
 * jar). So the records are written by Confluent's own serializers (`@confluentinc/schemaregistry`
 * AvroSerializer / ProtobufSerializer), which register their schemas in the library's `MockClient`; and
 * {@link serveRegistry} serves exactly what they registered over a real HTTPS server (TLS with the test
 * bed's private CA, basic auth checked), answering the read endpoints of the registry API
 * (https://docs.confluent.io/platform/current/schema-registry/develop/api.html) that the decoder calls:
 * `GET /schemas/ids/{id}` and `GET /subjects/{subject}/versions/{version}`, and `GET /subjects` that `check`
 * calls (with the API's 401 / 404 error bodies). What it does not do as a real server does: it keeps a schema in the form it was registered (a
 * real server returns Protobuf schemas as `.proto` text; the Protobuf serializer registers a base64
 * FileDescriptorProto, so tests register `.proto` text themselves to cover that form).
 *
 * {@link protoFileRegistry} builds the @bufbuild/protobuf descriptors the Protobuf serializer needs from
 * `.proto` text (protobufjs parses the text; its descriptors name types relative to their scope, which
 * @bufbuild/protobuf does not resolve, so the names are qualified here).
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createFileRegistry, type FileRegistry, fromBinary } from '@bufbuild/protobuf';
import {
  FileDescriptorProtoSchema,
  file_google_protobuf_any,
  file_google_protobuf_duration,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  file_google_protobuf_wrappers,
} from '@bufbuild/protobuf/wkt';
import type { MockClient } from '@confluentinc/schemaregistry';
import type * as protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor.js';
import { protoRoot } from '../../devkit/apic-protobuf.js';

/** A running stand-in registry. */
export interface StandInRegistry {
  /** `https://localhost:<port>` */
  readonly url: string;
  /** Paths requested (with a valid login), in order. */
  readonly requests: string[];
  /** Every later request answers this status (e.g. 503), until set back to undefined. */
  failWith: number | undefined;
  close(): Promise<void>;
}

function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/vnd.schemaregistry.v1+json' });
  res.end(JSON.stringify(body));
}

async function answer(client: MockClient, path: string): Promise<{ status: number; body: unknown }> {
  const byId = /^\/schemas\/ids\/(\d+)$/.exec(path);
  const byVersion = /^\/subjects\/([^/]+)\/versions\/(\d+)$/.exec(path);
  try {
    if (path === '/subjects') return { status: 200, body: await client.getAllSubjects() };
    if (byId) {
      const info = await client.getBySubjectAndId('', Number(byId[1]));
      return { status: 200, body: info };
    }
    if (byVersion) {
      const meta = await client.getSchemaMetadata(
        decodeURIComponent(byVersion[1] as string),
        Number(byVersion[2]),
      );
      return { status: 200, body: meta };
    }
  } catch {
    const code = byId ? 40403 : 40402;
    return {
      status: 404,
      body: { error_code: code, message: byId ? 'Schema not found' : 'Version not found' },
    };
  }
  return { status: 404, body: { error_code: 404, message: 'HTTP 404 Not Found' } };
}

/** Serves what `client` holds over HTTPS (`cert`/`key`), for requests with the basic-auth login. */
export async function serveRegistry(
  client: MockClient,
  tls: { cert: string; key: string },
  login: { username: string; password: string },
): Promise<StandInRegistry> {
  const expected = `Basic ${Buffer.from(`${login.username}:${login.password}`).toString('base64')}`;
  const state = { requests: [] as string[], failWith: undefined as number | undefined };
  const server: Server = createServer(tls, (req, res) => {
    const path = new URL(req.url ?? '/', 'https://localhost').pathname;
    if (req.method !== 'GET') return send(res, 405, { error_code: 405, message: 'HTTP 405' });
    if (req.headers.authorization !== expected) {
      return send(res, 401, { error_code: 401, message: 'Unauthorized' });
    }
    state.requests.push(path);
    if (state.failWith !== undefined)
      return send(res, state.failWith, { error_code: 50001, message: 'down' });
    void answer(client, path).then(({ status, body }) => send(res, status, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://localhost:${port}`,
    get requests() {
      return state.requests;
    },
    get failWith() {
      return state.failWith;
    },
    set failWith(status) {
      state.failWith = status;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface DescField {
  name: string;
  typeName?: string;
}
interface DescMessage {
  name: string;
  field?: DescField[];
  nestedType?: DescMessage[];
}

/** Replaces the scope-relative type names protobufjs writes by full names (`.pkg.Type`). */
function qualify(root: protobuf.Root, scope: string, messages: DescMessage[]): void {
  for (const m of messages) {
    const type = root.lookupType(`${scope}.${m.name}`);
    const nested = m.nestedType ?? [];
    for (const f of m.field ?? []) {
      if (!f.typeName || f.typeName.startsWith('.')) continue;
      f.typeName = nested.some((n) => n.name === f.typeName)
        ? `${type.fullName}.${f.typeName}`
        : type.lookupTypeOrEnum(f.typeName).fullName;
    }
    for (const n of nested) {
      for (const f of n.field ?? []) {
        if (f.typeName && !f.typeName.startsWith('.'))
          f.typeName = type.lookupTypeOrEnum(f.typeName).fullName;
      }
    }
    qualify(
      root,
      type.fullName,
      nested.filter((n) => root.lookup(`${type.fullName}.${n.name}`)),
    );
  }
}

const WELL_KNOWN = {
  'google/protobuf/any.proto': file_google_protobuf_any,
  'google/protobuf/duration.proto': file_google_protobuf_duration,
  'google/protobuf/struct.proto': file_google_protobuf_struct,
  'google/protobuf/timestamp.proto': file_google_protobuf_timestamp,
  'google/protobuf/wrappers.proto': file_google_protobuf_wrappers,
} as unknown as Record<string, never>;

/** One `.proto` file: its import name, its text, the files it imports. */
export interface ProtoFile {
  readonly name: string;
  readonly text: string;
  readonly imports: readonly string[];
}

/** @bufbuild/protobuf descriptors of `.proto` files (one package per file; dependencies first). */
export function protoFileRegistry(files: readonly ProtoFile[]): FileRegistry {
  const root = protoRoot(...files.map((f) => f.text));
  const set = (root as unknown as { toDescriptor(s: string): { file: { package?: string }[] } }).toDescriptor(
    'proto3',
  );
  const built = new Map<string, unknown>();
  for (const f of files) {
    const pkg = /^package\s+([\w.]+);/m.exec(f.text)?.[1];
    const file = set.file.find((d) => d.package === pkg) as { messageType?: DescMessage[] };
    qualify(root, pkg ? `.${pkg}` : '', file.messageType ?? []);
    const bytes = descriptor.FileDescriptorProto.encode({
      ...file,
      name: f.name,
      dependency: [...f.imports],
    } as never).finish();
    built.set(f.name, fromBinary(FileDescriptorProtoSchema, bytes));
  }
  const main = built.get((files[files.length - 1] as ProtoFile).name);
  return createFileRegistry(main as never, (name) => WELL_KNOWN[name] ?? (built.get(name) as never));
}
