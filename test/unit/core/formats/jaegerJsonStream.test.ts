import * as assert from 'node:assert/strict';
import { decodeJaegerJson, JaegerSpanStream, serviceNotKnownYet } from '../../../../src/core/formats/jaegerJson';
import { TraceDecodeError } from '../../../../src/core/formats/traceFormat';

const traceID = '4bf92f3577b34da6a3ce929d0e0e4736';

function span(spanID: string, processID: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { traceID, spanID, operationName: `op ${spanID}`, references: [], startTime: 1_760_000_000_000_000, duration: 10, tags: [], logs: [], processID, warnings: null, ...extra };
}

const processes = { p1: { serviceName: 'frontend', tags: [] }, p2: { serviceName: 'cartdb', tags: [{ key: 'host', type: 'string', value: 'db-1' }] } };

describe('JaegerSpanStream', () => {
  it('hands out spans before their processes with the service honestly unknown, and settles it at the end', () => {
    const stream = new JaegerSpanStream();
    const spans = [span('00000000000000a1', 'p1'), span('00000000000000a2', 'p2', { warnings: ['clock skew adjusted'] })];
    const early = spans.map((raw) => stream.span(0, raw));
    assert.deepEqual(
      early.map((s) => s?.resource.serviceName),
      [serviceNotKnownYet, serviceNotKnownYet],
    );
    stream.process(0, 'p1', processes.p1);
    stream.process(0, 'p2', processes.p2);
    const skeleton = { data: [{ traceID, spans: [0, 0], processes: { p1: 0, p2: 0 }, warnings: ['trace-level note'] }], total: 0, limit: 0, offset: 0, errors: null };
    const whole = { data: [{ traceID, spans, processes, warnings: ['trace-level note'] }], total: 0, limit: 0, offset: 0, errors: null };
    const final = stream.finish(skeleton);
    assert.deepEqual(final, decodeJaegerJson(whole));
    assert.deepEqual(
      final.spans.map((s) => s.resource.serviceName),
      ['frontend', 'cartdb'],
    );
  });

  it('gives spans their service at once when processes come first', () => {
    const stream = new JaegerSpanStream();
    stream.process(0, 'p1', processes.p1);
    assert.equal(stream.span(0, span('00000000000000a1', 'p1'))?.resource.serviceName, 'frontend');
  });

  it('notes a process no trace lists only at the end, where the whole-document decoder notes it', () => {
    const stream = new JaegerSpanStream();
    const spans = [span('00000000000000a1', 'p9')];
    stream.span(0, spans[0]);
    const final = stream.finish({ data: [{ traceID, spans: [0], processes: {} }] });
    assert.deepEqual(final, decodeJaegerJson({ data: [{ traceID, spans, processes: {} }] }));
    assert.equal(final.spans[0]?.resource.serviceName, 'unknown_service');
    assert.ok(
      final.warnings.some((w) => /process "p9", which their trace does not list/.test(w)),
      final.warnings.join('\n'),
    );
  });

  it('decodes a span without its own traceID once the trace id is known', () => {
    const stream = new JaegerSpanStream();
    const raw = span('00000000000000a1', 'p1');
    delete raw['traceID'];
    assert.equal(stream.span(0, raw), undefined);
    stream.process(0, 'p1', processes.p1);
    const final = stream.finish({ data: [{ traceID, spans: [0], processes: { p1: 0 } }] });
    assert.deepEqual(final, decodeJaegerJson({ data: [{ traceID, spans: [raw], processes: { p1: processes.p1 } }] }));
  });

  it('names the place of a bad span and of a value in the span list that is not a span', () => {
    const stream = new JaegerSpanStream();
    stream.span(0, span('00000000000000a1', 'p1'));
    assert.throws(
      () => stream.span(0, span('00000000000000a2', 'p1', { startTime: 'soon' })),
      (error: unknown) => error instanceof TraceDecodeError && /data\[0\]\.spans\[1\]\.startTime/.test(error.message),
    );
    const other = new JaegerSpanStream();
    other.span(0, span('00000000000000a1', 'p1'));
    assert.throws(
      () => other.finish({ data: [{ traceID, spans: [0, null], processes: { p1: processes.p1 } }] }),
      (error: unknown) => error instanceof TraceDecodeError && /data\[0\]\.spans\[1\] is null, not a span object/.test(error.message),
    );
  });
});
