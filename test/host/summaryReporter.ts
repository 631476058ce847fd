import { writeFileSync } from 'node:fs';
import Mocha from 'mocha';
import type { TestSummary } from './testSummary';

/**
 * Mocha's spec output for people, plus a JSON summary for the outer runner in the file named by
 * SPANLENS_SUMMARY_FILE. The in-host suite needs the file because its output never comes back
 * through the browser that hosts the workbench.
 */
class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const failures: { title: string; message: string }[] = [];
    runner.on('fail', (test, error: unknown) => {
      failures.push({ title: test.fullTitle(), message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    });
    runner.once('end', () => {
      const file = process.env['SPANLENS_SUMMARY_FILE'];
      if (!file) return;
      const stats = this.stats;
      const summary: TestSummary = {
        suite: process.env['SPANLENS_SUITE'] ?? 'tests',
        passed: stats.passes,
        failed: stats.failures,
        skipped: stats.pending,
        failures,
      };
      writeFileSync(file, JSON.stringify(summary, null, 2));
    });
  }
}

export = SummaryReporter;
