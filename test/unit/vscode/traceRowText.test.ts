import * as assert from 'node:assert/strict';
import type { TraceGroupView } from '../../../src/core/traceTree/liveTraceTree';
import { groupRowText, pendingText, startClock, traceRowText, traceTooltipLines } from '../../../src/vscode/traceRowText';
import type { TraceSummary } from '../../../src/core/traceService/traceServiceProtocol';

const startNs = '1765143723123456789';
const summary: TraceSummary = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  origin: 'local',
  rootName: 'GET /checkout',
  rootService: 'shop-frontend',
  startNs,
  durationNs: 312_400_000,
  spanCount: 9,
  errorCount: 1,
  services: ['shop-frontend', 'inventory'],
  warnings: [],
};

describe('the words of the Traces view rows', () => {
  it('leads a grouped trace row with its duration, then marks, short id, start, spans and errors', () => {
    const text = traceRowText(summary, true, { latest: true, slowest: false });
    assert.equal(text.label, '312 ms');
    assert.equal(text.description, `latest · 4bf92f…4736 · ${startClock(startNs)} · 9 spans · 1 error`);
    assert.match(text.accessibleLabel, /^shop-frontend: GET \/checkout trace 4bf92f…4736, 312 ms, 9 spans, 1 error, latest, started /);
  });

  it('names the endpoint after the duration where no group says it (files, remote sources)', () => {
    const text = traceRowText({ ...summary, errorCount: 0, spanCount: 1 }, false);
    assert.equal(text.label, '312 ms · shop-frontend: GET /checkout');
    assert.equal(text.description, `4bf92f…4736 · ${startClock(startNs)} · 1 span`);
  });

  it("shows the start as the time of day in the editor's zone", () => {
    const date = new Date(1765143723123);
    const expected = [date.getHours(), date.getMinutes(), date.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
    assert.equal(startClock(startNs), expected);
  });

  it('puts the whole id, start, duration, span count, services and errors in the tooltip, as given', () => {
    const hostile = { ...summary, rootName: '<img src=x onerror=alert(1)> [run](command:workbench.action.quit)' };
    const lines = traceTooltipLines(hostile, 'the local receiver');
    assert.deepEqual(lines, [
      'shop-frontend: <img src=x onerror=alert(1)> [run](command:workbench.action.quit)',
      'Trace ID: 4bf92f3577b34da6a3ce929d0e0e4736',
      'Started: 2025-12-07T21:42:03.123Z',
      'Duration: 312 ms',
      'Spans: 9',
      'Errors: 1',
      'Services: shop-frontend, inventory',
      'From: the local receiver',
    ]);
    assert.equal(traceTooltipLines({ ...summary, errorCount: 0 }, 'x')[5], 'Errors: none');
  });

  it("says an endpoint group's count first, then failed and slowest; what waits in the tooltip", () => {
    const group: TraceGroupView = {
      key: 'k',
      service: 'shop-frontend',
      operation: 'GET /checkout',
      traceIds: ['a', 'b', 'c'],
      pending: 4,
      errorTraces: 1,
      latestTraceId: summary.traceId,
      slowestTraceId: summary.traceId,
    };
    const text = groupRowText(group, summary, summary);
    assert.equal(text.label, 'shop-frontend: GET /checkout');
    assert.equal(text.description, '3 · 1 failed · max 312 ms');
    assert.ok(text.tooltipLines.includes('3 traces shown, 4 newer not shown yet (Show New Traces)'));
    assert.ok(text.tooltipLines.includes('Slowest: 312 ms (trace 4bf92f…4736)'));
    assert.equal(groupRowText({ ...group, pending: 0, errorTraces: 0 }, undefined, undefined).description, '3');
  });

  it('tells how many traces wait and whether the list is paused', () => {
    assert.equal(pendingText(0, true), undefined);
    assert.equal(pendingText(0, false), 'paused');
    assert.equal(pendingText(12, true), '12 new');
    assert.equal(pendingText(12, false), '12 new · paused');
  });
});
