/** The values of `spanlens.annotations.window` (contract.md). */
export const aggregationWindows = ['15m', '1h', '24h', '7d'] as const;
export type AggregationWindow = (typeof aggregationWindows)[number];

export interface WindowSpec {
  readonly window: AggregationWindow;
  readonly lengthMs: number;
  /**
   * Width of one time bucket. About a twelfth of the window: data expires in steps of this
   * size, and a query merges about a dozen buckets, which keeps both memory and query cost flat
   * whichever window is chosen.
   */
  readonly bucketMs: number;
}

const minute = 60_000;
const specs: Readonly<Record<AggregationWindow, WindowSpec>> = {
  '15m': { window: '15m', lengthMs: 15 * minute, bucketMs: minute },
  '1h': { window: '1h', lengthMs: 60 * minute, bucketMs: 5 * minute },
  '24h': { window: '24h', lengthMs: 24 * 60 * minute, bucketMs: 2 * 60 * minute },
  '7d': { window: '7d', lengthMs: 7 * 24 * 60 * minute, bucketMs: 12 * 60 * minute },
};

export function windowSpec(window: AggregationWindow): WindowSpec {
  return specs[window];
}

/** Why a setting value was refused, as data (style.md habit 6). */
export type SettingProblem = { readonly kind: 'unknownWindow'; readonly value: string; readonly allowed: readonly string[] } | { readonly kind: 'badPercentiles'; readonly value: string };

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: SettingProblem; readonly message: string };

export function parseAggregationWindow(value: unknown): ParseResult<AggregationWindow> {
  const raw = typeof value === 'string' ? value.trim() : value;
  const found = aggregationWindows.find((w) => w === raw);
  if (found !== undefined) return { ok: true, value: found };
  const problem: SettingProblem = { kind: 'unknownWindow', value: typeof value === 'string' ? value : show(value), allowed: aggregationWindows };
  return { ok: false, problem, message: describeSettingProblem(problem) };
}

export const defaultPercentiles: readonly number[] = Object.freeze([50, 95, 99]);

/** `spanlens.annotations.percentiles`: numbers in (0, 100], at most 8, kept in the given order. */
export function parsePercentiles(value: unknown): ParseResult<readonly number[]> {
  if (value === undefined || value === null) return { ok: true, value: defaultPercentiles };
  if (Array.isArray(value) && value.length > 0 && value.length <= 8) {
    const list = value as unknown[];
    if (list.every((p): p is number => typeof p === 'number' && Number.isFinite(p) && p > 0 && p <= 100)) {
      return { ok: true, value: Object.freeze([...new Set(list)]) };
    }
  }
  const problem: SettingProblem = { kind: 'badPercentiles', value: show(value) };
  return { ok: false, problem, message: describeSettingProblem(problem) };
}

export function describeSettingProblem(problem: SettingProblem): string {
  switch (problem.kind) {
    case 'unknownWindow':
      return `SpanLens: "spanlens.annotations.window" is "${problem.value}", which is not a known window. Use one of ${problem.allowed.map((w) => `"${w}"`).join(', ')}.`;
    case 'badPercentiles':
      return `SpanLens: "spanlens.annotations.percentiles" is ${problem.value}. Use a list of 1 to 8 numbers above 0 and at most 100, such as [50, 95, 99].`;
  }
}

/** JSON.stringify returns undefined for undefined and functions, whatever its typing says. */
function show(value: unknown): string {
  const json = JSON.stringify(value) as string | undefined;
  return json ?? 'nothing';
}
