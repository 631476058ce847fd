import * as assert from 'node:assert/strict';
import { connect, type ClientHttp2Session } from 'node:http2';
import { gzipSync } from 'node:zlib';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, JsonMetricsSerializer, ProtobufLogsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InvalidPayloadError } from '../../../../src/core/receiver/ingestPayload';
import type { LogPayload, LogSink } from '../../../../src/core/receiver/logSink';
import { otlpJsonOf, recordSdkSpans } from '../../sdkTraces';
import { grpcCall, grpcFramed, grpcStatusOf, post, startHarness, until, type Harness } from './receiverHarness';

const logsPath = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
const metricsPath = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
const resource = resourceFromAttributes({ 'service.name': 'checkout' });

/** Log records emitted through the real SDK, as OTLP/HTTP JSON and protobuf request bodies. */
function sdkLogBodies(count = 3): { readonly json: Buffer; readonly protobuf: Buffer } {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor({ exporter })] });
  const logger = provider.getLogger('spanlens-tests');
  for (let i = 0; i < count; i++) logger.emit({ body: `order ${i} placed`, severityNumber: SeverityNumber.INFO, severityText: 'INFO', attributes: { 'order.id': i } });
  const records = exporter.getFinishedLogRecords();
  void provider.shutdown();
  const json = JsonLogsSerializer.serializeRequest([...records]);
  const protobuf = ProtobufLogsSerializer.serializeRequest([...records]);
  assert.ok(json && protobuf);
  return { json: Buffer.from(json), protobuf: Buffer.from(protobuf) };
}

class CollectOnDemand extends MetricReader {
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** A counter and a histogram recorded through the real SDK, as OTLP/HTTP JSON and protobuf request bodies. */
async function sdkMetricBodies(): Promise<{ readonly json: Buffer; readonly protobuf: Buffer }> {
  const reader = new CollectOnDemand();
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter('spanlens-tests');
  meter.createCounter('orders').add(3, { region: 'eu' });
  meter.createHistogram('checkout.duration', { unit: 'ms' }).record(42);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const json = JsonMetricsSerializer.serializeRequest(resourceMetrics);
  const protobuf = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
  assert.ok(json && protobuf);
  return { json: Buffer.from(json), protobuf: Buffer.from(protobuf) };
}

/** A log sink that keeps what it is given and acknowledges when released (or at once). */
class RecordingLogSink implements LogSink {
  readonly payloads: LogPayload[] = [];
  gated = false;
  failWith: Error | undefined;
  private readonly waiting: (() => void)[] = [];
  ingestLogs(payload: LogPayload): Promise<void> {
    this.payloads.push({ kind: payload.kind, bytes: Uint8Array.from(payload.bytes) });
    if (this.failWith) return Promise.reject(this.failWith);
    if (!this.gated) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
  get pending(): number {
    return this.waiting.length;
  }
}

describe('OtlpReceiver: logs and metrics', () => {
  let harness: Harness;
  afterEach(async () => {
    await harness.close();
  });

  describe('over OTLP/HTTP', () => {
    it('acknowledges metrics in the request encoding, gzip too, and counts what it drops', async () => {
      harness = await startHarness();
      const port = harness.address.httpPort;
      const bodies = await sdkMetricBodies();
      const json = await post(port, '/v1/metrics', bodies.json, { 'Content-Type': 'application/json' });
      assert.equal(json.status, 200, json.body.toString());
      assert.match(String(json.headers['content-type']), /^application\/json/);
      assert.deepEqual(JsonMetricsSerializer.deserializeResponse(json.body), {});
      const proto = await post(port, '/v1/metrics', bodies.protobuf, { 'Content-Type': 'application/x-protobuf' });
      assert.equal(proto.status, 200);
      assert.equal(proto.headers['content-type'], 'application/x-protobuf');
      assert.equal(proto.body.length, 0, 'an empty ExportMetricsServiceResponse');
      ProtobufMetricsSerializer.deserializeResponse(proto.body);
      const gzipJson = await post(port, '/v1/metrics', gzipSync(bodies.json), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      assert.equal(gzipJson.status, 200);
      const gzipProto = await post(port, '/v1/metrics', gzipSync(bodies.protobuf), { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' });
      assert.equal(gzipProto.status, 200);
      assert.equal(harness.receiver.stats.metricRequests, 4);
      assert.equal(harness.receiver.stats.droppedMetricBytes, 2 * (bodies.json.length + bodies.protobuf.length), 'the decompressed bytes');
      assert.equal(harness.receiver.stats.failedRequests, 0);
      assert.equal(harness.store.spanCount, 0);
      assert.deepEqual(harness.receiver.inFlight, { requests: 0, bytes: 0 });
    });

    it('acknowledges logs, and without a log sink counts what it drops', async () => {
      harness = await startHarness();
      const port = harness.address.httpPort;
      const bodies = sdkLogBodies();
      const json = await post(port, '/v1/logs', gzipSync(bodies.json), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      assert.equal(json.status, 200, json.body.toString());
      assert.deepEqual(JsonLogsSerializer.deserializeResponse(json.body), {});
      const proto = await post(port, '/v1/logs', bodies.protobuf, { 'Content-Type': 'application/x-protobuf' });
      assert.equal(proto.status, 200);
      assert.equal(proto.headers['content-type'], 'application/x-protobuf');
      assert.equal(proto.body.length, 0);
      assert.equal(harness.receiver.stats.logRequests, 2);
      assert.equal(harness.receiver.stats.droppedLogBytes, bodies.json.length + bodies.protobuf.length);
      assert.equal(harness.store.spanCount, 0);
    });

    it('hands logs to the log sink decompressed, and answers only once the sink has them', async () => {
      const logSink = new RecordingLogSink();
      logSink.gated = true;
      harness = await startHarness({ logSink });
      const port = harness.address.httpPort;
      const bodies = sdkLogBodies();
      let answered = false;
      const pending = post(port, '/v1/logs', gzipSync(bodies.protobuf), { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' }).finally(() => (answered = true));
      await until(() => logSink.pending === 1);
      assert.ok(harness.receiver.inFlight.bytes > 0, 'the body counts against the in-flight budget while the sink works');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(answered, false);
      logSink.release();
      assert.equal((await pending).status, 200);
      logSink.gated = false;
      assert.equal((await post(port, '/v1/logs', bodies.json, { 'Content-Type': 'application/json' })).status, 200);
      assert.deepEqual(
        logSink.payloads.map((p) => ({ kind: p.kind, bytes: Buffer.from(p.bytes) })),
        [
          { kind: 'protobuf', bytes: bodies.protobuf },
          { kind: 'json', bytes: bodies.json },
        ],
      );
      assert.equal(harness.receiver.stats.logRequests, 2);
      assert.equal(harness.receiver.stats.droppedLogBytes, 0);
      assert.deepEqual(harness.receiver.inFlight, { requests: 0, bytes: 0 });
    });

    it('answers a log sink that refuses the payload with 400, and one that fails with a retryable 503', async () => {
      const logSink = new RecordingLogSink();
      harness = await startHarness({ logSink });
      const port = harness.address.httpPort;
      logSink.failWith = new InvalidPayloadError('not OTLP logs');
      const invalid = await post(port, '/v1/logs', '{"resourceLogs": 7}', { 'Content-Type': 'application/json' });
      assert.equal(invalid.status, 400);
      assert.match(invalid.body.toString(), /not OTLP logs/);
      logSink.failWith = new Error('disk full');
      const failed = await post(port, '/v1/logs', sdkLogBodies().protobuf, { 'Content-Type': 'application/x-protobuf' });
      assert.equal(failed.status, 503);
      assert.equal(failed.headers['retry-after'], '1');
      assert.equal(harness.receiver.stats.logRequests, 0);
    });

    it('applies the trace limits: body size, gzip bombs, media types and the in-flight bounds', async () => {
      const logSink = new RecordingLogSink();
      harness = await startHarness({ logSink, maxBodyBytes: 1024, maxInFlightRequests: 1 });
      const port = harness.address.httpPort;
      for (const path of ['/v1/logs', '/v1/metrics']) {
        assert.equal((await post(port, path, ' '.repeat(4096), { 'Content-Type': 'application/json' })).status, 413, `${path} declared over the bound`);
        assert.equal((await post(port, path, ' '.repeat(4096), { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' })).status, 413, `${path} chunked over the bound`);
        assert.equal((await post(port, path, gzipSync(Buffer.alloc(1024 * 1024)), { 'Content-Type': 'application/x-protobuf', 'Content-Encoding': 'gzip' })).status, 413, `${path} gzip bomb`);
        assert.equal((await post(port, path, 'hello', { 'Content-Type': 'text/plain' })).status, 415);
        assert.equal((await post(port, path, '', {}, 'GET')).status, 405);
      }
      logSink.gated = true;
      const held = post(port, '/v1/logs', '{}', { 'Content-Type': 'application/json' });
      await until(() => logSink.pending === 1);
      const metrics = await post(port, '/v1/metrics', '{}', { 'Content-Type': 'application/json' });
      assert.equal(metrics.status, 429, 'the one in-flight slot is taken by the held log request');
      assert.equal(metrics.headers['retry-after'], '1');
      logSink.release();
      assert.equal((await held).status, 200);
      assert.equal(harness.receiver.stats.metricRequests, 0);
      assert.deepEqual(harness.receiver.inFlight, { requests: 0, bytes: 0 });
      // Traces still go to the trace sink, not the log sink.
      assert.equal((await post(port, '/v1/traces', otlpJsonOf(recordSdkSpans(1).slice(0, 1)), { 'Content-Type': 'application/json' })).status, 200);
      assert.equal(logSink.payloads.length, 1);
    });
  });

  describe('over OTLP/gRPC', () => {
    let session: ClientHttp2Session;
    afterEach(() => {
      session.close();
    });

    it('answers LogsService/Export and MetricsService/Export with OK and an empty response message, plain and gzip', async () => {
      const logSink = new RecordingLogSink();
      harness = await startHarness({ logSink });
      session = connect(harness.address.grpcEndpoint ?? '');
      const logs = sdkLogBodies();
      const metrics = await sdkMetricBodies();
      const answers = [
        await grpcCall(session, logsPath, grpcFramed(logs.protobuf)),
        await grpcCall(session, logsPath, grpcFramed(gzipSync(logs.protobuf), 1), { 'grpc-encoding': 'gzip' }),
        await grpcCall(session, metricsPath, grpcFramed(metrics.protobuf)),
        await grpcCall(session, metricsPath, grpcFramed(gzipSync(metrics.protobuf), 1), { 'grpc-encoding': 'gzip' }),
      ];
      for (const answer of answers) {
        assert.equal(grpcStatusOf(answer), '0', String(answer.headers['grpc-message']));
        assert.deepEqual([...answer.body], [0, 0, 0, 0, 0]);
      }
      assert.deepEqual(
        logSink.payloads.map((p) => ({ kind: p.kind, bytes: Buffer.from(p.bytes) })),
        [
          { kind: 'protobuf', bytes: logs.protobuf },
          { kind: 'protobuf', bytes: logs.protobuf },
        ],
      );
      assert.equal(harness.receiver.stats.logRequests, 2);
      assert.equal(harness.receiver.stats.metricRequests, 2);
      assert.equal(harness.receiver.stats.droppedMetricBytes, 2 * metrics.protobuf.length);
      assert.equal(harness.store.spanCount, 0);
      assert.deepEqual(harness.receiver.inFlight, { requests: 0, bytes: 0 });
    });

    it('bounds log and metric messages like trace messages', async () => {
      harness = await startHarness({ maxBodyBytes: 1024 });
      session = connect(harness.address.grpcEndpoint ?? '');
      for (const path of [logsPath, metricsPath]) {
        assert.equal(grpcStatusOf(await grpcCall(session, path, grpcFramed(Buffer.alloc(4096)))), '8');
        assert.equal(grpcStatusOf(await grpcCall(session, path, grpcFramed(gzipSync(Buffer.alloc(1024 * 1024)), 1), { 'grpc-encoding': 'gzip' })), '8');
        assert.equal(grpcStatusOf(await grpcCall(session, path, grpcFramed(Buffer.alloc(10), 2))), '13');
      }
      assert.equal(harness.receiver.stats.droppedLogBytes, 0);
      assert.equal(harness.receiver.stats.droppedMetricBytes, 0);
      await until(() => harness.receiver.inFlight.bytes === 0);
    });
  });
});
