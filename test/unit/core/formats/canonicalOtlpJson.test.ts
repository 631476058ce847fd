import * as assert from 'node:assert/strict';
import { context, SpanKind as ApiSpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { decodeCanonicalOtlpJson } from '../../../../src/core/formats/canonicalOtlpJson';
import { parseJsonOrFail } from '../../../../src/core/formats/decodeTraceBytes';
import { decodeOtlpJson } from '../../../../src/core/formats/otlpJson';
import { TraceDecodeError, type DecodedSpans } from '../../../../src/core/formats/traceFormat';
import { decodeTracePayload } from '../../../../src/core/store/tracePayload';
import { seededRandom } from '../../../seededRandom';

/**
 * Spans from the real SDK in every shape its JSON exporter writes without arrays or kvlists:
 * string, int, double and bool attributes, nested parents, error statuses with messages,
 * exception events (their stack traces carry escaped line breaks), several resources and scopes.
 */
function recordSpans(next: () => number, count: number, service = 'checkout'): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.version': `1.${Math.floor(next() * 9)}.0`, 'host.name': 'node-1' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracers = [provider.getTracer('@shop/http', '2.0.1'), provider.getTracer('@shop/db')];
  for (let i = 0; i < count; i++) {
    const tracer = tracers[i % tracers.length] ?? provider.getTracer('x');
    const root = tracer.startSpan(`GET /item/${String(i % 7)}`, {
      kind: ApiSpanKind.SERVER,
      attributes: {
        'http.request.method': 'GET',
        'http.response.status_code': 200 + Math.floor(next() * 300),
        'app.ratio': next(),
        'app.cache.hit': next() < 0.5,
        'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)',
      },
    });
    const child = tracer.startSpan(
      'SELECT item',
      { kind: ApiSpanKind.CLIENT, attributes: { 'db.query.text': 'SELECT * FROM "item" WHERE id = $1', 'code.line.number': Math.floor(next() * 900) } },
      trace.setSpan(context.active(), root),
    );
    if (next() < 0.3) {
      child.recordException(new Error(`lost connection ${String(i)}`));
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'lost "connection"' });
    }
    child.end();
    root.end();
  }
  const spans = exporter.getFinishedSpans();
  void provider.shutdown();
  return spans;
}

function sdkJson(spans: ReadableSpan[]): Buffer {
  const bytes = JsonTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('the SDK serializer returned nothing');
  return Buffer.from(bytes);
}

/** What the receiver decoded before the fast path: JSON.parse and the full decoder. */
function fullDecode(bytes: Uint8Array): DecodedSpans {
  const doc = parseJsonOrFail(new TextDecoder().decode(bytes));
  // An empty export request is valid and holds nothing.
  if (typeof doc === 'object' && doc !== null && Object.keys(doc).length === 0) return { format: 'otlp-json', spans: [], warnings: [] };
  return decodeOtlpJson(doc);
}

function outcome(run: () => DecodedSpans): DecodedSpans | string {
  try {
    return run();
  } catch (error: unknown) {
    if (error instanceof TraceDecodeError) return `${error.failure.kind}: ${'detail' in error.failure ? error.failure.detail : ''}`;
    throw error;
  }
}

const canonical = sdkJson(recordSpans(seededRandom(1), 40));
const text = canonical.toString('latin1');

/** The canonical document with one piece of its text replaced. */
function edited(find: RegExp, replace: string | ((match: string, ...groups: string[]) => string)): Buffer {
  const changed = typeof replace === 'string' ? text.replace(find, replace) : text.replace(find, replace);
  assert.notEqual(changed, text, `the edit ${String(find)} changed nothing`);
  return Buffer.from(changed, 'utf8');
}

describe('decodeCanonicalOtlpJson', () => {
  it('decodes what the SDK JSON exporter writes to exactly the spans of JSON.parse and the full decoder', () => {
    const fast = decodeCanonicalOtlpJson(canonical);
    assert.ok(fast !== undefined, 'the SDK output left the fast path');
    assert.equal(fast.spans.length, 80);
    assert.deepStrictEqual(fast, fullDecode(canonical));
    const failed = fast.spans.filter((s) => s.events.length > 0);
    assert.ok(
      failed.length > 0 &&
        failed.every((s) => {
          const stack = s.events[0]?.attributes['exception.stacktrace'];
          return typeof stack === 'string' && stack.includes('\n');
        }),
      'stack traces keep their line breaks',
    );
  });

  it('agrees with the full decoder on many SDK batches, several resources to a request', () => {
    const next = seededRandom(7);
    for (let round = 0; round < 30; round++) {
      const spans = [...recordSpans(next, 1 + Math.floor(next() * 20), 'cart'), ...recordSpans(next, 1 + Math.floor(next() * 5), 'payments')];
      const bytes = sdkJson(spans);
      const fast = decodeCanonicalOtlpJson(bytes);
      assert.ok(fast !== undefined, `round ${String(round)} left the fast path`);
      assert.deepStrictEqual(fast, fullDecode(bytes), `round ${String(round)}`);
    }
  });

  // Edits that keep the document canonical: read by the fast path, to the full decoder's spans.
  const kept: [string, () => Buffer][] = [
    ['a one-digit start time', () => edited(/"startTimeUnixNano":"\d+"/, '"startTimeUnixNano":"5"')],
    ['a nine-digit end time', () => edited(/"endTimeUnixNano":"\d+"/, '"endTimeUnixNano":"999999999"')],
    ['the largest 64-bit time', () => edited(/"endTimeUnixNano":"\d+"/, '"endTimeUnixNano":"18446744073709551615"')],
    ['whitespace between every token', () => Buffer.from(JSON.stringify(JSON.parse(text), null, 2).replace(/\n/g, '\r\n\t'))],
    ['a negative int attribute as a string', () => edited(/"intValue":(\d+)/, '"intValue":"-42"')],
    ['a double in exponent form', () => edited(/"doubleValue":[^}]+/, '"doubleValue":-1.5e-7')],
  ];
  for (const [what, make] of kept) {
    it(`reads ${what} as the full decoder does`, () => {
      const bytes = make();
      const fast = decodeCanonicalOtlpJson(bytes);
      assert.ok(fast !== undefined, 'left the fast path');
      assert.deepStrictEqual(fast, fullDecode(bytes));
    });
  }

  // Every document the fast path does not take goes the full way, which either reads it (other
  // dialects, odd values, warnings to give) or says what is wrong with it.
  const leaves: [string, () => Buffer][] = [
    ['an empty object', () => Buffer.from('{}')],
    ['snake_case keys', () => edited(/"resourceSpans"/, '"resource_spans"')],
    ['Tempo batches', () => edited(/"resourceSpans"/, '"batches"')],
    ['an upper-case hex trace id', () => edited(/"traceId":"([0-9a-f]{32})"/, (_, id = '') => `"traceId":"${id.toUpperCase()}"`)],
    ['a base64 span id', () => edited(/"spanId":"[0-9a-f]{16}"/, '"spanId":"AAECAwQFBgc="')],
    ['an all-zero span id', () => edited(/"spanId":"[0-9a-f]{16}"/, '"spanId":"0000000000000000"')],
    ['a kind by name', () => edited(/"kind":2/, '"kind":"SPAN_KIND_SERVER"')],
    ['an unknown kind number', () => edited(/"kind":2/, '"kind":9')],
    ['a status code out of range', () => edited(/"code":0/, '"code":7')],
    ['a time as a JSON number', () => edited(/"startTimeUnixNano":"(\d+)"/, '"startTimeUnixNano":1700000000')],
    ['a time beyond 64 bits', () => edited(/"startTimeUnixNano":"\d+"/, '"startTimeUnixNano":"18446744073709551616"')],
    ['a time of 21 digits', () => edited(/"startTimeUnixNano":"\d+"/, '"startTimeUnixNano":"100000000000000000000"')],
    ['no start time', () => edited(/"startTimeUnixNano":"\d+",/, '')],
    ['no service.name', () => edited(/"service\.name"/g, '"service.nom"')],
    ['a key given twice', () => edited(/"kind":2,/, '"kind":2,"kind":3,')],
    ['an unknown key', () => edited(/"kind":2,/, '"kind":2,"zzz":1,')],
    ['an array attribute', () => edited(/\{"stringValue":"GET"\}/, '{"arrayValue":{"values":[{"stringValue":"GET"}]}}')],
    ['an empty AnyValue', () => edited(/\{"stringValue":"GET"\}/, '{}')],
    ['a link', () => edited(/"links":\[\]/, '"links":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331"}]')],
    ['non-ASCII text', () => edited(/"GET \/item\/1"/, '"GET /café"')],
    ['an escaped key', () => edited(/"kind":2/, '"kin\\u0064":2')],
    ['an int with a leading zero', () => edited(/"intValue":(\d+)/, '"intValue":0$1')],
    ['a trailing comma', () => edited(/\]\}\]\}$/, ']},]}')],
    ['a missing colon', () => edited(/"kind":2/, '"kind"2')],
    ['text after the document', () => Buffer.concat([canonical, Buffer.from(' {}')])],
    ['a document cut short', () => canonical.subarray(0, canonical.length - 3)],
    ['a bad escape', () => edited(/\\n/, '\\x')],
  ];
  for (const [what, make] of leaves) {
    it(`leaves ${what} to the full decoder, which gives the same result as before`, () => {
      const bytes = make();
      assert.equal(decodeCanonicalOtlpJson(bytes), undefined);
      assert.deepStrictEqual(
        outcome(() => decodeTracePayload({ kind: 'otlp-json', bytes })),
        outcome(() => fullDecode(bytes)),
      );
    });
  }

  it('never accepts a corrupted document that JSON.parse refuses, and reads the ones it accepts as the full decoder does', () => {
    const next = seededRandom(99);
    const small = sdkJson(recordSpans(seededRandom(3), 3));
    const alphabet = Buffer.from('{}[],:"\\ 0123456789-+.eEtrufalsn xA');
    let accepted = 0;
    for (let round = 0; round < 3000; round++) {
      const bytes = Buffer.from(small);
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) bytes[Math.floor(next() * bytes.length)] = alphabet[Math.floor(next() * alphabet.length)] ?? 0x20;
      const fast = decodeCanonicalOtlpJson(bytes);
      if (fast === undefined) continue;
      accepted++;
      assert.deepStrictEqual(fast, fullDecode(bytes), `accepted mutation ${String(round)}: ${bytes.toString('latin1')}`);
    }
    // Some mutations land in values (a digit for a digit) and must still be read right.
    assert.ok(accepted > 0, 'no mutated document was accepted: the comparison above never ran');
  });
});
