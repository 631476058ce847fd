import * as assert from 'node:assert/strict';
import type { FileCandidate } from '../../../../src/core/mapping/candidateLocation';
import type { SpanLocationResult } from '../../../../src/core/mapping/resolveSpanLocation';
import { createResource, createSpan, StatusCode, type Span } from '../../../../src/core/model/span';
import { AnnotationService, type AnnotationsChangedEvent } from '../../../../src/core/traceService/annotationService';

const t0Ms = Date.UTC(2024, 0, 1);
const resource = createResource({ 'service.name': 'shop', 'service.version': '1.2.0' });
let nextId = 1;

function span(durationMs: number, attributes: Record<string, string | number>, extra: Partial<Span> = {}): Span {
  const id = (nextId++).toString(16).padStart(16, '0');
  const endNs = BigInt(t0Ms - 1000) * 1_000_000n;
  return createSpan({ traceId: id.padStart(32, '0'), spanId: id, name: 'op', startNs: endNs - BigInt(durationMs) * 1_000_000n, endNs, resource, attributes, ...extra });
}

/** Maps `/app/<rest>` to `/ws/<rest>` and counts how often each path was resolved. */
function fakeResolver(calls: Map<string, number>) {
  return (_service: string, { path, line }: FileCandidate): Promise<SpanLocationResult> => {
    calls.set(path, (calls.get(path) ?? 0) + 1);
    if (!path.startsWith('/app/')) return Promise.resolve({ reason: { kind: 'notInWorkspace', paths: [path] }, steps: [] });
    return Promise.resolve({ location: { folder: 'ws', relativePath: path.slice(5), path: `/ws/${path.slice(5)}`, line, column: undefined }, steps: [] });
  };
}

describe('AnnotationService (the worker side of editor annotations)', () => {
  let service: AnnotationService;
  let calls: Map<string, number>;
  let events: AnnotationsChangedEvent[];

  beforeEach(() => {
    calls = new Map();
    events = [];
    service = new AnnotationService({ resolveLocation: fakeResolver(calls), mappingReady: () => true, emit: (e) => events.push(e), now: () => t0Ms, expiryIntervalMs: 0, notifyDelayMs: 0 });
  });
  afterEach(() => service.dispose());

  it('puts spans on the workspace file and resolves each raw path and line once per batch', async () => {
    const spans = [10, 20, 30, 40].map((d) => span(d, { 'code.file.path': '/app/src/a.ts', 'code.line.number': 5, 'code.function.name': 'pay' }));
    await service.add(spans, 'local', 'spanEnd');
    assert.equal(calls.get('/app/src/a.ts'), 1);
    await service.add([span(50, { 'code.file.path': '/app/src/a.ts', 'code.line.number': 5, 'code.function.name': 'pay' })], 'local', 'spanEnd');
    assert.equal(calls.get('/app/src/a.ts'), 1, 'remembered across batches too');
    const doc = await service.statsForDocument('/ws/src/a.ts');
    assert.equal(doc.functions.length, 1);
    const fn = doc.functions[0];
    assert.ok(fn);
    assert.deepEqual(fn.lines, [5]);
    assert.equal(fn.title, 'p50 30 ms · p95 50 ms · p99 50 ms · 5 calls · 0% errors');
    assert.equal(fn.context, 'last hour · local');
    const hover = await service.hoverForFunction('/ws/src/a.ts', fn.target);
    assert.equal(hover?.links[0]?.source, 'local');
    assert.equal(hover.hover.summary, fn.title, 'the hover repeats the lens');
    assert.equal(await service.hoverForFunction('/ws/src/a.ts', { function: 'refund' }), undefined, 'no hover where there is no data');
    assert.equal((await service.statsForDocument('/app/src/a.ts')).functions.length, 0, 'the raw production path has no data');
  });

  it('keeps unmappable spans out of documents and lists a function’s spans slowest first', async () => {
    await service.add(
      [
        span(5, { 'code.file.path': '/elsewhere/x.ts', 'code.line.number': 1 }),
        ...[3, 9, 6].map((d) => span(d, { 'code.file.path': '/app/b.ts', 'code.line.number': 2, 'code.function.name': 'Svc.run' })),
      ],
      'files',
      'arrival',
    );
    assert.deepEqual(service.filesWithData(), ['/ws/b.ts']);
    const spans = await service.spansForFunction('/ws/b.ts', { function: 'run' });
    assert.deepEqual(
      spans.map((s) => s.durationMs),
      [9, 6, 3],
    );
    assert.ok(spans.every((s) => s.source === 'files'));
  });

  it('places an exception on the innermost mapped frame, with the other frames related, and notifies the file', async () => {
    const stacktrace = 'Error: boom 42\n    at charge (/app/src/pay.ts:30:5)\n    at run (/app/src/main.ts:12:3)\n    at node:internal/process/task_queues:95:5';
    const failing = span(
      12,
      { 'code.file.path': '/app/src/main.ts', 'code.line.number': 10 },
      {
        statusCode: StatusCode.Error,
        events: [{ name: 'exception', timeNs: 0n, attributes: { 'exception.type': 'Error', 'exception.message': 'boom 42', 'exception.stacktrace': stacktrace } }],
      },
    );
    await service.add([failing], 'local', 'spanEnd');
    const [exception, ...others] = await service.exceptionsForDocument('/ws/src/pay.ts');
    assert.ok(exception);
    assert.equal(others.length, 0);
    assert.equal(exception.line, 30);
    assert.equal(exception.count, 1);
    assert.deepEqual(exception.services, ['shop']);
    assert.equal(exception.traceId, failing.traceId);
    assert.deepEqual(
      exception.related.map((r) => [r.path, r.line]),
      [['/ws/src/main.ts', 12]],
    );
    await new Promise((r) => setTimeout(r, 5));
    assert.ok(events.some((e) => e.files.includes('/ws/src/pay.ts')));
  });

  it('answers a repeated request with the same figures, and shows new spans, sources and checkouts as they come', async () => {
    let checkout = { version: '1.2.0', commit: undefined as string | undefined };
    let nowMs = t0Ms;
    const local = new AnnotationService({
      resolveLocation: fakeResolver(calls),
      mappingReady: () => true,
      emit: () => undefined,
      checkout: () => Promise.resolve(checkout),
      now: () => nowMs,
      expiryIntervalMs: 0,
      notifyDelayMs: 0,
    });
    const at = (fn: string, line: number) => ({ 'code.file.path': '/app/src/d.ts', 'code.line.number': line, 'code.function.name': fn });
    await local.add([span(10, at('pay', 5)), span(20, at('pay', 5)), span(4, at('ship', 30))], 'local', 'spanEnd');
    const first = await local.statsForDocument('/ws/src/d.ts');
    const again = await local.statsForDocument('/ws/src/d.ts');
    assert.deepEqual(again, first);
    assert.deepEqual(
      first.functions.map((f) => f.title),
      ['p50 10 ms · p95 20 ms · p99 20 ms · 2 calls · 0% errors', 'p50 4 ms · p95 4 ms · p99 4 ms · 1 call · 0% errors'],
    );
    assert.equal((await local.hoverForFunction('/ws/src/d.ts', { function: 'pay' }))?.hover.staleBuild, undefined);
    assert.ok(
      first.functions.every((f) => f.staleBuild === undefined),
      'the checkout is the build the spans came from',
    );

    // More spans for one function, from a backend this time, the slowest so far among them.
    const slow = span(90, at('pay', 5));
    nowMs += 1000;
    await local.add([slow], 'tempo', 'spanEnd');
    const [pay, ship] = (await local.statsForDocument('/ws/src/d.ts')).functions;
    assert.ok(pay && ship);
    assert.equal(pay.title, 'p50 20 ms · p95 90 ms · p99 90 ms · 3 calls · 0% errors');
    const payHover = await local.hoverForFunction('/ws/src/d.ts', pay.target);
    assert.equal(payHover?.hover.summary, pay.title);
    assert.deepEqual(
      payHover.links.map((l) => [l.kind, l.traceId, l.source]),
      [['slowest', slow.traceId, 'tempo']],
    );
    assert.equal(pay.context, 'last hour · tempo, local', 'the file now has two sources, latest first');
    assert.equal(ship.title, first.functions[1]?.title, 'the other function kept its figures');
    assert.equal(ship.context, 'last hour · tempo, local');

    // The checkout moves on while production still runs 1.2.0.
    checkout = { version: '1.3.0', commit: undefined };
    const moved = await local.hoverForFunction('/ws/src/d.ts', { function: 'ship' });
    assert.match(moved?.hover.staleBuild ?? '', /^Stale build: these figures come from version 1\.2\.0; the checkout is 1\.3\.0\.$/);
    // The lens of every function of the file says it too, without a hover.
    const stale = (await local.statsForDocument('/ws/src/d.ts')).functions;
    assert.deepEqual(
      stale.map((f) => f.staleBuild),
      [moved?.hover.staleBuild, moved?.hover.staleBuild],
    );

    // The same trace fed again from another source: its link now opens it there.
    await local.add([{ ...slow, spanId: 'ffffffffffffffff' }], 'files', 'spanEnd');
    const relinked = await local.hoverForFunction('/ws/src/d.ts', { function: 'pay' });
    assert.equal(relinked?.links[0]?.source, 'files');
    local.dispose();
  });

  it('does not remember "not found" before the mapping is configured', async () => {
    let ready = false;
    const local = new AnnotationService({ resolveLocation: fakeResolver(calls), mappingReady: () => ready, emit: () => undefined, now: () => t0Ms, expiryIntervalMs: 0, maxMappingWaitMs: 0 });
    await local.add([span(1, { 'code.file.path': '/elsewhere/a.ts', 'code.line.number': 1 })], 'local', 'spanEnd');
    ready = true;
    await local.add([span(1, { 'code.file.path': '/elsewhere/a.ts', 'code.line.number': 1 })], 'local', 'spanEnd');
    assert.equal(calls.get('/elsewhere/a.ts'), 2);
    local.dispose();
  });

  it('re-aggregates with a new window and percentiles, telling the host that everything changed', async () => {
    await service.add(
      [10, 20].map((d) => span(d, { 'code.file.path': '/app/c.ts', 'code.line.number': 1 })),
      'local',
      'spanEnd',
    );
    await service.configure({ window: '24h', percentiles: [90] });
    const doc = await service.statsForDocument('/ws/c.ts');
    assert.match(doc.functions[0]?.title ?? '', /^p90 20 ms · 2 calls/);
    assert.equal(doc.window, '24h');
    await new Promise((r) => setTimeout(r, 5));
    assert.ok(events.some((e) => e.all));
  });
});
