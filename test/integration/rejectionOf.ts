import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

/** Settles a command's promise and returns what it rejected with; fails when it resolves. */
export async function rejectionOf(command: string, argument?: unknown): Promise<Error> {
  try {
    await vscode.commands.executeCommand(command, argument);
  } catch (error: unknown) {
    assert.ok(error instanceof Error);
    return error;
  }
  throw new Error(`${command} resolved; it was expected to reject`);
}
