import { join } from 'node:path';
import type { Page } from 'playwright-core';

/**
 * An afterEach hook that saves what the workbench showed when a test failed, as
 * `<dir>/FAILED-<prefix><test title>.png`; `page` is read late because before() sets it.
 */
export function screenshotOnFailure(page: () => Page, dir: string, prefix = ''): Mocha.AsyncFunc {
  return async function (this: Mocha.Context) {
    if (this.currentTest?.state !== 'failed') return;
    const name = this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
    await page()
      .screenshot({ path: join(dir, `FAILED-${prefix}${name}.png`) })
      .catch(() => undefined);
  };
}
