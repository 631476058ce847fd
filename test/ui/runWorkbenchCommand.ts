import type { Page } from 'playwright-core';

/**
 * Opens the command palette as a person would. F1 goes to whichever part has focus, and a
 * webview (the trace view) or the terminal can swallow it, so focus first moves to a neutral
 * part of the workbench, and the key is pressed again if the palette did not open.
 */
export async function openCommandPalette(page: Page): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Escape');
    // The side bar's title is inert: clicking it only moves focus out of a webview or terminal.
    await page
      .locator('.part.sidebar .composite.title .title-label')
      .click({ timeout: 2_000 })
      .catch(() => undefined);
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ timeout: 5_000 });
      return;
    } catch (error: unknown) {
      if (attempt >= 3) throw error;
    }
  }
}

/** Runs a command from the palette by its title. */
export async function runWorkbenchCommand(page: Page, title: string): Promise<void> {
  await openCommandPalette(page);
  const input = page.locator('.quick-input-widget input');
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
}
