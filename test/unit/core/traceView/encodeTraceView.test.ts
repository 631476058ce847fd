import * as assert from 'node:assert/strict';
import { buildTrace } from '../../../../src/core/model/buildTrace';
import { createResource, createSpan, StatusCode } from '../../../../src/core/model/span';
import { encodeTraceView, transferablesOf } from '../../../../src/core/traceView/encodeTraceView';
import { encodedBytes, hasFlag, nameAt, rowOfSpanId, serviceAt, SpanFlag, spanIdAt } from '../../../../src/shared/traceViewData';
import { baseNs, syntheticTrace } from './traceViewFixtures';

describe('encodeTraceView', () => {
  it('round-trips every span: timing, tree, names, services, ids and flags', () => {
    const trace = syntheticTrace(250);
    const data = encodeTraceView(trace);
    assert.equal(data.spanCount, trace.spanCount);
    assert.equal(data.traceId, trace.traceId);
    assert.equal(data.startNs, trace.startNs.toString());
    assert.equal(data.durationNs, trace.durationNs);
    for (let i = 0; i < trace.spanCount; i++) {
      const span = trace.span(i);
      assert.equal(data.offsetNs[i], trace.offsetNs(i));
      assert.equal(data.durationsNs[i], trace.spanDurationNs(i));
      assert.equal(data.depth[i], trace.depth[i]);
      assert.equal(data.parent[i], trace.parent[i]);
      assert.equal(data.subtreeEnd[i], trace.subtreeEnd[i]);
      assert.equal(nameAt(data, i), span.name);
      assert.equal(serviceAt(data, i), span.resource.serviceName);
      assert.equal(spanIdAt(data, i), span.spanId);
      assert.equal(hasFlag(data, i, SpanFlag.Error), trace.isError(i));
    }
    assert.equal(rowOfSpanId(data, trace.span(17).spanId), 17);
    // Strings are interned: 250 spans, a handful of distinct names.
    assert.ok(data.names.length <= 11, `names: ${data.names.length}`);
    assert.equal(data.services.length, 5);
    assert.equal(data.spanIds.kind, 'hex64');
  });

  it('marks the critical path', () => {
    const trace = syntheticTrace(60);
    const data = encodeTraceView(trace);
    const segments = trace.criticalPath();
    for (const segment of segments) assert.ok(hasFlag(data, segment.spanIndex, SpanFlag.Critical));
    assert.ok(hasFlag(data, 0, SpanFlag.Critical), 'the root is on the critical path');
  });

  it('keeps non-hex span ids as text and flags orphans, locations, exceptions and links', () => {
    const resource = createResource({ 'service.name': 'api' });
    const spans = [
      createSpan({ traceId: 't', spanId: 'root', name: 'r', startNs: baseNs, endNs: baseNs + 10n, resource, attributes: { 'code.function': 'main' } }),
      createSpan({
        traceId: 't',
        spanId: 'orphan',
        parentSpanId: 'missing',
        name: 'o',
        startNs: baseNs + 2n,
        endNs: baseNs + 4n,
        resource,
        statusCode: StatusCode.Error,
        events: [{ name: 'exception', timeNs: baseNs + 3n, attributes: {} }],
        links: [{ traceId: 'x', spanId: 'y', traceState: undefined, attributes: {} }],
      }),
    ];
    const data = encodeTraceView(buildTrace('t', spans));
    assert.equal(data.spanIds.kind, 'text');
    assert.equal(spanIdAt(data, 0), 'root');
    assert.equal(spanIdAt(data, 1), 'orphan');
    assert.ok(hasFlag(data, 0, SpanFlag.HasLocation));
    assert.ok(!hasFlag(data, 0, SpanFlag.Orphan));
    for (const flag of [SpanFlag.Orphan, SpanFlag.Error, SpanFlag.HasException, SpanFlag.HasLinks]) assert.ok(hasFlag(data, 1, flag), `flag ${flag}`);
  });

  it('is compact: under 50 bytes a span, in a few transferable buffers', () => {
    const data = encodeTraceView(syntheticTrace(20_000));
    const perSpan = encodedBytes(data) / data.spanCount;
    assert.ok(perSpan < 50, `${perSpan} bytes per span`);
    assert.equal(data.depth.BYTES_PER_ELEMENT, 2);
    assert.equal(data.serviceIndex.BYTES_PER_ELEMENT, 2);
    assert.ok(transferablesOf(data).length >= 8);
  });

  it('survives structured clone (what postMessage does) unchanged', () => {
    const data = encodeTraceView(syntheticTrace(100));
    const copy = structuredClone(data);
    assert.deepEqual(copy, data);
    assert.ok(copy.offsetNs instanceof Float64Array);
  });

  it('encodes bad input without hanging: a cycle, a child before its parent, zero-length and hour-long spans', () => {
    const resource = createResource({ 'service.name': 'a' });
    const other = createResource({ 'service.name': 'b' });
    const spans = [
      createSpan({ traceId: 't', spanId: '0000000000000001', parentSpanId: '0000000000000002', name: 'x', startNs: baseNs, endNs: baseNs, resource }),
      createSpan({ traceId: 't', spanId: '0000000000000002', parentSpanId: '0000000000000001', name: 'y', startNs: baseNs, endNs: baseNs + 3_600_000_000_000n, resource }),
      createSpan({ traceId: 't', spanId: '0000000000000003', parentSpanId: '0000000000000002', name: 'early', startNs: baseNs - 5_000n, endNs: baseNs - 1_000n, resource: other }),
    ];
    const data = encodeTraceView(buildTrace('t', spans));
    assert.equal(data.spanCount, 3);
    for (let i = 0; i < 3; i++) assert.ok((data.offsetNs[i] ?? -1) >= 0);
    assert.equal(Math.min(...data.durationsNs), 0);
  });
});
