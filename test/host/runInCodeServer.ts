import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, repoRoot, startCodeServer } from './codeServerSession';
import { formatCounts, type TestSummary } from './testSummary';

/**
 * Runs an in-host mocha suite inside a real VS Code: code-server serves the workbench, headless
 * Chromium opens it with the development options, and the suite writes its summary to a file
 * we poll, because its output does not come back through the browser.
 */
export async function runInCodeServer(options: { suite: string; testsIndex: string; timeoutMs?: number; env?: Record<string, string> }): Promise<TestSummary> {
  return (await runInHost(options)) as TestSummary;
}

/** Runs `testsIndex` in the extension host and returns the JSON it wrote to SPANLENS_SUMMARY_FILE. */
export async function runInHost(options: {
  suite: string;
  testsIndex: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  /**
   * Test SpanLens as installed from its VSIX into this extensions folder instead of the checkout.
   * VS Code runs extension tests only with a development path, so an empty folder stands in for it.
   */
  installedExtensionsDir?: string;
}): Promise<unknown> {
  const resultDir = mkdtempSync(join(tmpdir(), 'spanlens-result-'));
  const resultFile = join(resultDir, 'summary.json');
  const developmentPath = options.installedExtensionsDir === undefined ? repoRoot : join(resultDir, 'no-extension-under-development');
  mkdirSync(developmentPath, { recursive: true });
  const session = await startCodeServer({
    env: { SPANLENS_SUMMARY_FILE: resultFile, SPANLENS_SUITE: options.suite, ...options.env },
    ...(options.installedExtensionsDir === undefined ? {} : { extensionsDir: options.installedExtensionsDir }),
  });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(session.url({ extensionDevelopmentPath: developmentPath, extensionTestsPath: options.testsIndex }));
    const deadline = Date.now() + (options.timeoutMs ?? 300_000);
    while (!existsSync(resultFile)) {
      if (Date.now() > deadline) {
        throw new Error(
          `The in-host suite "${options.suite}" wrote no result within ${(options.timeoutMs ?? 300_000) / 1000} s.\n` +
            `code-server said:\n${session.logs.slice(-40).join('')}\nworkbench errors:\n${pageErrors.slice(-10).join('\n')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    // The file is written in one call; a short pause avoids reading it half-written.
    await new Promise((r) => setTimeout(r, 100));
    return JSON.parse(readFileSync(resultFile, 'utf8')) as unknown;
  } finally {
    await browser.close();
    await session.stop();
    rmSync(resultDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const suite = process.argv[2] ?? 'integration';
  const index = join(repoRoot, 'out', 'test', suite, 'index.js');
  runInCodeServer({ suite, testsIndex: index })
    .then((summary) => {
      for (const failure of summary.failures) console.error(`✗ ${failure.title}\n${failure.message}\n`);
      console.log(`${suite} (in code-server): ${formatCounts(summary)}`);
      const outer = process.env['SPANLENS_SUMMARY_FILE'];
      if (outer) writeFileSync(outer, JSON.stringify(summary));
      if (summary.failed > 0 || summary.passed === 0) {
        if (summary.passed === 0) console.error(`The ${suite} suite ran no passing test; that counts as a failure.`);
        process.exit(1);
      }
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
