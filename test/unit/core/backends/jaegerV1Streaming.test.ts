import * as assert from 'node:assert/strict';
import { BackendError, describeBackendFailure, type BackendFailure } from '../../../../src/core/backends/backendError';
import { createTraceBackend, type CreateBackendOptions } from '../../../../src/core/backends/createTraceBackend';
import type { TraceBackend } from '../../../../src/core/backends/traceBackend';
import { decodeJaegerJson, serviceNotKnownYet } from '../../../../src/core/formats/jaegerJson';
import type { Span } from '../../../../src/core/model/span';
import { haveSharedFixtures, readFixture } from '../../sharedFixtures';
import { startFakeJaeger, type FakeJaegerOptions } from './fakeBackends';
import { FakeClock, rejection, type TestServer } from './testServer';

const clock = new FakeClock();

/** Recorded Jaeger v1 traces (fixtures/SOURCES.md) with hex trace ids, so getTrace can ask for them. */
const wrapped = ['jaeger/otlp2jaeger-out.json', 'jaeger-ui/otlp2jaeger-out.json', 'jaeger-ui/oltp2jaeger-multi-out.json'];
const bare = [
  'jaeger/ui_01.json',
  'jaeger-ui/spansAmongEachOther.json',
  'jaeger-ui/spanAmongEachOtherGroupedAndSpans.json',
  'jaeger-ui/testTraceNormal.json',
  'jaeger-ui/traceWithSingleChildLongerThanParentAndStartsAfterParent.json',
];

/** A bare Trace as `/api/traces/{id}` wraps it, its recorded bytes kept as they are. */
function asResponse(traces: readonly string[]): string {
  return `{"data":[${traces.join(',')}],"total":0,"limit":0,"offset":0,"errors":null}`;
}

/** The body of a fixture as the query service answers it. */
function fixtureBody(name: string): string {
  const text = readFixture(name).toString('utf8');
  return wrapped.includes(name) ? text : asResponse([text]);
}

/** The same response with each trace's `processes` written before its `spans`. */
function processesFirst(body: string): string {
  const doc = JSON.parse(body) as { data: Record<string, unknown>[] };
  return JSON.stringify({ ...doc, data: doc.data.map(({ processes, ...rest }) => ({ processes, ...rest })) });
}

function traceIdOf(body: string): string {
  const first = (JSON.parse(body) as { data: { traceID: string }[] }).data[0];
  assert.ok(first);
  return first.traceID.padStart(32, '0');
}

async function failureOf(promise: Promise<unknown>): Promise<BackendFailure> {
  const error = await rejection(promise);
  assert.ok(error instanceof BackendError, `expected BackendError, got ${String(error)}`);
  return error.failure;
}

describe('Jaeger v1 streaming (data.*.spans, data.*.processes)', () => {
  let server: TestServer | undefined;
  let backend: TraceBackend | undefined;
  let log: string[] = [];
  before(function () {
    if (!haveSharedFixtures()) {
      console.warn('    skipped: ../shared/fixtures is absent (the recorded Jaeger v1 traces these tests replay)');
      this.skip();
    }
  });
  afterEach(async () => {
    await backend?.dispose();
    await server?.close();
    server = undefined;
    backend = undefined;
  });

  async function start(options: Partial<FakeJaegerOptions>, extra: CreateBackendOptions = {}): Promise<TraceBackend> {
    server = await startFakeJaeger({ api: 'v1', services: ['frontend'], ...options }, clock.nowMs);
    log = [];
    backend = await createTraceBackend({ name: 'jaeger', type: 'jaeger', url: server.url }, undefined, { clock, retryBaseDelayMs: 1, timeoutMs: 5000, log: (line) => log.push(line), ...extra });
    return backend;
  }

  for (const name of [...wrapped, ...bare]) {
    for (const order of ['processes after spans', 'processes first'] as const) {
      it(`${name}, ${order}, in 41-byte pieces: the trace equals the whole-body decode, and spans arrived early`, async () => {
        const body = order === 'processes first' ? processesFirst(fixtureBody(name)) : fixtureBody(name);
        const id = traceIdOf(body);
        const jaeger = await start({ v1Traces: { [id]: body }, chunkBytes: 41 });
        const batches: (readonly Span[])[] = [];
        const fetched = await jaeger.getTrace(id, undefined, (spans) => batches.push(spans));
        const expected = decodeJaegerJson(JSON.parse(body));
        assert.deepEqual(
          fetched.spans,
          expected.spans.filter((s) => s.traceId === id),
        );
        assert.deepEqual(fetched.warnings, expected.warnings);
        assert.equal(fetched.format, 'jaeger-json');
        assert.ok(
          log.some((line) => /\/api\/traces\/[0-9a-f]+ → 200 \(\d+ bytes streamed/.test(line)),
          log.join('\n'),
        );
        assert.ok(batches.length > 1, `spans came in ${batches.length} batch(es)`);
        const early = batches.flat();
        assert.equal(early.length, fetched.spans.length, 'every span was handed over while streaming');
        const unknown = early.filter((s) => s.resource.serviceName === serviceNotKnownYet).length;
        if (order === 'processes first') assert.equal(unknown, 0, 'services are known at once when processes come first');
        else assert.ok(unknown > 0, 'spans before their processes say their service is not known yet');
        assert.ok(!fetched.spans.some((s) => s.resource.serviceName === serviceNotKnownYet));
      });
    }
  }

  it('searches a v1 answer of several traces (all recorded fixtures) to what the whole-body decode gives', async () => {
    const texts = [...bare.map((name) => readFixture(name).toString('utf8')), readFixture('jaeger-ui/testTrace.json').toString('utf8')];
    const body = asResponse(texts);
    const jaeger = await start({ v1Search: body, chunkBytes: 53 });
    const result = await jaeger.searchSpans({ service: 'frontend', limit: 20 });
    const expected = decodeJaegerJson(JSON.parse(body));
    assert.deepEqual(result.spans, expected.spans);
    assert.equal(result.traceCount, new Set(expected.spans.map((s) => s.traceId)).size);
    const summaries = await jaeger.search({ service: 'frontend', limit: 20 });
    assert.equal(summaries.length, result.traceCount);
    assert.ok(!summaries.some((s) => s.rootService === serviceNotKnownYet));
    assert.ok(
      log.some((line) => /\/api\/traces\?.* → 200 \(\d+ bytes streamed/.test(line)),
      log.join('\n'),
    );
  });

  it('reports a v1 trace cut short as truncated', async () => {
    const body = fixtureBody('jaeger-ui/spansAmongEachOther.json');
    const id = traceIdOf(body);
    const jaeger = await start({ v1Traces: { [id]: body.slice(0, Math.floor(body.length * 0.6)) }, chunkBytes: 97 });
    const failure = await failureOf(jaeger.getTrace(id));
    assert.equal(failure.kind, 'undecodable');
    assert.match(describeBackendFailure('jaeger', failure), /truncated/);
  });

  it('keeps a v1 search under the response size bound', async () => {
    const body = asResponse(Array.from({ length: 40 }, () => readFixture('jaeger-ui/spanAmongEachOtherGroupedAndSpans.json').toString('utf8')));
    const jaeger = await start({ v1Search: body, chunkBytes: 4096 }, { maxResponseBytes: 64 * 1024 });
    assert.deepEqual(await failureOf(jaeger.searchSpans({ service: 'frontend' })), { kind: 'tooLarge', limit: 64 * 1024 });
  });

  it('says a v1 search answered with an HTML page or with text that is not JSON', async () => {
    const html = await start({ v1Search: '<!doctype html><title>Sign in</title>' });
    assert.match(describeBackendFailure('jaeger', await failureOf(html.search({ service: 'frontend' }))), /HTML page/);
    await backend?.dispose();
    await server?.close();
    const garbled = await start({ v1Search: '{"data":[{"traceID":"1","spans":[{"spanID":tru' });
    assert.match(describeBackendFailure('jaeger', await failureOf(garbled.search({ service: 'frontend' }))), /valid JSON|truncated/);
  });
});
