import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

/**
 * Entry point VS Code calls inside the extension host (`extensionTestsPath`). Runs every
 * `*.test.js` beside it; the summary reporter writes the counts where the launcher polls.
 */
export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: join(__dirname, '..', 'host', 'summaryReporter.js') });
  // SPANLENS_TEST_FILES (comma-separated file names) runs a subset, as the installed-VSIX check does.
  const only = process.env['SPANLENS_TEST_FILES']?.split(',');
  for (const file of readdirSync(__dirname)
    .filter((name) => name.endsWith('.test.js') && (only === undefined || only.includes(name)))
    .sort()) {
    mocha.addFile(join(__dirname, file));
  }
  await new Promise<void>((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} in-host tests failed`)) : resolve()));
  });
}
