import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from './codeServerSession';
import { formatCounts, type TestSummary } from './testSummary';

/**
 * The same in-host suite in desktop VS Code, for machines that can download it
 * (`npm run test:electron`). CI here uses runInCodeServer, since this one needs the internet.
 */
async function main(): Promise<void> {
  const suite = process.argv[2] ?? 'integration';
  const resultDir = mkdtempSync(join(tmpdir(), 'spanlens-result-'));
  const resultFile = join(resultDir, 'summary.json');
  const workspace = mkdtempSync(join(tmpdir(), 'spanlens-ws-'));
  try {
    await runTests({
      version: '1.100.3',
      extensionDevelopmentPath: repoRoot,
      extensionTestsPath: join(repoRoot, 'out', 'test', suite, 'index.js'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
      extensionTestsEnv: { SPANLENS_SUMMARY_FILE: resultFile, SPANLENS_SUITE: suite },
    });
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
  if (!existsSync(resultFile)) throw new Error(`The ${suite} suite wrote no result.`);
  const summary = JSON.parse(readFileSync(resultFile, 'utf8')) as TestSummary;
  rmSync(resultDir, { recursive: true, force: true });
  console.log(`${suite} (in VS Code desktop): ${formatCounts(summary)}`);
  if (summary.failed > 0 || summary.passed === 0) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
