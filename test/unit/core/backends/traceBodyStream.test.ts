import * as assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { BackendError, describeBackendFailure, type BackendFailure } from '../../../../src/core/backends/backendError';
import { BackendHttpClient, type HttpClientOptions } from '../../../../src/core/backends/backendHttpClient';
import { createTraceBackend } from '../../../../src/core/backends/createTraceBackend';
import type { SourceType } from '../../../../src/core/backends/sourceConfig';
import { getJsonStream } from '../../../../src/core/backends/traceBodyStream';
import type { TraceBackend } from '../../../../src/core/backends/traceBackend';
import { decodeJaegerJson } from '../../../../src/core/formats/jaegerJson';
import { decodeOtlpJson } from '../../../../src/core/formats/otlpJson';
import { decodeZipkinJson } from '../../../../src/core/formats/zipkinJson';
import { FakeClock, rejection, sendJson, TestServer } from './testServer';

const token = 'tok-SECRET-77aa';
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const startNs = 1_760_000_000_000_000_000n;

/** An OTLP resourceSpans entry with `count` spans of one service, ids from `first`. */
function resource(service: string, first: number, count: number): Record<string, unknown> {
  const spans = [];
  for (let i = first; i < first + count; i++) {
    const start = startNs + BigInt(i) * 1000n;
    spans.push({
      traceId,
      spanId: (i + 1).toString(16).padStart(16, '0'),
      ...(i === 0 ? {} : { parentSpanId: '0000000000000001' }),
      name: `op-${i}`,
      kind: 2,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + 500n).toString(),
    });
  }
  return { resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ scope: { name: 'test' }, spans }] };
}

function v3Body(resources: number): string {
  const list = [];
  for (let r = 0; r < resources; r++) list.push(resource(`svc-${r}`, r * 5, 5));
  return JSON.stringify({ result: { resourceSpans: list } });
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes `body` in `size`-byte pieces with a pause after each. Before the last piece it waits
 * for `gate` (or 2 s), so a client that only decodes after the last byte cannot pass the gate.
 */
async function trickle(res: ServerResponse, body: string, size: number, gate?: Promise<void>): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json' });
  const bytes = Buffer.from(body);
  for (let offset = 0; offset < bytes.length; offset += size) {
    const last = offset + size >= bytes.length;
    if (last && gate) await Promise.race([gate, delay(2000)]);
    res.write(bytes.subarray(offset, offset + size));
    await delay(1);
  }
  res.end();
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function failureOf(promise: Promise<unknown>): Promise<BackendFailure> {
  const error = await rejection(promise);
  assert.ok(error instanceof BackendError, `expected a BackendError, got ${String(error)}`);
  assert.ok(!error.message.includes(token), 'the message never holds the token');
  return error.failure;
}

describe('streamed trace bodies (TraceBodyStream, getStream)', () => {
  const servers: TestServer[] = [];
  const backends: TraceBackend[] = [];
  async function serve(handler: Parameters<typeof TestServer.start>[0]): Promise<TestServer> {
    const server = await TestServer.start(handler);
    servers.push(server);
    return server;
  }
  function client(url: string, options: HttpClientOptions = {}): BackendHttpClient {
    return new BackendHttpClient('stream-src', new URL(url), {}, { authorization: `Bearer ${token}` }, { clock: new FakeClock(), timeoutMs: 5000, ...options });
  }
  let log: string[] = [];
  /** Whether the trace request's body went through the streaming path (the client logs it so). */
  const streamedTrace = (): boolean => log.some((line) => /\/traces?\/[0-9a-f]+ → 200 \(\d+ bytes streamed/.test(line));
  async function backend(type: SourceType, url: string, options: HttpClientOptions = {}): Promise<TraceBackend> {
    log = [];
    const created = await createTraceBackend({ name: 'stream-src', type, url }, undefined, { clock: new FakeClock(), retryBaseDelayMs: 1, timeoutMs: 5000, log: (line) => log.push(line), ...options });
    backends.push(created);
    return created;
  }
  afterEach(async () => {
    await Promise.all(backends.splice(0).map((b) => b.dispose()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('hands elements over while the body is still arriving in small chunks', async () => {
    const body = v3Body(6);
    const firstElement = deferred();
    let serverDone = false;
    const seenBeforeEnd: boolean[] = [];
    const server = await serve(async (_req, res) => {
      await trickle(res, body, 37, firstElement.promise);
      serverDone = true;
    });
    const parsed: unknown[] = [];
    const streamed = await getJsonStream(client(server.url), '/api/v3/traces/x', [], [['result', 'resourceSpans']], (value, path, where) => {
      assert.deepEqual(path, ['result', 'resourceSpans']);
      assert.match(where, /entry \d+/);
      seenBeforeEnd.push(!serverDone);
      parsed.push(value);
      firstElement.resolve();
    });
    assert.deepEqual(parsed, (JSON.parse(body) as { result: { resourceSpans: unknown[] } }).result.resourceSpans);
    assert.equal(seenBeforeEnd[0], true, 'the first element was decoded before the server sent its last byte');
    assert.deepEqual(streamed, { kind: 'split', elements: 6, skeleton: { result: { resourceSpans: [0, 0, 0, 0, 0, 0] } } });
  });

  it('decodes a Jaeger api_v3 trace streamed in pieces to exactly what the buffered decoder gives', async () => {
    const body = v3Body(8);
    const server = await serve(async (req, res) => {
      if (req.path === '/api/v3/services') return sendJson(res, 200, { services: ['svc-0'] });
      await trickle(res, body, 101);
    });
    const fetched = await (await backend('jaeger', server.url)).getTrace(traceId);
    const expected = decodeOtlpJson(JSON.parse(body));
    assert.equal(fetched.format, expected.format);
    assert.equal(fetched.spans.length, 40);
    assert.deepEqual(fetched.spans, expected.spans);
    assert.deepEqual(fetched.warnings, expected.warnings);
    assert.ok(streamedTrace(), log.join('\n'));
  });

  it('streams Jaeger v1 data elements whose processes come after their spans', async () => {
    const trace = {
      traceID: traceId,
      spans: [
        { traceID: traceId, spanID: '00000000000000a1', operationName: 'GET /cart', references: [], startTime: 1_760_000_000_000_000, duration: 100, tags: [], logs: [], processID: 'p1' },
        {
          traceID: traceId,
          spanID: '00000000000000a2',
          operationName: 'SELECT',
          references: [{ refType: 'CHILD_OF', traceID: traceId, spanID: '00000000000000a1' }],
          startTime: 1_760_000_000_000_010,
          duration: 50,
          tags: [],
          logs: [],
          processID: 'p2',
        },
      ],
      processes: { p1: { serviceName: 'frontend', tags: [] }, p2: { serviceName: 'cartdb', tags: [] } },
    };
    const body = JSON.stringify({ data: [trace], total: 0, limit: 0, offset: 0, errors: null });
    const server = await serve(async (req, res) => {
      if (req.path === '/api/v3/services') return sendJson(res, 404, '404 page not found');
      if (req.path === '/api/services') return sendJson(res, 200, { data: ['frontend'] });
      await trickle(res, body, 23);
    });
    const fetched = await (await backend('jaeger', server.url)).getTrace(traceId);
    assert.deepEqual(fetched.spans, decodeJaegerJson(JSON.parse(body)).spans);
    assert.deepEqual(
      fetched.spans.map((s) => s.resource.attributes['service.name']),
      ['frontend', 'cartdb'],
    );
    assert.ok(streamedTrace(), log.join('\n'));
  });

  it('streams a Tempo v2 trace and still reads the PARTIAL status that follows the spans', async () => {
    const body = JSON.stringify({ trace: { resourceSpans: [resource('a', 0, 3), resource('b', 3, 3)] }, status: 'PARTIAL', message: 'hit the bytes limit' });
    const server = await serve((_req, res) => trickle(res, body, 29));
    const fetched = await (await backend('tempo', server.url)).getTrace(traceId);
    assert.equal(fetched.spans.length, 6);
    assert.deepEqual(fetched.spans, decodeOtlpJson(JSON.parse(body)).spans);
    assert.ok(
      fetched.warnings.some((w) => /part of this trace: hit the bytes limit/.test(w)),
      fetched.warnings.join('\n'),
    );
    assert.ok(streamedTrace(), log.join('\n'));
  });

  it('streams a Zipkin span list and decodes it as one trace', async () => {
    const spans = [
      { traceId, id: '00000000000000c1', name: 'get', kind: 'SERVER', timestamp: 1_760_000_000_000_000, duration: 100, localEndpoint: { serviceName: 'web' } },
      { traceId, id: '00000000000000c2', parentId: '00000000000000c1', name: 'query', kind: 'CLIENT', timestamp: 1_760_000_000_000_010, duration: 50, localEndpoint: { serviceName: 'web' } },
    ];
    const server = await serve((_req, res) => trickle(res, JSON.stringify(spans), 17));
    const fetched = await (await backend('zipkin', server.url)).getTrace(traceId);
    assert.deepEqual(fetched.spans, decodeZipkinJson(spans).spans);
    assert.ok(streamedTrace(), log.join('\n'));
  });

  it('streams Zipkin and Tempo search answers trace by trace, and keeps their size bound', async () => {
    const zipkinTrace = (id: string): unknown[] => [
      { traceId: id, id: '00000000000000c1', name: 'get', kind: 'SERVER', timestamp: 1_760_000_000_000_000, duration: 100, localEndpoint: { serviceName: 'web' } },
      { traceId: id, id: '00000000000000c2', parentId: '00000000000000c1', name: 'query', kind: 'CLIENT', timestamp: 1_760_000_000_000_010, duration: 50, localEndpoint: { serviceName: 'web' } },
    ];
    const traces = [zipkinTrace(traceId), zipkinTrace('5bf92f3577b34da6a3ce929d0e0e4736')];
    const zipkinServer = await serve((_req, res) => trickle(res, JSON.stringify(traces), 31));
    const zipkin = await backend('zipkin', zipkinServer.url);
    const found = await zipkin.searchSpans({ service: 'web' });
    assert.deepEqual(found.spans, [...decodeZipkinJson(traces[0]).spans, ...decodeZipkinJson(traces[1]).spans]);
    assert.equal(found.traceCount, 2);
    assert.ok(
      log.some((line) => /\/api\/v2\/traces\?.* → 200 \(\d+ bytes streamed/.test(line)),
      log.join('\n'),
    );

    const hits = Array.from({ length: 50 }, (_, i) => ({
      traceID: (i + 1).toString(16),
      rootServiceName: 'web',
      rootTraceName: 'get',
      startTimeUnixNano: String(1_760_000_000_000_000_000n + BigInt(i)),
      durationMs: 3,
    }));
    const tempoServer = await serve((_req, res) => trickle(res, JSON.stringify({ traces: hits, metrics: { inspectedTraces: 50 } }), 97));
    const tempo = await backend('tempo', tempoServer.url);
    const summaries = await tempo.search({ service: 'web' });
    assert.equal(summaries.length, 50);
    assert.ok(
      log.some((line) => /\/api\/search\?.* → 200 \(\d+ bytes streamed/.test(line)),
      log.join('\n'),
    );
    const bounded = await backend('tempo', tempoServer.url, { maxResponseBytes: 1024 });
    assert.deepEqual(await failureOf(bounded.search({ service: 'web' })), { kind: 'tooLarge', limit: 1024 });
  });

  it('reports a body cut mid-element as truncated, naming the source', async () => {
    const body = v3Body(4);
    const cut = body.slice(0, Math.floor(body.length * 0.7));
    const server = await serve(async (_req, res) => {
      await trickle(res, cut, 200);
    });
    const failure = await failureOf(getJsonStream(client(server.url), '/t', [], [['result', 'resourceSpans']], () => undefined));
    assert.equal(failure.kind, 'undecodable');
    const message = describeBackendFailure('stream-src', failure);
    assert.match(message, /truncated/);
    assert.match(message, /"stream-src"/);
  });

  it('reports a connection closed mid-element, before the declared length, as truncated', async () => {
    const body = Buffer.from(v3Body(4));
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.write(body.subarray(0, body.length >> 1));
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const failure = await failureOf(getJsonStream(client(server.url), '/t', [], [['result', 'resourceSpans']], () => undefined));
    assert.equal(failure.kind, 'undecodable');
    assert.match(describeBackendFailure('stream-src', failure), /connection closed after \d+ bytes of the \d+ it announced, so the response is truncated/);
  });

  it('stops reading a streamed body past the size bound', async () => {
    let wrote = 0;
    const total = 64 * 1024 ** 2;
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const element = Buffer.from(`${JSON.stringify(resource('x', 0, 20))},`);
      res.write('{"result":{"resourceSpans":[');
      const pump = (): void => {
        while (wrote < total && res.write(element)) wrote += element.length;
        if (wrote < total) res.once('drain', pump);
        else res.end('{}]}}');
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    let elements = 0;
    const failure = await failureOf(getJsonStream(client(server.url, { maxResponseBytes: 256 * 1024 }), '/t', [], [['result', 'resourceSpans']], () => elements++));
    assert.deepEqual(failure, { kind: 'tooLarge', limit: 256 * 1024 });
    assert.ok(elements > 0, 'elements were decoded while the body came in');
    assert.ok(wrote < total, 'the client stopped the transfer early');
  });

  it('falls back to the buffered reading for HTML, empty and unexpected bodies, with the same messages', async () => {
    const bodies: Record<string, [string, string]> = {
      '/html': ['text/html', '<!doctype html><title>Sign in</title>'],
      '/html-as-json': ['application/json', '  <html>login</html>'],
      '/empty': ['application/json', ''],
      '/invalid': ['application/json', '{"result": nope}'],
    };
    const server = await serve((req, res) => {
      const [type, text] = bodies[req.path] ?? ['text/plain', ''];
      res.writeHead(200, { 'content-type': type });
      res.end(text);
    });
    const http = client(server.url);
    const read = async (path: string): Promise<string> => {
      const streamed = await getJsonStream(http, path, [], [['result', 'resourceSpans']], () => assert.fail('no element expected'));
      if (streamed.kind !== 'whole') assert.fail('expected the body to be kept whole');
      http.parseJson(streamed.response);
      return 'parsed';
    };
    assert.match(describeBackendFailure('s', await failureOf(read('/html'))), /HTML page/);
    assert.match(describeBackendFailure('s', await failureOf(read('/html-as-json'))), /HTML page/);
    assert.match(describeBackendFailure('s', await failureOf(read('/empty'))), /empty/);
    assert.match(describeBackendFailure('s', await failureOf(read('/invalid'))), /valid JSON/);
  });

  it('names the element that is not valid JSON', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"result":{"resourceSpans":[{"a":1},{"b":tru}]}}');
    });
    const failure = await failureOf(getJsonStream(client(server.url), '/t', [], [['result', 'resourceSpans']], () => undefined));
    assert.equal(failure.kind, 'undecodable');
    assert.match(describeBackendFailure('s', failure), /entry 2 \(at byte \d+\)/);
  });

  it('retries a 503 before the body and opens a sink only for the final 2xx', async () => {
    let calls = 0;
    const server = await serve((_req, res) => {
      calls++;
      if (calls === 1) return sendJson(res, 503, { error: 'warming up' });
      return trickle(res, v3Body(2), 50);
    });
    const http = client(server.url, { retryBaseDelayMs: 1 });
    let sinks = 0;
    const response = await http.getStream('/t', [], () => {
      sinks++;
      return () => undefined;
    });
    assert.equal(calls, 2);
    assert.equal(sinks, 1);
    assert.equal(response.status, 200);
    assert.equal(response.streamed, true);
  });

  it('maps a decoding failure in the sink to an undecodable body, with secrets removed', async () => {
    const server = await serve((_req, res) => trickle(res, v3Body(2), 50));
    const failure = await failureOf(
      client(server.url).getStream('/t', [], () => () => {
        throw new Error(`bad element near Bearer ${token}`);
      }),
    );
    assert.equal(failure.kind, 'undecodable');
  });
});
