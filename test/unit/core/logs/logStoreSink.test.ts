import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer } from '@opentelemetry/otlp-transformer';
import { LocalLogStore } from '../../../../src/core/logs/localLogStore';
import { logStoreSink } from '../../../../src/core/logs/logStoreSink';
import { OtlpReceiver } from '../../../../src/core/receiver/otlpReceiver';
import type { TraceSink } from '../../../../src/core/store/traceSink';
import { grpcCall, grpcFramed, grpcStatusOf, post } from '../receiver/receiverHarness';
import { recordSdkLogs, sdkJsonOf, sdkProtobufOf, spanContextOf, spanId, traceId } from './sdkLogs';

const noTraces: TraceSink = { ingest: () => Promise.resolve(), isBackedUp: false };

describe('logStoreSink behind the OTLP receiver', () => {
  let directory: string;
  let store: LocalLogStore;
  let receiver: OtlpReceiver;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'spanlens-log-sink-'));
    store = await LocalLogStore.open({ directory });
    receiver = new OtlpReceiver({ sink: noTraces, logSink: logStoreSink(store), host: '127.0.0.1', port: 0, grpcPort: 'ephemeral' });
    await receiver.start();
  });

  afterEach(async () => {
    await receiver.stop();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('stores SDK logs posted as JSON and protobuf, and a reopened store still has them', async () => {
    const port = receiver.address?.httpPort ?? 0;
    const json = recordSdkLogs([
      { body: 'card declined', severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', attributes: { 'order.id': 7 }, context: spanContextOf() },
      { body: 'started', severityNumber: SeverityNumber.INFO },
    ]);
    const protobuf = recordSdkLogs([{ body: { retry: 1 }, severityNumber: SeverityNumber.WARN, context: spanContextOf() }], 'payments');
    const a = await post(port, '/v1/logs', gzipSync(sdkJsonOf(json)), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
    assert.equal(a.status, 200, a.body.toString());
    assert.deepEqual(JsonLogsSerializer.deserializeResponse(a.body), {});
    const b = await post(port, '/v1/logs', sdkProtobufOf(protobuf), { 'Content-Type': 'application/x-protobuf' });
    assert.equal(b.status, 200, b.body.toString());

    const check = (s: LocalLogStore): void => {
      const logs = s.logsForTrace(traceId);
      assert.deepEqual(
        logs.map((r) => [r.body, r.severityNumber, r.resource.serviceName, r.spanId]),
        [
          ['card declined', SeverityNumber.ERROR, 'checkout', spanId],
          [{ retry: 1 }, SeverityNumber.WARN, 'payments', spanId],
        ],
      );
      assert.deepEqual(s.logsForSpan(traceId, spanId), logs);
      assert.deepEqual(
        s.recentUncorrelated().map((r) => r.body),
        ['started'],
      );
    };
    check(store);
    assert.equal(receiver.stats.logRequests, 2);
    assert.equal(receiver.stats.droppedLogBytes, 0);

    await receiver.stop();
    await store.close();
    store = await LocalLogStore.open({ directory });
    check(store);
  });

  it('stores logs exported over gRPC', async () => {
    const session = connect(`http://127.0.0.1:${receiver.address?.grpcPort ?? 0}`);
    try {
      const answer = await grpcCall(session, '/opentelemetry.proto.collector.logs.v1.LogsService/Export', grpcFramed(sdkProtobufOf(recordSdkLogs([{ body: 'over grpc', context: spanContextOf() }]))));
      assert.equal(grpcStatusOf(answer), '0');
    } finally {
      session.close();
    }
    assert.deepEqual(
      store.logsForTrace(traceId).map((r) => r.body),
      ['over grpc'],
    );
  });

  it('answers a malformed body 400 with where it is wrong, and stores nothing of it', async () => {
    const port = receiver.address?.httpPort ?? 0;
    const bad = Buffer.from(JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: 'noon' }] }] }] }));
    const answer = await post(port, '/v1/logs', bad, { 'Content-Type': 'application/json' });
    assert.equal(answer.status, 400);
    assert.match(answer.body.toString(), /resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[0\]\.timeUnixNano/);
    const proto = await post(port, '/v1/logs', Buffer.from([0x0a, 0x05, 0x12]), { 'Content-Type': 'application/x-protobuf' });
    assert.equal(proto.status, 400);
    assert.equal(store.recordCount, 0);
  });

  it('answers 503 when the store cannot write, so the exporter retries', async () => {
    const port = receiver.address?.httpPort ?? 0;
    await store.close();
    const answer = await post(port, '/v1/logs', sdkJsonOf(recordSdkLogs([{ body: 'lost?' }])), { 'Content-Type': 'application/json' });
    assert.equal(answer.status, 503);
  });
});
