/** One measured figure against its target, as `npm run bench` prints it. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The figure must stay at or below this. */
  readonly target: number;
}

export function formatFigure(figure: Figure): string {
  const ratio = figure.value / figure.target;
  const verdict = ratio <= 1 ? 'ok' : 'MISSED';
  const value = `${round(figure.value)} ${figure.unit}`;
  const target = `≤ ${round(figure.target)} ${figure.unit}`;
  return `${figure.name.padEnd(44)} ${value.padStart(14)}   target ${target.padEnd(14)} ${ratio.toFixed(2).padStart(6)}× of target  ${verdict}`;
}

function round(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}
