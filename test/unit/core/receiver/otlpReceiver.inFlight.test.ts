import * as assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, constants as http2Constants, type ClientHttp2Session } from 'node:http2';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpReceiver } from '../../../../src/core/receiver/otlpReceiver';
import { otlpJsonOf, otlpProtobufOf, recordSdkSpans } from '../../sdkTraces';
import { exportPath, grpcCall, grpcFramed, grpcStatusOf, post, startHarness, until, type Harness } from './receiverHarness';

function exportSpans(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
}

async function assertNothingInFlight(receiver: OtlpReceiver): Promise<void> {
  // The server may still be settling the last stream when the client has its answer.
  await until(() => receiver.inFlight.bytes === 0 && receiver.inFlight.requests === 0, 2_000, `an idle receiver (holding ${JSON.stringify(receiver.inFlight)})`).catch(() => undefined);
  assert.deepEqual(receiver.inFlight, { requests: 0, bytes: 0 });
}

/** Sends part of a gRPC message, waits until the receiver holds it, then resets the stream. */
function abortGrpcExport(session: ClientHttp2Session, receiver: OtlpReceiver, partial: Buffer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': exportPath, 'content-type': 'application/grpc', te: 'trailers' });
    stream.on('error', () => undefined);
    stream.on('close', () => resolve());
    stream.write(partial);
    until(() => receiver.inFlight.bytes > 0, 2_000, 'the receiver holding the partial message').then(
      () => stream.close(http2Constants.NGHTTP2_CANCEL),
      (error: unknown) => {
        stream.close(http2Constants.NGHTTP2_CANCEL);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

type UploadOutcome = { readonly status: number; readonly retryAfter: string | undefined } | { readonly status: 'reset' };

/**
 * A chunked upload (no Content-Length) that sends `body` in `chunkBytes` pieces `gapMs` apart, as
 * a slow client would. It stops sending as soon as an answer arrives, as a real client does.
 */
function slowChunkedUpload(port: number, body: Buffer, chunkBytes: number, gapMs: number): Promise<UploadOutcome> {
  return new Promise<UploadOutcome>((resolve) => {
    let answered = false;
    const req = request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (res) => {
      answered = true;
      const retryAfter = res.headers['retry-after'];
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, retryAfter }));
    });
    req.on('error', () => {
      if (!answered) resolve({ status: 'reset' });
    });
    let offset = 0;
    const sendNext = (): void => {
      if (answered || req.destroyed) return;
      const end = Math.min(offset + chunkBytes, body.length);
      const chunk = body.subarray(offset, end);
      offset = end;
      if (offset >= body.length) req.end(chunk);
      else {
        req.write(chunk);
        setTimeout(sendNext, gapMs);
      }
    };
    sendNext();
  });
}

/** A valid OTLP JSON body of exactly `bytes` bytes: leading whitespace is insignificant in JSON. */
function paddedJsonBody(bytes: number): Buffer {
  const json = otlpJsonOf(recordSdkSpans(1));
  assert.ok(json.length < bytes);
  return Buffer.from(' '.repeat(bytes - json.length) + json);
}

describe('OtlpReceiver in-flight accounting', () => {
  let harness: Harness;
  afterEach(async () => {
    await harness.close();
  });

  describe('OTLP/gRPC', () => {
    let session: ClientHttp2Session;
    afterEach(() => {
      session.close();
    });

    it('releases the bytes of oversized and reset messages, so a later export is still accepted', async function () {
      this.timeout(30_000);
      // With these bounds, four leaked oversized messages would fill the in-flight budget.
      harness = await startHarness({ maxBodyBytes: 64 * 1024, maxInFlightBytes: 256 * 1024 });
      session = connect(harness.address.grpcEndpoint ?? '');
      for (let i = 0; i < 20; i++) {
        const big = await grpcCall(session, exportPath, grpcFramed(Buffer.alloc(192 * 1024, 0x20)));
        assert.equal(grpcStatusOf(big), '8', `oversized message ${i} is refused with RESOURCE_EXHAUSTED`);
      }
      await assertNothingInFlight(harness.receiver);
      const partial = grpcFramed(Buffer.alloc(48 * 1024, 0x20)).subarray(0, 40 * 1024);
      for (let i = 0; i < 20; i++) await abortGrpcExport(session, harness.receiver, partial);
      await assertNothingInFlight(harness.receiver);

      const answer = await grpcCall(session, exportPath, grpcFramed(otlpProtobufOf(recordSdkSpans(1))));
      assert.equal(grpcStatusOf(answer), '0', String(answer.headers['grpc-message']));
      const spans = recordSdkSpans(1);
      const exporter = new GrpcExporter({ url: harness.address.grpcEndpoint ?? '' });
      const result = await exportSpans(exporter, spans);
      await exporter.shutdown();
      assert.equal(result.code, ExportResultCode.SUCCESS, result.error?.message);
      assert.equal(harness.store.spanCount, 6);
      await assertNothingInFlight(harness.receiver);
    });

    it('refuses a message whose compressed flag is neither 0 nor 1 with INTERNAL, and releases its bytes', async () => {
      harness = await startHarness();
      session = connect(harness.address.grpcEndpoint ?? '');
      for (const flag of [2, 0x80, 0xff]) {
        const answer = await grpcCall(session, exportPath, grpcFramed(otlpProtobufOf(recordSdkSpans(1)), flag));
        assert.equal(grpcStatusOf(answer), '13', `flag ${flag} is refused with INTERNAL`);
        assert.match(decodeURIComponent(String(answer.headers['grpc-message'])), /compressed flag/);
      }
      assert.equal(harness.store.spanCount, 0);
      await assertNothingInFlight(harness.receiver);
      assert.equal(grpcStatusOf(await grpcCall(session, exportPath, grpcFramed(otlpProtobufOf(recordSdkSpans(1))))), '0');
    });
  });

  describe('OTLP/HTTP bodies without Content-Length', () => {
    it('counts chunked bodies while they arrive: slow uploads past the budget are turned away with Retry-After, and the count returns to 0', async function () {
      this.timeout(30_000);
      const maxInFlightBytes = 128 * 1024;
      harness = await startHarness({ maxBodyBytes: 64 * 1024, maxInFlightBytes, maxInFlightRequests: 64 });
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, harness.receiver.inFlight.bytes)), 1);
      let outcomes: UploadOutcome[];
      try {
        // 12 uploads of 48 KiB in 8 KiB pieces: 576 KiB at once if nothing held them back.
        outcomes = await Promise.all(Array.from({ length: 12 }, () => slowChunkedUpload(harness.address.httpPort, paddedJsonBody(48 * 1024), 8 * 1024, 15)));
      } finally {
        clearInterval(sampler);
      }
      const accepted = outcomes.filter((o) => o.status === 200).length;
      const throttled = outcomes.filter((o) => o.status === 429 || o.status === 503);
      assert.equal(accepted + throttled.length, outcomes.length, `unexpected answers: ${JSON.stringify(outcomes)}`);
      assert.ok(throttled.length > 0, `some uploads are turned away (answers: ${JSON.stringify(outcomes)})`);
      assert.ok(accepted > 0, 'some uploads get through');
      for (const o of throttled) assert.ok('retryAfter' in o && o.retryAfter !== undefined, 'a throttled upload is told when to retry');
      assert.ok(peak <= maxInFlightBytes, `the receiver held ${peak} bytes at most, within its budget of ${maxInFlightBytes}`);
      assert.ok(harness.receiver.stats.throttledRequests >= throttled.length);
      await until(() => harness.store.spanCount === accepted * 3);
      await assertNothingInFlight(harness.receiver);
      assert.equal((await post(harness.address.httpPort, '/v1/traces', otlpJsonOf(recordSdkSpans(1)), { 'Content-Type': 'application/json' })).status, 200);
    });

    it('releases the bytes of chunked uploads whose client goes away', async () => {
      harness = await startHarness({ maxBodyBytes: 64 * 1024, maxInFlightBytes: 128 * 1024 });
      for (let i = 0; i < 10; i++) {
        await new Promise<void>((resolve) => {
          const req = request({
            host: '127.0.0.1',
            port: harness.address.httpPort,
            path: '/v1/traces',
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
          });
          req.on('error', () => undefined);
          req.on('close', () => resolve());
          req.write(Buffer.alloc(32 * 1024, 0x20));
          void until(() => harness.receiver.inFlight.bytes > 0, 2_000)
            .catch(() => undefined)
            .then(() => req.destroy());
        });
      }
      await assertNothingInFlight(harness.receiver);
      assert.equal((await post(harness.address.httpPort, '/v1/traces', otlpJsonOf(recordSdkSpans(1)), { 'Content-Type': 'application/json' })).status, 200);
      await assertNothingInFlight(harness.receiver);
    });
  });
});
