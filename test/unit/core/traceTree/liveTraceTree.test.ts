import * as assert from 'node:assert/strict';
import { groupKeyOf, LiveTraceTree } from '../../../../src/core/traceTree/liveTraceTree';
import type { TraceSummary } from '../../../../src/core/traceService/traceServiceProtocol';

const quietMs = 10_000;

/** A local trace that started `second` seconds into the run (bigger is newer). */
function trace(n: number, root = 'GET /checkout', service = 'shop', extra: Partial<TraceSummary> = {}): TraceSummary {
  return {
    traceId: n.toString(16).padStart(32, '0'),
    origin: 'local',
    rootName: root,
    rootService: service,
    startNs: String(1_700_000_000_000_000_000n + BigInt(n) * 1_000_000_000n),
    durationNs: 1_000_000 * n,
    spanCount: 3,
    errorCount: 0,
    services: [service],
    warnings: [],
    ...extra,
  };
}

/** The receiver's list: newest first, as the service sends it. */
function newestFirst(...traces: TraceSummary[]): TraceSummary[] {
  return [...traces].sort((a, b) => (BigInt(b.startNs) > BigInt(a.startNs) ? 1 : -1));
}

/** What a person sees under the local source: each endpoint and its rows, top to bottom. */
function rows(tree: LiveTraceTree): string[] {
  return tree.groups().flatMap((group) => [`${group.service}: ${group.operation}`, ...group.traceIds.map((id) => `  ${parseInt(id, 16)}`)]);
}

/** No least interval between applies unless a test is about it: the other rules stand alone. */
function makeTree(pinned: string[] = [], minApplyIntervalMs = 0): LiveTraceTree {
  return new LiveTraceTree({ quietMs, minApplyIntervalMs, pinned: () => pinned });
}

describe('LiveTraceTree: the local traces of the Traces view while traffic flows', () => {
  describe('grouping', () => {
    it('groups traces by root endpoint, endpoints by name, traces newest first', () => {
      const tree = makeTree();
      tree.receive(newestFirst(trace(1, 'GET /products'), trace(2), trace(3, 'GET /products'), trace(4, 'GET /reserve', 'inventory'), trace(5)), 0);
      assert.deepEqual(rows(tree), ['inventory: GET /reserve', '  4', 'shop: GET /checkout', '  5', '  2', 'shop: GET /products', '  3', '  1']);
    });

    it('keeps endpoints apart whose joined names would read the same', () => {
      assert.notEqual(groupKeyOf({ rootService: 'a: b', rootName: 'c' }), groupKeyOf({ rootService: 'a', rootName: 'b: c' }));
    });

    it('counts errors and marks the latest and the slowest of each endpoint', () => {
      const tree = makeTree();
      tree.receive(
        newestFirst(
          trace(1),
          trace(9, 'GET /checkout', 'shop', { durationNs: 1 }),
          trace(5, 'GET /checkout', 'shop', { errorCount: 2, durationNs: 900_000_000 }),
          trace(7, 'GET /checkout', 'shop', { errorCount: 1 }),
        ),
        0,
      );
      const [group] = tree.groups();
      assert.ok(group);
      assert.equal(group.errorTraces, 2);
      assert.equal(group.latestTraceId, trace(9).traceId);
      assert.equal(group.slowestTraceId, trace(5).traceId);
      assert.equal(group.pending, 0);
    });
  });

  describe('positions that hold still', () => {
    it('shows new traces at once while nobody uses the view', () => {
      const tree = makeTree();
      tree.receive([trace(1)], 0);
      assert.equal(tree.receive([trace(2), trace(1)], 500).applied, true);
      assert.deepEqual(rows(tree), ['shop: GET /checkout', '  2', '  1']);
      assert.equal(tree.pendingCount(), 0);
    });

    it('counts new traces instead of inserting them while a trace is expanded, however long it stays open', () => {
      const tree = makeTree();
      tree.receive(newestFirst(trace(1), trace(2)), 0);
      tree.setExpanded(trace(1).traceId, true, 1_000);
      let latest = newestFirst(trace(1), trace(2));
      for (let n = 3; n <= 14; n++) {
        latest = newestFirst(...latest, trace(n), trace(n + 100, 'GET /products'));
        assert.equal(tree.receive(latest, 1_000 + n * 700).applied, false);
      }
      assert.deepEqual(rows(tree), ['shop: GET /checkout', '  2', '  1'], 'rows did not move');
      assert.equal(tree.pendingCount(), 24);
      assert.equal(tree.holdReason(60_000), 'reading');
      const [checkout] = tree.groups();
      assert.equal(checkout?.pending, 12, 'the endpoint row counts its own new traces');
    });

    it('shows the waiting traces once the trace is collapsed and the person has been still for the quiet time', () => {
      const tree = makeTree();
      tree.receive([trace(1)], 0);
      tree.setExpanded(trace(1).traceId, true, 1_000);
      tree.receive([trace(2), trace(1)], 2_000);
      tree.setExpanded(trace(1).traceId, false, 3_000);
      assert.equal(tree.receive([trace(2), trace(1)], 3_000 + quietMs - 1).applied, false, 'still within the quiet time');
      assert.equal(tree.nextCheckAt(3_000 + quietMs - 1), 3_000 + quietMs);
      assert.equal(tree.tick(3_000 + quietMs), true);
      assert.deepEqual(rows(tree), ['shop: GET /checkout', '  2', '  1']);
      assert.equal(tree.nextCheckAt(3_000 + quietMs), undefined, 'nothing waits any more');
    });

    it('stops holding for an expanded trace once its endpoint or the local source is collapsed over it', () => {
      const tree = makeTree();
      tree.receive([trace(1)], 0);
      tree.setExpanded(trace(1).traceId, true, 0);
      tree.setGroupExpanded(groupKeyOf(trace(1)), false, 1_000);
      assert.equal(tree.holdReason(1_000 + quietMs), undefined);
      tree.setGroupExpanded(groupKeyOf(trace(1)), true, 2_000);
      assert.equal(tree.holdReason(2_000 + quietMs), 'reading', 'expanded again, it shows again (VS Code keeps the trace expanded)');
      tree.setLocalExpanded(false, 3_000);
      assert.equal(tree.holdReason(3_000 + quietMs), undefined);
    });

    it('waits the quiet time after any interaction (a hover, a selection, a group expanded)', () => {
      const tree = makeTree();
      tree.receive([trace(1)], 0);
      tree.interacted(5_000);
      assert.equal(tree.receive([trace(2), trace(1)], 6_000).applied, false);
      assert.equal(tree.holdReason(6_000), 'recentInteraction');
      assert.equal(tree.receive([trace(3), trace(2), trace(1)], 5_000 + quietMs).applied, true);
      assert.equal(tree.pendingCount(), 0);
    });

    it('updates the figures of a shown trace in place while its spans arrive', () => {
      const tree = makeTree();
      tree.receive([trace(1)], 0);
      tree.setExpanded(trace(1).traceId, true, 0);
      tree.receive([trace(1, 'GET /checkout', 'shop', { spanCount: 9, errorCount: 1 })], 100);
      assert.equal(tree.shownSummary(trace(1).traceId)?.spanCount, 9);
      assert.equal(tree.groups()[0]?.errorTraces, 1);
    });

    it('keeps a shown trace in its group until the next apply when its root arrives late', () => {
      const tree = makeTree();
      const partial = trace(1, 'GET /reserve', 'inventory');
      tree.receive([partial], 0);
      tree.setExpanded(partial.traceId, true, 0);
      tree.receive([trace(1)], 100);
      assert.deepEqual(rows(tree), ['inventory: GET /reserve', '  1']);
      tree.setExpanded(partial.traceId, false, 200);
      tree.tick(200 + quietMs);
      assert.deepEqual(rows(tree), ['shop: GET /checkout', '  1']);
    });

    it('while following, applies at most once per least interval, so a tooltip has time to show', () => {
      const tree = makeTree([], 2_000);
      assert.equal(tree.receive([trace(1)], 0).applied, true);
      assert.equal(tree.receive([trace(2), trace(1)], 700).applied, false);
      assert.equal(tree.nextCheckAt(700), 2_000);
      assert.equal(tree.receive([trace(3), trace(2), trace(1)], 1_400).applied, false);
      assert.equal(tree.tick(2_000), true);
      assert.deepEqual(rows(tree), ['shop: GET /checkout', '  3', '  2', '  1']);
      tree.interacted(2_500);
      tree.receive([trace(4), trace(3), trace(2), trace(1)], 3_000);
      assert.equal(tree.nextCheckAt(3_000), 2_500 + quietMs, 'the quiet time when it ends later');
    });

    it('names the shown traces whose figures changed without a new layout, so only their rows are redrawn', () => {
      const tree = makeTree();
      tree.receive([trace(2), trace(1)], 0);
      tree.setExpanded(trace(1).traceId, true, 0);
      const update = tree.receive([trace(3), trace(2), trace(1, 'GET /checkout', 'shop', { spanCount: 7 })], 100);
      assert.deepEqual(update, { applied: false, changed: [trace(1).traceId] });
      assert.deepEqual(tree.receive([trace(3), trace(2), trace(1, 'GET /checkout', 'shop', { spanCount: 7 })], 200).changed, [], 'the same figures again');
    });

    it('follows the list while the view is hidden, where no pointer can be over a row', () => {
      const tree = makeTree();
      tree.receive([trace(1)], 0);
      tree.interacted(1_000);
      tree.setVisible(false, 1_000);
      assert.equal(tree.receive([trace(2), trace(1)], 1_500).applied, true);
    });
  });

  describe('Pause and Follow Live', () => {
    it('while paused only counts, even with nobody in the view, until Show New Traces', () => {
      const tree = makeTree();
      tree.receive([trace(1)], 0);
      tree.setLive(false, 0);
      assert.equal(tree.receive([trace(2), trace(1)], 100_000).applied, false);
      assert.equal(tree.tick(200_000), false);
      assert.equal(tree.holdReason(200_000), 'paused');
      assert.equal(tree.nextCheckAt(200_000), undefined, 'no timer: only the person ends a pause');
      assert.equal(tree.pendingCount(), 1);
      assert.equal(tree.showPending(250_000), true);
      assert.deepEqual(rows(tree), ['shop: GET /checkout', '  2', '  1']);
      assert.equal(tree.isLive(), false, 'showing once does not resume following');
      assert.equal(tree.receive([trace(3), trace(2), trace(1)], 300_000).applied, false);
    });

    it('Follow Live shows what waited at once, even with a trace expanded', () => {
      const tree = makeTree();
      tree.receive([trace(1)], 0);
      tree.setLive(false, 0);
      tree.setExpanded(trace(1).traceId, true, 0);
      tree.receive([trace(2), trace(1)], 10);
      assert.equal(tree.setLive(true, 20), true);
      assert.equal(tree.pendingCount(), 0);
      assert.deepEqual(rows(tree), ['shop: GET /checkout', '  2', '  1']);
    });

    it('says nothing changed when applying moves no row', () => {
      const tree = makeTree();
      tree.receive([trace(1)], 0);
      assert.equal(tree.showPending(500_000), false);
    });
  });

  describe('pinning', () => {
    it('keeps an expanded trace listed after the receiver list has dropped it', () => {
      const tree = makeTree();
      tree.receive([trace(2), trace(1)], 0);
      tree.setExpanded(trace(1).traceId, true, 0);
      tree.receive([trace(3), trace(2)], 100);
      tree.showPending(500_000);
      assert.deepEqual(rows(tree), ['shop: GET /checkout', '  3', '  2', '  1']);
      assert.ok(
        tree.all().some((summary) => summary.traceId === trace(1).traceId),
        'still listed for the API and the pickers',
      );
    });

    it('keeps a pinned trace (selected, or open in a trace view) until it is closed, then lets it go', () => {
      const pinned = [trace(1).traceId];
      const tree = makeTree(pinned);
      tree.receive([trace(2), trace(1)], 0);
      tree.receive([trace(3), trace(2)], 100);
      assert.deepEqual(rows(tree), ['shop: GET /checkout', '  3', '  2', '  1']);
      pinned.length = 0;
      tree.receive([trace(4), trace(3), trace(2)], 200);
      assert.deepEqual(rows(tree), ['shop: GET /checkout', '  4', '  3', '  2']);
    });

    it('lets go of the traces the receiver no longer lists, unless pinned, when it applies', () => {
      const tree = makeTree();
      tree.receive([trace(2), trace(1)], 0);
      tree.receive([trace(3)], 100);
      assert.deepEqual(rows(tree), ['shop: GET /checkout', '  3']);
    });

    it('drops everything, pinned or not, when the store is cleared', () => {
      const tree = makeTree([trace(1).traceId]);
      tree.receive([trace(1)], 0);
      tree.setExpanded(trace(1).traceId, true, 0);
      tree.setLive(false, 0);
      assert.equal(tree.receive([], 100).applied, true);
      assert.deepEqual(rows(tree), []);
      assert.deepEqual(tree.all(), []);
    });

    it('reveals one waiting trace a person opened without showing the others', () => {
      const tree = makeTree();
      tree.receive([trace(1, 'GET /products'), trace(5)].reverse(), 0);
      tree.setLive(false, 0);
      tree.receive(newestFirst(trace(1, 'GET /products'), trace(5), trace(6), trace(7, 'GET /cart')), 100);
      assert.equal(tree.reveal(trace(7, 'GET /cart').traceId), true);
      assert.equal(tree.reveal('f'.repeat(32)), false, 'a trace the receiver does not list');
      assert.deepEqual(rows(tree), ['shop: GET /cart', '  7', 'shop: GET /checkout', '  5', 'shop: GET /products', '  1']);
      assert.equal(tree.pendingCount(), 1);
      assert.equal(tree.groupKeyOfShown(trace(7, 'GET /cart').traceId), groupKeyOf(trace(7, 'GET /cart')));
    });
  });
});
