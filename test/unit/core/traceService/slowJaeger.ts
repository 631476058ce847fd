import { readFixtureJson } from '../../sharedFixtures';
import { sendJson, TestServer } from '../backends/testServer';

export const streamedTraceId = '5ea2f1c0ffee4bf9a3ce929d0e0e4736';

interface OtlpSpanJson {
  [key: string]: unknown;
}

/**
 * A Jaeger api_v3 trace answer large enough to arrive in many pieces, made of the real spans of
 * ../shared/fixtures/jaeger/otel_traces_01.json (attributes, events, links, status as Jaeger
 * recorded them) with ids and times rewritten so they form one tree: span i's parent is span
 * ⌊(i−1)/4⌋. Resource entries are written deepest first, as storage may return them, so a
 * partial build holds spans whose parent has not arrived yet; the root comes last.
 */
export function streamedApiV3Body(spanCount: number, traceId = streamedTraceId, spansPerEntry = 40): { readonly body: Buffer; readonly spanCount: number } {
  const recorded = readFixtureJson('jaeger/otel_traces_01.json') as { resourceSpans: { resource: unknown; scopeSpans: { scope: unknown; spans: OtlpSpanJson[] }[] }[] };
  const templates = recorded.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans.map((span) => ({ resource: resource.resource, scope: scope.scope, span }))));
  const startNs = 1_760_000_000_000_000_000n;
  const id = (index: number): string => (index + 1).toString(16).padStart(16, '0');
  const entries: string[] = [];
  for (let first = 0; first < spanCount; first += spansPerEntry) {
    const template = templates[(first / spansPerEntry) % templates.length];
    if (template === undefined) throw new Error('the fixture has no spans');
    const spans: OtlpSpanJson[] = [];
    for (let i = first; i < Math.min(spanCount, first + spansPerEntry); i++) {
      const start = startNs + BigInt(i) * 1_000n;
      spans.push({
        ...template.span,
        traceId,
        spanId: id(i),
        parentSpanId: i === 0 ? '' : id(Math.floor((i - 1) / 4)),
        name: `${String(template.span['name'])} #${i}`,
        startTimeUnixNano: start.toString(),
        endTimeUnixNano: (start + BigInt(1_000_000 - i)).toString(),
      });
    }
    entries.push(JSON.stringify({ resource: template.resource, scopeSpans: [{ scope: template.scope, spans }] }));
  }
  entries.reverse();
  return { body: Buffer.from(`{"result":{"resourceSpans":[${entries.join(',')}]}}`), spanCount };
}

export interface SlowJaegerOptions {
  readonly body: Buffer;
  /** The trace the body holds; other ids are not found. */
  readonly traceId?: string;
  /** The body goes out in this many writes, `pauseMs` apart. */
  readonly pieces: number;
  readonly pauseMs: number;
  /** Stop after this share of the body: `end` closes the response cleanly (a truncated document), `destroy` drops the connection. */
  readonly cut?: { readonly after: number; readonly how: 'end' | 'destroy' } | undefined;
}

/** An api_v3 Jaeger query service that sends one trace slowly, and perhaps not all of it. */
export async function startSlowJaeger(options: SlowJaegerOptions): Promise<TestServer> {
  return await TestServer.start(async (request, response) => {
    if (request.path === '/api/v3/services') {
      sendJson(response, 200, { services: ['service-x'] });
      return;
    }
    if (request.path !== `/api/v3/traces/${options.traceId ?? streamedTraceId}`) {
      sendJson(response, 404, { error: { httpCode: 404, message: 'trace not found' } });
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    const body = options.body;
    const end = options.cut ? Math.floor(body.length * options.cut.after) : body.length;
    const piece = Math.ceil(body.length / options.pieces);
    for (let offset = 0; offset < end; offset += piece) {
      if (response.destroyed) return;
      response.write(body.subarray(offset, Math.min(end, offset + piece)));
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
    if (options.cut?.how === 'destroy') response.destroy();
    else response.end();
  });
}
