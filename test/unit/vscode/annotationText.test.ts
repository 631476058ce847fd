import * as assert from 'node:assert/strict';
import { commandUri, diagnosticMessage, escapeMarkdown, placeFunction, shortName, timeAgo, type SymbolSpan } from '../../../src/vscode/annotationText';

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
});
