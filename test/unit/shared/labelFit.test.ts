import * as assert from 'node:assert/strict';
import { placeAxisLabels, placeLabel, type LabelPlacement } from '../../../src/shared/labelFit';
import { formatDuration } from '../../../src/shared/formatDuration';
import { timeTicks } from '../../../src/shared/timeAxis';

/** A label is either not shown or lies wholly on the track: never partly, which would cut digits off. */
function assertWhole(placement: LabelPlacement, trackWidth: number, labelWidth: number, context: string): void {
  if (placement.kind === 'hidden') return;
  assert.ok(placement.left >= 0, `${context}: starts at ${placement.left}, before the track`);
  assert.ok(placement.left + labelWidth <= trackWidth, `${context}: ends at ${placement.left + labelWidth}, past ${trackWidth}`);
}

describe('duration label fitting', () => {
  it('a 307 ms label is shown whole or not at all, at every track width and bar position', () => {
    const text = formatDuration(307e6);
    assert.equal(text, '307 ms');
    const labelWidth = 38;
    for (let trackWidth = 0; trackWidth <= 1600; trackWidth += 7) {
      for (const [from, to] of [
        [0, 1],
        [0, 0.77],
        [0.02, 0.79],
        [0.15, 0.965],
        [0.5, 1],
        [-0.5, 0.1],
        [1.2, 1.4],
        [-0.6, -0.1],
        [0.99, 1],
      ] as const) {
        const placement = placeLabel(from * trackWidth, to * trackWidth, trackWidth, labelWidth);
        assertWhole(placement, trackWidth, labelWidth, `track ${trackWidth}, bar ${from}–${to}`);
      }
    }
  });

  it('the issue 15 cases: a bar starting at the left edge no longer pushes its label off it', () => {
    // 307 ms of 400 ms on a 220 px track (a 480 px panel): the label now follows the bar.
    assert.deepEqual(placeLabel(5.5, 174, 220, 38), { kind: 'after', left: 178 });
    // A bar across the whole track: on the bar's right end, not past the left edge.
    assert.deepEqual(placeLabel(0, 220, 220, 38), { kind: 'inside', left: 178 });
    // No room anywhere: dropped whole.
    assert.deepEqual(placeLabel(0, 30, 60, 38), { kind: 'hidden' });
    assert.deepEqual(placeLabel(0, 10, 30, 38), { kind: 'hidden' });
  });

  it('prefers after the bar, then before it, and marks bars outside the view at their edge', () => {
    assert.equal(placeLabel(10, 50, 500, 40).kind, 'after');
    assert.deepEqual(placeLabel(300, 480, 500, 40), { kind: 'before', left: 256 });
    assert.deepEqual(placeLabel(600, 700, 500, 40), { kind: 'edge', side: 'right', left: 458 });
    assert.deepEqual(placeLabel(-90, -10, 500, 40), { kind: 'edge', side: 'left', left: 2 });
    assert.equal(placeLabel(Number.NaN, 10, 500, 40).kind, 'hidden');
  });
});

describe('axis label fitting', () => {
  it('the last tick on the right edge gets its label left of the line, not cut', () => {
    const placed = placeAxisLabels(
      [
        { x: 0, width: 20 },
        { x: 100, width: 36 },
        { x: 200, width: 36 },
      ],
      200,
    );
    assert.deepEqual(placed, [
      { left: 3, align: 'start' },
      { left: 103, align: 'start' },
      { left: 161, align: 'end' },
    ]);
  });

  it('labels that would overlap a neighbour or not fit are dropped, and the rest fit, at every width', () => {
    for (let width = 40; width <= 1600; width += 13) {
      const ticks = timeTicks(0, 400e6, width);
      const labels = ticks.map((tick) => ({ x: (tick.offsetNs / 400e6) * width, width: tick.label.length * 7 }));
      const placed = placeAxisLabels(labels, width);
      let previousRight = -Infinity;
      placed.forEach((placement, i) => {
        if (!placement) return;
        const w = labels[i]?.width ?? 0;
        assert.ok(placement.left >= 0 && placement.left + w <= width, `width ${width}: label ${i} at ${placement.left}`);
        assert.ok(placement.left >= previousRight, `width ${width}: label ${i} overlaps the previous one`);
        previousRight = placement.left + w;
      });
    }
  });
});
