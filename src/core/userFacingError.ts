/**
 * Why something failed, as data. The adapter turns a reason into a message a person can act on;
 * core code never formats UI text ad hoc.
 */
export type FailureReason = {
  readonly kind: 'notBuiltYet';
  /** What the user tried, in their words (a command title). */
  readonly feature: string;
};

export class UserFacingError extends Error {
  constructor(readonly reason: FailureReason) {
    super(describeFailure(reason));
    this.name = 'UserFacingError';
  }
}

export function describeFailure(reason: FailureReason): string {
  return `SpanLens: "${reason.feature}" is not available in this version yet. Nothing was changed.`;
}
