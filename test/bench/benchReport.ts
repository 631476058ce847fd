/** One measured figure against its target, as `npm run bench` prints it. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The figure must stay at or below this; Infinity for a figure reported without a target. */
  readonly target: number;
  /** An aim rather than a requirement: missing it is reported but does not fail the bench. */
  readonly aim?: boolean;
}

export function missedTarget(figure: Figure): boolean {
  return !figure.aim && figure.value > figure.target;
}

export function formatFigure(figure: Figure): string {
  const value = `${round(figure.value)} ${figure.unit}`;
  if (!Number.isFinite(figure.target)) return `${figure.name.padEnd(60)} ${value.padStart(14)}   (reported, no target)`;
  // A zero target (no wrong mappings, say) is met only by zero; dividing by it would print NaN.
  const ratio = figure.target === 0 ? (figure.value === 0 ? 0 : Number.POSITIVE_INFINITY) : figure.value / figure.target;
  const verdict = ratio <= 1 ? 'ok' : figure.aim ? 'above aim' : 'MISSED';
  const target = `${figure.aim ? 'aim' : 'target'} ≤ ${round(figure.target)} ${figure.unit}`;
  return `${figure.name.padEnd(60)} ${value.padStart(14)}   ${target.padEnd(22)} ${ratio.toFixed(2).padStart(6)}× of target  ${verdict}`;
}

function round(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}
