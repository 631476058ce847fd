import * as assert from 'node:assert/strict';
import { encodeTraceView } from '../../../src/core/traceView/encodeTraceView';
import { isTraceViewState, isWebviewMessage } from '../../../src/shared/protocol';
import { maxScrollPx, scrollHeightPx, scrollTopForPosition, scrollWindow } from '../../../src/shared/scrollWindow';
import { filterRows, matchOrdinal, nextMatch, noFilter, searchRows } from '../../../src/shared/spanMatcher';
import { formatDuration } from '../../../src/shared/formatDuration';
import { niceStepNs, timeTicks } from '../../../src/shared/timeAxis';
import { SpanFlag, spanIdAt } from '../../../src/shared/traceViewData';
import { traceViewCsp, traceViewHtml } from '../../../src/shared/traceViewHtml';
import { collapseAll, computeVisibleRows, expandToFlag, keepWithAncestors, positionOfRow, revealRow } from '../../../src/shared/visibleRows';
import { syntheticTrace } from '../core/traceView/traceViewFixtures';

// 1 root, then groups of 11 (a call and its 10 queries): rows 1, 12, 23, … are calls.
const data = encodeTraceView(syntheticTrace(56));

describe('visible rows', () => {
  it('shows every row when nothing is folded', () => {
    assert.deepEqual([...computeVisibleRows(data, new Uint8Array(data.spanCount))], [...Array(56).keys()]);
  });

  it('skips a folded subtree in one step and keeps the rest', () => {
    const collapsed = new Uint8Array(data.spanCount);
    collapsed[12] = 1;
    const rows = computeVisibleRows(data, collapsed);
    assert.equal(rows.length, 46);
    assert.deepEqual([...rows.slice(10, 14)], [10, 11, 12, 23]);
    assert.equal(positionOfRow(rows, 23), 13);
    assert.equal(positionOfRow(rows, 13), -1);
  });

  it('collapse all leaves the root; expand to errors opens only the paths to errors', () => {
    assert.deepEqual([...computeVisibleRows(data, collapseAll(data))], [0]);
    const big = encodeTraceView(syntheticTrace(400));
    const errorRows = [...Array(big.spanCount).keys()].filter((i) => ((big.flags[i] ?? 0) & SpanFlag.Error) !== 0);
    assert.ok(errorRows.length >= 2);
    const rows = computeVisibleRows(big, expandToFlag(big, SpanFlag.Error));
    for (const row of errorRows) assert.ok(positionOfRow(rows, row) >= 0);
    // The root, its calls, and the ten queries under each call that holds an error.
    assert.equal(rows.length, 1 + 37 + 10 * errorRows.length);
  });

  it('revealRow unfolds the ancestors of a row', () => {
    const collapsed = collapseAll(data);
    assert.equal(revealRow(data, collapsed, 30), true);
    assert.ok(positionOfRow(computeVisibleRows(data, collapsed), 30) >= 0);
    assert.equal(revealRow(data, collapsed, 30), false);
  });

  it('a filter keeps matches with their ancestors', () => {
    const match = new Uint8Array(data.spanCount);
    match[30] = 1;
    const keep = keepWithAncestors(data, match);
    assert.deepEqual([...computeVisibleRows(data, new Uint8Array(data.spanCount), keep)], [0, data.parent[30], 30]);
  });

  it('does not loop on a corrupt subtreeEnd', () => {
    const bad = { ...data, subtreeEnd: new Uint32Array(data.spanCount) };
    const collapsed = new Uint8Array(data.spanCount).fill(1);
    assert.equal(computeVisibleRows(bad, collapsed).length, data.spanCount);
  });
});

describe('search and filters', () => {
  it('matches names and services case-insensitively, and span ids exactly', () => {
    assert.equal(searchRows(data, 'select').length, 50);
    assert.equal(searchRows(data, 'PAYMENT').length, searchRows(data, 'payment').length);
    assert.deepEqual([...searchRows(data, spanIdAt(data, 7))], [7]);
    assert.equal(searchRows(data, '  ').length, 0);
  });

  it('moves to the next and previous match, wrapping around', () => {
    const matches = Uint32Array.from([3, 8, 20]);
    assert.equal(nextMatch(matches, -1, 1), 3);
    assert.equal(nextMatch(matches, 3, 1), 8);
    assert.equal(nextMatch(matches, 20, 1), 3);
    assert.equal(nextMatch(matches, 8, -1), 3);
    assert.equal(nextMatch(matches, 3, -1), 20);
    assert.equal(nextMatch(matches, 10, -1), 8);
    assert.equal(nextMatch(new Uint32Array(0), 1, 1), -1);
    assert.equal(matchOrdinal(matches, 8), 2);
    assert.equal(matchOrdinal(matches, 9), 0);
  });

  it('filters by service, errors and minimum duration, and by the rows an attribute search returned', () => {
    const count = (pass: Uint8Array): number => pass.reduce((sum, v) => sum + v, 0);
    assert.equal(count(filterRows(data, noFilter)), data.spanCount);
    assert.equal(count(filterRows(data, { ...noFilter, services: ['frontend'] })), 1);
    assert.equal(count(filterRows(data, { ...noFilter, errorsOnly: true })), 0 + [...data.flags].filter((f) => (f & SpanFlag.Error) !== 0).length);
    assert.equal(count(filterRows(data, { ...noFilter, minDurationNs: 10_000 })), 1 + 5);
    assert.equal(count(filterRows(data, { ...noFilter, attributeRows: Uint32Array.from([2, 4, 9999]) })), 2);
  });
});

describe('time axis', () => {
  it('picks 1-2-5 steps', () => {
    assert.equal(niceStepNs(7), 10);
    assert.equal(niceStepNs(120), 200);
    assert.equal(niceStepNs(3e6), 5e6);
    assert.equal(niceStepNs(0), 1);
  });

  it('places round ticks about the requested spacing apart', () => {
    const ticks = timeTicks(0, 100e6, 900, 90);
    assert.deepEqual(
      ticks.map((t) => t.offsetNs),
      [0, 10e6, 20e6, 30e6, 40e6, 50e6, 60e6, 70e6, 80e6, 90e6, 100e6],
    );
    assert.equal(ticks[1]?.label, '10 ms');
    const zoomed = timeTicks(1_234_567, 1_234_667, 1000, 100);
    assert.ok(zoomed.length >= 9 && zoomed.length <= 12);
    assert.ok(timeTicks(0, 1e15, 1e6, 0).length < 1e5, 'bounded however odd the input');
  });

  it('formats durations in a fitting unit', () => {
    assert.equal(formatDuration(850), '850 ns');
    assert.equal(formatDuration(12_300), '12 µs');
    assert.equal(formatDuration(48_100_000), '48 ms');
    assert.equal(formatDuration(2_350_000_000), '2.4 s');
    assert.equal(formatDuration(185e9), '185 s');
    assert.equal(formatDuration(-5e6), '−5 ms');
    assert.equal(formatDuration(0), '0');
  });
});

describe('scroll window', () => {
  it('maps scrollTop to rows one pixel per pixel for ordinary lists', () => {
    assert.deepEqual(scrollWindow(0, 220, 1000, 22), { first: 0, count: 10, shiftPx: 0 });
    assert.deepEqual(scrollWindow(33, 220, 1000, 22), { first: 1, count: 11, shiftPx: 11 });
    assert.equal(scrollTopForPosition(50, 220, 1000, 22), 1100);
  });

  it('scales the scrollbar past the browser height limit and still reaches the last row', () => {
    const rows = 2_000_000;
    const height = scrollHeightPx(rows, 22);
    assert.equal(height, maxScrollPx);
    const end = scrollWindow(height - 440, 440, rows, 22);
    assert.equal(end.first + end.count, rows);
    const mid = scrollTopForPosition(1_000_000, 440, rows, 22);
    assert.equal(scrollWindow(mid, 440, rows, 22).first, 1_000_000);
    assert.ok(scrollWindow(1e9, 440, rows, 22).count > 0);
    assert.deepEqual(scrollWindow(0, 440, 0, 22), { first: 0, count: 0, shiftPx: 0 });
  });
});

describe('trace view page and messages', () => {
  it('the webview reads the same flag bits core writes', () => {
    // One SpanFlag serves both sides now; what is left to check is that core sets the bit it names.
    const trace = syntheticTrace(56);
    const encoded = encodeTraceView(trace);
    for (let row = 0; row < trace.spanCount; row++) assert.equal(((encoded.flags[row] ?? 0) & SpanFlag.Error) !== 0, trace.isError(row));
  });

  it('allows only the nonce-carrying bundle to run', () => {
    const csp = traceViewCsp({ cspSource: 'https://x.vscode-cdn.net', nonce: 'abc123' });
    assert.match(csp, /^default-src 'none'; script-src 'nonce-abc123'; style-src https:\/\/x\.vscode-cdn\.net 'nonce-abc123'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
    const html = traceViewHtml({ cspSource: 'https://x.vscode-cdn.net', nonce: 'abc123', scriptUri: 'https://x/dist/webview.js', styleUri: 'https://x/media/traceView.css' });
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.match(html, /<script nonce="abc123" src="https:\/\/x\/dist\/webview.js"><\/script>/);
    assert.throws(() => traceViewHtml({ cspSource: '"><script>', nonce: 'n', scriptUri: 's', styleUri: 'c' }));
  });

  it('the host accepts only known message types and well-formed saved state', () => {
    assert.equal(isWebviewMessage({ type: 'ready' }), true);
    assert.equal(isWebviewMessage({ type: 'runCommand' }), false);
    assert.equal(isWebviewMessage('ready'), false);
    assert.equal(isTraceViewState({ traceId: 't', selectedRow: 1, collapsed: [] }), true);
    assert.equal(isTraceViewState({ traceId: 1 }), false);
  });
});
