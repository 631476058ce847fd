import { buildTrace } from '../../../../src/core/model/buildTrace';
import { createResource, createSpan, SpanKind, StatusCode, type Resource, type Span } from '../../../../src/core/model/span';
import type { Trace } from '../../../../src/core/model/trace';

export const baseNs = 1_700_000_000_000_000_000n;
const services = ['frontend', 'checkout', 'payment', 'inventory', 'shipping'].map((name) => createResource({ 'service.name': name, 'host.name': `${name}-1` }));

function resourceOf(i: number): Resource {
  const resource = services[i % services.length];
  if (!resource) throw new Error('no services');
  return resource;
}

function id(n: number): string {
  return n.toString(16).padStart(16, '0');
}

/**
 * A request-shaped trace of `spanCount` spans: one root, then groups of a call with ten
 * database children, spread over five services, with an error every 97th span. Deterministic.
 */
export function syntheticTrace(spanCount: number, traceId = '0af7651916cd43dd8448eb211c80319c'): Trace {
  const spans: Span[] = [];
  const rootEnd = BigInt(spanCount) * 1000n + 1_000_000n;
  spans.push(
    createSpan({
      traceId,
      spanId: id(1),
      name: 'GET /api/orders/{id}',
      kind: SpanKind.Server,
      startNs: baseNs,
      endNs: baseNs + rootEnd,
      resource: resourceOf(0),
      attributes: { 'http.route': '/api/orders/{id}' },
    }),
  );
  let next = 2;
  let group = 0;
  while (next <= spanCount) {
    const callId = next++;
    const callStart = BigInt(group) * 11_000n;
    const service = resourceOf(1 + (group % 4));
    spans.push(
      createSpan({
        traceId,
        spanId: id(callId),
        parentSpanId: id(1),
        name: `OrderService.step${group % 9}`,
        startNs: baseNs + callStart,
        endNs: baseNs + callStart + 10_500n,
        resource: service,
        attributes: { 'code.function.name': `OrderService.step${group % 9}`, 'code.file.path': '/app/src/orders.ts', 'code.line.number': 10 + (group % 9) },
      }),
    );
    for (let c = 0; c < 10 && next <= spanCount; c++) {
      const spanNumber = next++;
      const start = callStart + BigInt(c) * 1000n + 50n;
      spans.push(
        createSpan({
          traceId,
          spanId: id(spanNumber),
          parentSpanId: id(callId),
          name: 'SELECT orders',
          kind: SpanKind.Client,
          startNs: baseNs + start,
          endNs: baseNs + start + 900n + BigInt(spanNumber % 7) * 10n,
          resource: service,
          statusCode: spanNumber % 97 === 0 ? StatusCode.Error : StatusCode.Unset,
          attributes: { 'db.system.name': 'postgresql', 'db.response.returned_rows': spanNumber % 13 },
        }),
      );
    }
    group++;
  }
  return buildTrace(traceId, spans);
}

export const hostileText = {
  img: '<img src=x onerror=window.__pwned=1>',
  script: '</script><script>window.__pwned=1</script>',
  js: 'javascript:alert(1)',
} as const;

/** A small trace whose names and attribute values are markup and script, as an attacker would send. */
export function hostileTrace(traceId = '4bf92f3577b34da6a3ce929d0e0e4736'): Trace {
  const evil = createResource({ 'service.name': hostileText.img, 'host.name': hostileText.script });
  const stack = `Error: ${hostileText.img}\n    at handler (/app/src/${hostileText.script}.ts:12:5)\n    at run (/app/src/server.ts:40:3)`;
  const spans = [
    createSpan({
      traceId,
      spanId: 'aaaaaaaaaaaaaaaa',
      name: hostileText.img,
      startNs: baseNs,
      endNs: baseNs + 5_000_000n,
      resource: evil,
      attributes: { 'code.function.name': 'handler', 'code.file.path': '/app/src/server.ts', 'evil.value': hostileText.script },
    }),
    createSpan({
      traceId,
      spanId: 'bbbbbbbbbbbbbbbb',
      parentSpanId: 'aaaaaaaaaaaaaaaa',
      name: hostileText.script,
      startNs: baseNs + 1_000_000n,
      endNs: baseNs + 3_000_000n,
      resource: evil,
      statusCode: StatusCode.Error,
      attributes: { 'url.full': hostileText.js, 'code.file.path': '/app/src/db.ts' },
      events: [{ name: 'exception', timeNs: baseNs + 2_000_000n, attributes: { 'exception.type': hostileText.img, 'exception.message': hostileText.script, 'exception.stacktrace': stack } }],
      links: [{ traceId: hostileText.js, spanId: hostileText.img, traceState: undefined, attributes: {} }],
    }),
    createSpan({ traceId, spanId: 'cccccccccccccccc', parentSpanId: 'aaaaaaaaaaaaaaaa', name: hostileText.js, startNs: baseNs + 3_500_000n, endNs: baseNs + 4_000_000n, resource: evil }),
  ];
  return buildTrace(traceId, spans);
}
