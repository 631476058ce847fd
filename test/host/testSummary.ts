/** What one suite run reports to the outer runner, whichever process ran it. */
export interface TestSummary {
  readonly suite: string;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly failures: readonly { readonly title: string; readonly message: string }[];
}

export function formatCounts(summary: Pick<TestSummary, 'passed' | 'failed' | 'skipped'>): string {
  return `${summary.passed} passed, ${summary.failed} failed, ${summary.skipped} skipped`;
}
