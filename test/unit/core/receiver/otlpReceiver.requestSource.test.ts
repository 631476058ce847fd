import * as assert from 'node:assert/strict';
import { connect, type ClientHttp2Session } from 'node:http2';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { otlpJsonOf, otlpProtobufOf, recordSdkSpans } from '../../sdkTraces';
import { exportPath, grpcCall, grpcFramed, grpcStatusOf, post, startHarness, type Harness, type RawResponse } from './receiverHarness';

function exportSpans(exporter: SpanExporter, spans: ReadableSpan[]): Promise<ExportResult> {
  return new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
}

/** The message of an error answer, whichever encoding it came in. */
function messageOf(res: RawResponse): string {
  const type = String(res.headers['content-type']);
  if (type.startsWith('application/json')) return (JSON.parse(res.body.toString()) as { message: string }).message;
  return res.body.toString();
}

/** A Zipkin v2 span, enough for the receiver to store one. */
const zipkinBody = JSON.stringify([
  { traceId: '5af7183fb1d4cf5f5af7183fb1d4cf5f', id: '352bff9a74ca9ad2', name: 'get /', timestamp: 1_700_000_000_000_000, duration: 1000, localEndpoint: { serviceName: 'checkout' } },
]);

describe('OtlpReceiver: requests from web pages and other hosts', () => {
  let harness: Harness;
  afterEach(async () => {
    await harness.close();
  });

  describe('the Host header', () => {
    beforeEach(async () => {
      harness = await startHarness();
    });

    it('refuses a request addressed to another name (DNS rebinding) with 403 and a message, on OTLP and Zipkin', async () => {
      const port = harness.address.httpPort;
      for (const host of [`attacker.example:${port}`, 'attacker.example', `localhost.attacker.example:${port}`, `192.168.1.10:${port}`]) {
        const otlp = await post(port, '/v1/traces', otlpJsonOf(recordSdkSpans(1)), { 'Content-Type': 'application/json', Host: host });
        assert.equal(otlp.status, 403, `Host ${host}`);
        assert.match(messageOf(otlp), /Host .* is not a loopback name.*DNS rebinding/);
        const zipkin = await post(port, '/api/v2/spans', zipkinBody, { 'Content-Type': 'application/json', Host: host });
        assert.equal(zipkin.status, 403, `Host ${host} on the Zipkin path`);
        assert.match(messageOf(zipkin), /is not a loopback name/);
      }
      assert.equal(harness.store.spanCount, 0);
    });

    it('accepts localhost, names under .localhost and loopback addresses, with or without the port', async () => {
      const port = harness.address.httpPort;
      const hosts = ['localhost', `localhost:${port}`, `app.localhost:${port}`, '127.0.0.1', `127.0.0.1:${port}`, `127.3.4.5:${port}`, `[::1]:${port}`, '[::1]'];
      for (const host of hosts) {
        const res = await post(port, '/v1/traces', otlpJsonOf(recordSdkSpans(1)), { 'Content-Type': 'application/json', Host: host });
        assert.equal(res.status, 200, `Host ${host}: ${res.body.toString()}`);
      }
      assert.equal((await post(port, '/api/v2/spans', zipkinBody, { 'Content-Type': 'application/json', Host: `localhost:${port}` })).status, 202);
      assert.equal(harness.store.spanCount, hosts.length * 3 + 1);
    });

    it('keeps serving the real OTLP/HTTP and OTLP/gRPC exporters pointed at localhost', async () => {
      const spans = recordSdkSpans(2);
      const http = new HttpJsonExporter({ url: `http://localhost:${harness.address.httpPort}/v1/traces` });
      const grpc = new GrpcExporter({ url: `http://localhost:${harness.address.grpcPort ?? 0}` });
      const results = [await exportSpans(http, spans.slice(0, 3)), await exportSpans(grpc, spans.slice(3))];
      await http.shutdown();
      await grpc.shutdown();
      for (const result of results) assert.equal(result.code, ExportResultCode.SUCCESS, result.error?.message);
      assert.equal(harness.store.spanCount, spans.length);
    });
  });

  describe('OTLP/gRPC :authority', () => {
    let session: ClientHttp2Session;
    beforeEach(async () => {
      harness = await startHarness();
      session = connect(harness.address.grpcEndpoint ?? '');
    });
    afterEach(() => {
      session.close();
    });

    it('refuses an export addressed to another name with PERMISSION_DENIED and a message', async () => {
      const answer = await grpcCall(session, exportPath, grpcFramed(otlpProtobufOf(recordSdkSpans(1))), { ':authority': `attacker.example:${harness.address.grpcPort ?? 0}` });
      assert.equal(grpcStatusOf(answer), '7');
      assert.match(decodeURIComponent(String(answer.headers['grpc-message'])), /is not a loopback name/);
      const browser = await grpcCall(session, exportPath, grpcFramed(otlpProtobufOf(recordSdkSpans(1))), { origin: 'http://attacker.example' });
      assert.equal(grpcStatusOf(browser), '7');
      assert.equal(harness.store.spanCount, 0);
      const loopback = await grpcCall(session, exportPath, grpcFramed(otlpProtobufOf(recordSdkSpans(1))), { ':authority': `localhost:${harness.address.grpcPort ?? 0}` });
      assert.equal(grpcStatusOf(loopback), '0');
    });
  });

  describe('the Origin header', () => {
    it('refuses requests from web pages with 403 when no origin is allowed, preflights included', async () => {
      harness = await startHarness();
      const port = harness.address.httpPort;
      for (const origin of ['http://attacker.example', `http://localhost:${port}`, 'null']) {
        const otlp = await post(port, '/v1/traces', otlpJsonOf(recordSdkSpans(1)), { 'Content-Type': 'application/json', Origin: origin });
        assert.equal(otlp.status, 403, `Origin ${origin}`);
        assert.match(messageOf(otlp), /web page/);
        assert.equal(otlp.headers['access-control-allow-origin'], undefined);
        // text/plain is what a page can send without a preflight.
        const simple = await post(port, '/api/v2/spans', zipkinBody, { 'Content-Type': 'text/plain', Origin: origin });
        assert.equal(simple.status, 403);
        const preflight = await post(port, '/v1/traces', '', { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' }, 'OPTIONS');
        assert.equal(preflight.status, 403);
        assert.equal(preflight.headers['access-control-allow-origin'], undefined);
      }
      assert.equal(harness.store.spanCount, 0);
    });

    it('lets an allowed origin through, with CORS headers on the preflight and the answer; other origins still get 403', async () => {
      const allowed = 'http://localhost:5173';
      harness = await startHarness({ allowedOrigins: [allowed, 'https://app.localhost'] });
      const port = harness.address.httpPort;
      const preflight = await post(port, '/v1/traces', '', { Origin: allowed, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, content-encoding' }, 'OPTIONS');
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], allowed);
      assert.match(String(preflight.headers['access-control-allow-methods']), /\bPOST\b/);
      assert.match(String(preflight.headers['access-control-allow-headers']).toLowerCase(), /content-type/);
      assert.match(String(preflight.headers['access-control-allow-headers']).toLowerCase(), /content-encoding/);
      assert.match(String(preflight.headers['vary']), /Origin/);

      const spans = recordSdkSpans(1);
      const res = await post(port, '/v1/traces', otlpJsonOf(spans), { 'Content-Type': 'application/json', Origin: allowed });
      assert.equal(res.status, 200);
      assert.equal(res.headers['access-control-allow-origin'], allowed);
      const zipkin = await post(port, '/api/v2/spans', zipkinBody, { 'Content-Type': 'application/json', Origin: 'https://app.localhost' });
      assert.equal(zipkin.status, 202);
      assert.equal(zipkin.headers['access-control-allow-origin'], 'https://app.localhost');
      // A page from an allowed origin can read why a request failed, too.
      const bad = await post(port, '/v1/traces', '{', { 'Content-Type': 'application/json', Origin: allowed });
      assert.equal(bad.status, 400);
      assert.equal(bad.headers['access-control-allow-origin'], allowed);

      // Exact match only: another port, scheme or a trailing slash is another origin.
      for (const other of ['http://localhost:5174', 'https://localhost:5173', `${allowed}/`, 'http://attacker.example']) {
        const refused = await post(port, '/v1/traces', otlpJsonOf(recordSdkSpans(1)), { 'Content-Type': 'application/json', Origin: other });
        assert.equal(refused.status, 403, `Origin ${other}`);
        const refusedPreflight = await post(port, '/v1/traces', '', { Origin: other, 'Access-Control-Request-Method': 'POST' }, 'OPTIONS');
        assert.equal(refusedPreflight.status, 403, `preflight from ${other}`);
      }
      assert.equal(harness.store.spanCount, spans.length + 1);
    });
  });
});
