import * as vscode from 'vscode';
import type { CommandId } from '../shared/contract';

export type CommandHandler = (...args: unknown[]) => unknown;

/** A failure the handler already showed with its own actions; the registry only rejects. */
export class ReportedError extends Error {
  constructor(
    message: string,
    readonly shown: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ReportedError';
  }
}

/**
 * Registers every contract command. The Record type makes a missing handler a compile error.
 * A failing command shows its message to the user and still rejects, so scripts that call it
 * with `executeCommand` see the same error (../shared/reference/contract.md).
 */
export function registerCommands(
  context: vscode.ExtensionContext,
  handlers: Readonly<Record<CommandId, CommandHandler>>,
): void {
  for (const [id, handler] of Object.entries(handlers) as [CommandId, CommandHandler][]) {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          return await handler(...args);
        } catch (error: unknown) {
          const message = error instanceof Error ? error.message : String(error);
          if (!(error instanceof ReportedError && error.shown)) void vscode.window.showErrorMessage(message);
          throw error instanceof Error ? error : new Error(message);
        }
      }),
    );
  }
}
