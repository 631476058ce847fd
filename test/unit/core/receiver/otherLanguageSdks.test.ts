import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SpanKind, StatusCode, type Span } from '../../../../src/core/model/span';
import { javaClientJar, onPath, runSdkClient, sendJavaTraces, type SentSpans } from '../../../clients/java/sendJavaTraces';
import { startHarness, until, type Harness } from './receiverHarness';

const repoRoot = resolve(__dirname, '..', '..', '..', '..', '..');
const venvPython = resolve(repoRoot, '.vscode-test', 'python-otel', 'bin', 'python');
const pythonSender = resolve(repoRoot, 'test', 'clients', 'python', 'send_detailed_spans.py');

/**
 * In CI (`CI` set) a client that is not ready fails the test; on a developer machine without
 * the language it skips with one line saying what to install.
 */
function requireClient(context: Mocha.Context, what: string, ready: boolean, toolPresent: boolean, install: string, setup: string): void {
  if (ready) return;
  if ((process.env['CI'] ?? '') === '' && !toolPresent) {
    console.log(`      skipped: the ${what} tests need ${install}; then run bash ${setup}`);
    context.skip();
  }
  throw new Error(`the ${what} client is not ready here. Run bash ${setup}, which builds it.`);
}

function stringAttribute(attributes: Readonly<Record<string, unknown>>, key: string): string {
  const value = attributes[key];
  assert.equal(typeof value, 'string', `${key} is a string`);
  return value as string;
}

const kinds: Record<string, number> = { SERVER: SpanKind.Server, CLIENT: SpanKind.Client, INTERNAL: SpanKind.Internal };
const statuses: Record<string, number> = { UNSET: StatusCode.Unset, OK: StatusCode.Ok, ERROR: StatusCode.Error };

/** Every span the client says it delivered is stored with its ids, parent, name, kind, status, events, attributes and resource; nothing else is. */
async function assertAllFound(harness: Harness, sent: SentSpans, language: string, exceptionType: string): Promise<void> {
  const expected = sent.spans.length;
  assert.ok(expected > 0, 'the client delivered spans');
  // Normally stored before the export is acknowledged; a moment's grace, then the counts speak.
  await until(() => harness.store.spanCount >= expected, 3000).catch(() => undefined);
  assert.equal(harness.store.spanCount, expected, 'spans stored = spans the SDK delivered');
  assert.equal(harness.store.traceCount, new Set(sent.spans.map((s) => s.traceId)).size);
  for (const want of sent.spans) {
    const stored: Span | undefined = harness.store.getSpans(want.traceId)?.find((s) => s.spanId === want.spanId);
    assert.ok(stored, `${want.name} ${want.traceId}/${want.spanId} is in the store`);
    assert.equal(stored.name, want.name);
    assert.equal(stored.parentSpanId, want.parentSpanId ?? undefined);
    assert.equal(stored.kind, kinds[want.kind], `kind of ${want.name}`);
    assert.equal(stored.statusCode, statuses[want.status], `status of ${want.name}`);
    assert.equal(stored.events.length, want.events, `events of ${want.name}`);
    assert.equal(stored.resource.serviceName, sent.service);
    assert.equal(stored.resource.attributes['service.version'], '2.0.0');
    assert.equal(stored.resource.attributes['telemetry.sdk.language'], language);
    assert.ok(stored.endNs > stored.startNs || stored.endNs === stored.startNs, 'times are in order');
    switch (want.name) {
      case 'GET /orders/{id}':
        assert.equal(stored.attributes['http.route'], '/orders/{id}');
        assert.equal(stored.attributes['http.response.status_code'], 500);
        break;
      case 'SELECT orders':
        assert.equal(stored.events[0]?.name, 'cache miss');
        assert.match(stringAttribute(stored.events[0].attributes, 'cache.key'), /^order-\d+$/);
        break;
      case 'OrderService.charge': {
        assert.equal(stored.attributes['retries'], 2);
        assert.equal(stored.attributes['ratio'], 0.5);
        assert.equal(stored.attributes['ok'], false);
        assert.equal(stored.statusMessage, 'card declined');
        const exception = stored.events.find((e) => e.name === 'exception');
        assert.ok(exception, 'the recorded exception is an event');
        assert.equal(exception.attributes['exception.type'], exceptionType);
        assert.equal(exception.attributes['exception.message'], 'card declined');
        assert.match(stringAttribute(exception.attributes, 'exception.stacktrace'), /card declined/);
        break;
      }
      default:
        assert.fail(`unexpected span ${want.name}`);
    }
  }
}

describe('OtlpReceiver with the real OpenTelemetry Java and Python SDKs as clients', function () {
  // A JVM or a Python interpreter starts in one to three seconds on two cores.
  this.timeout(120_000);
  let harness: Harness;
  beforeEach(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await harness.close();
  });

  describe('Java (opentelemetry-sdk and opentelemetry-exporter-otlp 1.68.0)', () => {
    let jar: string;
    before(function () {
      const found = javaClientJar();
      requireClient(
        this,
        'OpenTelemetry Java SDK',
        found !== undefined && onPath('java', '-version'),
        onPath('java', '-version') && onPath('mvn', '-v'),
        'a JDK 17+ and Maven',
        'scripts/setup-sdks.sh',
      );
      jar = found ?? '';
    });

    for (const compression of ['none', 'gzip'] as const) {
      it(`stores every span the OTLP/HTTP protobuf exporter sends (compression: ${compression})`, async () => {
        const sent = await sendJavaTraces(jar, 'http', harness.address.httpEndpoint, 'orders-java', 20, compression);
        assert.equal(sent.spans.length, 60);
        await assertAllFound(harness, sent, 'java', 'java.lang.IllegalStateException');
      });

      it(`stores every span the OTLP/gRPC exporter sends (compression: ${compression})`, async () => {
        const endpoint = harness.address.grpcEndpoint;
        assert.ok(endpoint);
        const sent = await sendJavaTraces(jar, 'grpc', endpoint, 'orders-java', 20, compression);
        assert.equal(sent.spans.length, 60);
        await assertAllFound(harness, sent, 'java', 'java.lang.IllegalStateException');
      });
    }
  });

  describe('Python (opentelemetry-sdk with the OTLP proto HTTP and gRPC exporters)', () => {
    before(function () {
      requireClient(this, 'OpenTelemetry Python SDK', existsSync(venvPython) && existsSync(pythonSender), onPath('python3', '--version'), 'Python 3.9+ with venv', 'scripts/setup-servers.sh');
    });

    for (const compression of ['none', 'gzip'] as const) {
      it(`stores every span the OTLP/HTTP protobuf exporter sends (compression: ${compression})`, async () => {
        const sent = await runSdkClient(venvPython, [pythonSender, 'http', harness.address.httpEndpoint, 'orders-python', '20', compression]);
        assert.equal(sent.spans.length, 60);
        await assertAllFound(harness, sent, 'python', 'ValueError');
      });

      it(`stores every span the OTLP/gRPC exporter sends (compression: ${compression})`, async () => {
        const endpoint = harness.address.grpcEndpoint;
        assert.ok(endpoint);
        const sent = await runSdkClient(venvPython, [pythonSender, 'grpc', endpoint, 'orders-python', '20', compression]);
        assert.equal(sent.spans.length, 60);
        await assertAllFound(harness, sent, 'python', 'ValueError');
      });
    }
  });
});
