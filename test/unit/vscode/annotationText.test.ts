import * as assert from 'node:assert/strict';
import type { FunctionAnnotation } from '../../../src/core/traceService/annotationService';
import { buildHoverModel } from '../../../src/core/presentation/hoverModel';
import { commandUri, diagnosticMessage, escapeMarkdown, hoverMarkdown, lensTitle, placeFunction, shortName, timeAgo, type SymbolSpan } from '../../../src/vscode/annotationText';
import { statsFixture } from '../core/aggregation/aggregationFixtures';

const symbols: SymbolSpan[] = [
  { name: 'Checkout', startLine: 1, endLine: 40, selectionLine: 1 },
  { name: 'pay', startLine: 10, endLine: 20, selectionLine: 11 },
  { name: 'refund', startLine: 22, endLine: 30, selectionLine: 22 },
];

describe('annotationText (placement and text of editor annotations)', () => {
  it('places figures on the innermost symbol around their first mapped line, at its name', () => {
    assert.deepEqual(placeFunction({ function: 'x', lines: [15, 25] }, symbols), { line: 11, symbol: symbols[1] });
    assert.deepEqual(placeFunction({ function: undefined, lines: [35] }, symbols), { line: 1, symbol: symbols[0] });
  });

  it('prefers the function named by the spans to a callback around the mapped line', () => {
    // TypeScript reports `traced(tracer, 'chargeCard', async () => …)` as a function of its own.
    const withCallback: SymbolSpan[] = [
      { name: 'chargeCard', startLine: 31, endLine: 38, selectionLine: 31 },
      { name: "traced('chargeCard') callback", startLine: 32, endLine: 37, selectionLine: 32 },
    ];
    assert.deepEqual(placeFunction({ function: 'chargeCard', lines: [32] }, withCallback), { line: 31, symbol: withCallback[0] });
    assert.deepEqual(placeFunction({ function: 'checkout.chargeCard', lines: [32] }, withCallback), { line: 31, symbol: withCallback[0] });
    assert.deepEqual(placeFunction({ function: undefined, lines: [32] }, withCallback), { line: 32, symbol: withCallback[1] });
  });

  it('falls back to the symbol named like the function, then to the mapped line, else nothing', () => {
    assert.deepEqual(placeFunction({ function: 'com.acme.Checkout.refund', lines: [] }, symbols), { line: 22, symbol: symbols[2] });
    assert.deepEqual(placeFunction({ function: 'pay', lines: [50] }, []), { line: 50, symbol: undefined });
    assert.equal(placeFunction({ function: 'missing', lines: [] }, symbols), undefined);
  });

  it('shortens qualified names from several runtimes', () => {
    assert.equal(shortName('com.acme.Checkout.pay'), 'pay');
    assert.equal(shortName('github.com/x/pkg.(*Server).Handle'), 'Handle');
    assert.equal(shortName('Module::Klass#call'), 'call');
  });

  it('escapes markdown so span text can never become a link, html or formatting', () => {
    const escaped = escapeMarkdown('[click](command:workbench.action.quit) <img src=x> *bold* a|b\nnext');
    assert.ok(!/(^|[^\\])[[\]()<>*|]/.test(escaped), escaped);
    assert.ok(!escaped.includes('\n'));
  });

  it('encodes command arguments as JSON in the query of a command URI', () => {
    const uri = commandUri('spanlens.openTrace', [{ traceId: 'ab', source: 'a b' }]);
    assert.equal(uri.split('?')[0], 'command:spanlens.openTrace');
    assert.deepEqual(JSON.parse(decodeURIComponent(uri.split('?')[1] ?? '')), [{ traceId: 'ab', source: 'a b' }]);
  });

  it('words a diagnostic with type, normalized message, count, services and last seen', () => {
    const now = Date.UTC(2024, 0, 1, 12);
    assert.equal(
      diagnosticMessage({ type: 'TypeError', message: 'x of <n> is undefined', count: 3, services: ['api', 'worker'], lastSeenMs: now - 120_000 }, now),
      'TypeError: x of <n> is undefined (3× in api, worker; last seen 2 min ago)',
    );
    assert.equal(timeAgo(now - 5_000, now), 'just now');
    assert.equal(timeAgo(now - 3 * 3_600_000, now), '3 h ago');
    assert.equal(timeAgo(now - 72 * 3_600_000, now), '3 days ago');
  });

  describe('stale builds and the hover text', () => {
    const annotation: FunctionAnnotation = {
      target: { function: 'pay' },
      function: 'pay',
      lines: [3],
      title: 'p50 12 ms · 3 calls · 0% errors',
      context: 'last hour · local',
      count: 3,
      errorCount: 0,
      heat: undefined,
      lineText: '',
    };

    it('marks the lens of figures from another build, and only those', () => {
      assert.equal(lensTitle(annotation), 'p50 12 ms · 3 calls · 0% errors');
      assert.equal(lensTitle({ ...annotation, staleBuild: 'Stale build: these figures come from version 1.2.0; the checkout is 1.3.0.' }), '⚠ stale build · p50 12 ms · 3 calls · 0% errors');
    });

    it('says a stale build on the first line, and the trace links before the details', () => {
      const stats = statsFixture({ versions: ['1.4.2'], latestError: { traceId: 'e'.repeat(32), spanId: 'f'.repeat(16), service: 'api', name: 'x', durationMs: 3, error: true, endTimeMs: 0 } });
      const hover = buildHoverModel(stats, { source: 'local', checkoutVersion: '1.5.0' });
      const links = hover.links.map((l) => ({ ...l, source: 'local' }));
      const text = hoverMarkdown({ hover, links });
      const lines = text.split('\n').filter((line) => line.trim() !== '');
      assert.match(lines[0] ?? '', /^⚠️ Stale build: these figures come from version 1\\\.4\\\.2; the checkout is 1\\\.5\\\.0\\\.$/);
      assert.ok(text.indexOf('Slowest trace') < text.indexOf('Based on'), text);
      assert.ok(lines.length <= 9, `a hover of ${String(lines.length)} lines does not fit its box:\n${text}`);
      assert.doesNotMatch(text, /percentiles exact|sampled yes/);
    });

    it('keeps span text as text: no link, HTML or command smuggled in through a service name', () => {
      const hover = buildHoverModel(statsFixture({ services: ['[x](command:workbench.action.quit) <img src=x>'] }));
      const text = hoverMarkdown({ hover, links: [] });
      assert.doesNotMatch(text, /\]\(command:workbench/);
      assert.doesNotMatch(text, /(?<!\\)<img/, 'an unescaped tag');
    });
  });
});
