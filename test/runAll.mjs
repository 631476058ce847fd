// `npm test`: lint, type-check, build, then the unit, integration (in a real VS Code) and UI
// suites, with one summary at the end. `npm test -- unit` (or integration, ui) runs only those
// suites after the checks. Exits non-zero when anything fails or a suite ran no test.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const suites = [
  { name: 'unit', command: [bin('mocha')], where: 'plain node' },
  { name: 'integration', command: [process.execPath, 'out/test/host/runInCodeServer.js', 'integration'], where: 'real VS Code via code-server' },
  { name: 'ui', command: [bin('mocha'), '--config', '.mocharc.ui.json'], where: 'workbench in headless Chromium' },
].filter((suite) => wanted.length === 0 || wanted.includes(suite.name));

function step(title, command, env = {}) {
  console.log(`\n▶ ${title}`);
  const started = Date.now();
  const result = spawnSync(command[0], command.slice(1), { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.error) console.error(`  could not start ${command[0]}: ${result.error.message}`);
  console.log(`  ${title}: ${result.status === 0 ? 'ok' : 'FAILED'} (${seconds} s)`);
  return result.status === 0;
}

const checks = [
  ['lint', [bin('eslint'), 'src', 'test', 'esbuild.mjs']],
  ['formatting (Prettier; npm run format fixes it)', ['npm', 'run', '--silent', 'format:check']],
  ['type-check every layer', ['npm', 'run', '--silent', 'typecheck']],
  ['build bundles', [process.execPath, 'esbuild.mjs']],
  ['compile tests', [bin('tsc'), '-p', 'test']],
];
for (const [title, command] of checks) {
  if (!step(title, command)) {
    console.error(`\n${title} failed; no tests were run.`);
    console.log('total: 0 passed, 1 failed');
    process.exit(1);
  }
}
if (suites.some((suite) => suite.name !== 'unit') && !step('code-server test host', [process.execPath, 'out/test/host/codeServerCache.js'])) {
  console.error('\nThe code-server test host could not be installed; see the messages above.');
  console.log('total: 0 passed, 1 failed');
  process.exit(1);
}

const scratch = mkdtempSync(join(tmpdir(), 'spanlens-test-'));
const rows = [];
let ok = true;
for (const suite of suites) {
  const summaryFile = join(scratch, `${suite.name}.json`);
  const exitedOk = step(`${suite.name} tests (${suite.where})`, suite.command, { SPANLENS_SUMMARY_FILE: summaryFile, SPANLENS_SUITE: suite.name });
  const summary = existsSync(summaryFile) ? JSON.parse(readFileSync(summaryFile, 'utf8')) : undefined;
  if (!summary) {
    rows.push({ name: suite.name, passed: 0, failed: 1, skipped: 0, note: 'no result: the suite did not finish' });
    ok = false;
    continue;
  }
  const note = summary.passed === 0 ? 'ran no passing test' : '';
  if (!exitedOk || summary.failed > 0 || summary.passed === 0) ok = false;
  rows.push({ name: suite.name, passed: summary.passed, failed: summary.failed + (exitedOk ? 0 : summary.failed === 0 ? 1 : 0), skipped: summary.skipped, note });
}
rmSync(scratch, { recursive: true, force: true });

console.log('\nSummary');
for (const row of rows) {
  console.log(`  ${`${row.name}:`.padEnd(13)} ${row.passed} passed, ${row.failed} failed, ${row.skipped} skipped${row.note ? `  (${row.note})` : ''}`);
}
const total = rows.reduce((sum, row) => ({ passed: sum.passed + row.passed, failed: sum.failed + row.failed, skipped: sum.skipped + row.skipped }), { passed: 0, failed: 0, skipped: 0 });
console.log(`total: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(ok ? 0 : 1);
