import * as assert from 'node:assert/strict';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber, type LogRecord as SdkLogRecord } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { LogRecord as DecodedLogRecord } from '../../../../src/core/logs/logRecord';
import { InvalidPayloadError } from '../../../../src/core/receiver/ingestPayload';

/**
 * Log records made by the real OpenTelemetry JS SDK, and the request bodies its OTLP serializers
 * write for them, so the tests check SpanLens reads what real exporters send.
 */

export const traceId = '5b8efff798038103d269b633813fc60c';
export const spanId = 'eee19b7ec3c1b174';
export const otherSpanId = '0123456789abcdef';
/** 2023-11-14T22:13:20.123456789Z */
export const timeNs = 1_700_000_000_123_456_789n;
export const observedTimeNs = 1_700_000_000_223_456_789n;

/** A context whose active span is `spanId` of `traceId` (sampled), as an instrumented request has. */
export function spanContextOf(trace_: string = traceId, span: string = spanId): ReturnType<typeof context.active> {
  return trace.setSpanContext(context.active(), { traceId: trace_, spanId: span, traceFlags: TraceFlags.SAMPLED });
}

/** The SDK's finished records for `emit`s made through one logger of a provider with `serviceName`. */
export function recordSdkLogs(emits: readonly SdkLogRecord[], serviceName = 'checkout', scope: { name: string; version?: string } = { name: 'spanlens-tests', version: '0.1.0' }): ReadableLogRecord[] {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName, 'service.version': '1.2.3' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger(scope.name, scope.version);
  for (const emit of emits) logger.emit(emit);
  const records = [...exporter.getFinishedLogRecords()];
  void provider.shutdown();
  return records;
}

/** One record of every body type, correlated and not, at known times. */
export function variedSdkLogs(): ReadableLogRecord[] {
  const at = { timestamp: [1_700_000_000, 123_456_789] as [number, number], observedTimestamp: [1_700_000_000, 223_456_789] as [number, number] };
  return recordSdkLogs([
    {
      ...at,
      body: 'order 7 placed',
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      attributes: { 'order.id': 7, 'order.total': 12.5, vip: true, tags: ['a', 'b'] },
      context: spanContextOf(),
    },
    {
      ...at,
      body: { status: 402, reason: 'card declined', retry: false, nested: { list: [1, 'two'] } },
      severityNumber: SeverityNumber.ERROR,
      severityText: 'ERROR',
      context: spanContextOf(traceId, otherSpanId),
    },
    { ...at, body: 42, severityNumber: SeverityNumber.DEBUG2 },
    { ...at, body: 2.5 },
    { ...at, body: true, eventName: 'checkout.started', context: spanContextOf() },
    { ...at, body: ['x', 1, false] },
    { ...at, body: new Uint8Array([0, 1, 254, 255]), severityNumber: SeverityNumber.FATAL4 },
    { ...at, attributes: { 'http.route': '/cart' } },
  ]);
}

export function sdkJsonOf(records: ReadableLogRecord[]): Buffer {
  const bytes = JsonLogsSerializer.serializeRequest(records);
  if (!bytes) throw new Error('the SDK serializer returned nothing');
  return Buffer.from(bytes);
}

export function sdkProtobufOf(records: ReadableLogRecord[]): Buffer {
  const bytes = ProtobufLogsSerializer.serializeRequest(records);
  if (!bytes) throw new Error('the SDK serializer returned nothing');
  return Buffer.from(bytes);
}

/** What variedSdkLogs decodes to, whichever encoding carried it. */
export function assertVariedRecords(records: readonly DecodedLogRecord[]): void {
  assert.equal(records.length, 8);
  const [order, declined, int, double, event, array, bytes, noBody] = records as [
    DecodedLogRecord,
    DecodedLogRecord,
    DecodedLogRecord,
    DecodedLogRecord,
    DecodedLogRecord,
    DecodedLogRecord,
    DecodedLogRecord,
    DecodedLogRecord,
  ];
  for (const record of records) {
    assert.equal(record.timeNs, timeNs);
    assert.equal(record.observedTimeNs, observedTimeNs);
    assert.equal(record.resource.serviceName, 'checkout');
    assert.equal(record.resource.attributes['service.version'], '1.2.3');
    assert.deepEqual(record.scope, { name: 'spanlens-tests', version: '0.1.0', attributes: {} });
    assert.equal(record.resource, order.resource, 'one resource object per ResourceLogs');
  }
  assert.equal(order.traceId, traceId);
  assert.equal(order.spanId, spanId);
  assert.equal(order.flags, TraceFlags.SAMPLED);
  assert.equal(order.severityNumber, SeverityNumber.INFO);
  assert.equal(order.severityText, 'INFO');
  assert.equal(order.body, 'order 7 placed');
  assert.deepEqual(order.attributes, { 'order.id': 7, 'order.total': 12.5, vip: true, tags: ['a', 'b'] });
  assert.equal(order.eventName, undefined);

  assert.equal(declined.traceId, traceId);
  assert.equal(declined.spanId, otherSpanId);
  assert.equal(declined.severityNumber, SeverityNumber.ERROR);
  assert.deepEqual(declined.body, { status: 402, reason: 'card declined', retry: false, nested: { list: [1, 'two'] } });

  assert.equal(int.traceId, undefined, 'no span context: no ids');
  assert.equal(int.spanId, undefined);
  assert.equal(int.flags, 0);
  assert.equal(int.body, 42);
  assert.equal(int.severityNumber, SeverityNumber.DEBUG2);
  assert.equal(double.body, 2.5);
  assert.equal(double.severityNumber, 0);
  assert.equal(double.severityText, undefined);
  assert.equal(event.body, true);
  assert.equal(event.eventName, 'checkout.started');
  assert.equal(event.spanId, spanId);
  assert.deepEqual(array.body, ['x', 1, false]);
  assert.deepEqual(bytes.body, new Uint8Array([0, 1, 254, 255]));
  assert.equal(bytes.severityNumber, SeverityNumber.FATAL4);
  assert.equal(noBody.body, null);
  assert.deepEqual(noBody.attributes, { 'http.route': '/cart' });
}

/** Asserts that `decode` refuses `bytes` with an InvalidPayloadError (the receiver's 400) whose message matches. */
export function assertRefused(decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array, message: RegExp): void {
  assert.throws(
    () => decode(bytes),
    (error: unknown) => {
      assert.ok(error instanceof InvalidPayloadError, String(error));
      assert.match(error.message, message);
      return true;
    },
  );
}
