import * as assert from 'node:assert/strict';
import { connect as netConnect, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { connect, type ClientHttp2Session } from 'node:http2';
import { gzipSync } from 'node:zlib';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { decodeOtlpProtobuf } from '../../../../src/core/formats/otlpProtobuf';
import { OtlpReceiver } from '../../../../src/core/receiver/otlpReceiver';
import { ReceiverStartError } from '../../../../src/core/receiver/receiverStartError';
import type { LocalTraceStore } from '../../../../src/core/store/localTraceStore';
import { otlpJsonOf, otlpProtobufOf, recordSdkSpans } from '../../sdkTraces';
import { exportPath, GatedSink, grpcCall, grpcFramed, post, startHarness, until, type Harness } from './receiverHarness';

function exportSpans(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
}

/** Every SDK span is in the store with its ids, parent, name, service and attributes; nothing else is. */
function assertStoreHolds(store: LocalTraceStore, sdkSpans: readonly ReadableSpan[], options: { readonly stringAttributesOnly?: boolean } = {}): void {
  assert.equal(store.spanCount, sdkSpans.length);
  const traceIds = new Set(sdkSpans.map((s) => s.spanContext().traceId));
  assert.equal(store.traceCount, traceIds.size);
  for (const sdk of sdkSpans) {
    const ctx = sdk.spanContext();
    const stored = store.getSpans(ctx.traceId)?.find((s) => s.spanId === ctx.spanId);
    assert.ok(stored, `span ${sdk.name} ${ctx.spanId} is in the store`);
    assert.equal(stored.name.toLowerCase(), sdk.name.toLowerCase());
    assert.equal(stored.parentSpanId, sdk.parentSpanContext?.spanId);
    assert.equal(stored.resource.serviceName, 'checkout');
    for (const [key, value] of Object.entries(sdk.attributes)) {
      if (options.stringAttributesOnly === true && typeof value !== 'string') continue;
      assert.deepEqual(stored.attributes[key], value, `attribute ${key} of ${sdk.name}`);
    }
  }
}

/**
 * One of this machine's own non-loopback IPv4 addresses. A client socket bound to it can still
 * connect to 127.0.0.1 (Linux routes it over lo), and the server then sees it as the peer: the
 * one way a unit test can make a connection that is not from loopback.
 */
function nonLoopbackIpv4(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) if (address.family === 'IPv4' && !address.internal && !address.address.startsWith('127.')) return address.address;
  }
  return undefined;
}

function skipWithoutNetworkAddress(context: Mocha.Context): string {
  const address = nonLoopbackIpv4();
  if (address !== undefined) return address;
  console.log('      (skipped: this machine has no non-loopback IPv4 address to connect from)');
  context.skip();
}

function heldSpanIds(store: LocalTraceStore): Set<string> {
  return new Set(store.listTraces().flatMap((t) => (store.getSpans(t.traceId) ?? []).map((s) => s.spanId)));
}

describe('OtlpReceiver', () => {
  let harness: Harness;
  afterEach(async () => {
    await harness.close();
  });

  describe('with the real OpenTelemetry JS exporters as clients', () => {
    beforeEach(async () => {
      harness = await startHarness();
    });

    it('stores exactly the spans the OTLP/HTTP JSON exporter sends', async () => {
      const spans = recordSdkSpans(3);
      const exporter = new HttpJsonExporter({ url: `${harness.address.httpEndpoint}/v1/traces` });
      const result = await exportSpans(exporter, spans);
      await exporter.shutdown();
      assert.equal(result.code, ExportResultCode.SUCCESS, result.error?.message);
      assertStoreHolds(harness.store, spans);
    });

    it('stores exactly the spans the OTLP/HTTP protobuf exporter sends, gzip-compressed', async () => {
      const spans = recordSdkSpans(3);
      const exporter = new HttpProtoExporter({ url: `${harness.address.httpEndpoint}/v1/traces`, compression: CompressionAlgorithm.GZIP });
      const result = await exportSpans(exporter, spans);
      await exporter.shutdown();
      assert.equal(result.code, ExportResultCode.SUCCESS, result.error?.message);
      assertStoreHolds(harness.store, spans);
    });

    it('stores exactly the spans the OTLP/gRPC exporter sends, plain and gzip-compressed', async () => {
      const first = recordSdkSpans(2);
      const second = recordSdkSpans(2);
      const endpoint = harness.address.grpcEndpoint;
      assert.ok(endpoint);
      const plain = new GrpcExporter({ url: endpoint });
      const gzip = new GrpcExporter({ url: endpoint, compression: CompressionAlgorithm.GZIP });
      const results = [await exportSpans(plain, first), await exportSpans(gzip, second)];
      await plain.shutdown();
      await gzip.shutdown();
      for (const result of results) assert.equal(result.code, ExportResultCode.SUCCESS, result.error?.message);
      assertStoreHolds(harness.store, [...first, ...second]);
    });

    it('stores exactly the spans the Zipkin exporter sends', async () => {
      const spans = recordSdkSpans(2);
      const exporter = new ZipkinExporter({ url: `${harness.address.httpEndpoint}/api/v2/spans` });
      const result = await exportSpans(exporter, spans);
      await exporter.shutdown();
      assert.equal(result.code, ExportResultCode.SUCCESS, result.error?.message);
      // Zipkin tags are strings, so only string attributes keep their type.
      assertStoreHolds(harness.store, spans, { stringAttributesOnly: true });
    });
  });

  describe('responses', () => {
    beforeEach(async () => {
      harness = await startHarness({}, {});
    });

    it('answers a full success with an empty response in the request encoding', async () => {
      const spans = recordSdkSpans(1);
      const json = await post(harness.address.httpPort, '/v1/traces', otlpJsonOf(spans), { 'Content-Type': 'application/json' });
      assert.equal(json.status, 200);
      assert.match(String(json.headers['content-type']), /^application\/json/);
      assert.deepEqual(JSON.parse(json.body.toString()), {});
      const proto = await post(harness.address.httpPort, '/v1/traces', otlpProtobufOf(recordSdkSpans(1)), { 'Content-Type': 'application/x-protobuf' });
      assert.equal(proto.status, 200);
      assert.equal(proto.headers['content-type'], 'application/x-protobuf');
      assert.equal(proto.body.length, 0);
      assert.equal(harness.store.spanCount, 6);
    });

    it('reports rejected spans as a partial success and keeps the others', async () => {
      const doc = JSON.parse(otlpJsonOf(recordSdkSpans(1))) as { resourceSpans: { scopeSpans: { spans: { spanId?: string }[] }[] }[] };
      const batch = doc.resourceSpans[0]?.scopeSpans[0]?.spans;
      assert.ok(batch?.[0]);
      delete batch[0].spanId;
      const res = await post(harness.address.httpPort, '/v1/traces', JSON.stringify(doc), { 'Content-Type': 'application/json' });
      assert.equal(res.status, 200);
      const body = JSON.parse(res.body.toString()) as { partialSuccess?: { rejectedSpans: string; errorMessage: string } };
      assert.equal(body.partialSuccess?.rejectedSpans, '1');
      assert.match(body.partialSuccess.errorMessage, /skipped/);
      assert.equal(harness.store.spanCount, 2);
    });

    it('answers malformed JSON with 400 and a google.rpc.Status message', async () => {
      const res = await post(harness.address.httpPort, '/v1/traces', '{"resourceSpans": [', { 'Content-Type': 'application/json' });
      assert.equal(res.status, 400);
      const status = JSON.parse(res.body.toString()) as { code: number; message: string };
      assert.equal(status.code, 3);
      assert.match(status.message, /JSON/);
      assert.equal(harness.store.spanCount, 0);
    });

    it('answers a broken protobuf with 400 and a protobuf Status', async () => {
      const bytes = otlpProtobufOf(recordSdkSpans(1));
      const res = await post(harness.address.httpPort, '/v1/traces', bytes.subarray(0, bytes.length - 7), { 'Content-Type': 'application/x-protobuf' });
      assert.equal(res.status, 400);
      assert.equal(res.headers['content-type'], 'application/x-protobuf');
      // google.rpc.Status: field 1 (code) = 3, then field 2 (message).
      assert.equal(res.body[0], 0x08);
      assert.equal(res.body[1], 3);
      assert.equal(res.body[2], 0x12);
      assert.match(res.body.subarray(4).toString(), /truncated|ends/);
      assert.equal(harness.store.spanCount, 0);
    });

    it('answers an unknown content type with 415, an unknown path with 404 and a GET with 405', async () => {
      const port = harness.address.httpPort;
      const wrongType = await post(port, '/v1/traces', 'hello', { 'Content-Type': 'text/plain' });
      assert.equal(wrongType.status, 415);
      assert.match(wrongType.body.toString(), /application\/x-protobuf/);
      assert.equal((await post(port, '/v1/profiles', '{}', { 'Content-Type': 'application/json' })).status, 404);
      const get = await post(port, '/v1/traces', '', {}, 'GET');
      assert.equal(get.status, 405);
      assert.equal(get.headers['allow'], 'POST');
      assert.equal((await post(port, '/v1/traces', 'x', { 'Content-Type': 'application/json', 'Content-Encoding': 'br' })).status, 415);
    });
  });

  describe('limits', () => {
    it('answers 413 to a declared body over the bound without reading it', async () => {
      harness = await startHarness({ maxBodyBytes: 1024 });
      const res = await post(harness.address.httpPort, '/v1/traces', 'x'.repeat(4096), { 'Content-Type': 'application/json' });
      assert.equal(res.status, 413);
    });

    it('answers 413 to a chunked body that grows over the bound', async () => {
      harness = await startHarness({ maxBodyBytes: 1024 });
      const res = await post(harness.address.httpPort, '/v1/traces', 'x'.repeat(4096), { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
      assert.equal(res.status, 413);
    });

    it('answers 413 to a gzip bomb and keeps serving', async () => {
      harness = await startHarness({ maxBodyBytes: 1024 * 1024 });
      const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
      assert.ok(bomb.length < 1024 * 1024);
      const res = await post(harness.address.httpPort, '/v1/traces', bomb, { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' });
      assert.equal(res.status, 413);
      assert.match(res.body.toString(), /decompressed/);
      const ok = await post(harness.address.httpPort, '/v1/traces', gzipSync(otlpProtobufOf(recordSdkSpans(1))), { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' });
      assert.equal(ok.status, 200);
      assert.equal(harness.store.spanCount, 3);
    });

    it('answers 503 with Retry-After while the store is backed up', async () => {
      const sink = new GatedSink();
      sink.isBackedUp = true;
      harness = await startHarness({ sink, retryAfterSeconds: 2 });
      const res = await post(harness.address.httpPort, '/v1/traces', otlpJsonOf(recordSdkSpans(1)), { 'Content-Type': 'application/json' });
      assert.equal(res.status, 503);
      assert.equal(res.headers['retry-after'], '2');
      assert.equal(sink.batches.length, 0);
    });

    it('answers 429 with Retry-After when too many requests are in flight, and acknowledges none before its write', async () => {
      const sink = new GatedSink();
      harness = await startHarness({ sink, maxInFlightRequests: 1 });
      const port = harness.address.httpPort;
      let firstDone = false;
      const first = post(port, '/v1/traces', otlpJsonOf(recordSdkSpans(1)), { 'Content-Type': 'application/json' }).finally(() => (firstDone = true));
      await until(() => sink.pending === 1);
      const second = await post(port, '/v1/traces', otlpJsonOf(recordSdkSpans(1)), { 'Content-Type': 'application/json' });
      assert.equal(second.status, 429);
      assert.equal(second.headers['retry-after'], '1');
      assert.equal(firstDone, false, 'the first request is not answered before its batch is written');
      sink.release();
      assert.equal((await first).status, 200);
    });

    it('cuts off a client that never finishes its body', async () => {
      harness = await startHarness({ requestTimeoutMs: 300 });
      const { request } = await import('node:http');
      const outcome = await new Promise<string>((resolve) => {
        const req = request(
          { host: '127.0.0.1', port: harness.address.httpPort, path: '/v1/traces', method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' } },
          (res) => resolve(`status ${res.statusCode ?? 0}`),
        );
        req.on('error', (error) => resolve(`closed: ${error.message}`));
        req.write('{"resourceSpans":[');
      });
      assert.match(outcome, /status 408|closed/);
      assert.equal(harness.store.spanCount, 0);
    });
    it('survives a flood of tiny requests: each is acknowledged or turned away with Retry-After, and every acknowledged span is kept', async function () {
      this.timeout(60_000);
      harness = await startHarness({ maxInFlightRequests: 16 });
      const port = harness.address.httpPort;
      const total = 1500;
      const concurrency = 150;
      const statuses = new Map<number, number>();
      let missingRetryAfter = 0;
      let next = 0;
      // Each request carries one span of its own trace, so the store's count says exactly what was kept.
      const body = (): string => otlpJsonOf(recordSdkSpans(1, 'flood').slice(0, 1));
      const worker = async (): Promise<void> => {
        while (next < total) {
          next++;
          const res = await post(port, '/v1/traces', body(), { 'Content-Type': 'application/json' });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status === 429 && res.headers['retry-after'] === undefined) missingRetryAfter++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, () => worker()));
      const accepted = statuses.get(200) ?? 0;
      const turnedAway = statuses.get(429) ?? 0;
      assert.equal(accepted + turnedAway, total, `unexpected answers: ${JSON.stringify([...statuses])}`);
      assert.equal(missingRetryAfter, 0);
      assert.ok(accepted > 0);
      await until(() => harness.store.spanCount === accepted);
      assert.equal(harness.store.traceCount, accepted);
      // Still serving normally afterwards.
      assert.equal((await post(port, '/v1/traces', otlpJsonOf(recordSdkSpans(1)), { 'Content-Type': 'application/json' })).status, 200);
    });
  });

  describe('starting', () => {
    it('rejects with a typed portInUse error when the port is taken, and listens on nothing', async () => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as { port: number }).port;
      harness = await startHarness();
      try {
        const receiver = new OtlpReceiver({ sink: harness.store, port });
        await assert.rejects(receiver.start(), (error: unknown) => {
          assert.ok(error instanceof ReceiverStartError);
          assert.deepEqual(error.failure, { kind: 'portInUse', protocol: 'http', host: '127.0.0.1', port });
          return true;
        });
        const grpcClash = new OtlpReceiver({ sink: harness.store, port: 0, grpcPort: port });
        await assert.rejects(grpcClash.start(), (error: unknown) => error instanceof ReceiverStartError && error.failure.kind === 'portInUse' && error.failure.protocol === 'grpc');
        assert.equal(grpcClash.address, undefined);
      } finally {
        blocker.close();
      }
    });

    it('runs without gRPC when grpcPort is 0', async () => {
      harness = await startHarness({ grpcPort: 0 });
      assert.equal(harness.address.grpcPort, undefined);
      assert.match(harness.address.httpEndpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
    });
  });

  describe('who may connect', () => {
    it('bound to loopback, refuses a connection from another address with 403 and stores nothing, while serving loopback', async function () {
      const local = skipWithoutNetworkAddress(this);
      harness = await startHarness();
      const port = harness.address.httpPort;
      const remoteSpans = recordSdkSpans(2);
      const loopbackSpans = recordSdkSpans(1);
      const [remote, loopback] = await Promise.all([
        post(port, '/v1/traces', otlpJsonOf(remoteSpans), { 'Content-Type': 'application/json' }, 'POST', { localAddress: local }),
        post(port, '/v1/traces', otlpJsonOf(loopbackSpans), { 'Content-Type': 'application/json' }),
      ]);
      assert.equal(remote.status, 403);
      const status = JSON.parse(remote.body.toString()) as { code: number; message: string };
      assert.equal(status.code, 7, 'google.rpc.Code PERMISSION_DENIED');
      assert.match(status.message, /accepts connections from this machine only/);
      assert.equal(loopback.status, 200);
      const held = heldSpanIds(harness.store);
      assert.equal(harness.store.spanCount, loopbackSpans.length);
      for (const span of loopbackSpans) assert.ok(held.has(span.spanContext().spanId));
      for (const span of remoteSpans) assert.ok(!held.has(span.spanContext().spanId), `the refused span ${span.name} was not stored`);
    });

    it('bound to loopback, refuses an OTLP/gRPC export from another address with PERMISSION_DENIED', async function () {
      const local = skipWithoutNetworkAddress(this);
      harness = await startHarness();
      const port = harness.address.grpcPort ?? 0;
      const session = connect(harness.address.grpcEndpoint ?? '', { createConnection: () => netConnect({ host: '127.0.0.1', port, localAddress: local }) });
      try {
        const answer = await grpcCall(session, exportPath, grpcFramed(otlpProtobufOf(recordSdkSpans(1))));
        assert.equal(answer.headers['grpc-status'], '7');
        assert.match(decodeURIComponent(String(answer.headers['grpc-message'])), /this machine only/);
        assert.equal(harness.store.spanCount, 0);
      } finally {
        session.close();
      }
    });

    it('bound to a network address on purpose, accepts a connection from the network', async function () {
      const local = skipWithoutNetworkAddress(this);
      harness = await startHarness({ host: local });
      assert.equal(harness.address.httpEndpoint, `http://${local}:${harness.address.httpPort}`);
      const spans = recordSdkSpans(1);
      const res = await post(harness.address.httpPort, '/v1/traces', otlpJsonOf(spans), { 'Content-Type': 'application/json' }, 'POST', { host: local, localAddress: local });
      assert.equal(res.status, 200);
      assertStoreHolds(harness.store, spans);
    });
  });

  describe('OTLP/gRPC errors', () => {
    let session: ClientHttp2Session;
    beforeEach(async () => {
      harness = await startHarness({ maxBodyBytes: 64 * 1024 });
      session = connect(harness.address.grpcEndpoint ?? '');
    });
    afterEach(() => {
      session.close();
    });

    it('answers an export with OK and an empty response message', async () => {
      const answer = await grpcCall(session, exportPath, grpcFramed(otlpProtobufOf(recordSdkSpans(1))));
      assert.equal(answer.trailers['grpc-status'], '0');
      assert.deepEqual([...answer.body], [0, 0, 0, 0, 0]);
      assert.equal(harness.store.spanCount, 3);
    });

    it('answers other methods with UNIMPLEMENTED', async () => {
      const answer = await grpcCall(session, '/opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export', grpcFramed(new Uint8Array(0)));
      assert.equal(answer.headers['grpc-status'], '12');
    });

    it('answers a bad payload with INVALID_ARGUMENT and a message', async () => {
      const answer = await grpcCall(session, exportPath, grpcFramed(Buffer.from([0x0a, 0x05, 0x01])));
      assert.equal(answer.headers['grpc-status'], '3');
      assert.ok(String(answer.headers['grpc-message']).length > 0);
    });

    it('answers a message over the bound, and a gzip bomb, with RESOURCE_EXHAUSTED', async () => {
      const big = await grpcCall(session, exportPath, grpcFramed(Buffer.alloc(128 * 1024)));
      assert.equal(big.headers['grpc-status'], '8');
      const bomb = await grpcCall(session, exportPath, grpcFramed(gzipSync(Buffer.alloc(16 * 1024 * 1024)), 1), { 'grpc-encoding': 'gzip' });
      assert.equal(bomb.headers['grpc-status'], '8');
      assert.equal(harness.store.spanCount, 0);
    });

    it('decodes gzip messages', async () => {
      const spans = recordSdkSpans(1);
      const answer = await grpcCall(session, exportPath, grpcFramed(gzipSync(otlpProtobufOf(spans)), 1), { 'grpc-encoding': 'gzip' });
      assert.equal(answer.trailers['grpc-status'], '0');
      assertStoreHolds(harness.store, spans);
    });
  });

  it('the store holds what the protobuf decoder reads from the same bytes', async () => {
    harness = await startHarness();
    const bytes = otlpProtobufOf(recordSdkSpans(2));
    await post(harness.address.httpPort, '/v1/traces', bytes, { 'Content-Type': 'application/x-protobuf' });
    const expected = decodeOtlpProtobuf(bytes).spans;
    for (const span of expected)
      assert.deepEqual(
        harness.store.getSpans(span.traceId)?.find((s) => s.spanId === span.spanId),
        span,
      );
  });
});
