import * as assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { BackendError } from '../../../../src/core/backends/backendError';
import { decodeOtlpJson } from '../../../../src/core/formats/otlpJson';
import { buildTrace } from '../../../../src/core/model/buildTrace';
import { TraceService } from '../../../../src/core/traceService/traceService';
import { createTraceServiceClient } from '../../../../src/core/traceService/traceServiceClient';
import type { ChildrenPage, RemoteTraceEvent, SpanRow, TraceQueries, TraceSummary } from '../../../../src/core/traceService/traceServiceProtocol';
import { requireSharedFixtures } from '../../sharedFixtures';
import { rejection, type TestServer } from '../backends/testServer';
import { startSlowJaeger, streamedApiV3Body, streamedTraceId } from './slowJaeger';

const workerScript = resolve(__dirname, '..', '..', '..', '..', 'src', 'core', 'traceService', 'traceServiceWorker.js');

type Service = TraceQueries & { dispose(): Promise<void>; onRemoteTraceEvent(listener: (event: RemoteTraceEvent) => void): { dispose(): void } };

/** A partial event, with the root page the service answered for it right then. */
interface Seen {
  readonly event: RemoteTraceEvent;
  readonly roots: Promise<ChildrenPage> | undefined;
  readonly beforeAnswer: boolean;
}

/** Every row of a trace, depth first, as the tree would page through it. */
async function allRows(service: TraceQueries, traceId: string, parentIndex = -1): Promise<SpanRow[]> {
  const rows: SpanRow[] = [];
  const page = await service.children(traceId, parentIndex, 0, 100_000);
  for (const row of page.rows) {
    rows.push(row, ...(row.childCount > 0 ? await allRows(service, traceId, row.index) : []));
  }
  return rows;
}

function suite(name: string, make: () => Service): void {
  describe(`${name}: a remote trace listed while it downloads`, function () {
    this.timeout(60_000);
    let service: Service;
    let server: TestServer | undefined;
    let seen: Seen[];
    let answered: boolean;
    let body: Buffer;
    let spanCount: number;

    before(function () {
      requireSharedFixtures(this);
      ({ body, spanCount } = streamedApiV3Body(3_000));
    });

    beforeEach(() => {
      service = make();
      seen = [];
      answered = false;
      // The tree asks for rows the moment it hears of a trace; so does this listener.
      service.onRemoteTraceEvent((event) => {
        const roots = event.type === 'partial' ? service.children(event.summary.traceId, -1, 0, 500) : undefined;
        // Rejections are asserted where they matter; none may go unhandled meanwhile.
        roots?.catch(() => undefined);
        seen.push({ event, roots, beforeAnswer: !answered });
      });
    });

    afterEach(async () => {
      await service.dispose();
      await server?.close();
      server = undefined;
    });

    const open = async (options: { pieces: number; pauseMs: number; cut?: { after: number; how: 'end' | 'destroy' } }, signal?: AbortSignal): Promise<TraceSummary> => {
      server = await startSlowJaeger({ body, ...options });
      await service.configureSources({ sources: [{ config: { name: 'jaeger', type: 'jaeger', url: server.url } }], proxy: {} });
      try {
        return await service.openRemoteTrace('jaeger', streamedTraceId, signal);
      } finally {
        answered = true;
      }
    };

    const partials = (): { summary: TraceSummary; roots: Promise<ChildrenPage> | undefined; beforeAnswer: boolean }[] =>
      seen.flatMap((entry) => (entry.event.type === 'partial' ? [{ summary: entry.event.summary, roots: entry.roots, beforeAnswer: entry.beforeAnswer }] : []));

    it('lists partial builds with pageable rows before the answer, then the whole trace, equal to a non-streamed decode', async () => {
      const summary = await open({ pieces: 40, pauseMs: 30 });
      const early = partials();
      assert.ok(early.length >= 2, `expected several partial builds while the body streamed, got ${early.length}`);
      assert.ok(early.every((partial) => partial.beforeAnswer && partial.summary.incomplete?.state === 'loading'));
      const counts = early.map((partial) => partial.summary.spanCount);
      assert.ok(
        counts.every((count, i) => count > 0 && count < spanCount && (i === 0 || count > (counts[i - 1] ?? 0))),
        `span counts so far: ${counts.join(', ')}`,
      );
      // Each build answered a page of real rows at once; the root has not arrived, so the rows are orphans.
      const firstRoots = await early[0]?.roots;
      assert.ok(firstRoots && firstRoots.rows.length > 0);
      assert.ok(firstRoots.rows.every((row) => row.orphan && row.traceId === streamedTraceId));
      // No orphan passes for the root while the root is missing.
      assert.deepEqual([early[0]?.summary.rootService, early[0]?.summary.rootName], ['', `trace ${streamedTraceId} (root span not received yet)`]);

      assert.equal(summary.incomplete, undefined);
      assert.match(summary.rootName, / #0$/);
      assert.equal(summary.spanCount, spanCount);
      const listed = (await service.listTraces()).find((trace) => trace.traceId === streamedTraceId);
      assert.deepEqual(listed, summary);
      const wholeRoots = await service.children(streamedTraceId, -1, 0, 500);
      assert.deepEqual(
        wholeRoots.rows.map((row) => [row.spanId, row.orphan]),
        [['0000000000000001', false]],
      );

      // The same bytes decoded in one piece, as before streaming, give the same trace.
      const decoded = decodeOtlpJson(JSON.parse(body.toString('utf8')));
      const reference = buildTrace(streamedTraceId, decoded.spans);
      const rows = await allRows(service, streamedTraceId);
      assert.equal(rows.length, spanCount);
      assert.deepEqual(
        rows.map((row) => [row.spanId, row.depth, row.durationNs, row.offsetNs, row.childCount]),
        reference.spans.map((span, index) => [span.spanId, reference.depth[index], reference.spanDurationNs(index), reference.offsetNs(index), [...reference.children(index)].length]),
      );
      if (service instanceof TraceService) assert.deepEqual(service.trace(streamedTraceId)?.spans, reference.spans);
    });

    for (const how of ['end', 'destroy'] as const) {
      it(`keeps what arrived when the body is cut mid-stream (${how === 'end' ? 'truncated document' : 'connection dropped'}), marked incomplete with the reason`, async () => {
        const error = await rejection(open({ pieces: 40, pauseMs: 20, cut: { after: 0.6, how } }));
        assert.ok(error instanceof BackendError, `expected a BackendError, got ${String(error)}`);
        const last = partials().at(-1);
        assert.ok(last, 'a partial build was listed before the failure');
        assert.deepEqual(last.summary.incomplete, { state: 'failed', reason: error.message });
        assert.ok(last.summary.spanCount > 0 && last.summary.spanCount < spanCount);
        assert.ok(
          last.summary.warnings.some((warning) => warning.startsWith('Incomplete: the download from "jaeger" broke off after')),
          last.summary.warnings.join('\n'),
        );
        // Still listed and pageable, as the failed build says.
        const listed = (await service.listTraces()).find((trace) => trace.traceId === streamedTraceId);
        assert.deepEqual(listed, last.summary);
        assert.equal((await allRows(service, streamedTraceId)).length, last.summary.spanCount);
      });
    }

    it('drops the partial trace when the open is cancelled', async () => {
      const controller = new AbortController();
      service.onRemoteTraceEvent((event) => {
        if (event.type === 'partial') controller.abort();
      });
      const error = await rejection(open({ pieces: 40, pauseMs: 20 }, controller.signal));
      assert.ok(error instanceof BackendError && error.failure.kind === 'cancelled', String(error));
      // From the worker, a build or two may leave before the cancel reaches it; the drop comes last.
      const types = seen.map((entry) => entry.event.type);
      assert.equal(types.at(-1), 'dropped', types.join(', '));
      assert.ok(types.slice(0, -1).length > 0 && types.slice(0, -1).every((type) => type === 'partial'), types.join(', '));
      assert.equal(
        (await service.listTraces()).some((trace) => trace.traceId === streamedTraceId),
        false,
      );
    });

    it('keeps a trace already loaded whole on show while it is fetched again: no partial replaces it', async () => {
      const first = await open({ pieces: 10, pauseMs: 5 });
      await server?.close();
      seen = [];
      const again = await open({ pieces: 10, pauseMs: 5, cut: { after: 0.5, how: 'end' } }).catch((error: unknown) => error);
      assert.ok(again instanceof BackendError);
      assert.deepEqual(seen, []);
      assert.deepEqual(
        (await service.listTraces()).find((trace) => trace.traceId === streamedTraceId),
        first,
      );
    });
  });
}

suite('TraceService', () => new TraceService({}, { minIntervalMs: 50 }));
suite('TraceServiceClient (worker)', () => createTraceServiceClient(workerScript));
