import { SpanKind as ApiSpanKind, SpanStatusCode, TraceFlags, type Attributes as ApiAttributes, type HrTime, type Link } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes, type Resource as SdkResource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { decodeOtlpProtobuf } from '../../src/core/formats/otlpProtobuf';
import { TraceSetBuilder } from '../../src/core/model/traceSetBuilder';
import type { Figure } from './benchReport';
import { seededRandom } from '../seededRandom';

/**
 * The OTLP protobuf decoder against its target: a 100k-span ExportTraceServiceRequest, as the
 * OpenTelemetry JS SDK's own ProtobufTraceSerializer writes it, decoded (and indexed into
 * traces) in at most 500 ms. Prints how it compares with protobufjs when that package can be
 * loaded (a dev dependency, kept only for this comparison).
 */

const spanCount = 100_000;
const targetMs = 500;

function hexId(next: () => number, bytes: number): string {
  let out = '';
  for (let i = 0; i < bytes; i++)
    out += Math.floor(next() * 256)
      .toString(16)
      .padStart(2, '0');
  return out;
}

function hrTime(ns: number): HrTime {
  return [Math.floor(ns / 1e9), ns % 1e9];
}

const services = ['frontend', 'checkout', 'cart', 'payment', 'inventory'] as const;
const routes = ['/api/cart', '/api/checkout', '/api/products/{id}', '/api/users/{id}/orders', '/health', '/api/payment/authorize'];
const methods = ['GET', 'POST', 'PUT', 'DELETE'];
const statements = ['SELECT id, name, price FROM products WHERE id = $1', 'UPDATE carts SET updated_at = now() WHERE user_id = $1', 'INSERT INTO orders (user_id, total) VALUES ($1, $2)'];
const stack = Array.from({ length: 12 }, (_, i) => `    at handler${i} (/srv/app/src/routes/module${i}.ts:${10 + i * 7}:15)`).join('\n');

/** ReadableSpans for `count` spans: traces of ten spans over five services, ten attributes each, some events. */
export function makeBenchSpans(count: number, seed = 42): ReadableSpan[] {
  const next = seededRandom(seed);
  const resources: SdkResource[] = services.map((name, i) =>
    resourceFromAttributes({
      'service.name': name,
      'service.version': `1.${i}.0`,
      'deployment.environment.name': 'production',
      'host.name': `node-${i}.cluster.local`,
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.version': '2.12.1',
    }),
  );
  const scopes = services.map((name) => ({ name: `@shop/${name}`, version: '3.1.4' }));
  const spans: ReadableSpan[] = [];
  const baseNs = 1_700_000_000_000_000_000;
  for (let traceIndex = 0; spans.length < count; traceIndex++) {
    const traceId = hexId(next, 16);
    const traceStart = baseNs + traceIndex * 5_000_000 + Math.floor(next() * 1e6);
    const ids: string[] = [];
    for (let i = 0; i < 10 && spans.length < count; i++) {
      const spanId = hexId(next, 8);
      const parent = i === 0 ? undefined : ids[Math.floor(next() * i)];
      ids.push(spanId);
      const service = i === 0 ? 0 : 1 + Math.floor(next() * 4);
      const start = traceStart + i * 100_000 + Math.floor(next() * 50_000);
      const end = start + 50_000 + Math.floor(next() * 2_000_000);
      const route = routes[Math.floor(next() * routes.length)] as string;
      const method = methods[Math.floor(next() * methods.length)] as string;
      const isDb = i > 0 && next() < 0.3;
      const error = next() < 0.05;
      const attributes: ApiAttributes = isDb
        ? {
            'db.system.name': 'postgresql',
            'db.namespace': 'shop',
            'db.query.text': statements[Math.floor(next() * statements.length)],
            'db.operation.name': 'SELECT',
            'server.address': 'db.internal',
            'server.port': 5432,
            'db.response.returned_rows': Math.floor(next() * 100),
            'code.function.name': `repo.query${i}`,
            'code.file.path': `/srv/app/src/repo/r${i}.ts`,
            'app.cache.hit': next() < 0.5,
          }
        : {
            'http.request.method': method,
            'http.route': route,
            'url.path': route.replace('{id}', String(Math.floor(next() * 100_000))),
            'http.response.status_code': error ? 500 : 200,
            'server.address': `${services[service] as string}.internal`,
            'server.port': 8080,
            'network.protocol.version': '1.1',
            'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
            'app.cart.total': Math.round(next() * 100_000) / 100,
            'app.cache.hit': next() < 0.5,
          };
      const events: TimedEvent[] = [];
      if (error) {
        events.push({
          time: hrTime(end - 1000),
          name: 'exception',
          attributes: { 'exception.type': 'TypeError', 'exception.message': `Cannot read properties of undefined (reading 'id${i}')`, 'exception.stacktrace': `TypeError: boom\n${stack}` },
        });
      } else if (next() < 0.2) {
        events.push({ time: hrTime(start + 10_000), name: 'cache.lookup', attributes: { 'cache.key': `cart:${Math.floor(next() * 1e6)}`, 'cache.hit': true } });
      }
      const links: Link[] = [];
      const context = { traceId, spanId, traceFlags: TraceFlags.SAMPLED };
      spans.push({
        name: isDb ? 'SELECT shop.products' : `${method} ${route}`,
        kind: i === 0 ? ApiSpanKind.SERVER : isDb ? ApiSpanKind.CLIENT : ApiSpanKind.INTERNAL,
        spanContext: () => context,
        ...(parent === undefined ? {} : { parentSpanContext: { traceId, spanId: parent, traceFlags: TraceFlags.SAMPLED } }),
        startTime: hrTime(start),
        endTime: hrTime(end),
        status: error ? { code: SpanStatusCode.ERROR, message: 'internal error' } : { code: SpanStatusCode.UNSET },
        attributes,
        links,
        events,
        duration: hrTime(end - start),
        ended: true,
        resource: resources[service] as SdkResource,
        instrumentationScope: scopes[service] as { name: string; version: string },
        droppedAttributesCount: 0,
        droppedEventsCount: 0,
        droppedLinksCount: 0,
      });
    }
  }
  return spans;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function time(run: () => void): number {
  const start = process.hrtime.bigint();
  run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Lets the event loop (and a pending GC) run between timed runs. */
function pause(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// The OTLP trace schema as a protobufjs JSON descriptor (field numbers from opentelemetry-proto).
const kv = { rule: 'repeated', type: 'KeyValue' };
const otlpSchema = {
  nested: {
    ExportTraceServiceRequest: { fields: { resourceSpans: { rule: 'repeated', type: 'ResourceSpans', id: 1 } } },
    ResourceSpans: { fields: { resource: { type: 'Resource', id: 1 }, scopeSpans: { rule: 'repeated', type: 'ScopeSpans', id: 2 }, schemaUrl: { type: 'string', id: 3 } } },
    Resource: { fields: { attributes: { ...kv, id: 1 }, droppedAttributesCount: { type: 'uint32', id: 2 } } },
    ScopeSpans: { fields: { scope: { type: 'InstrumentationScope', id: 1 }, spans: { rule: 'repeated', type: 'Span', id: 2 }, schemaUrl: { type: 'string', id: 3 } } },
    InstrumentationScope: {
      fields: { name: { type: 'string', id: 1 }, version: { type: 'string', id: 2 }, attributes: { ...kv, id: 3 }, droppedAttributesCount: { type: 'uint32', id: 4 } },
    },
    Span: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        traceState: { type: 'string', id: 3 },
        parentSpanId: { type: 'bytes', id: 4 },
        flags: { type: 'fixed32', id: 16 },
        name: { type: 'string', id: 5 },
        kind: { type: 'int32', id: 6 },
        startTimeUnixNano: { type: 'fixed64', id: 7 },
        endTimeUnixNano: { type: 'fixed64', id: 8 },
        attributes: { ...kv, id: 9 },
        droppedAttributesCount: { type: 'uint32', id: 10 },
        events: { rule: 'repeated', type: 'Event', id: 11 },
        droppedEventsCount: { type: 'uint32', id: 12 },
        links: { rule: 'repeated', type: 'Link', id: 13 },
        droppedLinksCount: { type: 'uint32', id: 14 },
        status: { type: 'Status', id: 15 },
      },
    },
    Event: {
      fields: { timeUnixNano: { type: 'fixed64', id: 1 }, name: { type: 'string', id: 2 }, attributes: { ...kv, id: 3 }, droppedAttributesCount: { type: 'uint32', id: 4 } },
    },
    Link: {
      fields: {
        traceId: { type: 'bytes', id: 1 },
        spanId: { type: 'bytes', id: 2 },
        traceState: { type: 'string', id: 3 },
        attributes: { ...kv, id: 4 },
        droppedAttributesCount: { type: 'uint32', id: 5 },
        flags: { type: 'fixed32', id: 6 },
      },
    },
    Status: { fields: { message: { type: 'string', id: 2 }, code: { type: 'int32', id: 3 } } },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    AnyValue: {
      oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
        arrayValue: { type: 'ArrayValue', id: 5 },
        kvlistValue: { type: 'KeyValueList', id: 6 },
        bytesValue: { type: 'bytes', id: 7 },
      },
    },
    ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
    KeyValueList: { fields: { values: { ...kv, id: 1 } } },
  },
};

interface ProtobufJs {
  Root: { fromJSON(json: unknown): { lookupType(name: string): { decode(bytes: Uint8Array): unknown } } };
}

/** protobufjs's decoder for ExportTraceServiceRequest, when the package can be loaded. */
async function protobufJsDecoder(): Promise<((bytes: Uint8Array) => unknown) | undefined> {
  const name = 'protobufjs';
  try {
    const loaded = (await import(name)) as { default?: ProtobufJs } & Partial<ProtobufJs>;
    const protobuf = loaded.Root ? (loaded as ProtobufJs) : loaded.default;
    if (!protobuf) return undefined;
    const type = protobuf.Root.fromJSON(otlpSchema).lookupType('ExportTraceServiceRequest');
    return (bytes) => type.decode(bytes);
  } catch {
    return undefined;
  }
}

export async function benchOtlpProtobuf(): Promise<Figure[]> {
  const runs = Math.max(3, Number(process.env['SPANLENS_BENCH_RUNS'] ?? '7'));
  const bytes = ProtobufTraceSerializer.serializeRequest(makeBenchSpans(spanCount));
  if (!bytes) throw new Error('the OpenTelemetry serializer returned nothing');

  let decoded = 0;
  const decode = (): void => {
    decoded = decodeOtlpProtobuf(bytes).spans.length;
  };
  let traces = 0;
  const decodeAndIndex = (): void => {
    const builder = new TraceSetBuilder();
    for (const span of decodeOtlpProtobuf(bytes).spans) builder.add(span);
    traces = builder.build().length;
  };
  // Warm up (the JIT), then time.
  decode();
  decodeAndIndex();
  if (decoded !== spanCount) throw new Error(`decoded ${decoded} spans, expected ${spanCount}`);
  const decodeMs: number[] = [];
  const indexMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    await pause();
    decodeMs.push(time(decode));
    await pause();
    indexMs.push(time(decodeAndIndex));
  }
  const decodeMedian = median(decodeMs);
  const figures: Figure[] = [
    { name: `OTLP protobuf decode, 100k spans, median of ${runs}`, value: decodeMedian, unit: 'ms', target: targetMs },
    { name: `OTLP protobuf decode + index (${traces} traces)`, value: median(indexMs), unit: 'ms', target: targetMs },
    { name: 'OTLP protobuf decode throughput', value: spanCount / (decodeMedian / 1000), unit: 'spans/s', target: Number.POSITIVE_INFINITY },
  ];

  const mb = (bytes.length / 1024 / 1024).toFixed(1);
  const protobufJs = await protobufJsDecoder();
  if (protobufJs) {
    protobufJs(bytes);
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      await pause();
      samples.push(time(() => protobufJs(bytes)));
    }
    const theirs = median(samples);
    figures.push({ name: 'protobufjs decode, same request (comparison)', value: theirs, unit: 'ms', target: Number.POSITIVE_INFINITY });
    console.log(
      `OTLP protobuf (${mb} MiB): hand-written decoder is ${(theirs / decodeMedian).toFixed(1)}× faster than protobufjs (${decodeMedian.toFixed(0)} ms vs ${theirs.toFixed(0)} ms, and it builds the model too).`,
    );
  } else {
    console.log(`OTLP protobuf (${mb} MiB): protobufjs could not be loaded, so there is no comparison (run npm ci).`);
  }
  return figures;
}
