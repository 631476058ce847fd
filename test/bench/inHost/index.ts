import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { SpanLensApi } from '../../../src/extension';
import { extensionId } from '../../../src/shared/contract';

/** Runs inside the extension host: reports what the extension measured of its own activation. */
export async function run(): Promise<void> {
  const extension = vscode.extensions.getExtension<SpanLensApi>(extensionId);
  if (!extension) throw new Error(`${extensionId} is not loaded`);
  const api = await extension.activate();
  const file = process.env['SPANLENS_SUMMARY_FILE'];
  if (file) writeFileSync(file, JSON.stringify({ activationMs: api.activationMs }));
}
