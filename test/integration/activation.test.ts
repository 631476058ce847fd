import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { extensionId } from '../../src/shared/contract';

interface Manifest {
  contributes: { commands: { command: string }[] };
}

describe('SpanLens in a real VS Code', () => {
  const extension = vscode.extensions.getExtension(extensionId);

  it('is installed under its contract id and activates', async () => {
    assert.ok(extension, `extension ${extensionId} is not loaded`);
    await extension.activate();
    assert.equal(extension.isActive, true);
    // Set by the installed-VSIX check: what runs must be the VSIX's copy, not the checkout.
    const installedIn = process.env['SPANLENS_INSTALLED_EXTENSIONS_DIR'];
    if (installedIn !== undefined) assert.ok(extension.extensionPath.startsWith(installedIn), `loaded from ${extension.extensionPath}, not from ${installedIn}`);
  });

  it('registers every command its package.json contributes', async () => {
    assert.ok(extension);
    const manifest = JSON.parse(readFileSync(join(extension.extensionPath, 'package.json'), 'utf8')) as Manifest;
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = manifest.contributes.commands.map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepEqual(missing, []);
  });

  it('opens the SpanLens view container and its Traces view', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.spanlens');
    await vscode.commands.executeCommand('spanlens.traces.focus');
  });
});
